import { closeSync, ftruncateSync, readdirSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createWhole, LEFTOVER, removeIfStill, removeQuietly as removeFile, replaceWhole } from './exclusiveFile.js';
import { StoreError } from './types.js';
import { errorCode, ioError } from './storeFiles.js';

/** A held store lock. */
export interface Lock {
  readonly file: string;
  /**
   * The intent a dead owner noted in the lock it left (see `noteIntent`): what it was
   * writing when it died. Null when the lock was free, or its owner noted nothing.
   */
  readonly inherited: string | null;
  /**
   * Notes, in the lock file, a write that is about to start (one line of text) and marks
   * it pending: a crash before `clearIntent` leaves it for the next owner to read. Not
   * fsynced: it survives a killed process, which is what it is for.
   */
  noteIntent(text: string): void;
  /** The noted write is done (in memory only: the note on disk now names finished work). */
  clearIntent(): void;
  /**
   * The open has dealt with the inherited intent (cut the dead owner's torn append, or
   * found it explains nothing): its note, carried into this lock file when it was taken
   * over, is cut from it. Until then a crash of this process, or an open that fails,
   * leaves the note for the next owner, as the dead owner left it.
   */
  settleInherited(): void;
  /**
   * Removes the lock file if it still holds this process's pid. Idempotent. While an
   * intent is pending the file is left in place: the next owner takes it over as stale
   * and reads the intent.
   */
  release(): void;
}

/** Who holds a lock: pid, and when available the process start time and the boot it ran in. */
interface Owner {
  pid: number;
  /** Clock ticks after boot at which the process started (/proc/PID/stat, field 22); null where unknown. */
  start: string | null;
  bootId: string | null;
}

// Locks still held when the process exits are removed then (best effort: not on SIGKILL,
// which is what the stale-lock takeover is for). One listener for all stores. Keyed by
// `heldKey`: the file however its path was spelled.
const held = new Map<string, { fd: number; head: number; pending: boolean; carried: boolean }>();
/** Takeover files this process could not remove once it had taken their lock: tried again on release. */
const leftTakeovers = new Set<string>();
let exitHookInstalled = false;

/**
 * Takes `X.json.lock` for the store at `storeFile`: created whole (`createWhole`), holding the pid,
 * the process start time and the boot id, so a second writer (another process, or a
 * second open in this one) is refused instead of silently losing updates. A lock is
 * stale, and taken over, when its owner is not alive, or is a different process that got
 * the same pid: one started at another time, in another boot, or this very process
 * without holding it (a restarted container's engine is PID 1 again).
 * @example const lock = acquireLock('run.json', 'run.json.lock'); try { ... } finally { lock.release(); }
 */
export function acquireLock(storeFile: string, lockFile: string): Lock {
  const me = ownerLine(process.pid);
  let busy = '';
  for (let attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
    let fd: number | null;
    try {
      fd = createWhole(lockFile, me);
    } catch (error) {
      throw ioError(lockFile, 'create the lock file', error);
    }
    if (fd !== null) return taken(lockFile, fd, me, null);
    const found = readLock(lockFile);
    if (!found) continue; // released meanwhile
    if (!found.creating && !isStale(found.owner, lockFile)) {
      const { pid } = found.owner;
      // Held by this very process: deleting the lock would let two of its stores write over each other.
      const what = pid === process.pid
        ? `process ${pid} (this process), by a store it opened for writing and has not closed (lock file ${lockFile}); close that store first, or open this one with { readonly: true }`
        : `process ${pid} (lock file ${lockFile}); close it there, or open with { readonly: true }; if no process uses it any more, delete ${lockFile}`;
      throw new StoreError(
        `${storeFile} is in use by ${what}`,
        'locked',
        storeFile,
        pid,
      );
    }
    // Stale: its owner died without cleaning up. Taken over by one process at a time, in place.
    const took = found.creating ? 'busy' : takeOver(lockFile, found, me);
    if (typeof took === 'number') return taken(lockFile, took, me, found.intent);
    busy = took !== 'busy' ? ''
      : found.creating ? `: it is empty, written under ${TORN_AFTER_MS / 1000} s ago (a process creating it, or one killed doing so: try again in a moment)`
      : `: another process kept taking it over (${lockFile}.takeover); if none is, delete that file`;
    if (busy) sleepSync(TAKE_WAIT_MS);
  }
  throw new StoreError(`${storeFile}: could not take the lock file ${lockFile}${busy}`, 'locked', storeFile);
}

/**
 * The lock file's absolute path through its folder's real one: this process's own lock is
 * known by it however the store's path was spelled (relative or absolute, through a
 * symbolic link, with `./`), so a second open of the same file is refused, never taken
 * over as a lock left by an earlier process with this pid.
 */
