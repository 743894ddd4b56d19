import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario, type RunResult } from '../sim/runner.js';
import { loadScenario } from '../sim/scenario/index.js';
import { reportJson, reportJsonParts } from '../sim/summary.js';
import { openStore } from '../store/index.js';

/** report.json as one JSON.stringify of the whole report, every incident's summary held at once. */
function whole(r: RunResult): string {
  const { scenario, file, seed, start, end, verdict, metrics, failures, auditEntries } = r;
  const expectations = r.expectations.map(({ status, kind, name, path, line, expected, observed }) => ({ status, kind, name, path, line, expected, observed }));
  return `${JSON.stringify({ scenario, file, seed, start, end, verdict, expectations, incidents: [...r.incidents()], metrics, failures, auditEntries }, null, 2)}\n`;
}

let root = '';
const Report = suite('report.json written in parts');
Report.before.each(() => void (root = mkdtempSync(join(tmpdir(), 'incident-flow-report-'))));
Report.after.each(() => rmSync(root, { recursive: true, force: true }));

Report('the parts are the bytes of the whole report, the incidents read back from disk one at a time', async () => {
  const store = await openStore(join(root, 'store.json'), { autoCommit: false });
  const result = await runScenario(await loadScenario('scenarios/busy-week.yaml'), { store, commitEvery: 500 });
  await store.flush();
  const parts = [...reportJsonParts(result)];
  assert.ok(parts.length > result.metrics.overall.incidents, 'one part per incident at least');
  assert.is(parts.join(''), whole(result));
  assert.is(reportJson(result), whole(result));
  const listed = JSON.parse(reportJson(result)).incidents as Array<{ id: string }>;
  assert.is(listed.length, 504);
  assert.equal(listed.map((i) => i.id), store.list('incidents').map((i) => i.id));
  await store.close();
});

Report('a run that opened no incident lists none', async () => {
  const scenario = await loadScenario('scenarios/p3-ui-glitch.yaml');
  scenario.failures = [];
  scenario.load = [];
  scenario.expect = [];
  const result = await runScenario(scenario);
  assert.equal([...result.incidents()], []);
  assert.is(reportJson(result), whole(result));
  assert.match(reportJson(result), /\n {2}"incidents": \[\],\n {2}"metrics": \{/);
});

Report.run();
