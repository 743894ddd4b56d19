/**
 * Tiny SVG/HTML building blocks for the self-contained report: escaping, fixed number
 * formatting, scales and axes. Every data string goes through `esc`.
 */
import type { SeverityKey } from './metrics.js';

/**
 * Escapes text for HTML and SVG content and attribute values.
 * @example esc('<script>') // '&lt;script&gt;'
 */
export function esc(value: string | number): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A coordinate with one decimal, so output is byte-stable. @example num(3.14159) // '3.1' */
export function num(v: number): string {
  const s = (Math.round(v * 10) / 10).toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}

/** Readable on white and distinguishable without relying on red/green alone. */
export const SEVERITY_COLOURS: Readonly<Record<SeverityKey, string>> = {
  P0: '#b3261e',
  P1: '#e8710a',
  P2: '#c99a00',
  P3: '#1a67c9',
  unclassified: '#8a8f98',
};

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Inner plot box of a frame. */
export const inner = (f: Frame) => ({ x0: f.left, x1: f.width - f.right, y0: f.top, y1: f.height - f.bottom });

export type Scale = (v: number) => number;

export const linear = (d0: number, d1: number, r0: number, r1: number): Scale =>
  (v) => (d1 === d0 ? r0 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));

export const logScale = (d0: number, d1: number, r0: number, r1: number): Scale => {
  const l = linear(Math.log10(d0), Math.log10(d1), r0, r1);
  return (v) => l(Math.log10(Math.max(v, d0)));
};

/**
 * A round upper bound and tick step for counts, at most ~6 ticks.
 * @example niceCountAxis(13) // { max: 15, step: 5 }
 */
export function niceCountAxis(max: number): { max: number; step: number } {
  if (max <= 0) return { max: 1, step: 1 };
  for (const step of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]) {
    if (max / step <= 6) return { max: Math.ceil(max / step) * step, step };
  }
  const step = 10 ** Math.ceil(Math.log10(max / 6));
  return { max: Math.ceil(max / step) * step, step };
}

/** An `<svg>` element with an accessible title and a description. */
export function svgRoot(f: Frame, title: string, body: string[]): string {
  return [
    `<svg viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Horizontal grid lines with labels on the left axis, plus an axis title. */
export function yAxis(f: Frame, ticks: Array<{ value: number; label: string }>, scale: Scale, title: string): string[] {
  const { x0, x1, y0, y1 } = inner(f);
  const out = ticks.map((t) => {
    const y = num(scale(t.value));
    return `<line class="grid" x1="${x0}" x2="${x1}" y1="${y}" y2="${y}"/><text class="tick" x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(t.label)}</text>`;
  });
  const mid = num((y0 + y1) / 2);
  out.push(`<text class="axis-title" transform="translate(14 ${mid}) rotate(-90)" text-anchor="middle">${esc(title)}</text>`);
  out.push(`<line class="axis" x1="${x0}" x2="${x0}" y1="${y0}" y2="${y1}"/><line class="axis" x1="${x0}" x2="${x1}" y1="${y1}" y2="${y1}"/>`);
  return out;
}

/** Labels under the x axis at the given positions, plus an axis title. */
export function xLabels(f: Frame, labels: Array<{ x: number; label: string }>, title: string): string[] {
  const { x0, x1, y1 } = inner(f);
  const out = labels.map((l) => `<text class="tick" x="${num(l.x)}" y="${y1 + 16}" text-anchor="middle">${esc(l.label)}</text>`);
  out.push(`<text class="axis-title" x="${num((x0 + x1) / 2)}" y="${f.height - 6}" text-anchor="middle">${esc(title)}</text>`);
  return out;
}

/** An HTML legend: colour swatch + label per entry. */
export function legend(entries: Array<{ colour: string; label: string; line?: boolean }>): string {
  const items = entries.map((e) =>
    `<li><span class="swatch${e.line ? ' line' : ''}" style="background:${esc(e.colour)}"></span>${esc(e.label)}</li>`);
  return `<ul class="legend">${items.join('')}</ul>`;
}
