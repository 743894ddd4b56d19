/** The report's stylesheet, inlined in the page (no external fonts: system stacks only). */
export const HTML_STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6573; --line: #d8dde4; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 2px; }
.note { color: var(--muted); margin: 0 0 10px; font-size: 13px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin: 16px 0; overflow-x: auto; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin-top: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card-value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card-label { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 7px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); white-space: normal; vertical-align: bottom; }
table.metrics tbody tr:last-child th, table.metrics tbody tr:last-child td { font-weight: 650; border-top: 2px solid var(--line); }
table { font-size: 13px; }
/* In the page's width: names and causes wrap between words; ids, dates and durations stay whole. */
table.incidents { font-size: 12px; }
table.incidents th, table.incidents td { text-align: left; white-space: normal; overflow-wrap: break-word; padding: 5px 5px; }
table.incidents tbody th, table.incidents td:nth-child(5), table.incidents td:nth-child(6) { white-space: nowrap; }
table.incidents td:nth-child(4) { min-width: 120px; }
table.incidents td:last-child { min-width: 160px; }
svg { display: block; max-width: 100%; height: auto; font-family: inherit; }
svg .grid { stroke: #e6e9ee; stroke-width: 1; }
svg .axis { stroke: #8a93a0; stroke-width: 1; }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis-title { font-size: 12px; fill: var(--ink); font-weight: 600; }
svg .value { font-size: 11px; fill: var(--ink); font-weight: 600; }
svg .bar-label { font-size: 12px; fill: #fff; font-weight: 600; }
svg .row-label { font-size: 13px; fill: var(--ink); font-weight: 600; }
svg .target { stroke: #111; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .target-label { font-size: 11px; fill: #111; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .median { stroke: #111; stroke-width: 3; }
svg .empty { font-size: 14px; fill: var(--muted); }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 14px; padding: 0; margin: 0 0 6px; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.swatch.line { height: 3px; width: 18px; }
`;
