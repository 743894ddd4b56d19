import { didYouMean } from './didYouMean.js';
import { redact } from './postgres/pgUrl.js';
import { valueText } from './valueText.js';
import type { OpenStoreOptions } from './lowdbStore.js';

/** Each option of `openStore` and the type it takes. */
const OPTION_TYPES: Record<keyof OpenStoreOptions, 'boolean' | 'function'> = {
  readonly: 'boolean',
  search: 'boolean',
  autoCommit: 'boolean',
  shared: 'boolean',
  pagedAudit: 'boolean',
  follow: 'boolean',
  replace: 'function',
};

/**
 * Refuses a call of `openStore` that cannot mean what its caller wants, before any file or
 * connection is touched: a location that is not a non-empty string, options that are not
 * an object, an option misspelt (`readOnly` would open a writer, taking the lock) or of
 * the wrong type. A TypeError naming the argument, what it takes and what it got.
 * @example checkOpenArguments('run.json', { readOnly: true }) // TypeError: … options.readOnly: no such option; did you mean "readonly"? …
 */
export function checkOpenArguments(path: unknown, opts: unknown): void {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`incident-flow store: openStore: expected a store file path or a postgres:// URL (a non-empty string), got ${valueText(path)}`);
  }
  if (opts === undefined) return;
  // A PostgreSQL URL's password is not shown (as everywhere else the store names a URL),
  // nor a mistyped one's (`postgres//u:pw@h`), refused as such only after this.
  const call = `openStore(${/^postgres/i.test(path) ? redact(path) : path})`;
  const names = Object.keys(OPTION_TYPES);
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new TypeError(`incident-flow store: ${call}: expected an object of options (${names.join(', ')}), got ${valueText(opts)}`);
  }
  for (const [name, value] of Object.entries(opts)) {
    const type = OPTION_TYPES[name as keyof OpenStoreOptions];
    if (!type) throw new TypeError(`incident-flow store: ${call}: options.${name}: no such option${didYouMean(name, names)}; the options are ${names.join(', ')}`);
    if (value !== undefined && typeof value !== type) {
      throw new TypeError(`incident-flow store: ${call}: options.${name}: expected ${type === 'boolean' ? 'true or false' : 'a function'}, got ${valueText(value)}`);
    }
  }
}
