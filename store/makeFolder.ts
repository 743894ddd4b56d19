import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorCode } from './storeFiles.js';

/**
 * `mkdir -p`: the folder and each missing parent, made one at a time from the nearest one
 * there. Node's own (`mkdirSync` or `mkdir` with `recursive: true`, Node 20) never returns
 * for a folder whose parent exists but takes no new entry with ENOENT (`/proc`, `/proc/self`):
 * it makes the parent again, gets EEXIST and tries the child again, for ever (the async one in
 * libuv's thread pool, a core each). Here that ENOENT is thrown, naming the folder, as is any
 * other failure (EEXIST for a file standing where a folder should be).
 * @example makeFolder('incident-flow-out/p0-database-down')
 */
export function makeFolder(path: string): void {
  const missing: string[] = [];
  for (let at = resolve(path); !isThere(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  // A file where the folder should be: mkdir's EEXIST says so.
  if (missing.length === 0 && !isFolder(path)) mkdirSync(path);
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Made meanwhile by another process: what was wanted.
      if (errorCode(error) !== 'EEXIST' || !isFolder(folder)) throw error;
    }
  }
}

/** Whether something is at `path` (a file there makes the next mkdir fail with ENOTDIR, or EEXIST for the folder itself). */
function isThere(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a folder (or a link to one) is at `path`. */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
