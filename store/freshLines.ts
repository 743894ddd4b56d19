import type { AuditEntry } from '../machines/types.js';
import { canonicalJson } from './canonicalJson.js';
import { LineBuffers } from './lineBuffers.js';

/** Bytes of the buffers lines are encoded into (a line that may be longer, at 3 bytes a UTF-16 unit, gets a buffer of its own). */
const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** A buffer of lines and the run of the lines' bytes it holds: [from, to), counted over every line pushed. */
interface Chunk {
  buf: Buffer;
  from: number;
  to: number;
  /** No line goes into it any more (it is full, or lines were taken back out of it). */
  sealed: boolean;
}

/**
 * The audit rows an AuditLog holds past the rows on disk, as their lines: row `k` of them
 * is the log's row `disk + k`. A commit takes `buffers` of the first rows and then `drop`s
 * them; a failed read takes rows back with `truncate`.
 */
export interface Lines {
  readonly length: number;
  /** Appends a row's line (canonical JSON, no newline). */
  push(line: string): void;
  /** The line of row `k`. */
  at(k: number): string;
  /** Its length in UTF-8 bytes, without the newline. */
  byteLength(k: number): number;
  /** Rows [from, to) as the audit file has them, each line followed by its newline. */
  buffers(from: number, to: number): Buffer[];
  /** Lets go of the first `count` rows (committed). */
  drop(count: number): void;
  /** Takes back the rows from `length` on. */
  truncate(length: number): void;
}

/**
 * A file store writer's audit lines not yet committed, encoded as they are appended into
 * buffers of CHUNK_BYTES, each line followed by its newline, as the audit file will have
 * them: a commit appends subarrays of these buffers, and a line is never a string kept
 * on V8's heap until its commit (a run committing every 20,000 rows held 6 MB of them,
 * each surviving the young generation's collections, and the bench's wave 48 MB).
 * Bytes handed out by `buffers` are never written again, so they stay valid while a
 * commit writes them and more lines are pushed: lines taken back (`truncate`) leave
 * their bytes unused, and the next line goes into a new buffer.
 * @example const lines = new FreshLines(); lines.push('{"a":1}'); lines.buffers(0, 1) // [<Buffer 7b 22 61 22 3a 31 7d 0a>]
 */
export class FreshLines implements Lines {
  readonly #chunks: Chunk[] = [];
  /** Where each line held ends, its newline included, counted over every line pushed. */
  #ends = new Float64Array(1024);
  /** How many lines are held. */
  #count = 0;
  /** Where the first line held starts. */
  #start = 0;

  /** How many lines are held. */
  get length(): number {
    return this.#count;
  }

