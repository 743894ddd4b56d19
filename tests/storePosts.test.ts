import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRandom } from '../sim/random.js';
import { Posting, Posts } from '../store/posting.js';

const P = suite('a field index\'s rows per value (Posts)');

P('answers as the plain array it replaced, through random sets and new values (seeded)', () => {
  const random = createRandom(8);
  const posts = new Posts();
  const plain: Array<Posting | number | undefined> = [undefined];
  for (let step = 0; step < 20_000; step++) {
    if (random() < 0.05 || plain.length === 1) {
      posts.push();
      plain.push(undefined);
      continue;
    }
    const code = 1 + Math.floor(random() * (plain.length - 1));
    const roll = random();
    const post = roll < 0.3 ? undefined : roll < 0.8 ? Math.floor(random() * 2 ** 31 - 2) : new Posting();
    posts.set(code, post);
    plain[code] = post;
    if (step % 101 === 0) for (let k = 0; k < plain.length; k++) assert.is(posts.get(k), plain[k], `value ${k} at step ${step}`);
  }
  assert.is(posts.length, plain.length);
  for (let k = 0; k < plain.length; k++) assert.is(posts.get(k), plain[k]);
});

P('row 0 and the largest row number are numbers, not "none"', () => {
  const posts = new Posts(3);
  posts.set(1, 0);
  posts.set(2, 2 ** 31 - 2);
  assert.is(posts.get(1), 0);
  assert.is(posts.get(2), 2 ** 31 - 2);
  assert.is(posts.get(0), undefined);
});

P.run();
