import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/scenarios/', import.meta.url));
const FILES = ['store.json', 'store.audit.jsonl', 'report.json'] as const;

/** Runs the CLI in-process into `out`; fails the test unless the run passes. */
async function runInto(out: string, scenario: string, ...extra: string[]): Promise<void> {
  let err = '';
  const code = await main(['run', join(FIXTURES, scenario), '--out', out, ...extra], { out: () => {}, err: (t) => void (err += t), interactive: false });
  assert.is(code, EXIT.pass, err);
}

const bytes = (dir: string, file: string) => readFileSync(join(dir, file));

interface Incident {
  id: string;
  failure: string;
  severity: string;
  detectedAt: string;
  respondedAt: string | null;
}
const incidentsOf = (dir: string): Incident[] => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).incidents;

let root = '';
const Same = suite('the same scenario and seed replay byte for byte');
Same.before.each(() => void (root = mkdtempSync(join(tmpdir(), 'incident-flow-determinism-'))));
Same.after.each(() => rmSync(root, { recursive: true, force: true }));

for (const scenario of ['pass.yaml', 'seeded.yaml']) {
  Same(`${scenario}: two runs into two folders give identical store files and report.json`, async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    await runInto(a, scenario);
    await runInto(b, scenario);
    for (const file of FILES) {
      assert.ok(bytes(a, file).length > 0, `${file} is empty`);
      assert.ok(bytes(a, file).equals(bytes(b, file)), `${file} differs between two runs of ${scenario}`);
    }
  });
}

Same('--seed N replays the run the scenario\'s own seed N gives', async () => {
  const own = join(root, 'own');
  const flag = join(root, 'flag');
  await runInto(own, 'seeded.yaml');
  await runInto(flag, 'seeded.yaml', '--seed', '9'); // seeded.yaml says seed: 9
  for (const file of FILES) assert.ok(bytes(own, file).equals(bytes(flag, file)), file);
});

Same.run();

const Other = suite('another seed changes what randomness decides, and only that');
Other.before.each(() => void (root = mkdtempSync(join(tmpdir(), 'incident-flow-determinism-'))));
Other.after.each(() => rmSync(root, { recursive: true, force: true }));

Other('ids and bytes differ; the failure, its severity and the verdict do not', async () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  await runInto(a, 'pass.yaml', '--seed', '1');
  await runInto(b, 'pass.yaml', '--seed', '2');
  const [x] = incidentsOf(a);
  const [y] = incidentsOf(b);
  assert.is.not(x.id, y.id);
  assert.is(x.detectedAt, y.detectedAt);
  assert.is(x.failure, y.failure);
  assert.is(x.severity, y.severity);
  for (const file of FILES) assert.not.ok(bytes(a, file).equals(bytes(b, file)), `${file} is the same for two seeds`);
});

// Fails while sim/random.ts seeds xoshiro128**'s s[1] from the seed's high 32 bits only: the
// first output depends on s[1] alone, so every seed below 2^32 draws 0.727… first, and a
// one-incident rehearsal's first acknowledgement latency ignores --seed.
Other('the first random draw (Cheryl\'s first acknowledgement latency) differs between seeds', async () => {
  const responded = new Set<string | null>();
  for (const seed of ['1', '2', '3']) {
    const out = join(root, seed);
    await runInto(out, 'pass.yaml', '--seed', seed);
    responded.add(incidentsOf(out)[0].respondedAt); // pass.yaml: Cheryl acknowledges after uniform(1m, 10m)
  }
  assert.is(responded.size, 3, `seeds 1, 2 and 3 gave the same acknowledgement time: ${[...responded].join(', ')}`);
});

Other('random load arrives at other times', async () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  await runInto(a, 'seeded.yaml', '--seed', '9');
  await runInto(b, 'seeded.yaml', '--seed', '10');
  const times = (dir: string) => incidentsOf(dir).map((i) => i.detectedAt).join(',');
  assert.ok(incidentsOf(a).length > 0 && incidentsOf(b).length > 0);
  assert.is.not(times(a), times(b));
});

Other.run();
