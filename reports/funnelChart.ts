/** The escalation funnel: how far incidents went along the spec's chain. */
import type { Funnel } from './metricGroups.js';
import { esc, num, svgRoot, type Frame } from './svg.js';
import { formatPercent } from './time.js';

const STAGES: Array<{ key: keyof Funnel; label: string; colour: string }> = [
  { key: 'detected', label: 'Detected', colour: '#5f6b7a' },
  { key: 'retried', label: 'Retried', colour: '#4a7fb5' },
  { key: 'cheryl', label: 'Cheryl (triage)', colour: '#2f6aa8' },
  { key: 'petra', label: 'Petra (coordination)', colour: '#235a93' },
  { key: 'atlas', label: 'Atlas (executive)', colour: '#16406d' },
];

/**
 * Centred horizontal bars, one per stage, sized by the share of detected incidents
 * that reached it, labelled with the count and the share.
 * @example escalationFunnelChart(computeMetrics(incidents).funnel)
 */
export function escalationFunnelChart(funnel: Funnel): string {
  const frame: Frame = { width: 960, height: 24 + STAGES.length * 44, left: 170, right: 20, top: 12, bottom: 12 };
  const span = frame.width - frame.left - frame.right;
  const centre = frame.left + span / 2;
  const body = STAGES.map((s, i) => {
    const count = funnel[s.key];
    const share = funnel.detected === 0 ? 0 : count / funnel.detected;
    const w = Math.max(2, span * share);
    const y = frame.top + i * 44;
    const label = `${count} · ${formatPercent(funnel.detected === 0 ? null : share)}`;
    // Labels sit inside wide bars and beside narrow ones, so they stay readable.
    const inside = w > 120;
    return [
      `<text class="row-label" x="${frame.left - 12}" y="${y + 19}" text-anchor="end">${esc(s.label)}</text>`,
      `<rect x="${num(centre - w / 2)}" y="${y}" width="${num(w)}" height="32" rx="3" fill="${s.colour}"><title>${esc(`${s.label}: ${label}`)}</title></rect>`,
      `<text class="${inside ? 'bar-label' : 'value'}" x="${num(inside ? centre : centre + w / 2 + 8)}" y="${y + 20}" text-anchor="${inside ? 'middle' : 'start'}">${esc(label)}</text>`,
    ].join('');
  });
  return svgRoot(frame, 'Escalation funnel: detected, retried, Cheryl, Petra, Atlas', body);
}
