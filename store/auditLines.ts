import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { AuditEntry } from '../machines/types.js';
import { corrupt, errorCode, ioError, parseJsonLine } from './storeFiles.js';

/** What `readAuditLines` found (its rows went to the `onRow` callback). */
export interface AuditLines {
  /** How many rows were read. */
  count: number;
  /** Byte offset just after the last row read. */
  end: number;
  /** Size of the file: bytes past `end` belong to no committed state. */
  size: number;
}

const CHUNK = 8 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Reads exactly `count` audit rows from the JSON-lines file, starting at byte `from`
 * (which is line `firstLine`). Read in chunks and parsed line by line, so a log of
 * millions of rows never becomes one string. Lines past `count` are not read: they
 * belong to a commit whose state never landed. Refuses a bad line, or fewer lines than
 * the state file covers. A missing file holds no rows. Each row is handed to `onRow` as
 * where its line is (byte offset, and length without the newline) and the object parsed
 * from it (parsed once, to check and index it): the line itself is not kept.
 * @example await readAuditLines('run.audit.jsonl', 0, 3, 1, 'run.json', false, (offset, length, row) => log.addStored(offset, length, row))
 */
export async function readAuditLines(
  file: string,
  from: number,
  count: number,
  firstLine: number,
  stateFile: string,
  opened: boolean,
  onRow: (offset: number, length: number, row: AuditEntry) => void,
): Promise<AuditLines> {
  let rows = 0;
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw ioError(file, 'open', error);
    if (count > 0) throw missingRows(file, stateFile, firstLine - 1 + count, firstLine - 1, opened);
    return { count: rows, end: from, size: 0 };
  }
  try {
    const size = (await handle.stat()).size;
    let position = from;
    let carry = Buffer.alloc(0);
    while (rows < count && position < size) {
      // The unfinished line of the last chunk goes first, then the file is read in after it.
      const chunk = Buffer.allocUnsafe(carry.length + Math.min(CHUNK, size - position));
      carry.copy(chunk, 0);
      const { bytesRead } = await handle.read(chunk, carry.length, chunk.length - carry.length, position);
      if (bytesRead === 0) break;
      const at = position - carry.length; // where buf starts in the file
      position += bytesRead;
      const buf = chunk.subarray(0, carry.length + bytesRead);
      let start = 0;
      for (let nl = buf.indexOf(NEWLINE); nl !== -1 && rows < count; nl = buf.indexOf(NEWLINE, start)) {
        onRow(at + start, nl - start, parseLine(buf.toString('utf8', start, nl), file, firstLine + rows, opened));
        rows++;
        start = nl + 1;
      }
      carry = buf.subarray(start);
      if (rows === count) position -= carry.length;
    }
    if (rows < count) throw missingRows(file, stateFile, firstLine - 1 + count, firstLine - 1 + rows, opened);
    return { count: rows, end: position, size };
  } catch (error) {
    throw ioError(file, 'read', error);
  } finally {
    await handle.close();
  }
}

function parseLine(line: string, file: string, lineNo: number, opened: boolean): AuditEntry {
  const row = parseJsonLine(line, file, lineNo, opened);
  if (row === null || typeof row !== 'object' || typeof (row as { id?: unknown }).id !== 'string') {
    throw corrupt(file, `line ${lineNo}: expected an audit entry (an object with a string "id")`, opened);
  }
  return row as AuditEntry;
}

function missingRows(file: string, stateFile: string, count: number, found: number, opened: boolean) {
  return corrupt(file, `holds ${found} complete audit rows where ${stateFile} covers ${count}`, opened);
}
