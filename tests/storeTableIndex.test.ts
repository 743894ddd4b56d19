import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRandom } from '../sim/random.js';
import { keyHash } from '../store/keyNumbers.js';
import { objectRows, TableIndex } from '../store/tableIndex.js';
import { TableOrder, tableIds, tableRow } from '../store/tableOrder.js';

type Row = { id: string; owner: string; status: string | null; n: number };

/**
 * A table and its index, changed together as the store's TableSet does; a row may be kept
 * on disk only (`cool`: the table holds a number, as a file store writer's commit leaves
 * it, and the index is not told).
 */
function table(index = new TableIndex()) {
  const rows: Record<string, Row | number> = {};
  const disk: Row[] = [];
  const read = (id: string) => {
    const row = rows[id];
    return typeof row === 'number' ? disk[row] : row;
  };
  return {
    rows,
    read,
    put(row: Row) {
      rows[row.id] = row;
      index.update(row.id, row);
    },
    remove(id: string) {
      delete rows[id];
      index.update(id, undefined);
    },
    /** Keeps row `id` on disk only, if it is in memory; false if not. */
    cool(id: string) {
      if (rows[id] === undefined || typeof rows[id] === 'number') return false;
      disk.push(rows[id] as Row);
      rows[id] = disk.length - 1;
      return true;
    },
    /** The rows the index lists, as TableSet.list reads them. */
    list(where: Partial<Row>, last?: number) {
      return index.ids(objectRows(rows), where, last, read).map(read);
    },
    /** What the index must answer: a scan of the table in its order. */
    scan(where: Partial<Row>, last?: number) {
      const all = Object.keys(rows).map(read).filter((r) => Object.entries(where).every(([k, v]) => r[k as keyof Row] === v));
      return last === undefined ? all : all.slice(all.length - Math.min(last, all.length));
    },
  };
}

const Emptied = suite('table index: emptied and refilled');

Emptied('answers like a scan after every value was removed and the table filled again', () => {
  const t = table();
  // Enough distinct values and removals to rebuild the value map, the id order and each posting.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 3000; i++) t.put({ id: `r${round}_${i}`, owner: `o${i % 1500}`, status: i % 3 ? 'open' : null, n: i });
    assert.equal(t.list({ owner: 'o7' }), t.scan({ owner: 'o7' }));
    assert.equal(t.list({ status: null }, 4), t.scan({ status: null }, 4));
    for (const id of Object.keys(t.rows)) t.remove(id);
    assert.equal(t.list({ owner: 'o7' }), []);
    assert.equal(t.list({ status: 'open' }), []);
  }
  // Refilled with ids used before: they sit where they were put again, last.
  t.put({ id: 'r0_5', owner: 'o1', status: 'open', n: 1 });
  t.put({ id: 'x', owner: 'o1', status: 'open', n: 2 });
  t.put({ id: 'r1_9', owner: 'o1', status: 'open', n: 3 });
  assert.equal(t.list({ owner: 'o1' }).map((r) => r.id), ['r0_5', 'x', 'r1_9']);
  assert.equal(t.list({ owner: 'o1', status: 'open' }, 2).map((r) => r.id), ['x', 'r1_9']);
});

Emptied('the last n rows of a value, also once a row moved into it out of table order', () => {
  const t = table();
  for (let i = 0; i < 10; i++) t.put({ id: `j${i}`, owner: i % 2 ? 'a' : 'b', status: 'open', n: i });
  assert.equal(t.list({ owner: 'a' }, 3).map((r) => r.id), ['j5', 'j7', 'j9']);
  // j0 (first in the table) moves to 'a': it enters a's postings last but is oldest.
  t.put({ id: 'j0', owner: 'a', status: 'open', n: 0 });
  assert.equal(t.list({ owner: 'a' }).map((r) => r.id), ['j0', 'j1', 'j3', 'j5', 'j7', 'j9']);
  assert.equal(t.list({ owner: 'a' }, 2).map((r) => r.id), ['j7', 'j9']);
  assert.equal(t.list({ owner: 'b' }, 0), []);
});

Emptied('random puts, moves and removals: every answer equals a scan (seeded)', () => {
  const random = createRandom(14);
  const pick = (n: number) => Math.floor(random() * n);
  const t = table();
  for (let step = 0; step < 20_000; step++) {
    const id = `r${pick(400)}`;
    const roll = random();
    if (roll < 0.3) t.remove(id);
    else t.put({ id, owner: `o${pick(roll < 0.9 ? 5 : 50)}`, status: random() < 0.5 ? null : 'open', n: step });
    if (step % 97 === 0) {
      const where = { owner: `o${pick(5)}`, ...(random() < 0.5 ? { status: 'open' } : {}) };
      const last = random() < 0.5 ? pick(8) : undefined;
      assert.equal(t.list(where, last), t.scan(where, last), `step ${step}: ${JSON.stringify(where)} last ${last}`);
    }
  }
});

