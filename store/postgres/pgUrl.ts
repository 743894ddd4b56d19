// URL helpers apart from connection.ts, so that the CLI and `openStore` on a file never load `pg`.
import { statSync } from 'node:fs';
import { StoreError } from '../types.js';

/**
 * True for a `postgres://` or `postgresql://` URL: `openStore` dispatches on it.
 * @example isPostgresUrl('postgres://postgres@127.0.0.1/test') // true
 */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Refuses a location meant as a PostgreSQL URL but mistyped, rather than taking it for a file
 * of that name: one that names the scheme without being a URL of it (`postgres:/x`,
 * `postgresql:db`), a URL of another scheme (`postgress://host/db`, `http://…`, `file:///x.json`:
 * taken for a path, it made a folder `postgress:`), or one without the colon
 * (`postgres//host/db`, `postgresql/user@host/db`) when there is no folder `postgres` (or
 * `postgresql`) for it to be a path in.
 * Throws StoreError `connect`; anything else passes.
 * @example refuseMistypedPostgresUrl('postgres//db') // throws: … did you mean postgres://db?
 */
export function refuseMistypedPostgresUrl(location: string): void {
  if (/^postgres(ql)?:/i.test(location) && !isPostgresUrl(location)) {
    throw new StoreError(`${redact(location)}: not a PostgreSQL URL; expected postgres://user@host:5432/database (two slashes after the scheme)`, 'connect', null);
  }
  const otherScheme = /^([a-z][a-z\d+.-]+):\/\/(.*)$/i.exec(location);
  if (otherScheme && !isPostgresUrl(location)) {
    const [, scheme, rest] = otherScheme;
    const meant = scheme.toLowerCase() === 'file' ? `a store file is named by its path (${rest})` : `did you mean ${redact(`postgres://${rest}`)}? (a store file is named by its path)`;
    throw new StoreError(`${redact(location)}: not a store location: a store opens postgres:// and postgresql:// URLs, not ${scheme}://; ${meant}`, 'connect', null);
  }
  const colonless = /^(postgres(?:ql)?)(?:\/\/|\/(?=[^/]*@))(.*)$/i.exec(location);
  if (colonless && !mayBeFolder(colonless[1])) {
    const [, scheme, rest] = colonless;
    throw new StoreError(`${redact(location)}: not a PostgreSQL URL: the colon after ${scheme} is missing, and there is no folder ${scheme}/ here for a store file; did you mean ${redact(`${scheme}://${rest}`)}?`, 'connect', null);
  }
}

/** A schema the store names unquoted: PostgreSQL folds an unquoted name to lower case. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * What is wrong with a PostgreSQL store's schema name (the URL's `?schema=`), or null: the
 * store names it unquoted, so it takes lower-case letters, digits and `_`, not a digit first,
 * at most 63 characters. `openStore` refuses it as it does a misspelt option (TypeError), the
 * CLI as a mistake in `--db`; neither connects first.
 * @example schemaProblem('Ops') // 'expected a schema name of lower-case letters, digits and "_" (…), got "Ops"; did you mean ?schema=ops?'
 */
export function schemaProblem(schema: string): string | null {
  if (SCHEMA_NAME.test(schema)) return null;
  const meant = schema.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const hint = SCHEMA_NAME.test(meant) ? `; did you mean ?schema=${meant}?` : '';
  return `expected a schema name of lower-case letters, digits and "_" (not starting with a digit, at most 63 characters), got ${JSON.stringify(schema)}${hint}`;
}

/** The schema problem of a `postgres://` URL's `?schema=` (null when it has none, the default's, or a good one). */
export function urlSchemaProblem(location: string): string | null {
  let schema: string | null;
  try {
    schema = new URL(location).searchParams.get('schema');
  } catch {
    return null; // not a URL: refused as such where it is opened
  }
  return schema === null ? null : schemaProblem(schema);
}

/** Whether `path` is a folder, or cannot be told (EACCES...): then the file store's open names the error with its file. */
function mayBeFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return true;
  }
}

/**
 * The URL with its password replaced by `***`, for messages and printed paths.
 * @example redact('postgres://u:secret@h/db') // 'postgres://u:***@h/db'
 */
export function redact(location: string): string {
  try {
    const url = new URL(location);
    // Without a host the "URL" has no authority (`postgres:/u:pw@h`): its password is in the path.
    if (url.host) {
      if (url.password) url.password = '***';
      return url.href;
    }
  } catch {
    // Not a URL: a mistyped one (`postgres//u:pw@h`) is masked below all the same.
  }
  return location.replace(/([:/])([^:/@]*):[^@/]*@/, '$1$2:***@');
}

/**
 * A store location as messages and printed paths show it: a PostgreSQL URL without its
 * password, a file path as given (`redact` would read `Runs:A.json` as a URL and lower its "scheme").
 * @example shownLocation('postgres://u:secret@h/db') // 'postgres://u:***@h/db'
 * @example shownLocation('Runs:A.json') // 'Runs:A.json'
 */
export function shownLocation(location: string): string {
  return isPostgresUrl(location) ? redact(location) : location;
}
