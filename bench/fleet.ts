import { existsSync } from 'node:fs';
import { runScenario } from '../sim/runner.js';
import { loadScenario } from '../sim/scenario/index.js';
import { bareRate } from './lifecycle.js';

const FILE = 'scenarios/fleet-month.yaml';

/** A month of a 200-agent fleet through the whole engine, against the bare baseline. */
export async function fleetMonth(): Promise<string | null> {
  if (!existsSync(FILE)) return null;
  const scenario = await loadScenario(FILE);
  const t = performance.now();
  const result = await runScenario(scenario);
  const seconds = (performance.now() - t) / 1000;
  const n = result.incidents.length;
  const bare = await bareRate(Math.max(1, n));
  const rate = n / seconds;
  return `Fleet month (${FILE}): ${n.toLocaleString('en-US')} incidents from ${result.failures.toLocaleString('en-US')} failures in ${seconds.toFixed(1)} s: ${Math.round(rate).toLocaleString('en-US')}/s through the whole engine vs bare XState ${Math.round(bare).toLocaleString('en-US')}/s (ratio ${(rate / bare).toFixed(2)}); ${result.auditEntries.toLocaleString('en-US')} audit entries`;
}
