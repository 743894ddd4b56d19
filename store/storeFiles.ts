import { AuditLog } from './auditLog.js';
import { SCHEMA_VERSION, StoreError, TABLE_NAMES } from './types.js';
import type { StoreData } from './types.js';

/**
 * The files of a store at `X.json`: state, its row journal, audit log, lock, the temp file
 * of a state write, and two side files of derived data, each refused when missing or stale:
 * the audit log's index (rebuilt) and the state file's index (where each row is and the
 * fields a listing shows, so a reader need not parse every row; see stateIndexFile.ts).
 */
export interface StoreFiles {
  state: string;
  journal: string;
  audit: string;
  lock: string;
  tmp: string;
  auditIndex: string;
  stateIndex: string;
}

/**
 * File names for a store path.
 * @example storeFiles('data/run.json').journal // 'data/run.state.jsonl'
 */
export function storeFiles(path: string): StoreFiles {
  const base = path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
  return { state: path, journal: `${base}.state.jsonl`, audit: `${base}.audit.jsonl`, lock: `${path}.lock`, tmp: `${path}.tmp`, auditIndex: `${base}.audit.idx`, stateIndex: `${base}.state.idx` };
}

/**
 * A new, empty database: every table present and empty.
 * @example new Low<StoreData>(new Memory<StoreData>(), emptyStoreData())
 */
export function emptyStoreData(): StoreData {
  const tables = {} as StoreData['tables'];
  for (const name of TABLE_NAMES) tables[name] = {};
  return { schemaVersion: SCHEMA_VERSION, meta: {}, audit_log: new AuditLog(), tables };
}

/** The refusal for a file that cannot be read as a store; nothing has been written to it. */
export function corrupt(file: string, what: string, opened: boolean): StoreError {
  const verb = opened ? 'refusing to read it' : 'refusing to open';
  return new StoreError(`${file} ${what}: ${verb}; the file is left as it is`, 'corrupt', file);
}

/** One line of a store file, parsed; invalid JSON refuses the file, naming the line. */
export function parseJsonLine(text: string, file: string, line: number, opened: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(file, `is not valid JSON (line ${line})`, opened);
  }
}

/** Wraps an unexpected I/O failure with the file and the step that failed. */
export function ioError(file: string, step: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreError(`${file}: could not ${step}: ${reason}`, 'io', file);
}

/** Node's errno code of an error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error ? String((error as NodeJS.ErrnoException).code) : undefined;
}
