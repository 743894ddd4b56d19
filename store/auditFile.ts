import { closeSync, openSync, readSync } from 'node:fs';
import { ioError } from './storeFiles.js';

/** The first read of a row not near the last one read; reads that go on from it double. */
const MIN_WINDOW = 16 * 1024;
const MAX_WINDOW = 1024 * 1024;

/**
 * Synchronous positioned reads of a store's `.audit.jsonl` file, so that an `AuditLog`
 * can keep its committed rows as byte offsets and still answer queries synchronously.
 * The file is opened read-only on the first read and kept open until `close()` (a read
 * after that opens and closes it again). Only committed bytes are ever asked for: they
 * never change, so a block read once serves every row inside it.
 * @example const file = new AuditFile('run.audit.jsonl'); file.read(0, 120).toString(); file.close();
 */
export class AuditFile {
  readonly path: string;
  #fd: number | null = null;
  #closed = false;
  /** The block `line` reads rows from: `#size` bytes from file offset `#at`, in a buffer reused. */
  #block: Buffer = Buffer.alloc(0);
  #at = 0;
  #size = 0;
  #window = MIN_WINDOW;

  constructor(path: string) {
    this.path = path;
  }

  /** Bytes [position, position + length) of the file, in one read (or a few, if the OS cuts it). */
  read(position: number, length: number): Buffer {
    return this.#readInto(Buffer.allocUnsafe(length), position, length);
  }

  /**
   * Bytes [start, end) as text (one row's line), read with its neighbours: a miss reads a
   * block that goes on past the row (or back before it, when the row lies before the last
   * block, as in a newest-first scan), never past `limit`, and larger while reads follow
   * one another. The block's buffer is reused: a scan makes no garbage but its lines.
   */
  line(start: number, end: number, limit: number): string {
    if (start < this.#at || end > this.#at + this.#size) this.#fill(start, end, limit);
    return this.#block.toString('utf8', start - this.#at, end - this.#at);
  }

  /** Closes the file; later reads open it for the read only. */
  close(): void {
    const fd = this.#fd;
    [this.#fd, this.#closed, this.#block, this.#size] = [null, true, Buffer.alloc(0), 0];
    if (fd !== null) closeSync(fd);
  }

  #fill(start: number, end: number, limit: number): void {
    const back = start < this.#at;
    const near = back ? this.#at - start <= this.#window : start - (this.#at + this.#size) < this.#window;
    this.#window = near ? Math.min(MAX_WINDOW, this.#window * 2) : MIN_WINDOW;
    const from = back ? Math.max(0, Math.min(start, end - this.#window)) : start;
    const to = back ? end : Math.max(end, Math.min(limit, start + this.#window));
    if (this.#block.length < to - from) this.#block = Buffer.allocUnsafe(Math.max(to - from, MAX_WINDOW));
    this.#size = 0; // a read that fails leaves no block
    this.#readInto(this.#block, from, to - from);
    [this.#at, this.#size] = [from, to - from];
  }

  #readInto(buf: Buffer, position: number, length: number): Buffer {
    let fd = this.#fd;
    try {
      fd ??= openSync(this.path, 'r');
      for (let done = 0; done < length; ) {
        const n = readSync(fd, buf, done, length - done, position + done);
        if (n === 0) throw new Error(`the file ends at byte ${position + done}, before its committed rows do (${position + length})`);
        done += n;
      }
      return buf;
    } catch (error) {
      throw ioError(this.path, 'read audit rows', error);
    } finally {
      if (fd !== null && this.#closed) closeSync(fd);
      else this.#fd = fd;
    }
  }
}
