import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { leadingKey } from './stateLines.js';
import { errorCode } from './storeFiles.js';

const CHUNK = 4 * 1024 * 1024;
const [NEWLINE, COMMA, QUOTE, BACKSLASH] = [0x0a, 0x2c, 0x22, 0x5c];
const HEAD = Buffer.from('{"schemaVersion":');
const TABLES = Buffer.from('"tables":{');

/** Whether a row's line in the file is no longer what its table holds (changed or removed since the file was written). */
export type Stale = (table: string, id: string) => boolean;

/**
 * The row lines of the state file on disk, walked in step with a rewrite of it: the line
 * of a row that did not change since the file was written is copied as bytes rather than
 * serialized again, so a rewrite costs little more than a copy plus the changed rows. The
 * caller asks only for rows it knows unchanged; the unchanged rows keep their order (a row
 * removed or put again is a changed one), so one pass reads each line once, passing over
 * stale lines only (`stale`); if the file turns out to be in another order or layout, the
 * cursor stops reusing and the rest is serialized.
 * @example const cursor = await StateLineCursor.open('run.json', stale); encodeState(image, (t, id) => cursor.line(t, id));
 */
export class StateLineCursor {
  readonly #handle: FileHandle;
  readonly #stale: Stale;
  /** The buffer reads go to; the part of it read last, and where the next line in it starts. */
  #chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  #buf: Buffer = Buffer.alloc(0);
  #at = 0;
  #position = 0;
  #eof = false;
  #broken = false;
  #started = false;
  /** The table whose rows the walk is in; null between tables. */
  #table: string | null = null;

  private constructor(handle: FileHandle, stale: Stale) {
    this.#handle = handle;
    this.#stale = stale;
  }

  /** A cursor on `file`; null when there is no such file. */
  static async open(file: string, stale: Stale): Promise<StateLineCursor | null> {
    const handle = await open(file, 'r').catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    });
    return handle && new StateLineCursor(handle, stale);
  }

  /**
   * The bytes of the line `"id":{...}` of a row unchanged since the file was written, as on
   * disk (no comma; valid until the next call: the cursor reads on into the same buffer);
   * null: serialize it.
   */
  async line(table: string, id: string): Promise<Buffer | null> {
    if (this.#broken) return null;
    const prefix = Buffer.from(`${JSON.stringify(id)}:`);
    for (;;) {
      const line = await this.#next();
      if (line === null) return this.#stop();
      const bare = line[line.length - 1] === COMMA ? line.subarray(0, -1) : line;
      if (!this.#started) {
        this.#started = true;
        if (!bare.subarray(0, HEAD.length).equals(HEAD) || !line.subarray(-TABLES.length).equals(TABLES)) return this.#stop();
      } else if (this.#table === null) {
        if (bare.length === 2 && bare.toString() === '}}') continue;
        const text = bare.toString('utf8');
        const key = leadingKey(text);
        if (!key) return this.#stop();
        if (text.slice(key.end) === '{') this.#table = key.value;
      } else if (bare.length === 1) {
        this.#table = null;
      } else if (this.#table === table && bare.length > prefix.length && bare.subarray(0, prefix.length).equals(prefix)) {
        return bare;
      } else {
        // Only stale rows may be passed over: an unchanged one means the orders differ.
        const key = rowKey(bare);
        if (key === null || !this.#stale(this.#table, key)) return this.#stop();
      }
    }
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }

  #stop(): null {
    this.#broken = true;
    return null;
  }

  /** The next line's bytes, newline left out (valid until the next read); null at the end of the file. */
  async #next(): Promise<Buffer | null> {
    for (;;) {
      const nl = this.#buf.indexOf(NEWLINE, this.#at);
      if (nl !== -1) {
        const line = this.#buf.subarray(this.#at, nl);
        this.#at = nl + 1;
        return line;
      }
      if (this.#eof) return null;
      // The unfinished line goes first, then the file is read in after it, into the same
      // buffer (grown only for a line longer than it): the line handed out last is copied
      // by then (see `line`), and a buffer a read was garbage for a full collection to free.
      const carry = this.#buf.length - this.#at;
      if (carry === this.#chunk.length) this.#chunk = grown(this.#chunk, this.#at);
      else this.#chunk.copyWithin(0, this.#at, this.#buf.length);
      const { bytesRead } = await this.#handle.read(this.#chunk, carry, this.#chunk.length - carry, this.#position);
      this.#position += bytesRead;
      this.#eof = bytesRead === 0;
      [this.#buf, this.#at] = [this.#chunk.subarray(0, carry + bytesRead), 0];
    }
  }
}

/** A buffer twice the size of `chunk`, with what `chunk` holds from `from` on at its start. */
function grown(chunk: Buffer, from: number): Buffer {
  const out = Buffer.allocUnsafe(chunk.length * 2);
  chunk.copy(out, 0, from);
  return out;
}

/** The id a row line starts with (the JSON string before its colon), decoded; null if none. */
function rowKey(line: Buffer): string | null {
  if (line[0] !== QUOTE) return null;
  for (let i = 1; i < line.length; i++) {
    if (line[i] === BACKSLASH) i++;
    else if (line[i] === QUOTE) return leadingKey(line.toString('utf8', 0, i + 2))?.value ?? null;
  }
  return null;
}
