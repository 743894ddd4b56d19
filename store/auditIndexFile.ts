import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { INDEXED, type IndexPart, type PartValues } from './auditIndex.js';
import type { AuditLog } from './auditLog.js';
import { crcOf, type PartPlace } from './auditParts.js';
import { crc32, INDEX_SUPPORTED } from './crc32.js';
import { openForWrite, writeAll } from './durableFs.js';

export { INDEX_SUPPORTED };

/** A writer adds a part to the side file once this many committed rows are not in it yet. */
export const PART_ROWS = 4096;

const MAGIC = 0x31584649; // "IFX1" as the file's first 4 bytes
const VERSION = 1;
const HEAD = 16;
const NEWLINE = 0x0a;
/** A part's rows whose lines are checked against the audit file: one in this many, and the last. */
const SAMPLE_EVERY = 1024;

/** A writer's part holds at most this many rows (a store indexed anew writes several). */
const MAX_PART_ROWS = 65_536;

/** Rows of the audit file as one part of the side file holds them. */
export interface IndexedRows {
  part: IndexPart;
  /** Each row's line length in bytes, without its newline. */
  lengths: Uint32Array;
  /** Where `lengths` are in the side file (the part's columns follow them, 4 bytes a row each). */
  at: number;
}

/** What `readAuditIndex` found to trust: its parts in order, the rows and audit bytes they cover, where they end in the side file. */
export interface IndexRead {
  parts: IndexedRows[];
  rows: number;
  bytes: number;
  fileBytes: number;
}

/** The JSON head of a part. */
interface PartHead {
  v: number;
  fields: readonly string[];
  rows: [number, number];
  bytes: [number, number];
  /** CRC-32 of the lines of the part's rows `sampled` (every SAMPLE_EVERY-th from its first, and its last), checked against the audit file. */
  samples: number[];
  ordered: boolean;
  lastTs: string;
  odd: number[];
  /** The strings after the numbers: each field's new values, then the rows' searched text. */
  blobs: Blob[];
}

/**
 * Strings as the side file keeps them: `count` lengths (UTF-16 units), their text joined
 * in `bytes` bytes, then (values) the `slots` of their hash table.
 */
interface Blob {
  count: number;
  bytes: number;
  encoding: 'latin1' | 'utf16le';
  slots: number;
}

const NOTHING: IndexRead = { parts: [], rows: 0, bytes: 0, fileBytes: 0 };

/**
 * Reads the side file of an audit log (`X.audit.idx`): the index of its first rows, so
 * that a store opens without parsing them. Only a prefix that holds up is returned: each
 * part's checksum, the parts following one another from row 0 and byte 0, the lines they
 * cover ending where the audit file has newlines, one line in SAMPLE_EVERY and the last of
 * each part matching its checksum (another log, or a history that went another way since,
 * differs there), and no part past `maxRows` (the rows the state file covers). A
 * missing, torn, stale or corrupt side file is trusted as far as it holds up (maybe not at
 * all); the rows after that are parsed from the audit file as before. Never throws.
 * @example const read = await readAuditIndex('run.audit.idx', 'run.audit.jsonl', 600_000, true);
 */
export async function readAuditIndex(path: string, auditPath: string, maxRows: number, text: boolean): Promise<IndexRead> {
  return trustedParts(await readIndexFile(path), auditPath, maxRows, text);
}

/** The side file's bytes, or null (missing, unreadable, or not supported here); never rejects, so it can be read while other work goes on. */
export async function readIndexFile(path: string): Promise<Buffer | null> {
  if (!INDEX_SUPPORTED) return null;
  try {
    const file = await readFile(path);
    // Typed arrays over the file's bytes need them 4-byte aligned.
    return file.byteOffset % 4 === 0 ? file : Buffer.from(file);
  } catch {
    return null;
  }
}

/** What of the side file's bytes (see `readIndexFile`) holds up, as `readAuditIndex` says. */
export function trustedParts(file: Buffer | null, auditPath: string, maxRows: number, text: boolean): IndexRead {
  if (!file || maxRows === 0) return NOTHING;
  let audit: number;
  try {
    audit = openSync(auditPath, 'r');
  } catch {
    return NOTHING;
  }
  const read: IndexRead = { parts: [], rows: 0, bytes: 0, fileBytes: 0 };
  try {
    const auditSize = fstatSync(audit).size;
    for (let at = 0; at < file.length; ) {
      const found = decodePart(file, at, text);
      if (!found || found.head.rows[0] !== read.rows || found.head.bytes[0] !== read.bytes) break;
      const { head, rows } = found;
      if (head.rows[1] > maxRows || head.bytes[1] > auditSize || !samplesHold(audit, head, rows.lengths)) break;
      read.parts.push(rows);
      [read.rows, read.bytes, read.fileBytes] = [head.rows[1], head.bytes[1], (at += found.size)];
    }
  } catch {
    // A read that fails part way trusts what was checked before it.
  } finally {
    closeSync(audit);
  }
  return read;
}