Emptied('values mostly held by one row (ids, timestamps): moves, removals and shared values answer as a scan (seeded)', () => {
  const random = createRandom(41);
  const pick = (n: number) => Math.floor(random() * n);
  const t = table();
  for (let step = 0; step < 20_000; step++) {
    const id = `r${pick(600)}`;
    const roll = random();
    if (roll < 0.25) t.remove(id);
    // Most values are one row's own; now and then a second row takes one, or a row keeps its value.
    else t.put({ id, owner: roll < 0.35 ? `o${pick(3)}` : roll < 0.45 && t.rows[id] ? t.read(id).owner : `u${pick(3000)}`, status: random() < 0.5 ? null : 'open', n: step });
    if (step % 31 === 0) {
      const owners = Object.keys(t.rows).map((id) => t.read(id).owner);
      const owner = owners.length && random() < 0.8 ? owners[pick(owners.length)] : `u${pick(3000)}`;
      const where = { owner, ...(random() < 0.5 ? { status: 'open' } : {}) };
      const last = random() < 0.5 ? pick(3) : undefined;
      assert.equal(t.list(where, last), t.scan(where, last), `step ${step}: ${JSON.stringify(where)} last ${last}`);
    }
  }
});

Emptied('a field of a value per row is numbered by hash: two values of one hash list only their own rows, rows kept on disk included (seeded)', () => {
  // Two ids of one 32-bit hash (found by search): past 4,096 values the field numbers them alike.
  const [a, b] = ['inc_232789', 'inc_429192'];
  assert.is(keyHash(a), keyHash(b));
  const random = createRandom(55);
  const pick = (n: number) => Math.floor(random() * n);
  const t = table(new TableIndex());
  t.put({ id: 'j_a', owner: a, status: 'open', n: 0 });
  assert.equal(t.list({ owner: a }), t.scan({ owner: a }), 'the index is built');
  for (let i = 0; i < 6_000; i++) t.put({ id: `j${i}`, owner: `inc_${i}`, status: i % 2 ? 'open' : null, n: i });
  t.put({ id: 'j_b', owner: b, status: 'open', n: 1 });
  t.put({ id: 'j_b2', owner: b, status: null, n: 2 });
  for (let step = 0; step < 4_000; step++) {
    const id = random() < 0.1 ? ['j_a', 'j_b', 'j_b2'][pick(3)] : `j${pick(6_000)}`;
    const roll = random();
    if (roll < 0.1) t.remove(id);
    // A row kept on disk only is checked by reading it.
    else if (!(roll < 0.4 && t.cool(id))) t.put({ id, owner: random() < 0.2 ? [a, b][pick(2)] : `inc_${pick(7_000)}`, status: random() < 0.5 ? null : 'open', n: step });
    if (step % 37 === 0) {
      const owner = random() < 0.5 ? [a, b][pick(2)] : `inc_${pick(7_000)}`;
      const where = random() < 0.5 ? { owner } : { owner, status: 'open' };
      const last = random() < 0.5 ? pick(3) : undefined;
      assert.equal(t.list(where, last), t.scan(where, last), `step ${step}: ${JSON.stringify(where)} last ${last}`);
    }
  }
  assert.ok(t.scan({ owner: a }).length > 0 && t.scan({ owner: b }).length > 0, 'both values still held');
});

Emptied('a column widens from a byte a row to two and four as a field\'s values pass 255 and 65,535, the rows\' numbers kept', () => {
  const t = table();
  t.put({ id: 'first', owner: 'o0', status: 'open', n: 0 });
  assert.equal(t.list({ owner: 'o0' }).map((r) => r.id), ['first'], 'the index is built');
  for (let i = 1; i < 70_000; i++) t.put({ id: `r${i}`, owner: `o${i % 69_000}`, status: 'open', n: i });
  for (const owner of ['o0', 'o1', 'o254', 'o255', 'o256', 'o65535', 'o65536', 'o68999', 'o69000']) assert.equal(t.list({ owner }), t.scan({ owner }), owner);
  assert.equal(t.list({ owner: 'o0' }).map((r) => r.id), ['first', 'r69000']);
});

