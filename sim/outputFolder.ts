import { statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { errorCode } from '../store/storeFiles.js';
import { UsageError } from './argv.js';

/**
 * Refuses, as a usage error, a folder to write in that cannot be made because a file stands
 * on its path (`--out report.json`, `--db notes.txt/store.json`): mkdir would fail with
 * EEXIST or ENOTDIR, an internal or I/O error that names no option. A folder that does not
 * exist yet passes: the commands that write make theirs.
 * @example refuseFileOnPath('--out report.json', 'report.json') // throws: --out report.json: report.json is a file, expected a folder
 */
export function refuseFileOnPath(option: string, folder: string): void {
  for (let at = folder; ; at = dirname(at)) {
    const found = statOrNull(at);
    if (found) {
      if (!found.isDirectory()) throw new UsageError(`${option}: ${at} is a file, expected a folder`);
      return;
    }
    if (dirname(at) === at) return;
  }
}

/** null for a path that is not there, also when a file stands on the way (ENOTDIR). */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}
