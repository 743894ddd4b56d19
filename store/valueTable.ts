import type { JoinedText } from './auditText.js';

/**
 * Strings numbered 1 to n, kept as one string (the values joined by a separator, as
 * `AuditText.join` makes them) with an open-addressing hash table of their numbers: a
 * lookup hashes the value once (`hashValue`) and compares it in place. The table is
 * written with the values in the audit index's side file and read back as it is, so a
 * store opens without numbering its values again (a Map of 600,000 new strings costs
 * about a second there); about 12 bytes a value in memory.
 * @example const t = new ValueTable({ joined: 'a\u0001bc', lengths: new Uint32Array([1, 2]) }); t.find('bc', hashValue('bc')) // 2
 */
export class ValueTable {
  readonly #text: string;
  /** Where value k + 1 starts in `#text`, and (last) where the text ends, plus one. */
  readonly #starts: Uint32Array;
  readonly slots: Uint32Array;
  readonly #mask: number;

  /** `slots`: the table as written (a power of two long, more than the values); else it is built. */
  constructor(values: JoinedText, slots?: Uint32Array) {
    const { joined, lengths } = values;
    const count = lengths.length;
    const starts = new Uint32Array(count + 1);
    let at = 0;
    for (let k = 0; k < count; k++) {
      starts[k] = at;
      at += lengths[k] + 1;
    }
    starts[count] = at;
    [this.#text, this.#starts] = [joined, starts];
    if (slots) {
      if (slots.length <= count || (slots.length & (slots.length - 1)) !== 0) throw new Error('audit index value table of the wrong size');
      [this.slots, this.#mask] = [slots, slots.length - 1];
      return;
    }
    let size = 16;
    while (size < count * 2) size *= 2;
    [this.slots, this.#mask] = [new Uint32Array(size), size - 1];
    for (let id = 1; id <= count; id++) {
      let slot = hashOf(joined, starts[id - 1], starts[id] - 1) & this.#mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.slots[slot] = id;
    }
  }

  get size(): number {
    return this.#starts.length - 1;
  }

  /** The value numbered `id`. */
  value(id: number): string {
    return this.#text.slice(this.#starts[id - 1], this.#starts[id] - 1);
  }

  /** The number of `value` (`hash`: `hashValue(value)`); 0 when it is not here. */
  find(value: string, hash: number): number {
    const starts = this.#starts;
    for (let slot = hash & this.#mask, probes = 0; probes <= this.#mask; slot = (slot + 1) & this.#mask, probes++) {
      const id = this.slots[slot];
      if (id === 0 || id > this.size) return 0;
      const from = starts[id - 1];
      if (starts[id] - 1 - from === value.length && this.#text.startsWith(value, from)) return id;
    }
    return 0;
  }
}

/** The hash `ValueTable.find` takes. */
export function hashValue(value: string): number {
  return hashOf(value, 0, value.length);
}

/** FNV-1a over the UTF-16 units of `text` [from, to), its bits then mixed (murmur3's finalizer). */
function hashOf(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
