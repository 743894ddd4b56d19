import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DurationError, formatDuration, parseDuration } from '../sim/duration.js';

const parse = suite('parseDuration');

const valid: Array<[string, number]> = [
  ['0s', 0],
  ['250ms', 250],
  ['90s', 90_000],
  ['5m', 300_000],
  ['2h', 7_200_000],
  ['3d', 259_200_000],
  ['1h30m', 5_400_000],
  ['1d2h3m4s5ms', 93_784_005],
];
for (const [text, ms] of valid) parse(`reads ${text} as ${ms} ms`, () => assert.is(parseDuration(text), ms));

const invalid: Array<[unknown, RegExp]> = [
  ['5 minutes', /^expected a duration like "5m", got "5 minutes"$/],
  ['5', /expected a duration like "5m", got "5"/],
  [300, /expected a duration like "5m", got 300$/],
  ['', /got ""/],
  ['1.5h', /like "5m"/],
  ['5M', /like "5m"/],
  [' 5m', /like "5m"/],
  ['5w', /like "5m"/],
  [null, /got null/],
  [undefined, /got nothing/],
  ['-5m', /^expected a non-negative duration like "5m", got "-5m"$/],
  ['30m1h', /each unit once, largest first/],
  ['5m5m', /each unit once/],
  ['99999999999999999999d', /at most 366d/],
];
for (const [input, message] of invalid) {
  parse(`rejects ${JSON.stringify(input)} with a DurationError`, () => {
    try {
      parseDuration(input);
      assert.unreachable();
    } catch (error) {
      assert.instance(error, DurationError);
      assert.match((error as DurationError).message, message);
      assert.is((error as DurationError).got, input);
    }
  });
}

parse.run();

const format = suite('formatDuration');

const formatted: Array<[number, string]> = [
  [0, '0s'],
  [250, '250ms'],
  [90_000, '1m30s'],
  [7_200_000, '2h'],
  [93_784_005, '1d2h3m4s5ms'],
  [-90_000, '-1m30s'],
  [1.6, '2ms'],
];
for (const [ms, text] of formatted) format(`writes ${ms} ms as ${text}`, () => assert.is(formatDuration(ms), text));

format('parseDuration reads back what formatDuration writes', () => {
  for (let ms = 0; ms < 10 * 86_400_000; ms = ms * 3 + 7) assert.is(parseDuration(formatDuration(ms)), ms);
});

format.run();
