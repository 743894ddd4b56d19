import { isPostgresUrl, redact, urlSchemaProblem } from './postgres/pgUrl.js';
import { optionsProblem, type Rule } from './optionsProblem.js';
import { valueText } from './valueText.js';
import type { OpenStoreOptions } from './lowdbStore.js';

const BOOLEAN: Rule = (v) => (typeof v === 'boolean' ? null : 'true or false');

/** Each option of `openStore` and what it takes. */
const OPTION_RULES: Record<keyof OpenStoreOptions, Rule> = {
  readonly: BOOLEAN,
  search: BOOLEAN,
  autoCommit: BOOLEAN,
  shared: BOOLEAN,
  pagedAudit: BOOLEAN,
  follow: BOOLEAN,
  replace: (v) => (typeof v === 'function' ? null : 'a function'),
};

/**
 * Refuses a call of `openStore` that cannot mean what its caller wants, before any file or
 * connection is touched: a location that is not a non-empty string, options that are not
 * an object, an option misspelt (`readOnly` would open a writer, taking the lock) or of
 * the wrong type, a PostgreSQL URL whose `?schema=` is no schema name the store can use.
 * A TypeError naming the argument, what it takes and what it got.
 * @example checkOpenArguments('run.json', { readOnly: true }) // TypeError: … options.readOnly: no such option; did you mean "readonly"? …
 */
export function checkOpenArguments(path: unknown, opts: unknown): void {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`incident-flow store: openStore: expected a store file path or a postgres:// URL (a non-empty string), got ${valueText(path)}`);
  }
  // A PostgreSQL URL's password is not shown (as everywhere else the store names a URL),
  // nor a mistyped one's (`postgres//u:pw@h`), refused as such only after this.
  const call = `openStore(${/^postgres/i.test(path) ? redact(path) : path})`;
  // The URL's ?schema= is the one option given in the location: a bad one is no failure to connect.
  const schema = isPostgresUrl(path) ? urlSchemaProblem(path) : null;
  if (schema) throw new TypeError(`incident-flow store: ${call}: ?schema=: ${schema}`);
  if (opts === undefined) return;
  const problem = optionsProblem(opts, OPTION_RULES, { hints: { schema: "a PostgreSQL store's schema is the URL's ?schema=NAME" } });
  if (problem) throw new TypeError(`incident-flow store: ${call}: ${problem.text}`);
}
