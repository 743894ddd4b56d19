/**
 * The CLI's rehearsals: `run` (one, or a sweep of seeds), `run-all`, and where each writes.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isPostgresUrl, redact, shownLocation } from '../store/postgres/pgUrl.js';
import { openStore } from '../store/index.js';
import { makeFolder } from '../store/makeFolder.js';
import type { IncidentEngine } from '../agents/types.js';
import type { Store } from '../store/types.js';
import { STORE_FILE, UsageError, type Command } from './argv.js';
import { EXIT, untilInterrupted, type Io } from './cliIo.js';
import { refuseFileOnPath } from './outputFolder.js';
import { createPacer } from './pace.js';
import { preparePostgresDb, rehearsalDb } from './rehearsalDb.js';
import { isEmptyStore, RunInterrupted, runScenario, type RunOptions, type RunResult } from './runner.js';
import { loadScenario, ScenarioError, type Scenario } from './scenario/index.js';
import { failedExpectations, junitXml, renderSummary, reportJson, reportJsonParts, sweepTable, sweepVerdict } from './summary.js';
import { writeFilesTogether } from './writeParts.js';

const SWEEP_METRICS = ['incidents', 'escalations', 'slaBreaches', 'mttdMs', 'mttrMs', 'mttResolveMs', 'autoResolveRate', 'repeatRate', 'slaAttainment'] as const;

const slug = (file: string) => basename(file, extname(file));

/**
 * A rehearsal's own store may be replaced by the next run — finished, left unfinished by
 * a crash (`unfinished` in its meta), or empty; anything else is refused. Checked and
 * removed under the store's lock: a store another process has open is never touched.
 */
function replaceable(db: string): (existing: Store) => void {
  return (old) => {
    if (old.getMeta('scenario') !== undefined || old.getMeta(UNFINISHED) !== undefined || isEmptyStore(old)) return;
    throw new UsageError(`--db ${db}: the file exists and was not written by a rehearsal; choose another path`);
  };
}

/**
 * Meta key set (and committed) before a rehearsal runs and removed by its last commit: a
 * store that still has it was left by a run that did not finish (`report` says so).
 */
export const UNFINISHED = 'unfinished';

/**
 * A rehearsal commits its store every this many audit rows: memory then holds what is
 * open and what changed since, not the whole run (a month of a fleet writes 140k rows).
 */
const COMMIT_EVERY = 20_000;

/** Where a rehearsal writes: its lowdb store, report.json and junit.xml. */
interface Outputs {
  out: string;
  db: string;
}

/** Where a rehearsal of `file` writes; a file where a folder of them should be is a usage error, before anything is written. */
function outputsOf(file: string, out: string | null, db: string | null): Outputs {
  const dir = out ?? join('incident-flow-out', slug(file));
  refuseFileOnPath(out === null ? `--out (default ${dir})` : `--out ${out}`, dir);
  if (db !== null && !isPostgresUrl(db)) refuseFileOnPath(`--db ${db}`, dirname(db));
  return { out: dir, db: db ? rehearsalDb(db, slug(file)) : join(dir, STORE_FILE) };
}

/**
 * Runs a rehearsal on the embedded lowdb store and writes its report files. A foreign
 * `--db` is refused before anything is created: exit 2 means nothing was written.
 * The store is left open: report.json's incidents were read from it one at a time, and
 * the caller's summary reads them again; the caller closes it (a watched run's, once the
 * watcher stops).
 */
