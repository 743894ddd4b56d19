import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, main } from '../sim/cli.js';
import { createRandom } from '../sim/random.js';
import { mutant } from './helpers/scenarioMutants.js';

const fuzz = suite('incident-flow run under fuzzing');

/** A line of a JavaScript stack trace: what a user must never see for their own mistake. */
const STACK_LINE = /^\s+at .+(\(|:\d+:\d+)/m;

fuzz('300 mutated scenario files end in exit 0, 1 or 2 with a message, never a stack trace, and exit 2 writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'if-cli-fuzz-'));
  const random = createRandom(7_2026);
  const seen = new Map<number, number>();
  try {
    for (let i = 0; i < 300; i++) {
      const { text, applied } = mutant(random);
      const file = join(dir, `case-${i}.yaml`);
      const out = join(dir, `out-${i}`);
      writeFileSync(file, text);
      let err = '';
      const code = await main(['run', file, '--out', out], { out: () => {}, err: (t) => void (err += t), interactive: false });
      seen.set(code, (seen.get(code) ?? 0) + 1);
      const context = `case ${i} (${applied.join(', ')}) → exit ${code}\n${err}\n--- input ---\n${text}`;
      assert.ok(code === EXIT.pass || code === EXIT.failed || code === EXIT.invalid, context);
      assert.not.match(err, STACK_LINE, context);
      if (code === EXIT.invalid) {
        assert.match(err, `${file}:`, context);
        assert.not.ok(existsSync(out), `nothing written: ${context}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Both kinds of outcome must be common, or the mutations exercise nothing.
  assert.ok((seen.get(EXIT.invalid) ?? 0) > 100, `invalid: ${seen.get(EXIT.invalid)}`);
  assert.ok((seen.get(EXIT.pass) ?? 0) + (seen.get(EXIT.failed) ?? 0) > 20, `ran: ${JSON.stringify([...seen])}`);
});

fuzz.run();
