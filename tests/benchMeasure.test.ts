import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { median, quartiles } from '../bench/measure.js';

const stats = suite('bench: the medians and quartiles its ratios are reported with');

stats('median: the middle value, or the mean of the middle two', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
});

stats('quartiles: the medians of the lower and upper halves, whatever the order', () => {
  assert.equal(quartiles([9, 1, 8, 2, 7, 3, 6, 4, 5]), [2.5, 7.5]);
  assert.equal(quartiles([4, 3, 2, 1]), [1.5, 3.5]);
  assert.equal(quartiles([0.7, 0.8, 0.9]), [0.7, 0.9]);
  assert.equal(quartiles([0.75]), [0.75, 0.75]);
});

stats.run();