async function rehearse(scenario: Scenario, to: Outputs, options: Omit<RunOptions, 'store'>, watched = false): Promise<{ result: RunResult; store: Store }> {
  // A PostgreSQL rehearsal schema is checked and dropped by its own store code; a file store under its lock.
  if (isPostgresUrl(to.db)) await preparePostgresDb(to.db);
  const store = await openStore(to.db, { autoCommit: watched, replace: replaceable(to.db) });
  try {
    readyFolder(to.out);
    // Durable before the run starts, so a crash at any later point leaves a store marked unfinished.
    store.setMeta(UNFINISHED, { scenario: scenario.file });
    await store.flush();
    const result = await runScenario(scenario, { commitEvery: COMMIT_EVERY, ...options, store });
    store.setMeta(UNFINISHED, undefined);
    await store.flush();
    writeFilesTogether([[join(to.out, 'report.json'), reportJsonParts(result)], [join(to.out, 'junit.xml'), [junitXml(result)]]]);
    return { result, store };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export async function runOnce(cmd: Extract<Command, { name: 'run' }>, io: Io): Promise<number> {
  const scenario = await loadScenario(cmd.scenario);
  const to = outputsOf(cmd.scenario, cmd.out, cmd.db);
  const served = cmd.watch ? await import('../watcher/server.js') : null;
  // The port is taken before the store is opened and kept for the watcher: one in use is
  // refused (exit 2, nothing written, advice naming --port), and nothing can take it between.
  const bound = served ? await served.bindWatcher('127.0.0.1', cmd.port, served.FLAG_NAMES) : null;
  let watcher: { url: string; close(): Promise<void> } | null = null;
  // Virtual time runs `speed` times faster than real time, so a person can follow it.
  const pacer = cmd.watch ? createPacer(scenario.startMs, cmd.speed) : null;
  // Ctrl-C during the run stops it: the store is closed (marked incomplete), the watcher too.
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  let ran: Awaited<ReturnType<typeof rehearse>>;
  try {
    ran = await rehearse(
      scenario,
      to,
      {
        signal: interrupt.signal,
        ...(cmd.seed !== null ? { seed: cmd.seed } : {}),
        onProgress: io.interactive && !cmd.watch ? progressBar(io) : undefined,
        ...(cmd.watch
          ? {
              onEngine: async (engine: IncidentEngine) => {
                // The page ticks virtual "now" at `speed`; 0 once the run is over.
                const virtualTime = () => ({ now: pacer!.now(), speed: pacer!.running() ? pacer!.speed : 0 });
                // Once the run is over its engine is stopped: a decision still waiting is shown, not offered.
                const decisionsClosed = () => (pacer!.running() ? null : 'the run is over and its engine has stopped: decisions can no longer be answered');
                watcher = served!.startWatcherOn(bound!, { store: engine.store, engine, virtualTime, decisionsClosed });
                io.err(`Agent Watcher: ${watcher!.url}  (virtual time runs ${cmd.speed}× real time)\n`);
              },
              pace: pacer!,
            }
          : {}),
      },
      cmd.watch,
    );
  } catch (err) {
    if (watcher) await (watcher as { close(): Promise<void> }).close();
    else if (bound) await served!.closeBound(bound);
    if (!(err instanceof RunInterrupted)) throw err;
    if (io.interactive && !cmd.watch) io.err('\n');
    io.err(`incident-flow: interrupted at virtual time ${err.at}: ${shownLocation(to.db)} is left incomplete (\`report\` says so; \`run\` replaces it), report.json and junit.xml were not written.\n`);
    return EXIT.interrupted;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  const { result, store } = ran;
  if (io.interactive && !cmd.watch) io.err('\n');
  try {
    io.out(cmd.json ? reportJson(result) : `${renderSummary(result)}\n${wrote([shownLocation(to.db), join(to.out, 'report.json'), join(to.out, 'junit.xml')])}${reviewHint(result, shownLocation(to.db))}`);
  } finally {
    if (!cmd.watch) await store.close();
  }
  if (watcher) {
    // A watched run keeps its store open for the watcher until the person stops it.
    io.err('The run is over; the watcher stays up until Ctrl-C.\n');
    await untilInterrupted();
    await (watcher as { close(): Promise<void> }).close();
    await store.close();
  }
  return result.verdict === 'pass' ? EXIT.pass : EXIT.failed;
}

/**
 * A run's or a sweep's folder as it starts: made, and rid of the last verdict (`report.json`,
 * `junit.xml`): beside a store a stopped run leaves incomplete, or after a sweep stopped
 * part-way, a CI job would read it as this run's.
 */
function readyFolder(out: string): void {
  makeFolder(out);
  for (const name of ['report.json', 'junit.xml']) rmSync(join(out, name), { force: true });
}

export async function sweep(cmd: Extract<Command, { name: 'run' }>, io: Io): Promise<number> {
  const scenario = await loadScenario(cmd.scenario);
  const base = cmd.seed ?? scenario.seed;
  if (cmd.runs - 1 > Number.MAX_SAFE_INTEGER - base) throw new UsageError(`--runs ${cmd.runs}: the seeds from ${base} would pass ${Number.MAX_SAFE_INTEGER}; start lower with --seed N`);
  // Where a single run writes, without the store: N stores would be N copies of what
  // `run --seed N` rebuilds byte for byte.
  const { out } = outputsOf(cmd.scenario, cmd.out, null);
  readyFolder(out);
  const results: RunResult[] = [];
  for (let i = 0; i < cmd.runs; i++) {
    results.push(await runScenario(scenario, { seed: base + i }));
    if (io.interactive) io.err(`\rrun ${i + 1}/${cmd.runs}`);
  }
  if (io.interactive) io.err('\n');
  const table = sweepTable(results, SWEEP_METRICS);
  const failed = results.filter((r) => r.verdict === 'fail').map((r) => r.seed);
  const report = { scenario: scenario.name, seeds: results.map((r) => r.seed), verdict: failed.length ? 'fail' : 'pass', failedSeeds: failed, percentiles: table.rows, runs: results.map((r) => ({ seed: r.seed, verdict: r.verdict, failedExpectations: failedExpectations(r), metrics: r.metrics.overall })) };
  writeFilesTogether([[join(out, 'report.json'), [`${JSON.stringify(report, null, 2)}\n`]], [join(out, 'junit.xml'), [junitXml(results)]]]);
  io.out(cmd.json ? `${JSON.stringify(report, null, 2)}\n` : `${scenario.name}: ${cmd.runs} runs, seeds ${base}..${base + cmd.runs - 1}\n${table.text}\n${sweepVerdict(results)}\n${wrote([join(out, 'report.json'), join(out, 'junit.xml')])}A sweep keeps no store: \`incident-flow run ${cmd.scenario} --seed N\` rebuilds any seed's.\n`);
  return failed.length ? EXIT.failed : EXIT.pass;
}

export async function runAll(dir: string, outRoot: string, db: string | null, io: Io): Promise<number> {
  const found = statSync(dir, { throwIfNoEntry: false });
  if (!found) throw new UsageError(`run-all: no folder "${dir}"`);
  // One database for all: each rehearsal in its own schema (see rehearsalDb).
  if (db !== null && (!isPostgresUrl(db) || /[?&]schema=/.test(db))) throw new UsageError(`run-all --db: expected a postgres:// URL without ?schema= (each rehearsal gets a schema of its own), got "${redact(db)}"`);
  if (!found.isDirectory()) throw new UsageError(`run-all: "${dir}" is a file, expected a folder of scenarios (run one with \`incident-flow run ${dir}\`)`);
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  // Nothing run is not a pass: a mistyped or emptied folder would otherwise exit 0 in CI.
  if (files.length === 0) throw new UsageError(`run-all: no scenario files (.yaml, .yml, .json) in "${dir}"`);
  refuseFileOnPath(`--out ${outRoot}`, outRoot);
  let code: number = EXIT.pass;
  const where = db ? `report.json, junit.xml; store in schema rehearsal_<name> of ${redact(db)}` : 'lowdb store, report.json, junit.xml';
  // `run-all scenarios/` (a shell's completion) is said `scenarios/`, not `scenarios//`.
  const folder = (path: string) => (path.endsWith('/') ? path.replace(/\/+$/, '/') : `${path}/`);
  io.out(`Rehearsals in ${folder(dir)}, each written to ${folder(outRoot)}<name>/ (${where})\n`);
  const width = Math.max(34, ...files.map((f) => f.length));
  for (const file of files) {
    const path = join(dir, file);
    try {
      const to = outputsOf(path, join(outRoot, slug(file)), db);
      const { result: r, store } = await rehearse(await loadScenario(path), to, {});
      await store.close();
      const o = r.metrics.overall;
      const passed = r.expectations.filter((v) => v.status === 'pass').length;
      io.out(`${r.verdict.toUpperCase()}  ${file.padEnd(width)} ${r.scenario} — incidents ${o.incidents}, escalations ${o.escalations}, SLA breaches ${o.slaBreaches}, expectations ${passed}/${r.expectations.length}\n`);
      if (r.verdict === 'fail') code = Math.max(code, EXIT.failed);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      io.out(`INVALID ${file}\n${err.message}\n`);
      code = EXIT.invalid;
    }
  }
  return code;
}

const wrote = (files: string[]) => `Wrote ${files.join(', ')}\n`;

/** The command that prints a review, with a real id: nobody should need grep to find one. */
function reviewHint(r: RunResult, db: string): string {
  for (const incident of r.incidents()) {
    if (incident.reviewId !== null) return `Read a review: incident-flow review ${incident.id} --db ${db}\n`;
  }
  return '';
}

function progressBar(io: Io): (done: number) => void {
  let last = -1;
  return (done) => {
    const pct = Math.floor(done * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
  };
}
