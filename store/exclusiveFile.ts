import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { errorCode } from './storeFiles.js';

/** Where a file system has no hard links, `link` fails with one of these. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

let serial = 0;
/** A name beside `file` that no other process, and no other call in this one, uses. */
const besideName = (file: string, what: string) => `${file}.${what}.${process.pid}.${++serial}`;

/**
 * Creates `file` holding `text` if no file is there, and returns a descriptor open on it for
 * writing; null when a file is there. The text is written under a name of its own and then
 * hard-linked into place (`link` fails if `file` exists), so `file` is never seen empty or
 * half-written: a lock read in that moment looked like a torn one, and was removed as stale
 * by a second process while its owner went on. Where the file system has no hard links,
 * the file is created with `wx` and then written, that moment and all.
 * @example const fd = createWhole('run.json.lock', '31650 8812 2f0c…\n'); if (fd === null) { … someone holds it … }
 */
export function createWhole(file: string, text: string): number | null {
  try {
    return placed(file, text, linkSync);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return null;
    if (NO_LINKS.has(errorCode(error) ?? '')) return createWithWx(file, text);
    throw error;
  }
}

/** `text` written under a name of its own, then put at `file` by `put` (link or rename): a descriptor open on it. */
function placed(file: string, text: string, put: (temp: string, file: string) => void): number {
  const temp = besideName(file, 'new');
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, text);
    put(temp, file);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  } finally {
    removeQuietly(temp);
  }
}

function createWithWx(file: string, text: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return null;
    throw error;
  }
  writeSync(fd, text);
  return fd;
}

/**
 * Puts a file holding `text` in place of `file` in one step (written under a name of its
 * own, then renamed over it), and returns a descriptor open on it for writing: `file` is
 * never absent meanwhile, so no other process creates one in that moment. The caller must
 * be the only one replacing `file` (the store lock's takeover file sees to it).
 * @example const fd = replaceWhole('run.json.lock', '31650 8812 2f0c…\naudit 10 20\n');
 */
export function replaceWhole(file: string, text: string): number {
  return placed(file, text, renameSync);
}

/** What a crash can leave beside `file` from the calls above: `X.new.PID.N`, `X.stale.PID.N`. */
export const LEFTOVER = /\.(?:new|stale)\.(\d+)\.\d+$/;

/**
 * Removes `file` if it still holds `text`; true if it did. The file is first moved aside in
 * one step (`rename`), then read: one that changed since `text` was read (another process
 * took it meanwhile) is linked back under its name, the same file, so its owner's
 * descriptor still writes to it. Between the move and the link back `file` is absent; a
 * third process creating it then keeps it, and the file moved aside is let go.
 * @example if (removeIfStill('run.json.lock.takeover', staleText)) { … it was the stale one … }
 */
export function removeIfStill(file: string, text: string): boolean {
  const aside = besideName(file, 'stale');
  try {
    renameSync(file, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') === text) return true;
    try {
      linkSync(aside, file);
    } catch (error) {
      if (NO_LINKS.has(errorCode(error) ?? '')) renameSync(aside, file);
      else if (errorCode(error) !== 'EEXIST') throw error;
    }
    return false;
  } finally {
    removeQuietly(aside);
  }
}

/** Removes `file`; one already gone is not an error. */
export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}
