/**
 * The CLI's commands (all but `--help` and `--version`), loaded by sim/cli.ts when one runs:
 * `validate`, `report`, `review` and `watch` here, the rehearsals in sim/rehearse.ts.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reportCommand } from '../reports/reportCommand.js';
import { ReportError } from '../reports/errors.js';
import { reviewCommand } from '../reports/review.js';
import { openStore } from '../store/index.js';
import { lockHolder } from '../store/lockFile.js';
import { makeFolder } from '../store/makeFolder.js';
import { storeFiles } from '../store/storeFiles.js';
import { isPostgresUrl, redact, refuseMistypedPostgresUrl, shownLocation, urlSchemaProblem } from '../store/postgres/pgUrl.js';
import type { Store } from '../store/types.js';
import { UsageError, type Command } from './argv.js';
import { EXIT, untilInterrupted, type Io } from './cliIo.js';
import { didYouMean } from '../store/didYouMean.js';
import { refuseFileOnPath } from './outputFolder.js';
import { runAll, runOnce, sweep, UNFINISHED } from './rehearse.js';
import { loadScenario, ScenarioError } from './scenario/index.js';
import { writeParts } from './writeParts.js';

/** Runs every command but `--help` and `--version` (sim/cli.ts answers those without loading this). */
export async function runCommand(cmd: Exclude<Command, { name: 'help' | 'version' }>, io: Io): Promise<number> {
  // Before any command's own check of its --db ("no such store file", "its folder does not exist"), which would hide the typo.
  const db = 'db' in cmd ? cmd.db : null;
  if (db !== null) refuseMistypedPostgresUrl(db);
  // Named as the user typed it (openStore's TypeError would name its own argument).
  const schema = db !== null && isPostgresUrl(db) ? urlSchemaProblem(db) : null;
  if (schema) {
    io.err(`incident-flow: --db ${redact(db!)}: ?schema=: ${schema}\n`);
    return EXIT.invalid;
  }
  switch (cmd.name) {
    case 'validate': {
      const problems: string[] = [];
      for (const file of cmd.scenarios) {
        try {
          await loadScenario(file);
          io.out(`${file}: ok\n`);
        } catch (err) {
          if (!(err instanceof ScenarioError)) throw err;
          problems.push(err.message);
        }
      }
      if (problems.length) io.err(`${problems.join('\n')}\n`);
      return problems.length ? EXIT.invalid : EXIT.pass;
    }
    case 'run':
      return cmd.runs > 1 ? sweep(cmd, io) : runOnce(cmd, io);
    case 'run-all':
      return runAll(cmd.dir, cmd.out, cmd.db, io);
    case 'report': {
      needStoreFile(cmd.db);
      if (cmd.html !== null) needPageFile(cmd.html);
      const store = await openStore(cmd.db, { readonly: true, follow: false });
      warnIfUnfinished(store, cmd.db, io);
      const { text, html, incidents } = reportCommand(store, { ...(cmd.from ? { from: cmd.from } : {}), ...(cmd.to ? { to: cmd.to } : {}), json: cmd.json, ...(cmd.html ? { html: cmd.html } : {}) });
      if (cmd.html && html !== undefined) {
        // The page is what was asked for: say where it went, not the table it draws.
        makeFolder(dirname(cmd.html));
        writeParts(cmd.html, [html]);
        io.out(`Wrote ${cmd.html} (${incidents} incident${incidents === 1 ? '' : 's'} in the store; open it in a browser)\n`);
      } else io.out(text.endsWith('\n') ? text : `${text}\n`);
      await store.close();
      return EXIT.pass;
    }
    case 'review': {
      needStoreFile(cmd.db);
      const store = await openStore(cmd.db, { readonly: true, follow: false });
      warnIfUnfinished(store, cmd.db, io);
      try {
        needIncident(store, cmd.db, cmd.incident);
        io.out(reviewCommand(store, cmd.incident));
      } finally {
        await store.close();
      }
      return EXIT.pass;
    }
    case 'watch': {
      // Loaded on demand: the other commands need no http server.
      const { watchCommand } = await import('../watcher/watchCommand.js');
      // A store nothing has written yet is waited for (and said so); a missing folder is exit 2.
      const handle = await watchCommand({ db: cmd.db, port: cmd.port, host: cmd.host, print: (line) => io.out(`${line}\n`) });
      await untilInterrupted();
      await handle.close();
      return EXIT.pass;
    }
  }
}

/**
 * Said on stderr by the commands that read a rehearsal's store before its end: one still
 * running (a live process holds the file's lock), or one a crash left.
 */
function warnIfUnfinished(store: Store, db: string, io: Io): void {
  if (store.getMeta(UNFINISHED) === undefined) return;
  // A schema has no lock file to tell a running rehearsal from a crashed one; a URL is shown without its password.
  const pg = isPostgresUrl(db);
  const writer = pg ? null : lockHolder(storeFiles(db).lock);
  if (writer !== null) {
    io.err(`incident-flow: note: ${db} is still being written by process ${writer} (a rehearsal under way); what follows covers what it has committed so far.\n`);
    return;
  }
  io.err(`incident-flow: warning: ${shownLocation(db)} is incomplete: the rehearsal writing it stopped before its end (interrupted, killed or crashed${pg ? ', or still running' : ''}); what follows covers only what it had committed. Run it again to replace it.\n`);
}

/** A mistyped --db must not read as an empty store ("0 incidents"); an empty PostgreSQL schema is refused on open. */
function needStoreFile(db: string): void {
  if (!isPostgresUrl(db) && !existsSync(db)) throw new UsageError(`--db ${db}: no such store file`);
}

/** An id the store does not hold: said with the closest one it does, and where to find them all. */
function needIncident(store: Store, db: string, id: string): void {
  if (store.get('incidents', id)) return;
  const ids = Array.from(store.each('incidents'), (incident) => incident.id);
  const shown = shownLocation(db);
  const hint = didYouMean(id, ids) || `; \`incident-flow report --db ${shown}\` lists its incidents with their ids`;
  throw new ReportError(`no incident "${id}" in ${shown}${hint}`, 'unknown-incident');
}

/** `report --html`'s page: a file, in a folder that can be made (it is, if missing). */
function needPageFile(html: string): void {
  refuseFileOnPath(`--html ${html}`, dirname(html));
  if (statSync(html, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--html ${html}: is a folder, expected the page's file (${join(html, 'report.html')})`);
}
