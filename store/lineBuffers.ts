/** Size of the buffers lines are encoded into. */
const PART_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * JSON lines encoded straight into buffers of PART_BYTES, for a commit to append: no joined
 * strings, no concatenated copy, and never one string too large for V8 (about 512 MB).
 * @example const out = new LineBuffers(); out.push('{"a":1}'); out.finish() // [<Buffer 7b 22 61 22 3a 31 7d 0a>]
 */
export class LineBuffers {
  readonly parts: Buffer[] = [];
  /** Bytes and lines pushed so far. */
  bytes = 0;
  lines = 0;
  #chunk = Buffer.alloc(0);
  #used = 0;

  /** Appends `line` and a newline. */
  push(line: string): void {
    // At most 3 bytes of UTF-8 per UTF-16 unit, plus the newline.
    const most = line.length * 3 + 1;
    if (this.#used + most > this.#chunk.length) {
      this.#seal();
      this.#chunk = Buffer.allocUnsafe(Math.max(PART_BYTES, most));
    }
    const n = this.#chunk.write(line, this.#used, 'utf8');
    this.#chunk[this.#used + n] = NEWLINE;
    this.#used += n + 1;
    this.bytes += n + 1;
    this.lines++;
  }

  /** Bytes [from, to) of what was pushed, within one line (a line is never split between buffers): a view, not a copy. */
  slice(from: number, to: number): Buffer {
    let start = 0;
    for (const part of this.parts) {
      if (from < start + part.length) return part.subarray(from - start, to - start);
      start += part.length;
    }
    return this.#chunk.subarray(from - start, to - start);
  }

  /** The buffers, the last one cut to what it holds. */
  finish(): Buffer[] {
    this.#seal();
    return this.parts;
  }

  #seal(): void {
    if (this.#used > 0) this.parts.push(this.#chunk.subarray(0, this.#used));
    this.#chunk = Buffer.alloc(0);
    this.#used = 0;
  }
}
