/** Rows per frozen block: one string searched with native `indexOf`, and its rows' starts. */
const BLOCK_ROWS = 4096;
/** Between two rows of a block, and between two fields of a row. */
const ROW_SEP = '\u0001';
const FIELD_SEP = '\u0000';

/** A searched field's text: `String(value ?? '')`, lowercased. */
function lower(value: unknown): string {
  return (typeof value === 'string' ? value : String(value ?? '')).toLowerCase();
}

/** Rows' texts joined by a separator, and each one's length (see `AuditText.slice`). */
export interface JoinedText {
  joined: string;
  lengths: Uint32Array;
}

/**
 * The text the audit `text` filter searches, one entry per row: each searched field as
 * `String(value ?? '')`, lowercased, joined by NUL (so a match never spans two fields), in
 * blocks of 4,096 rows joined into one string. A search is one `indexOf` per matching row
 * rather than a parse per row: about 60 bytes of memory a row for a typical entry, paid
 * only by a store that is searched (see AuditIndex).
 * @example const t = new AuditText(); t.add(['moved on', 'incident.triage']); t.search('moved'); // [0]
 */
export class AuditText {
  /** Frozen blocks, each BLOCK_ROWS rows: their text, and where each row starts in it. */
  readonly #blocks: Array<{ text: string; starts: Uint32Array }> = [];
  /** The rows after the last block, one string each. */
  #open: string[] = [];

  get size(): number {
    return this.#blocks.length * BLOCK_ROWS + this.#open.length;
  }

  /** Takes in the next row's searched fields. */
  add(fields: readonly unknown[]): void {
    this.addText(AuditText.rowText(fields));
  }

  /** Takes in the next row's text, as `rowText` makes it. */
  addText(text: string): void {
    this.#open.push(text);
    if (this.#open.length === BLOCK_ROWS) this.#freeze();
  }

  /** The text a row's searched fields are searched in. */
  static rowText(fields: readonly unknown[]): string {
    // Joined, not concatenated: a join makes one flat string, `+` a tree of pieces to flatten later.
    const parts: string[] = [];
    for (const value of fields) parts.push(lower(value));
    return parts.join(FIELD_SEP);
  }

  /**
   * Rows [from, to) as one string, joined by a separator, and each row's length (as
   * `addJoined` takes them back; lengths, since a row's own text may hold the separator).
   */
  slice(from: number, to: number): JoinedText {
    const rows: string[] = [];
    for (let pos = from; pos < to; pos++) rows.push(this.#row(pos));
    return AuditText.join(rows);
  }

  /** Rows' texts as `slice` gives them. */
  static join(rows: readonly string[]): JoinedText {
    const lengths = new Uint32Array(rows.length);
    for (let k = 0; k < rows.length; k++) lengths[k] = rows[k].length;
    return { joined: rows.join(ROW_SEP), lengths };
  }

  /**
   * Takes in rows given as `slice` gives them: a run of whole blocks is kept as it is
   * (one substring and its rows' starts), with no string made per row.
   */
  addJoined(joined: string, lengths: ArrayLike<number>): void {
    let at = 0;
    for (let k = 0; k < lengths.length; ) {
      if (this.#open.length === 0 && lengths.length - k >= BLOCK_ROWS) {
        const starts = new Uint32Array(BLOCK_ROWS);
        const from = at;
        for (let r = 0; r < BLOCK_ROWS; r++, k++) {
          starts[r] = at - from;
          at += lengths[k] + 1;
        }
        this.#blocks.push({ text: joined.slice(from, at - 1), starts });
        continue;
      }
      this.addText(joined.slice(at, at + lengths[k]));
      at += lengths[k] + 1;
      k++;
    }
  }

  /** Whether `needle` (lowercased) can be searched here: it holds no separator. */
  static accepts(needle: string): boolean {
    return !needle.includes(ROW_SEP) && !needle.includes(FIELD_SEP);
  }

  /** Positions (ascending) of the rows below `size` with `needle` (lowercased) in one of their fields. */
  search(needle: string, size = this.size): number[] {
    const out: number[] = [];
    for (let b = 0; b < this.#blocks.length && b * BLOCK_ROWS < size; b++) {
      const { text, starts } = this.#blocks[b];
      const base = b * BLOCK_ROWS;
      let row = 0;
      for (let at = text.indexOf(needle); at !== -1; ) {
        // Rows only go forward: walk to the one the match is in, then skip past it.
        while (row + 1 < BLOCK_ROWS && starts[row + 1] <= at) row++;
        if (base + row >= size) return out;
        out.push(base + row);
        if (row + 1 === BLOCK_ROWS) break;
        at = text.indexOf(needle, starts[++row]);
      }
    }
    const base = this.#blocks.length * BLOCK_ROWS;
    for (let k = 0; k < this.#open.length && base + k < size; k++) if (this.#open[k].includes(needle)) out.push(base + k);
    return out;
  }

  /** Forgets the rows from `size` on (a read that failed half way). */
  truncate(size: number): void {
    while (this.size > size) {
      if (this.#open.length === 0) this.#thaw();
      this.#open.length = Math.max(0, Math.min(this.#open.length, size - this.#blocks.length * BLOCK_ROWS));
    }
  }

  /** The text of the row at `pos`. */
  #row(pos: number): string {
    const b = Math.floor(pos / BLOCK_ROWS);
    if (b >= this.#blocks.length) return this.#open[pos - this.#blocks.length * BLOCK_ROWS];
    const { text, starts } = this.#blocks[b];
    const k = pos - b * BLOCK_ROWS;
    return text.slice(starts[k], k + 1 < BLOCK_ROWS ? starts[k + 1] - 1 : text.length);
  }

  #freeze(): void {
    const starts = new Uint32Array(BLOCK_ROWS);
    let at = 0;
    this.#open.forEach((row, k) => {
      starts[k] = at;
      at += row.length + 1;
    });
    this.#blocks.push({ text: this.#open.join(ROW_SEP), starts });
    this.#open = [];
  }

  /** The last block back into single rows. */
  #thaw(): void {
    const base = (this.#blocks.length - 1) * BLOCK_ROWS;
    const rows = Array.from({ length: BLOCK_ROWS }, (_, k) => this.#row(base + k));
    this.#blocks.pop();
    this.#open = rows;
  }
}
