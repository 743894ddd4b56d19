import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../sim/runner.js';
import { loadScenario } from '../sim/scenario/index.js';
import { reportJson } from '../sim/summary.js';
import { openStore, storeFiles } from '../store/index.js';

const SCENARIO = 'scenarios/busy-week.yaml';

/** Runs the scenario into a file store committing every `commitEvery` audit rows; returns what users compare. */
async function rehearse(dir: string, commitEvery: number | undefined) {
  const db = join(dir, 'store.json');
  const store = await openStore(db, { autoCommit: false });
  let commits = 0;
  store.subscribe(() => commits++);
  const result = await runScenario(await loadScenario(SCENARIO), { store, commitEvery });
  await store.close();
  const files = storeFiles(db);
  return {
    commits,
    report: reportJson(result),
    audit: readFileSync(files.audit),
    // The generation counts the journal's folds into the file, which depend on how often
    // it was committed: bookkeeping of the store, not part of the rehearsal's result.
    state: readFileSync(files.state, 'utf8').replace(/"generation":\d+/, '"generation":_'),
  };
}

let root = '';
const Commits = suite('rehearsals commit as they go');
Commits.before.each(() => void (root = mkdtempSync(join(tmpdir(), 'incident-flow-commits-'))));
Commits.after.each(() => rmSync(root, { recursive: true, force: true }));

Commits('committing every 50 audit rows gives the report, audit file and tables of one commit at the end', async () => {
  const once = await rehearse(join(root, 'once'), undefined);
  const often = await rehearse(join(root, 'often'), 50);
  assert.is(once.commits, 1);
  assert.ok(often.commits > 10, `${often.commits} commits`);
  assert.ok(once.audit.length > 0);
  assert.is(often.report, once.report);
  assert.ok(often.audit.equals(once.audit), 'the audit files differ');
  assert.is(often.state, once.state);
});

Commits.run();
