import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, main } from '../sim/cli.js';
import { openStore } from '../store/index.js';
import { pgDatabase, sqlIn } from './helpers/pgSchema.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/scenarios/', import.meta.url));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let [out, err] = ['', ''];
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

/** A user mistake: exit 2 and one line on stderr, no stack trace. */
function oneLine(result: { code: number; err: string }, ...parts: string[]): void {
  assert.is(result.code, EXIT.invalid, result.err);
  const lines = result.err.trimEnd().split('\n');
  assert.is(lines.length, 1, result.err);
  assert.not.match(result.err, /\n\s+at /);
  for (const part of parts) assert.ok(result.err.includes(part), `"${part}" in ${result.err}`);
}

/** A usage mistake: exit 2, the message first, then the usage (as every usage error). */
function refused(result: { code: number; err: string }, part: string): void {
  assert.is(result.code, EXIT.invalid, result.err);
  const first = result.err.split('\n')[0];
  assert.ok(first.startsWith('incident-flow: ') && first.includes(part), `"${part}" in ${first}`);
}

/** Every table of a schema with its row count: "nothing written" is this, unchanged. */
async function census(url: string, schema: string): Promise<Record<string, number>> {
  const tables = await sqlIn(url, 'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
  const out: Record<string, number> = {};
  for (const { tablename } of tables.rows as Array<{ tablename: string }>) {
    out[tablename] = Number((await sqlIn(url, `SELECT count(*) AS n FROM ${schema}.${tablename}`)).rows[0].n);
  }
  return out;
}

let db: Awaited<ReturnType<typeof pgDatabase>>;
let root = '';
const at = (schema: string) => `${db.url}?schema=${schema}`;

const Rehearsal = suite('CLI --db postgres://: where a rehearsal writes, reruns, run-all');
Rehearsal.before(async () => {
  db = await pgDatabase('clipg');
  root = mkdtempSync(join(tmpdir(), 'if-clipg-'));
});
Rehearsal.after(async () => {
  await db.drop();
  rmSync(root, { recursive: true, force: true });
});

Rehearsal('run writes to the schema rehearsal_<name>; report and review read it; a rerun replaces it', async () => {
  const first = await cli('run', join(FIXTURES, 'pass.yaml'), '--out', join(root, 'pass'), '--db', db.url);
  assert.is(first.code, EXIT.pass, first.err);
  assert.ok(first.out.includes(`Wrote ${at('rehearsal_pass')}`), first.out);
  const before = await census(db.url, 'rehearsal_pass');
  assert.ok(before.incidents > 0 && before.audit_log > 0, JSON.stringify(before));
  const again = await cli('run', join(FIXTURES, 'pass.yaml'), '--out', join(root, 'pass'), '--db', db.url);
  assert.is(again.code, EXIT.pass, again.err);
  assert.equal(await census(db.url, 'rehearsal_pass'), before, 'the rerun replaced the rows, nothing doubled');
  const report = await cli('report', '--json', '--db', at('rehearsal_pass'));
  assert.is(report.code, EXIT.pass, report.err);
  assert.is(JSON.parse(report.out).overall.incidents, before.incidents);
  const [incident] = (await sqlIn(db.url, 'SELECT id FROM rehearsal_pass.incidents ORDER BY seq LIMIT 1')).rows as Array<{ id: string }>;
  const review = await cli('review', incident.id, '--db', at('rehearsal_pass'));
  assert.is(review.code, EXIT.pass, review.err);
  assert.ok(review.out.includes(incident.id));
});

Rehearsal('a rerun refuses a schema not written by a rehearsal, and one a process is writing', async () => {
  await sqlIn(db.url, 'CREATE SCHEMA theirs; CREATE TABLE theirs.orders (id int); INSERT INTO theirs.orders VALUES (1)');
  const before = await census(db.url, 'theirs');
  refused(await cli('run', join(FIXTURES, 'pass.yaml'), '--out', join(root, 'x'), '--db', at('theirs')), 'not written by a rehearsal');
  assert.equal(await census(db.url, 'theirs'), before);

  const engine = await openStore(at('engine'));
  engine.setMeta('owner', 'an engine');
  await engine.flush();
  refused(await cli('run', join(FIXTURES, 'pass.yaml'), '--out', join(root, 'x'), '--db', at('engine')), 'another process is writing');
  await engine.close();
  refused(await cli('run', join(FIXTURES, 'pass.yaml'), '--out', join(root, 'x'), '--db', at('engine')), 'not written by a rehearsal');
  assert.is((await openStore(at('engine'), { readonly: true }).then(async (s) => [s.getMeta('owner'), await s.close()]))[0], 'an engine');
  refused(await cli('run', join(FIXTURES, 'pass.yaml'), '--db', at('public')), 'other than public');
});

Rehearsal('report over a rehearsal that stopped before its end names the schema without the URL\'s password', async () => {
  const store = await openStore(at('cut_short'));
  store.setMeta('unfinished', { scenario: 'pass.yaml' }); // what run marks first, and clears at its end
  await store.flush();
  await store.close();
  // The test server trusts its clients: a password in the URL is sent and not checked.
  const url = new URL(at('cut_short'));
  url.password ||= 's3cret-of-the-test';
  const report = await cli('report', '--db', url.href);
  assert.is(report.code, EXIT.pass, report.err);
  assert.ok(report.err.includes(`${url.href.replace(`:${url.password}@`, ':***@')} is incomplete`), report.err);
  assert.not.ok(report.err.includes(url.password), report.err);
});

Rehearsal('run-all --db gives each scenario its own schema', async () => {
  const dir = join(root, 'lib');
  mkdirSync(dir);
  for (const file of ['pass.yaml', 'seeded.yaml']) cpSync(join(FIXTURES, file), join(dir, file));
  const result = await cli('run-all', dir, '--out', join(root, 'all'), '--db', db.url);
  assert.is(result.code, EXIT.pass, result.err + result.out);
  assert.match(result.out, /PASS\s+pass\.yaml/);
  assert.match(result.out, /PASS\s+seeded\.yaml/);
  for (const schema of ['rehearsal_pass', 'rehearsal_seeded']) assert.ok((await census(db.url, schema)).incidents > 0, schema);
  refused(await cli('run-all', dir, '--db', join(root, 'one.json')), 'expected a postgres:// URL');
});

Rehearsal.run();

const Bad = suite('CLI --db postgres:// refuses bad input: one line, exit 2, nothing written');
Bad.before(async () => {
  db = await pgDatabase('clipgbad');
  root = mkdtempSync(join(tmpdir(), 'if-pg-bad-'));
});
Bad.after(async () => {
  rmSync(root, { recursive: true, force: true });
  await db.drop();
});

Bad('an unreachable server', async () => {
  oneLine(await cli('report', '--db', 'postgres://postgres@127.0.0.1:1/test?schema=x'), 'postgres://postgres@127.0.0.1:1/test?schema=x', 'could not connect');
});

Bad('a login the server rejects, with the password kept out of the message', async () => {
  const result = await cli('review', 'inc_1', '--db', `postgres://nobody_h10a:s3cret@127.0.0.1:5432/${db.name}`);
  oneLine(result, 'nobody_h10a:***@', 'role "nobody_h10a" does not exist');
  assert.not.ok(result.err.includes('s3cret'));
});

Bad('a database whose schema is newer than the code', async () => {
  const store = await openStore(at('future'));
  store.setMeta('scenario', 'written by a rehearsal');
  await store.close();
  await sqlIn(db.url, `INSERT INTO future.schema_migrations (version, name) VALUES (999, '999_future.sql')`);
  const before = await census(db.url, 'future');
  oneLine(await cli('report', '--db', at('future')), 'schema is at migration 999, newer than this incident-flow knows');
  oneLine(await cli('run', join(FIXTURES, 'pass.yaml'), '--out', join(tmpdir(), `if-future-${process.pid}`), '--db', at('future')), 'newer than this incident-flow knows');
  assert.equal(await census(db.url, 'future'), before);
});

Bad('a table edited into a wrong type', async () => {
  const store = await openStore(at('edited'));
  await store.close();
  await sqlIn(db.url, 'ALTER TABLE edited.incidents ALTER COLUMN severity TYPE integer USING NULL');
  const before = await census(db.url, 'edited');
  oneLine(await cli('report', '--db', at('edited')), 'table incidents, column severity: expected text, the column is integer');
  oneLine(await cli('watch', '--db', at('edited')), 'column severity');
  assert.equal(await census(db.url, 'edited'), before);
});

Bad('a ?schema= that is no schema name: the option named, what it takes, no failure to connect; the CLI names --db; nothing made', async () => {
  const takes = 'expected a schema name of lower-case letters, digits and "_" (not starting with a digit, at most 63 characters)';
  for (const [schema, said] of [['Ops', `${takes}, got "Ops"; did you mean ?schema=ops?`], ['ops-2', `${takes}, got "ops-2"; did you mean ?schema=ops_2?`], ['2ops', `${takes}, got "2ops"`]]) {
    const url = at(schema);
    // A program's mistake in its argument, as openStore's misspelt options: a TypeError, not StoreError `connect` (which a caller retries).
    const refusal = await openStore(url).then(() => null, (error: unknown) => error);
    assert.ok(refusal instanceof TypeError, String(refusal));
    assert.is((refusal as Error).message, `incident-flow store: openStore(${url}): ?schema=: ${said}`);
    for (const argv of [['report'], ['watch'], ['run', join(FIXTURES, 'pass.yaml'), '--out', join(root, 'out')], ['run-all', FIXTURES, '--out', join(root, 'out')]]) {
      const result = await cli(...argv, '--db', url);
      oneLine(result, `incident-flow: --db ${url}: ?schema=: ${said}`);
    }
  }
  const made = await sqlIn(db.url, "SELECT nspname FROM pg_namespace WHERE nspname IN ('Ops', 'ops', 'ops_2', 'ops-2', '2ops')");
  assert.equal(made.rows, [], 'no schema made');
  const wrongOption = await openStore(db.url, { schema: 'ops' } as never).then(() => null, (error: unknown) => error);
  assert.match(String(wrongOption), "options.schema: no such option; a PostgreSQL store's schema is the URL's ?schema=NAME");
});

Bad('an empty schema is no store to report on', async () => {
  oneLine(await cli('report', '--db', at('nothing_here')), 'no incident-flow store in schema nothing_here');
  assert.equal(await census(db.url, 'nothing_here'), {});
});

Bad.run();
