import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';
import { parseScenario, ScenarioError } from '../sim/scenario/index.js';

/** Scenarios too large to hold or run are refused with the limit named, exit 2, no stack. */

async function validate(text: string | Buffer): Promise<{ code: number; err: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'incident-flow-limits-')), 'big.yaml');
  writeFileSync(file, text);
  let err = '';
  const code = await main(['validate', file], { out: () => undefined, err: (t) => void (err += t), interactive: false });
  return { code, err };
}
const base = (failures: string) => `name: limits\nstart: "2026-03-02T14:00:00Z"\nagents: [{ id: billing, workflows: [invoice-run] }]\nfailures:\n${failures}`;
const failure = (i: number, at = '1m') => `  - { id: f${i}, agent: billing, workflow: invoice-run, at: ${at}, error: "API 503" }\n`;

const limits = suite('scenario limits');

limits('a duration of 999999999999999d is a problem at its path, not an internal error', async () => {
  const { code, err } = await validate(base(failure(1, '999999999999999d')));
  assert.is(code, EXIT.invalid, err);
  assert.match(err, /failures\[0\]\.at: expected a duration of at most 366d, got "999999999999999d"/);
  assert.not.match(err, /internal error|DurationError|\n\s+at /);
});

limits('a duration just over a year, and milliseconds over it, are refused naming 366 days', async () => {
  const { code, err } = await validate(`${base(failure(1, '367d'))}config: { TWO_HOUR_RULE_MS: 40000000000 }\n`);
  assert.is(code, EXIT.invalid);
  assert.match(err, /failures\[0\]\.at: expected a duration of at most 366d, got "367d"/);
  assert.match(err, /config\.TWO_HOUR_RULE_MS: expected .*<= 31622400000/);
});

limits('a file over 1 MB is refused before it is parsed, naming the limit', async () => {
  const { code, err } = await validate(Buffer.alloc(2 * 1024 * 1024, 0x20));
  assert.is(code, EXIT.invalid);
  assert.match(err, 'expected a scenario file of at most 1 MB (1,048,576 bytes, MAX_SCENARIO_BYTES), got 2,097,152 bytes;');
});

limits('a file a little over 1 MB says by how much, where one decimal of MB read "at most 1.0 MB, got 1.0 MB"', async () => {
  const { code, err } = await validate(Buffer.alloc(1024 * 1024 + 50_000, 0x20));
  assert.is(code, EXIT.invalid);
  assert.match(err, 'at most 1 MB (1,048,576 bytes, MAX_SCENARIO_BYTES), got 1,098,576 bytes;');
});

limits('parseScenario counts the limit in bytes, as a file\'s size: 600,000 two-byte characters are refused', () => {
  const text = `name: big\ndescription: "${'é'.repeat(600_000)}"\n`;
  assert.throws(() => parseScenario(text, 'big.yaml'), (error: ScenarioError) => /got 1,200,02\d bytes/.test(error.problems[0]?.message ?? ''));
});

limits('more than 10,000 listed failures are refused', async () => {
  const { code, err } = await validate(base(Array.from({ length: 10_001 }, (_, i) => failure(i)).join('')));
  assert.is(code, EXIT.invalid);
  assert.match(err, /failures: expected at most 10000 items, got 10001/);
});

limits('more than 200,000 failures in a run (repeats) are refused, naming MAX_EVENTS', async () => {
  // 21 entries each repeated 10,000 times: each within the schema, the run over the limit.
  const many = Array.from({ length: 21 }, (_, i) => `  - { id: f${i}, agent: billing, workflow: invoice-run, at: 1m, error: "503", repeat: { every: 1s, count: 10000 } }\n`).join('');
  const run = await validate(base(many));
  assert.is(run.code, EXIT.invalid, run.err);
  assert.match(run.err, /expected at most 200,000 failures in a run \(MAX_EVENTS\), got about 21\d,\d{3}/);
});

limits.run();