function heldKey(lockFile: string): string {
  const absolute = resolve(lockFile);
  try {
    return join(realpathSync(dirname(absolute)), basename(absolute));
  } catch {
    return absolute;
  }
}

/** How many times a lock is tried, and how long to wait while another process takes a stale one over (a few syscalls). */
const TAKE_ATTEMPTS = 40;
const TAKE_WAIT_MS = 5;
/** A lock or takeover file with no pid younger than this is being written (a file system without hard links), not torn. */
const TORN_AFTER_MS = 2_000;

/**
 * Takes the stale lock `lockFile` over if it still holds what `found` read, under
 * `X.json.lock.takeover`: only the process holding that file takes a lock over, and it
 * reads the lock again first, so a lock taken since stays. The lock is replaced in place
 * (`replaceWhole`), never removed: its name is never free for a process starting meanwhile,
 * which would take it without the dead owner's noted intent (and the next open would refuse
 * the store as older than its audit). Returns the new lock's descriptor; 'gone': the lock
 * changed; 'busy': another process is taking it over. A takeover file whose owner died in
 * its takeover is removed if unchanged (see `removeIfStill`).
 */
function takeOver(lockFile: string, found: LockText, me: string): number | 'gone' | 'busy' {
  const guard = `${lockFile}.takeover`;
  let fd: number | null;
  try {
    fd = createWhole(guard, me);
  } catch (error) {
    throw ioError(guard, 'create the lock takeover file', error);
  }
  if (fd === null) {
    const other = readLock(guard);
    try {
      if (other && !other.creating && isStale(other.owner, guard) && ageOf(guard) > TORN_AFTER_MS) removeIfStill(guard, other.text);
    } catch (error) {
      throw ioError(guard, 'remove a stale lock takeover file', error);
    }
    return 'busy';
  }
  let took: number | 'gone' | null = null;
  try {
    if (readLock(lockFile)?.text !== found.text) took = 'gone';
    // The dead owner's noted intent goes into this lock too: a crash before this open has
    // dealt with it (a torn audit tail to cut) must leave it for the next owner.
    else took = replaceWhole(lockFile, found.intent === null ? me : `${me}${found.intent}\n`);
  } catch (error) {
    throw ioError(lockFile, 'take over the lock file', error);
  } finally {
    closeSync(fd);
    try {
      removeFile(guard);
    } catch (error) {
      // Taken, the lock is this process's all the same: the takeover file left names it, is
      // tried again when the lock is released, and else removed by a takeover once this
      // process is gone (above). Not taken, another try would find this process's own
      // takeover file and wait on it: the open fails here instead. A failed take (took
      // null) keeps its own error.
      if (took === 'gone') throw ioError(guard, 'remove the lock takeover file', error);
      if (typeof took === 'number') leftTakeovers.add(heldKey(guard));
    }
  }
  return took;
}

/** A lock just taken: held, and what a crash left beside it removed. */
function taken(lockFile: string, fd: number, me: string, inherited: string | null): Lock {
  const lock = hold(lockFile, fd, Buffer.byteLength(me), inherited);
  removeLeftovers(lockFile);
  return lock;
}

/**
 * The files a process killed inside a lock's creation or takeover left beside it
 * (`X.json.lock.new.PID.N`, `….stale.PID.N`): removed once that process is gone. Best
 * effort: a folder that cannot be listed keeps them, and the lock is held all the same.
 */
function removeLeftovers(lockFile: string): void {
  const base = basename(lockFile);
  let names: string[];
  try {
    names = readdirSync(dirname(lockFile));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(`${base}.`) ? LEFTOVER.exec(name)?.[1] : undefined;
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    try {
      removeFile(join(dirname(lockFile), name));
    } catch {
      // Left for a later open.
    }
  }
}

