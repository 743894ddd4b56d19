import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRandom } from '../sim/random.js';
import { rowsImage, TableOrder, tableIds, tableRow } from '../store/tableOrder.js';
import type { RowsImage } from '../store/tableOrder.js';

const Order = suite('table order: a writer table\'s ids in order, rows on disk out of the object');

/**
 * A writer's table through 30,000 seeded steps (puts, removals, rows kept on disk; mostly new
 * ids, so the order compacts), beside the model: one object holding every row (a place on
 * disk, or the row); `each` is called after each step.
 */
function churn(seed: number, removed: number, kept: number, each: (step: number, model: Record<string, { id: string } | number>, rows: Record<string, { id: string }>, order: TableOrder) => void): void {
  const random = createRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const model: Record<string, { id: string } | number> = {};
  const rows: Record<string, { id: string }> = {};
  const order = new TableOrder();
  for (let step = 0; step < 30_000; step++) {
    // Mostly new ids (the table grows and empties), some reused, some array indexes.
    const id = random() < 0.02 ? String(pick(50)) : random() < 0.5 ? `r${step}` : `r${pick(step + 1)}`;
    const roll = random();
    const held = Object.hasOwn(model, id);
    if (held && roll < removed) {
      delete model[id];
      delete rows[id];
      order.delete(id);
    } else if (held && roll < kept && typeof model[id] !== 'number') {
      // A commit keeps it on disk: the object drops it if the order holds it.
      if (order.place(id, step)) {
        model[id] = step;
        delete rows[id];
      }
    } else {
      const row = { id };
      if (!held || !order.place(id, NaN)) order.add(id);
      model[id] = row;
      rows[id] = row;
    }
    each(step, model, rows, order);
  }
}

Order('lists the rows as one object holding all of them would, through puts, removals, rows kept on disk and compactions (seeded)', () => {
  churn(31, 0.3, 0.6, (step, model, rows, order) => {
    if (step % 101 !== 0 && step !== 29_999) return;
    assert.equal(tableIds(rows, order), Object.keys(model), `step ${step}`);
    for (const key of Object.keys(model).slice(0, 50)) assert.is(tableRow(rows, order, key), model[key]);
    assert.is(tableRow(rows, order, 'never put'), undefined);
  });
});

Order('an image lists the rows as they stood when it was taken, while the table changes on: removals, puts, places and compactions after it (seeded)', () => {
  const images: Array<{ image: RowsImage; then: Array<[string, unknown]> }> = [];
  const listed = (image: RowsImage) => Array.from({ length: image.size }, (_, k): [string, unknown] => [image.id(k), image.row(k)]);
  churn(47, 0.4, 0.7, (step, model, rows, order) => {
    // The last one is read at once, the others after the steps that followed them.
    if (step % 997 === 0 || step === 29_999) images.push({ image: rowsImage(rows, order), then: Object.entries(model) });
  });
  assert.ok(images.length > 25);
  for (const { image, then } of images) assert.equal(listed(image), then);
});

Order('an id that reads as an array index is not held: its row stays in the object, listed first', () => {
  const order = new TableOrder();
  const rows: Record<string, { id: string }> = {};
  for (const id of ['b', '10', 'a', '2', '01', '4294967295', '4294967294']) {
    rows[id] = { id };
    order.add(id);
  }
  assert.equal(tableIds(rows, order), Object.keys(rows));
  assert.is(order.place('2', 7), false);
  assert.is(order.place('01', 7), true, '"01" is not an array index');
  assert.is(order.size, 4);
});

Order('places past 2 GiB, journal places and rows back in memory are kept exactly, across a compaction', () => {
  const order = new TableOrder();
  for (let i = 0; i < 3_000; i++) order.add(`r${i}`);
  const places = new Map<string, number>([['r1', 0], ['r2', 2 ** 31 - 1], ['r3', -(2 ** 31 - 1)], ['r4', -5]]);
  for (const [id, at] of places) order.place(id, at);
  assert.is(order.at('r2'), 2 ** 31 - 1);
  assert.is(order.at('r3'), -(2 ** 31 - 1));
  assert.ok(Number.isNaN(order.at('r0') as number), 'a row in memory');
  // A place 4 bytes cannot hold: every place is kept as it was.
  order.place('r5', 5 * 2 ** 30);
  order.place('r6', -(2 ** 31) - 7);
  places.set('r5', 5 * 2 ** 30).set('r6', -(2 ** 31) - 7);
  for (const [id, at] of places) assert.is(order.at(id), at, id);
  assert.ok(Number.isNaN(order.at('r7') as number));
  // Removals enough to compact the numbers: the places follow their rows.
  for (let i = 7; i < 3_000; i++) order.delete(`r${i}`);
  order.place('r0', NaN);
  for (const [id, at] of places) assert.is(order.at(id), at, `${id} after the compaction`);
  assert.ok(Number.isNaN(order.at('r0') as number));
  assert.is(order.at('r9'), undefined);
});

Order.run();
