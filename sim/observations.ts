import { SEVERITIES } from '../machines/types.js';
import type { Responder, Severity } from '../machines/types.js';
import { BY_HALF, grown } from '../store/grown.js';

/** What a failure expectation observed of one incident. */
export interface Observation {
  incident: string;
  /** Null: never triaged. */
  severity: Severity | null;
  escalatedTo: Responder | 'none';
  autoResolved: boolean;
  /** From detection to resolution; null: not resolved. */
  resolvedWithinMs: number | null;
}

/** The severity code of an incident never triaged. */
const NO_SEVERITY = 255;
const RESPONDERS: ReadonlyArray<Responder | 'none'> = ['none', 'cheryl', 'petra', 'atlas'];
/** Ids joined into one string per this many observations (one flat string, not one per id). */
const IDS_PER_CHUNK = 512;

/**
 * The observations of one failure expectation, in the order the incidents were seen: a
 * long run's failure may open a hundred thousand incidents, and an object and an id string
 * each cost about 110 bytes of heap that V8 lets grow to three times what is live, where
 * here an observation takes its id's characters and 15 bytes of typed arrays (its id's end, three codes, its time). Each is made
 * again when asked for (`at`, iteration, `every`); JSON gives the array of them (`toJSON`).
 * Not an array: `Array.from(observations)` makes one.
 * @example const o = new Observations(); o.push(observation); o.length // 1; JSON.stringify(o) // '[{"incident":…}]'
 */
export class Observations implements Iterable<Observation> {
  #length = 0;
  /** Per chunk of IDS_PER_CHUNK observations, their ids joined; the last chunk's ids wait in `#ids`. */
  readonly #chunks: string[] = [];
  #ids: string[] = [];
  /** `#ids` joined, once asked for (null: not since the last push). */
  #joined: string | null = null;
  /** Per observation, where its id ends in its chunk. */
  #ends = new Uint32Array(64);
  /** Per observation: severity, escalatedTo (their places in SEVERITIES, RESPONDERS), autoResolved. */
  #codes = new Uint8Array(64 * 3);
  /** Per observation, resolvedWithinMs (NaN: null). */
  #times = new Float64Array(64);

  get length(): number {
    return this.#length;
  }

  push(o: Observation): void {
    const k = this.#length;
    if (k === this.#times.length) this.#grow(k);
    const at = k % IDS_PER_CHUNK;
    this.#ends[k] = (at === 0 ? 0 : this.#ends[k - 1]) + o.incident.length;
    this.#ids.push(o.incident);
    this.#joined = null;
    if (this.#ids.length === IDS_PER_CHUNK) {
      this.#chunks.push(this.#ids.join(''));
      this.#ids = [];
    }
    [this.#codes[3 * k], this.#codes[3 * k + 1], this.#codes[3 * k + 2]] = [o.severity === null ? NO_SEVERITY : SEVERITIES.indexOf(o.severity), RESPONDERS.indexOf(o.escalatedTo), o.autoResolved ? 1 : 0];
    this.#times[k] = o.resolvedWithinMs ?? NaN;
    this.#length = k + 1;
  }

  /** Observation `k` (0 first; from the end when negative, as an array's `at`), made afresh; undefined past either end. */
  at(index: number): Observation | undefined {
    const k = Math.trunc(index) < 0 ? this.#length + Math.trunc(index) : Math.trunc(index);
    if (!(k >= 0 && k < this.#length)) return undefined;
    const [chunk, at] = [Math.floor(k / IDS_PER_CHUNK), k % IDS_PER_CHUNK];
    const start = at === 0 ? 0 : this.#ends[k - 1];
    const ids = chunk < this.#chunks.length ? this.#chunks[chunk] : (this.#joined ??= this.#ids.join(''));
    const time = this.#times[k];
    return {
      incident: ids.slice(start, this.#ends[k]),
      severity: this.#codes[3 * k] === NO_SEVERITY ? null : SEVERITIES[this.#codes[3 * k]],
      escalatedTo: RESPONDERS[this.#codes[3 * k + 1]],
      autoResolved: this.#codes[3 * k + 2] === 1,
      resolvedWithinMs: Number.isNaN(time) ? null : time,
    };
  }

  *[Symbol.iterator](): Iterator<Observation> {
    for (let k = 0; k < this.#length; k++) yield this.at(k) as Observation;
  }

  /** Whether every observation passes `ok` (true for none, as an array's `every`). */
  every(ok: (o: Observation) => boolean): boolean {
    for (const o of this) if (!ok(o)) return false;
    return true;
  }

  /** As JSON: the array of the observations. */
  toJSON(): Observation[] {
    return Array.from(this);
  }

  /**
   * Room for observation `k`, the arrays half as long again: most expectations observe a few
   * incidents (the arrays start at 64), and a run's peak memory (issue 14) was measured so.
   */
  #grow(k: number): void {
    [this.#ends, this.#codes, this.#times] = [grown(this.#ends, k, BY_HALF), grown(this.#codes, 3 * k + 2, BY_HALF), grown(this.#times, k, BY_HALF)];
  }
}
