import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { StoreError } from './types.js';
import { errorCode, ioError } from './storeFiles.js';

/** A held store lock. */
export interface Lock {
  readonly file: string;
  /** Removes the lock file if it still holds this process's pid. Idempotent. */
  release(): void;
}

// Locks still held when the process exits are removed then (best effort: not on SIGKILL,
// which is what the stale-lock takeover is for). One listener for all stores.
const held = new Set<string>();
let exitHookInstalled = false;

/**
 * Takes `X.json.lock` for the store at `storeFile`: created with `wx` and holding the
 * pid, so a second writer (another process, or a second open in this one) is refused
 * instead of silently losing updates. A lock whose pid is not alive is taken over.
 * @example const lock = acquireLock('run.json', 'run.json.lock'); try { ... } finally { lock.release(); }
 */
export function acquireLock(storeFile: string, lockFile: string): Lock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return hold(lockFile);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw ioError(lockFile, 'create the lock file', error);
    }
    const owner = readOwner(lockFile);
    if (owner !== null && isAlive(owner)) {
      const who = owner === process.pid ? `process ${owner} (this process)` : `process ${owner}`;
      throw new StoreError(
        `${storeFile} is in use by ${who} (lock file ${lockFile}); close it there, or open with { readonly: true }`,
        'locked',
        storeFile,
      );
    }
    // Stale: its owner died without cleaning up. Re-read right before removing, so a
    // lock another process has just taken over is not removed.
    if (readOwner(lockFile) === owner) removeQuietly(lockFile);
  }
  throw new StoreError(`${storeFile}: could not take the lock file ${lockFile}`, 'locked', storeFile);
}

function hold(lockFile: string): Lock {
  held.add(lockFile);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const file of held) releaseFile(file);
    });
  }
  return { file: lockFile, release: () => releaseFile(lockFile) };
}

function releaseFile(lockFile: string): void {
  if (!held.delete(lockFile)) return;
  if (readOwner(lockFile) === process.pid) removeQuietly(lockFile);
}

/** The pid in a lock file; null when the file is gone or holds no pid (a torn create). */
function readOwner(lockFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw ioError(lockFile, 'read the lock file', error);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(error) === 'EPERM';
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw ioError(file, 'remove the lock file', error);
  }
}