Emptied('a field indexed for null only answers every value as a scan, rows kept on disk included (seeded)', () => {
  const random = createRandom(77);
  const pick = (n: number) => Math.floor(random() * n);
  // `status` here is like an incident's closedAt: null while open, then a time of its own.
  const t = table(new TableIndex(new Set(['status'])));
  const times: string[] = [];
  for (let step = 0; step < 10_000; step++) {
    const id = `r${pick(500)}`;
    const roll = random();
    if (roll < 0.15) t.remove(id);
    else if (!(roll < 0.3 && t.cool(id))) {
      const status = random() < 0.4 ? null : `t${step}`;
      if (status) times.push(status);
      t.put({ id, owner: `o${pick(4)}`, status, n: step });
    }
    if (step % 53 === 0) {
      const status = random() < 0.5 ? null : times.length && random() < 0.8 ? times[pick(times.length)] : 'never';
      const where = random() < 0.5 ? { status } : { status, owner: `o${pick(4)}` };
      assert.equal(t.list(where), t.scan(where), `step ${step}: ${JSON.stringify(where)}`);
    }
  }
});

Emptied('numbered by its table order (a writer\'s): through compactions of the order and an id that reads as an array index, every answer equals a scan (seeded)', () => {
  const random = createRandom(93);
  const pick = (n: number) => Math.floor(random() * n);
  // As TableSet changes them: the order numbers a new row before the index is told, and forgets a removed one after.
  const rows: Record<string, Row> = {};
  const order = new TableOrder();
  const index = new TableIndex(new Set(), order);
  const table = { ids: () => tableIds(rows, order), row: (id: string) => tableRow(rows, order, id) as Row | undefined };
  const scan = (where: Partial<Row>, last?: number) => {
    const all = table.ids().map((id) => rows[id]).filter((r) => Object.entries(where).every(([k, v]) => r[k as keyof Row] === v));
    return last === undefined ? all : all.slice(all.length - Math.min(last, all.length));
  };
  let numbered = 0;
  for (let step = 0; step < 30_000; step++) {
    // Mostly new ids, each removed within 300 steps: the order compacts its numbers many times.
    const id = random() < 0.4 ? `r${step}` : `r${Math.max(0, step - pick(300))}`;
    const gone = `r${step - 300}`;
    if (Object.hasOwn(rows, gone)) {
      index.update(gone, undefined);
      delete rows[gone];
      order.delete(gone);
    }
    const row = { id, owner: `o${pick(6)}`, status: random() < 0.5 ? null : 'open', n: step };
    if (random() < 0.2 && Object.hasOwn(rows, id)) {
      index.update(id, undefined);
      delete rows[id];
      order.delete(id);
    } else {
      if (!Object.hasOwn(rows, id)) order.add(id);
      rows[id] = row;
      index.update(id, row);
    }
    // Late in the run, an id that reads as an array index, which the order does not hold: listed first.
    if (step === 24_000) {
      rows['11'] = { ...row, id: '11' };
      index.update('11', rows['11']);
    }
    if (step % 89 === 0) {
      const where = { owner: `o${pick(6)}`, ...(random() < 0.5 ? { status: 'open' } : {}) };
      const last = random() < 0.5 ? pick(8) : undefined;
      assert.equal(index.ids(table, where, last).map((k) => rows[k]), scan(where, last), `step ${step}: ${JSON.stringify(where)} last ${last}`);
      numbered++;
    }
  }
  assert.ok(numbered > 300 && order.size <= 300, 'the table stayed small while ids came and went');
});

Emptied('an id that reads as an array index, put after the rows were numbered, is listed first in a filtered listing too, as in the table', () => {
  const t = table();
  t.put({ id: 'j1', owner: 'a', status: null, n: 1 });
  t.put({ id: '5', owner: 'a', status: null, n: 2 });
  assert.equal(t.list({ owner: 'a' }).map((r) => r.id), ['5', 'j1']);
  t.put({ id: '3', owner: 'a', status: null, n: 3 });
  t.put({ id: 'j2', owner: 'a', status: null, n: 4 });
  assert.equal(Object.keys(t.rows), ['3', '5', 'j1', 'j2']);
  assert.equal(t.list({ owner: 'a' }).map((r) => r.id), ['3', '5', 'j1', 'j2']);
  assert.equal(t.list({ owner: 'a' }, 3).map((r) => r.id), ['5', 'j1', 'j2']);
  assert.equal(t.list({ owner: 'a' }), t.scan({ owner: 'a' }));
});

Emptied.run();
