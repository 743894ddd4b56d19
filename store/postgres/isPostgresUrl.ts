/**
 * True for a `postgres://` or `postgresql://` URL: `openStore` dispatches on it. Apart
 * from connection.ts so that opening a store file never loads `pg`.
 * @example isPostgresUrl('postgres://postgres@127.0.0.1/test') // true
 */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
