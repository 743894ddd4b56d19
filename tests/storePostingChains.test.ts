import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRandom } from '../sim/random.js';
import { PostingChains } from '../store/postingChains.js';

const Chains = suite('PostingChains');

Chains('gives each value its rows in order, for values of one row, a few, and many', () => {
  const chains = new PostingChains();
  const model = new Map<number, number[]>();
  const random = createRandom(7);
  // Value 1 is in most rows (it outgrows its chain), values up to 3,000 in a few each.
  for (let pos = 0; pos < 20_000; pos++) {
    if (random() < 0.1) continue;
    const id = random() < 0.3 ? 1 : 2 + Math.floor(random() * 3000);
    chains.add(id, pos);
    model.set(id, [...(model.get(id) ?? []), pos]);
  }
  assert.ok((model.get(1) ?? []).length > 1000);
  for (let id = 1; id < 3002; id++) assert.equal(Array.from(chains.positions(id, Infinity)), model.get(id) ?? [], `value ${id}`);
  assert.equal(Array.from(chains.positions(9999, Infinity)), []);
});

Chains('leaves out the rows from `size` on', () => {
  const chains = new PostingChains();
  for (let pos = 0; pos < 40; pos += 2) chains.add(5, pos);
  chains.add(6, 1);
  chains.add(6, 31);
  assert.equal(Array.from(chains.positions(5, 7)), [0, 2, 4, 6]);
  assert.equal(Array.from(chains.positions(5, 0)), []);
  assert.equal(Array.from(chains.positions(6, 31)), [1]);
  assert.equal(Array.from(chains.positions(6, 32)), [1, 31]);
});

Chains.run();
