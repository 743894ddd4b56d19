/**
 * CLI start-up from the compiled package: `incident-flow --help` and `validate` of a small
 * scenario, each a fresh process, against `node -e 0` (Node's own start-up) in the same run,
 * with the sources through tsx (how the CLI used to start) for comparison. The cases take
 * turns, round by round, so a busy spell on the machine hits all of them alike; each
 * figure is the median of its rounds.
 *
 * `node --import tsx bench/startup.ts [rounds]` runs it alone; importing it runs nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { p50 } from '../reports/stats.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = 'bin/incident-flow.js';
const SCENARIO = 'scenarios/p3-ui-glitch.yaml';
const SOURCES = ['--conditions=incident-flow-source', '--import', 'tsx', BIN];

export const STARTUP_CASES = {
  'node -e 0': ['-e', '0'],
  'incident-flow --help': [BIN, '--help'],
  [`incident-flow validate ${SCENARIO}`]: [BIN, 'validate', SCENARIO],
  'the same validate from the sources through tsx': [...SOURCES, 'validate', SCENARIO],
} as const;
export type StartupCase = keyof typeof STARTUP_CASES;

function timeOnce(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, args, { cwd: REPO, stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Median wall time (ms) of each case over `rounds` interleaved rounds, after one warm-up round. */
export function startupRace(rounds: number): Record<StartupCase, number> {
  if (!existsSync(new URL('../dist/sim/cli.js', import.meta.url))) throw new Error('bench: dist/ is missing: run `npm run build` first');
  const cases = Object.entries(STARTUP_CASES) as Array<[StartupCase, readonly string[]]>;
  for (const [, args] of cases) timeOnce(args); // the file cache warm for every case
  const samples = cases.map((): number[] => []);
  for (let round = 0; round < rounds; round++) cases.forEach(([, args], i) => samples[i].push(timeOnce(args)));
  return Object.fromEntries(cases.map(([name], i) => [name, p50(samples[i]) ?? NaN])) as Record<StartupCase, number>;
}

/** One line per case: its median and its multiple of `node -e 0`. */
export function startupLines(medians: Record<StartupCase, number>): string[] {
  const node = medians['node -e 0'];
  return Object.entries(medians).map(([name, ms]) => `   ${name.padEnd(52)} ${Math.round(ms).toString().padStart(5)} ms  ${(ms / node).toFixed(1)}× node -e 0`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rounds = Number(process.argv[2] ?? 7);
  console.log(`CLI start-up, median of ${rounds} interleaved rounds`);
  console.log(startupLines(startupRace(rounds)).join('\n'));
}
