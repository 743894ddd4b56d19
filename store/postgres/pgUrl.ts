// URL helpers apart from connection.ts, so that the CLI and `openStore` on a file never load `pg`.

/**
 * True for a `postgres://` or `postgresql://` URL: `openStore` dispatches on it.
 * @example isPostgresUrl('postgres://postgres@127.0.0.1/test') // true
 */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * True for a location that names PostgreSQL's scheme but is not a URL of it (`postgres:/x`,
 * `postgresql:db`): a mistyped URL, refused rather than taken for a file of that name.
 * @example looksLikePostgresUrl('postgres:/db') // true
 */
export function looksLikePostgresUrl(location: string): boolean {
  return /^postgres(ql)?:/i.test(location) && !isPostgresUrl(location);
}

/**
 * The URL with its password replaced by `***`, for messages and printed paths.
 * @example redact('postgres://u:secret@h/db') // 'postgres://u:***@h/db'
 */
export function redact(location: string): string {
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return location.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
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
