import { AuditText, type JoinedText } from './auditText.js';

/** Values joined as `AuditText.join` joins them, as bytes: every value ASCII, so a byte a character. */
interface JoinedBytes {
  bytes: Buffer;
  lengths: Uint32Array;
}

/** AuditText's row separator (U+0001), as a byte. */
const SEPARATOR = 0x01;

/** Most slots in use in a table made here (4 bytes a slot; linear probing stays short below it). */
const MAX_LOAD = 0.7;

/**
 * Strings numbered 1 to n, kept as one text (the values joined by a separator, as
 * `AuditText.join` makes them) with an open-addressing hash table of their numbers: a
 * lookup hashes the value once (`hashValue`) and compares it in place. The table is
 * written with the values in the audit index's side file and read back as it is, so a
 * store opens without numbering its values again (a Map of 600,000 new strings costs
 * about a second there); about 10 bytes a value in memory besides the text (where it starts, its slots). The text is
 * kept as bytes outside V8's heap when every value is ASCII (ids, names: nearly always):
 * an entity id is a new value per incident and job, and V8 lets its heap grow to 3–5
 * times what is live, so text held there costs the run's peak memory several times over.
 * @example const t = new ValueTable({ joined: 'a\u0001bc', lengths: new Uint32Array([1, 2]) }); t.find('bc', hashValue('bc')) // 2
 */
export class ValueTable {
  /** The joined values as bytes (ASCII), else null and `#text` holds them. */
  readonly #bytes: Buffer | null;
  readonly #text: string;
  /** Where value k + 1 starts in `#text`, and (last) where the text ends, plus one. */
  readonly #starts: Uint32Array;
  readonly slots: Uint32Array;
  readonly #mask: number;

  /** `slots`: the table as written (a power of two long, more than the values); else it is built. */
  constructor(values: JoinedText | JoinedBytes, slots?: Uint32Array) {
    const { lengths } = values;
    const joined = 'joined' in values ? values.joined : '';
    const bytes = 'bytes' in values ? values.bytes : asciiBytes(joined);
    const count = lengths.length;
    const starts = new Uint32Array(count + 1);
    let at = 0;
    for (let k = 0; k < count; k++) {
      starts[k] = at;
      at += lengths[k] + 1;
    }
    starts[count] = at;
    // No copy of `lengths` is kept: a value's is where the next one starts, less one.
    [this.#bytes, this.#text, this.#starts] = [bytes, bytes ? '' : joined, starts];
    if (slots) {
      if (slots.length <= count || (slots.length & (slots.length - 1)) !== 0) throw new Error('audit index value table of the wrong size');
      [this.slots, this.#mask] = [slots, slots.length - 1];
      return;
    }
    let size = 16;
    while (size * MAX_LOAD < count) size *= 2;
    [this.slots, this.#mask] = [new Uint32Array(size), size - 1];
    for (let id = 1; id <= count; id++) {
      let slot = (bytes ? hashOfBytes(bytes, starts[id - 1], starts[id] - 1) : hashOf(joined, starts[id - 1], starts[id] - 1)) & this.#mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.slots[slot] = id;
    }
  }

  get size(): number {
    return this.#starts.length - 1;
  }

  /** The value numbered `id`. */
  value(id: number): string {
    const [from, to] = [this.#starts[id - 1], this.#starts[id] - 1];
    return this.#bytes ? this.#bytes.toString('latin1', from, to) : this.#text.slice(from, to);
  }

  /** The number of `value` (`hash`: `hashValue(value)`); 0 when it is not here. */
  find(value: string, hash: number): number {
    const [starts, bytes] = [this.#starts, this.#bytes];
    for (let slot = hash & this.#mask, probes = 0; probes <= this.#mask; slot = (slot + 1) & this.#mask, probes++) {
      const id = this.slots[slot];
      if (id === 0 || id > this.size) return 0;
      const from = starts[id - 1];
      if (starts[id] - 1 - from !== value.length) continue;
      if (bytes ? sameBytes(bytes, from, value) : this.#text.startsWith(value, from)) return id;
    }
    return 0;
  }

  /**
   * One table of the values of `tables`, in order (numbered on from the first's): their
   * bytes joined when all are kept as bytes, with no string made per value.
   */
  static merged(tables: readonly ValueTable[]): ValueTable {
    if (!tables.every((t) => t.#bytes)) {
      const values: string[] = [];
      for (const t of tables) for (let id = 1; id <= t.size; id++) values.push(t.value(id));
      return new ValueTable(AuditText.join(values));
    }
    const lengths = new Uint32Array(tables.reduce((sum, t) => sum + t.size, 0));
    let at = 0;
    for (const t of tables) {
      for (let id = 1; id <= t.size; id++) lengths[at++] = t.#starts[id] - t.#starts[id - 1] - 1;
    }
    const parts: Buffer[] = [];
    for (const t of tables) {
      if (t.size === 0) continue;
      if (parts.length > 0) parts.push(Buffer.of(SEPARATOR));
      parts.push(t.#bytes as Buffer);
    }
    const bytes = Buffer.allocUnsafeSlow(parts.reduce((sum, b) => sum + b.length, 0));
    at = 0;
    for (const part of parts) at += part.copy(bytes, at);
    return new ValueTable({ bytes, lengths });
  }
}

/** `joined` as bytes when it is ASCII (a byte a character), in a buffer of its own (a pooled one would keep its whole pool); else null. */
function asciiBytes(joined: string): Buffer | null {
  if (Buffer.byteLength(joined) !== joined.length) return null;
  const bytes = Buffer.allocUnsafeSlow(joined.length);
  bytes.write(joined, 0, 'latin1');
  return bytes;
}

/** Whether `value` is the ASCII bytes at `from` (its length checked already). */
function sameBytes(bytes: Buffer, from: number, value: string): boolean {
  for (let i = 0; i < value.length; i++) if (bytes[from + i] !== value.charCodeAt(i)) return false;
  return true;
}

/** The hash `ValueTable.find` takes. */
export function hashValue(value: string): number {
  return hashOf(value, 0, value.length);
}

/** FNV-1a over the UTF-16 units of `text` [from, to), its bits then mixed (murmur3's finalizer). */
function hashOf(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mixed(h);
}

/** `hashOf` of ASCII text kept as bytes (a byte is its character's UTF-16 unit). */
function hashOfBytes(bytes: Buffer, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return mixed(h);
}

function mixed(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
