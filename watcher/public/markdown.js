import { h } from './dom.js';

/**
 * A tiny Markdown renderer for post-incident reviews: headings, paragraphs, lists,
 * tables, fenced code, quotes, **bold**, *em* and `code` (not _em_: snake_case names are common in reviews). It builds elements and text
 * nodes only; links are shown as "text (url)" so no URL from data becomes an href.
 */
export function renderMarkdown(text) {
  const out = document.createDocumentFragment();
  const lines = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^```/.test(line)) {
      const code = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code.push(lines[i]);
      i++;
      out.append(h('pre', { class: 'code' }, code.join('\n')));
    } else if (/^#{1,6}\s/.test(line)) {
      // Under the detail's h4 "Post-incident review": a review's # is h5, the rest h6 (a screen reader's outline).
      const level = Math.min(6, line.match(/^#+/)[0].length + 4);
      out.append(h(`h${level}`, null, inline(line.replace(/^#+\s*/, ''))));
      i++;
    } else if (/^\s*\|/.test(line)) {
      const rows = [];
      for (; i < lines.length && /^\s*\|/.test(lines[i]); i++) rows.push(lines[i]);
      out.append(table(rows));
    } else if (/^\s*([-*+]|\d+[.)])\s/.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items = [];
      for (; i < lines.length && /^\s*([-*+]|\d+[.)])\s/.test(lines[i]); i++) items.push(lines[i].replace(/^\s*([-*+]|\d+[.)])\s+/, ''));
      out.append(h(ordered ? 'ol' : 'ul', null, items.map((item) => h('li', null, inline(item)))));
    } else if (/^>\s?/.test(line)) {
      const quote = [];
      for (; i < lines.length && /^>\s?/.test(lines[i]); i++) quote.push(lines[i].replace(/^>\s?/, ''));
      out.append(h('blockquote', null, inline(quote.join(' '))));
    } else if (line.trim() === '') {
      i++;
    } else {
      const para = [];
      for (; i < lines.length && lines[i].trim() !== '' && !/^(#{1,6}\s|```|\s*\||\s*([-*+]|\d+[.)])\s|>)/.test(lines[i]); i++) para.push(lines[i]);
      out.append(h('p', null, inline(para.join(' '))));
    }
  }
  return out;
}

function table(rows) {
  const cells = (row) => row.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const body = rows.filter((r) => !/^\s*\|?\s*:?-{2,}/.test(r));
  const [head, ...rest] = body;
  // A review's timeline is wider than a phone: the table scrolls in its own box, not the page.
  return h('div', { class: 'md-scroll' }, h('table', { class: 'md-table' },
    h('thead', null, h('tr', null, cells(head ?? '').map((c) => h('th', null, inline(c))))),
    h('tbody', null, rest.map((r) => h('tr', null, cells(r).map((c) => h('td', null, inline(c))))))));
}

/** Inline marks become elements; everything else stays text. */
function inline(text) {
  const parts = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (let m; (m = re.exec(text)); last = re.lastIndex) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    if (m[1] !== undefined) parts.push(h('code', null, m[1]));
    else if (m[2] !== undefined) parts.push(h('strong', null, m[2]));
    else if (m[3] !== undefined) parts.push(h('em', null, m[3]));
    else parts.push(`${m[4]} (${m[5]})`);
  }
  parts.push(text.slice(last));
  return parts;
}
