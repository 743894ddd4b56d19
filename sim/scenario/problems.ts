import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/** One thing wrong with a scenario file, located as precisely as the file allows. */
export interface ScenarioProblem {
  file: string;
  /** e.g. "failures[2].at"; "" for the file as a whole. */
  path: string;
  /** 1-based; null when the problem has no place in the text (an unreadable file). */
  line: number | null;
  column: number | null;
  /** What was expected, and what was found. */
  message: string;
}

/** Where something is written: 1-based, null when it has no place in the text. */
export interface TextPosition {
  line: number | null;
  column: number | null;
}

/**
 * Orders by place in the text, line then column; those without one first (the file as a
 * whole), in the order given (`Array.prototype.sort` is stable).
 * @example problems.sort(byPosition)
 */
export function byPosition(a: TextPosition, b: TextPosition): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/** Path segments: keys and list indexes. */
export type PathSegment = string | number;

/** Every problem found in a scenario, reported together so one edit fixes them all. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(readonly problems: ScenarioProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/**
 * Formats a problem the way compilers do, so terminals and editors can jump to it.
 *
 * @example
 * formatProblem({ file: 'scenario.yaml', path: 'failures[2].at', line: 14, column: 9, message: 'expected a duration like "5m", got "5 minutes"' });
 * // 'scenario.yaml:14:9 failures[2].at: expected a duration like "5m", got "5 minutes"'
 */
export function formatProblem({ file, path, line, column, message }: ScenarioProblem): string {
  const where = line === null ? `${file}:` : `${file}:${line}:${column ?? 1}`;
  return path ? `${where} ${path}: ${message}` : `${where} ${message}`;
}

/**
 * Writes path segments as a reader would: `failures[2].at`, `responders["on call"]`.
 *
 * @example
 * formatPath(['failures', 2, 'at']); // "failures[2].at"
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Turns paths into problems with line and column, from the parsed YAML document. */
export class ProblemList {
  readonly problems: ScenarioProblem[] = [];
  /** path + message of each problem: two checks finding the same thing report it once. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  /** Adds a problem at `path`; `at: 'key'` points at the key itself (an unknown key). */
  add(path: readonly PathSegment[], message: string, at: 'key' | 'value' = 'value'): void {
    const offset = this.offset(path, at);
    const pos = offset === null || !this.lines ? null : this.lines.linePos(offset);
    const problem = { file: this.file, path: formatPath(path), line: pos?.line ?? null, column: pos?.col ?? null, message };
    const key = `${problem.path}\n${message}`;
    if (!this.seen.has(key)) this.problems.push(problem);
    this.seen.add(key);
  }

  /** Adds a problem at an offset in the text (a YAML syntax error). */
  addAt(offset: number, message: string): void {
    const pos = this.lines?.linePos(offset);
    this.problems.push({ file: this.file, path: '', line: pos?.line ?? null, column: pos?.col ?? null, message });
  }

  /** The 1-based line and column where `path` is written (its value), or nulls. */
  position(path: readonly PathSegment[]): TextPosition {
    const offset = this.offset(path, 'value');
    if (offset === null || !this.lines) return { line: null, column: null };
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Problems in the order they appear in the file. */
  sorted(): ScenarioProblem[] {
    return [...this.problems].sort(byPosition);
  }

  /**
   * Offset of the deepest node along `path` that exists in the document. An alias (`*name`)
   * is not followed: a path through one is placed at the alias, in the entry the path names;
   * the anchored value is another entry's, and any problem of that one is reported there.
   */
  private offset(path: readonly PathSegment[], at: 'key' | 'value'): number | null {
    let node: unknown = this.doc?.contents;
    let offset = rangeStart(node);
    for (const [i, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : item.key) === String(segment));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (i === path.length - 1 && at === 'key') return keyStart ?? offset;
        node = pair.value;
        // `key:` with nothing after it has no value node: point at the key.
        offset = rangeStart(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment];
        offset = rangeStart(node) ?? offset;
      } else break;
    }
    return offset;
  }
}

function rangeStart(node: unknown): number | null {
  if (typeof node !== 'object' || node === null || !('range' in node) || !Array.isArray(node.range)) return null;
  const start: unknown = node.range[0];
  return typeof start === 'number' ? start : null;
}