/**
 * The part at byte `at`, or null when it is not a whole, sound part. `wantText` false leaves
 * its text undecoded (null).
 */
function decodePart(file: Buffer, at: number, wantText: boolean): { head: PartHead; rows: IndexedRows; size: number } | null {
  if (file.length - at < HEAD || file.readUInt32LE(at) !== MAGIC) return null;
  const size = file.readUInt32LE(at + 4);
  const headBytes = file.readUInt32LE(at + 8);
  if (size % 4 !== 0 || size < HEAD + headBytes || at + size > file.length) return null;
  if (crc32(file.subarray(at + HEAD, at + size)) !== file.readUInt32LE(at + 12)) return null;
  let head: PartHead;
  try {
    head = JSON.parse(file.toString('utf8', at + HEAD, at + HEAD + headBytes)) as PartHead;
  } catch {
    return null;
  }
  if (!sound(head)) return null;
  const n = head.rows[1] - head.rows[0];
  if (!(n > 0) || head.blobs.length !== INDEXED.length + 1) return null;
  const end = at + size;
  let p = at + HEAD + pad(headBytes);
  const u32 = (count: number) => {
    if (p + 4 * count > end) throw new RangeError('past the part');
    const view = new Uint32Array(file.buffer, file.byteOffset + p, count);
    p += 4 * count;
    return view;
  };
  const blob = ({ count, bytes, encoding, slots }: Blob, decode: boolean): PartValues | null => {
    const lengths = u32(count);
    if (p + bytes > end) throw new RangeError('past the part');
    const joined = decode ? file.toString(encoding, p, p + bytes) : '';
    p += pad(bytes);
    const table = u32(slots);
    return decode ? { joined, lengths, slots: table } : null;
  };
  let part: IndexPart;
  let lengths: Uint32Array;
  const arrays = p;
  try {
    lengths = u32(n);
    const columns = INDEXED.map(() => u32(n));
    const values = INDEXED.map((_, f) => blob(head.blobs[f], true) as PartValues);
    const text = blob(head.blobs[INDEXED.length], wantText);
    part = { from: head.rows[0], to: head.rows[1], columns, values, odd: head.odd, ordered: head.ordered, lastTs: head.lastTs, text };
  } catch {
    return null;
  }
  let lineBytes = 0;
  for (let k = 0; k < n; k++) lineBytes += lengths[k] + 1;
  if (lineBytes !== head.bytes[1] - head.bytes[0]) return null;
  return { head, rows: { part, lengths, at: arrays }, size };
}

/** The part's rows whose lines are checked: one in SAMPLE_EVERY from the first, and the last. */
function sampled(count: number): number[] {
  const rows: number[] = [];
  for (let k = 0; k < count - 1; k += SAMPLE_EVERY) rows.push(k);
  rows.push(count - 1);
  return rows;
}

/** Whether the audit file holds the part's sampled lines where the part says, each ending in a newline. */
function samplesHold(audit: number, head: PartHead, lengths: Uint32Array): boolean {
  const rows = sampled(lengths.length);
  if (head.samples.length !== rows.length) return false;
  let [k, start] = [0, head.bytes[0]];
  for (let s = 0; s < rows.length; s++) {
    for (; k < rows[s]; k++) start += lengths[k] + 1;
    const length = lengths[k];
    const buf = Buffer.allocUnsafe(length + 1);
    if (readSync(audit, buf, 0, length + 1, start) !== length + 1 || buf[length] !== NEWLINE || crc32(buf.subarray(0, length)) !== head.samples[s]) return false;
  }
  return true;
}

/**
 * The part's bytes: head, JSON, row lengths, value numbers, then each blob's lengths and text
 * (see decodePart); `arrays`, where its row lengths start in them.
 */