/** Milliseconds since `file` was last written (Infinity: gone). */
function ageOf(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

/** Blocks this thread for `ms` (the open is synchronous; the wait is a few milliseconds). */
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The pid of the live process holding `lockFile` (this one included), or null: no lock, or
 * one a dead owner left. For readers, which take no lock: is the writer still at work?
 * @example lockHolder('run.json.lock') // 31650 while `incident-flow run --db run.json` runs
 */
export function lockHolder(lockFile: string): number | null {
  const found = readLock(lockFile);
  return found && !isStale(found.owner, lockFile) ? found.owner.pid : null;
}

function hold(lockFile: string, fd: number, head: number, inherited: string | null): Lock {
  const key = heldKey(lockFile);
  const carried = inherited !== null;
  held.set(key, { fd, head, pending: carried, carried });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const file of [...held.keys()]) releaseFile(file);
    });
  }
  return {
    file: lockFile,
    inherited,
    noteIntent(text) {
      const state = held.get(key);
      if (!state) return;
      const line = Buffer.from(`${text.replace(/\n/g, ' ')}\n`);
      try {
        writeSync(state.fd, line, 0, line.length, state.head);
        ftruncateSync(state.fd, state.head + line.length);
      } catch (error) {
        throw ioError(lockFile, 'note a write in the lock file', error);
      }
      [state.pending, state.carried] = [true, false];
    },
    clearIntent() {
      const state = held.get(key);
      if (state) state.pending = false;
    },
    settleInherited() {
      const state = held.get(key);
      if (!state?.carried) return;
      try {
        ftruncateSync(state.fd, state.head);
      } catch (error) {
        throw ioError(lockFile, 'clear the noted write it inherited', error);
      }
      [state.pending, state.carried] = [false, false];
    },
    release: () => releaseFile(key),
  };
}

function releaseFile(lockFile: string): void {
  const state = held.get(lockFile);
  if (!state) return;
  held.delete(lockFile);
  closeSync(state.fd);
  if (!state.pending && readLock(lockFile)?.owner.pid === process.pid) removeQuietly(lockFile);
  const guard = `${lockFile}.takeover`;
  if (leftTakeovers.delete(guard)) {
    try {
      // Only while it still names this process: another may have taken the name since.
      if (readLock(guard)?.owner.pid === process.pid) removeFile(guard);
    } catch {
      // Still refused: left to a takeover once this process is gone, as before.
    }
  }
}

/** A lock file as read: its owner (`pid` 0: none written), its noted intent, its text. */
interface LockText {
  owner: Owner;
  intent: string | null;
  text: string;
  /** No pid yet and written less than TORN_AFTER_MS ago: still being written, not torn. */
  creating: boolean;
}

/** The lock's first line (`pid start bootId`; older files hold the pid alone) and its noted intent. */
function readLock(lockFile: string): LockText | null {
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw ioError(lockFile, 'read the lock file', error);
  }
  const [head = '', intent = ''] = text.split('\n');
  const [pidText = '', start = '-', bootId = '-'] = head.split(' ');
  const pid = Number.parseInt(pidText, 10);
  // No pid: a torn create (the process died between creating and writing it: where the
  // file system has no hard links, or by an older version), or one being written now.
  if (!Number.isInteger(pid) || pid <= 0) return { owner: { pid: 0, start: null, bootId: null }, intent: null, text, creating: ageOf(lockFile) < TORN_AFTER_MS };
  return { owner: { pid, start: start === '-' ? null : start, bootId: bootId === '-' ? null : bootId }, intent: intent || null, text, creating: false };
}

function ownerLine(pid: number): string {
  return `${pid} ${procStatOf('self')?.start ?? '-'} ${bootId() ?? '-'}\n`;
}

function isStale(owner: Owner, lockFile: string): boolean {
  if (owner.pid === 0) return true;
  // This process holds each of its locks in `held`: one it does not hold, under its own
  // pid, was left by an earlier process that had the same pid.
  if (owner.pid === process.pid) return !held.has(heldKey(lockFile));
  if (owner.bootId && bootId() && owner.bootId !== bootId()) return true;
  if (!isAlive(owner.pid)) return true;
  const stat = procMatchesPids() ? procStatOf(String(owner.pid)) : null;
  // Killed and not yet reaped by its parent (a zombie, Z; X dying): its pid still answers kill(pid, 0), but nothing holds the store.
  if (stat?.state === 'Z' || stat?.state === 'X') return true;
  const start = owner.start ? stat?.start ?? null : null;
  return start !== null && start !== owner.start;
}

/** Linux: a process's state letter (R, S, Z…) and start time from /proc/PID/stat; null elsewhere or when unreadable. */
function procStatOf(pid: string): { state: string; start: string | null } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? null };
  } catch {
    return null;
  }
}

/**
 * Whether /proc shows the processes of this pid namespace: in a container started without
 * its own /proc, /proc/PID is another process than the one `kill(PID)` reaches.
 */
function procMatchesPids(): boolean {
  try {
    return Number.parseInt(readFileSync('/proc/self/stat', 'utf8'), 10) === process.pid;
  } catch {
    return false;
  }
}

let boot: string | null | undefined;
function bootId(): string | null {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      boot = null;
    }
  }
  return boot;
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
    removeFile(file);
  } catch (error) {
    throw ioError(file, 'remove the lock file', error);
  }
}
