import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { storeFiles } from '../../store/index.js';

/**
 * Appends `text` to a store's audit log as a writer killed mid-commit leaves it: the rows
 * on disk, no state commit covering them, and its lock left behind (a pid no process has)
 * naming the append it noted before writing (`noted` bytes from the old end).
 * @example crashedAppend('run.json', JSON.stringify(row) + '\n');
 */
export function crashedAppend(file: string, text: string, noted = Buffer.byteLength(text)): void {
  const { audit, lock } = storeFiles(file);
  const from = existsSync(audit) ? readFileSync(audit).length : 0;
  appendFileSync(audit, text);
  writeFileSync(lock, `999999999 1 -\naudit ${from} ${from + noted}\n`);
}
