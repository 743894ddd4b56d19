import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { StoreError } from '../types.js';
import type { PgTarget } from './connection.js';
import { COLUMNS, GENERATED } from './rows.js';
import type { ColumnKind, PgTable } from './rows.js';

/** The folder of numbered SQL migrations shipped with the store: `001_tables.sql`, … */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** One migration file: its number is its version. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The migrations in `dirs`, by version. A file is `NNN_words.sql`; two files with one
 * number are a packaging mistake and refused.
 * @example loadMigrations()[0] // { version: 1, name: '001_tables.sql', sql: 'CREATE TABLE …' }
 */
export function loadMigrations(dirs: readonly string[] = [MIGRATIONS_DIR]): Migration[] {
  const byVersion = new Map<number, Migration>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir).sort()) {
      const match = /^(\d+)_[\w-]+\.sql$/.exec(name);
      if (!match) continue;
      const version = Number(match[1]);
      const twin = byVersion.get(version);
      if (twin) throw new Error(`incident-flow store: migrations ${twin.name} and ${name} share version ${version}`);
      byVersion.set(version, { version, name, sql: readFileSync(`${dir}/${name}`, 'utf8') });
    }
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

/**
 * Brings the target's schema up to the latest migration, in one transaction under an
 * advisory lock (N processes opening a new database at once apply each migration once),
 * then checks every table column has the type this code reads. Refuses, with nothing
 * written: a schema whose migrations go past the code's (`newer-schema`), a column edited
 * into another type or dropped (`corrupt`).
 * @example await migrate(client, target); // CREATE SCHEMA + 001_tables.sql on a new database
 */
export async function migrate(client: pg.ClientBase, target: PgTarget, migrations = loadMigrations(), writable = true): Promise<void> {
  const { schema, shown } = target;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incident-flow:migrate:${schema}`]);
    const applied = await refuseNewer(client, target, migrations);
    const pending = migrations.filter((m) => !applied.includes(m.version));
    if (applied.length === 0 && !writable) throw new StoreError(`${shown}: no incident-flow store in schema ${schema} (nothing has written there yet)`, 'missing', shown);
    if (pending.length && !writable) throw new StoreError(`${shown}: the database schema is older than this incident-flow's (open it once read-write to migrate it)`, 'readonly', shown);
    if (pending.length) {
      // Created only where missing: `CREATE SCHEMA IF NOT EXISTS` asks for the right to create in the
      // database even when the schema is there, which a role given only its schema (by a DBA) lacks.
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (!rowCount) await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    }
    for (const m of pending) {
      await client.query(m.sql);
      await client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
    await checkColumns(client, target);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The versions applied to the target's schema; refuses (`newer-schema`) one that has
 * migrations this code does not know: a newer incident-flow wrote it.
 */
export async function refuseNewer(client: pg.ClientBase, { schema, shown }: PgTarget, migrations = loadMigrations()): Promise<number[]> {
  const applied = await appliedVersions(client, schema);
  const known = new Set(migrations.map((m) => m.version));
  const unknown = applied.filter((v) => !known.has(v));
  if (unknown.length) {
    const latest = migrations.at(-1)?.version ?? 0;
    throw new StoreError(`${shown}: the database schema is at migration ${Math.max(...unknown)}, newer than this incident-flow knows (${latest}): upgrade incident-flow; refusing to open, nothing was written`, 'newer-schema', shown);
  }
  return applied;
}

async function appliedVersions(client: pg.ClientBase, schema: string): Promise<number[]> {
  const exists = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [`${schema}.schema_migrations`]);
  if (!exists.rows[0]?.found) return [];
  const rows = await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
  return rows.rows.map((r) => r.version);
}

/** information_schema's name of each column kind. */
const TYPE_NAMES: Record<ColumnKind, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  boolean: 'boolean',
  timestamptz: 'timestamp with time zone',
  jsonb: 'jsonb',
  'text[]': 'text[]',
};

/** Every column the code reads exists with its type; the first difference is refused. */
async function checkColumns(client: pg.ClientBase, { schema, shown }: PgTarget): Promise<void> {
  const found = await client.query<{ table_name: string; column_name: string; data_type: string; udt_name: string }>(
    'SELECT table_name, column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = $1',
    [schema],
  );
  const types = new Map(found.rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type === 'ARRAY' ? `${r.udt_name.slice(1)}[]` : r.data_type]));
  for (const table of Object.keys(COLUMNS) as PgTable[]) {
    const expected: Array<[string, ColumnKind]> = [
      ['seq', 'bigint'],
      ...[...COLUMNS[table], ...(GENERATED[table] ?? [])].map((s): [string, ColumnKind] => [s.column, s.kind]),
      ['extra', 'jsonb'],
    ];
    for (const [column, kind] of expected) {
      const type = types.get(`${table}.${column}`);
      if (type === TYPE_NAMES[kind]) continue;
      const what = type === undefined ? 'is missing' : `is ${type}`;
      throw new StoreError(`${shown}: table ${table}, column ${column}: expected ${TYPE_NAMES[kind]}, the column ${what} (edited by hand?); refusing to open, nothing was written`, 'corrupt', shown);
    }
  }
  const meta = types.get('meta.value');
  if (meta !== 'jsonb') throw new StoreError(`${shown}: table meta, column value: expected jsonb, the column ${meta === undefined ? 'is missing' : `is ${meta}`}; refusing to open, nothing was written`, 'corrupt', shown);
}