  /** Appends `line` (no newline in it) and a newline. */
  push(line: string): void {
    const start = this.#end(this.#count - 1);
    // At most 3 bytes of UTF-8 per UTF-16 unit, plus the newline.
    const most = line.length * 3 + 1;
    let chunk = this.#chunks.at(-1);
    if (!chunk || chunk.sealed || chunk.to + most - chunk.from > chunk.buf.length) {
      if (chunk) chunk.sealed = true;
      // A line that may not fit a buffer gets one of its own, of its size (room for 3 bytes a
      // unit would reserve three times an ASCII line's bytes until its commit), sealed: full,
      // it is let go of at the commit that takes the line, not kept open for the next ones.
      const own = most > CHUNK_BYTES;
      chunk = { buf: Buffer.allocUnsafe(own ? Buffer.byteLength(line) + 1 : CHUNK_BYTES), from: start, to: start, sealed: own };
      this.#chunks.push(chunk);
    }
    const at = chunk.to - chunk.from;
    const n = chunk.buf.write(line, at, 'utf8');
    chunk.buf[at + n] = NEWLINE;
    chunk.to += n + 1;
    if (this.#count === this.#ends.length) {
      const grown = new Float64Array(this.#ends.length * 2);
      grown.set(this.#ends);
      this.#ends = grown;
    }
    this.#ends[this.#count++] = chunk.to;
  }

  /** Line `k` (of those held) as a string, without its newline. */
  at(k: number): string {
    const [start, end] = [this.#end(k - 1), this.#end(k) - 1];
    const chunk = this.#chunkOf(start);
    return chunk.buf.toString('utf8', start - chunk.from, end - chunk.from);
  }

  /** Bytes of line `k`'s UTF-8, without its newline. */
  byteLength(k: number): number {
    return this.#end(k) - this.#end(k - 1) - 1;
  }

  /** Lines [from, to) as the file will have them (each with its newline): subarrays of the buffers, not copies. */
  buffers(from: number, to: number): Buffer[] {
    const out: Buffer[] = [];
    if (from >= to) return out;
    const [start, end] = [this.#end(from - 1), this.#end(to - 1)];
    for (const chunk of this.#chunks) {
      const [a, b] = [Math.max(start, chunk.from), Math.min(end, chunk.to)];
      if (a < b) out.push(chunk.buf.subarray(a - chunk.from, b - chunk.from));
    }
    return out;
  }

  /** Lets go of the first `count` lines (committed): the buffers holding none of the rest are let go of. */
  drop(count: number): void {
    const n = Math.min(count, this.#count);
    if (n === 0) return;
    this.#start = this.#end(n - 1);
    this.#ends.copyWithin(0, n, this.#count);
    this.#count -= n;
    const chunks = this.#chunks;
    // The last buffer, still open, is kept even when all its lines are gone: the next line goes on in it.
    let gone = 0;
    while (gone < chunks.length && chunks[gone].to <= this.#start && (gone < chunks.length - 1 || chunks[gone].sealed)) gone++;
    chunks.splice(0, gone);
  }

  /** Takes back the lines from `length` on; their bytes are never written again (a commit may hold them). */
  truncate(length: number): void {
    if (length >= this.#count) return;
    this.#count = Math.max(0, length);
    const end = this.#end(this.#count - 1);
    const chunks = this.#chunks;
    while (chunks.length > 0 && chunks[chunks.length - 1].from >= end) chunks.pop();
    const last = chunks.at(-1);
    if (last) [last.to, last.sealed] = [Math.min(last.to, end), true];
  }

  /** Where line `k` ends, its newline included; for k = -1 where the first line starts. */
  #end(k: number): number {
    return k < 0 ? this.#start : this.#ends[k];
  }

  /** The buffer holding the line that starts at `start`. */
  #chunkOf(start: number): Chunk {
    const chunks = this.#chunks;
    for (let c = chunks.length - 1; c >= 0; c--) if (chunks[c].from <= start && start < chunks[c].to) return chunks[c];
    throw new Error(`incident-flow store: no buffer holds the audit line at byte ${start}`);
  }
}

/**
 * A memory store's lines (it has no file to write them to): FreshLines' methods over an
 * array. A row handed over (see AuditLog.append) is kept as its object, unserialized, until
 * something reads its line: the engine's rows cost no `JSON.stringify` on the way in, and
 * about 1.15× the bytes of their line while held as objects (a read keeps the line).
 */
export class StringLines implements Lines {
  #lines: Array<string | AuditEntry> = [];

  get length(): number {
    return this.#lines.length;
  }

  push(line: string): void {
    // JSON.stringify hands back a tree of string pieces (~430 bytes of heap for a 260-char
    // row); converting it to a number makes V8 flatten it into one sequential string
    // (~290 bytes). The number itself is discarded.
    Number(line);
    this.#lines.push(line);
  }

  /** Keeps a row handed over as its object: its line is made when first read. */
  keep(entry: AuditEntry): void {
    // The message is held as long as the row: made by a template, it is a tree of string pieces
    // (57 a lifecycle, 1 KB of the 9.9 KB the engine keeps per incident). Converting it to a
    // number makes V8 flatten it into one string, and the pieces go at the next collection
    // (bench/chartAB.ts: 0.963 of the CPU of keeping the tree, 16 rounds). The number is discarded.
    if (typeof entry.message === 'string') Number(entry.message);
    this.#lines.push(entry);
  }

  at(k: number): string {
    const held = this.#lines[k];
    if (typeof held === 'string') return held;
    const line = canonicalJson(held);
    Number(line); // flattened into one sequential string, as `push` does
    this.#lines[k] = line;
    return line;
  }

  byteLength(k: number): number {
    return Buffer.byteLength(this.at(k));
  }

  buffers(from: number, to: number): Buffer[] {
    const out = new LineBuffers();
    for (let k = from; k < to; k++) out.push(this.at(k));
    return out.finish();
  }

  drop(count: number): void {
    this.#lines = this.#lines.slice(count);
  }

  truncate(length: number): void {
    if (length < this.#lines.length) this.#lines.length = Math.max(0, length);
  }
}