function encodePart(part: IndexPart, lengths: Uint32Array, bytes: [number, number], samples: number[]): { buffers: Buffer[]; arrays: number } {
  const text = { ...(part.text ?? { joined: '', lengths: new Uint32Array(lengths.length) }), slots: new Uint32Array(0) };
  const arrays: Buffer[] = [lengths, ...part.columns].map(bytesOf);
  const blobs = [...part.values, text].map(({ joined, lengths: counts, slots }) => {
    // Latin-1 keeps most text at a byte a character; UTF-16 keeps any text exactly (lone surrogates too).
    const encoding = /[^\x00-\xff]/.test(joined) ? 'utf16le' : 'latin1';
    const data = Buffer.from(joined, encoding);
    arrays.push(bytesOf(counts), data, Buffer.alloc(pad(data.length) - data.length), bytesOf(slots));
    return { count: counts.length, bytes: data.length, encoding, slots: slots.length } satisfies Blob;
  });
  const head: PartHead = { v: VERSION, fields: INDEXED, rows: [part.from, part.to], bytes, samples, ordered: part.ordered, lastTs: part.lastTs, odd: part.odd, blobs };
  const json = Buffer.from(JSON.stringify(head));
  const body = [json, Buffer.alloc(pad(json.length) - json.length, 0x20), ...arrays];
  const size = HEAD + body.reduce((sum, b) => sum + b.length, 0);
  let crc = 0;
  // (zlib.crc32 answers 0 for an empty buffer over an empty ArrayBuffer, whatever it is given.)
  for (const b of body) if (b.length > 0) crc = crc32(b, crc);
  const start = Buffer.alloc(HEAD);
  start.writeUInt32LE(MAGIC, 0);
  start.writeUInt32LE(size, 4);
  start.writeUInt32LE(json.length, 8);
  start.writeUInt32LE(crc, 12);
  return { buffers: [start, ...body], arrays: HEAD + pad(json.length) };
}

function bytesOf(array: Uint32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** A head this build wrote: its version, its fields, and numbers where numbers belong. */
function sound(head: PartHead): boolean {
  const counts = (list: unknown, length: number) => Array.isArray(list) && list.length === length && list.every((x) => Number.isSafeInteger(x) && x >= 0);
  return (
    head?.v === VERSION && Array.isArray(head.fields) && head.fields.join() === INDEXED.join() && counts(head.rows, 2) && counts(head.bytes, 2) &&
    counts(head.samples, head.samples?.length) && typeof head.ordered === 'boolean' && typeof head.lastTs === 'string' && counts(head.odd, head.odd?.length) &&
    Array.isArray(head.blobs) && head.blobs.every((b) => counts([b?.count, b?.bytes, b?.slots], 3) && (b.encoding === 'latin1' || b.encoding === 'utf16le'))
  );
}

function pad(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * A writer's side of `X.audit.idx`: once PART_ROWS committed rows are not in it, their
 * part is appended (no fsync: a part lost or torn in a crash is found by its checksum, and
 * its rows are parsed again by the next open). A failure never fails the commit: the side
 * file is then cut back to its last sound part and no longer written.
 * @example const index = new AuditIndexWriter('run.audit.idx', await readAuditIndex(...)); await index.extend(log, committed);
 */
export class AuditIndexWriter {
  readonly path: string;
  #handle: FileHandle | null = null;
  /** Rows and audit bytes indexed, and the side file's sound bytes (anything past them is cut before the next append). */
  #rows: number;
  #bytes: number;
  #fileBytes: number;
  #cut = true;
  #failed = false;

  constructor(path: string, read: IndexRead) {
    this.path = path;
    [this.#rows, this.#bytes, this.#fileBytes] = [read.rows, read.bytes, read.fileBytes];
  }

  /** Appends rows [indexed, committed) once there are PART_ROWS of them, in parts of MAX_PART_ROWS at most. */
  async extend(log: AuditLog, committed: number): Promise<void> {
    while (!this.#failed && committed - this.#rows >= PART_ROWS) await this.#append(log, Math.min(committed, this.#rows + MAX_PART_ROWS));
  }

  async #append(log: AuditLog, to: number): Promise<void> {
    try {
      const from = this.#rows;
      const { part, lengths } = log.indexPart(from, to);
      if (!part.text) throw new Error('the log keeps no searched text for its side file');
      let bytes = this.#bytes;
      for (const length of lengths) bytes += length + 1;
      const samples = sampled(to - from).map((k) => crc32(log.line(from + k)));
      const { buffers, arrays } = encodePart(part, lengths, [this.#bytes, bytes], samples);
      this.#handle ??= await openForWrite(this.path);
      if (this.#cut) await this.#handle.truncate(this.#fileBytes);
      this.#cut = true; // until this append is whole
      const written = await writeAll(this.#handle, buffers, this.#fileBytes);
      this.#cut = false;
      // Where the log finds these rows' ends and value numbers again, once it lets go of them.
      const place: PartPlace = { from, to, start: this.#bytes, end: bytes, at: this.#fileBytes + arrays, crcs: [lengths, ...part.columns].map(crcOf) };
      [this.#rows, this.#bytes, this.#fileBytes] = [to, bytes, this.#fileBytes + written];
      log.persisted(part, place);
    } catch {
      // The store works on without it: its next open parses the rows the side file lacks.
      this.#failed = true;
      log.persisted(null);
      await this.#handle?.truncate(this.#fileBytes).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}
