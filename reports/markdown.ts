/** Markdown helpers: table cells that cannot break the table, fixed money format. */

/** A value safe inside a Markdown table cell: no newlines, pipes escaped. */
export function mdCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  return String(value).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/**
 * A Markdown table.
 * @example mdTable(['a', 'b'], [[1, 2]]) // '| a | b |\n| --- | --- |\n| 1 | 2 |'
 */
export function mdTable(header: string[], rows: Array<Array<string | number | null>>): string {
  const line = (cells: Array<string | number | null>) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * US dollars with two decimals and thousands separators, locale-independent.
 * @example formatUsd(1234.5) // '$1,234.50'
 */
export function formatUsd(amount: number): string {
  const [whole, cents] = Math.abs(amount).toFixed(2).split('.');
  return `${amount < 0 ? '-' : ''}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** "2026-03-02T09:04:00.000Z" → "2026-03-02 09:04:00 UTC". */
export function formatInstant(iso: string | null): string {
  return iso === null ? '—' : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
