import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freezeData } from '../agents/runtime.js';

const freeze = suite('freezeData: an audit row\'s meta frozen to its last value');

freeze('plain data is frozen all the way down, in place', () => {
  const findings = [{ kind: 'dns', hosts: ['a', 'b'] }];
  const meta = { findings, impact: { kind: 'platform-down', financialUSD: 0, decision: null }, note: 'x', gone: undefined };
  assert.ok(freezeData(meta));
  for (const part of [meta, findings, findings[0], findings[0].hosts, meta.impact]) assert.ok(Object.isFrozen(part));
  assert.ok(freezeData(Object.assign(Object.create(null), { a: [1] })), 'an object without a prototype is plain');
});

freeze('anything but plain data is left as it is and said so, the plain parts around it frozen', () => {
  const cases: Array<[string, unknown]> = [
    ['a Date', new Date(0)],
    ['a typed array', new Uint8Array(2)],
    ['a class instance', new (class Finding { kind = 'dns'; })()],
    ['a Map', new Map()],
    ['a function', () => 1],
    ['a bigint', 1n],
  ];
  for (const [what, value] of cases) {
    const list: unknown[] = [value];
    const meta = { list };
    assert.is(freezeData(meta), false, what);
    assert.ok(Object.isFrozen(meta) && Object.isFrozen(list), `${what}: its parents frozen`);
    if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) assert.is(Object.isFrozen(value), false, `${what}: itself not`);
  }
});

freeze('a cycle is not plain data (its row is serialized, which refuses it, as before)', () => {
  const a: Record<string, unknown> = {};
  a.self = a;
  assert.is(freezeData({ a }), false);
});

freeze.run();
