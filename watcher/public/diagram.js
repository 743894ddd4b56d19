import { fill, h } from './dom.js';

/**
 * Draws a machine description (from machines/describe.ts, served by /api/machines)
 * with mermaid's stateDiagram-v2, the current state lit and the visited ones marked.
 *
 * Mermaid cannot draw an edge between states inside different composite states, so
 * an edge is lifted to the ancestors that are siblings (executive.awaitingDecision →
 * resolved is drawn from `executive`). Transitions declared on the root apply in any
 * state; they are drawn from an "any state" node.
 */

/** Labels keep letters, digits and a little punctuation: nothing mermaid would parse as syntax or markup. */
const label = (text) => String(text).replace(/[^\w .,:/()[\]-]/g, ' ').trim().slice(0, 80) || '?';

/** One transition reads "event [guard]"; several between the same states just name their events, to keep the drawing small. */
function edgeLabel(list) {
  if (list.length === 1) return label(list[0].guard ? `${list[0].event} [${list[0].guard}]` : list[0].event);
  return label([...new Set(list.map((t) => t.event))].join(', '));
}

export function toMermaid(d, { current = '', visited = [] } = {}) {
  const byId = new Map(d.states.map((s) => [s.id, s]));
  const ids = new Map(d.states.map((s, i) => [s.id, `s${i}`]));
  const root = d.states.find((s) => s.parent === null);
  const kids = new Map();
  for (const s of d.states) if (s.parent) kids.set(s.parent, [...(kids.get(s.parent) ?? []), s]);
  const chain = (id) => (id ? [id, ...chain(byId.get(id)?.parent ?? null)] : []);

  // Edges grouped by the composite they are drawn in, one edge per pair of states.
  const edges = new Map();
  const addEdge = (scope, from, to, t) => {
    const pairs = edges.get(scope) ?? new Map();
    edges.set(scope, pairs);
    const key = `${from} ${to}`;
    pairs.set(key, [...(pairs.get(key) ?? []), t]);
  };
  for (const t of d.transitions) {
    const up = chain(t.source);
    const down = chain(t.target);
    const lca = up.find((id) => down.includes(id));
    const below = (list) => list[list.indexOf(lca) - 1];
    if (t.source === root.id) {
      addEdge(root.id, 'any', ids.get(below(down) ?? t.target), t);
    } else if (t.source === t.target) {
      addEdge(byId.get(t.source).parent, ids.get(t.source), ids.get(t.source), t);
    } else if (lca !== t.source && lca !== t.target) {
      addEdge(lca, ids.get(below(up)), ids.get(below(down)), t);
    }
  }

  const lines = ['stateDiagram-v2'];
  const walk = (state, indent) => {
    const children = kids.get(state.id) ?? [];
    const initial = children.find((c) => c.initial);
    if (initial) lines.push(`${indent}[*] --> ${ids.get(initial.id)}`);
    for (const c of children) {
      if (kids.has(c.id)) {
        lines.push(`${indent}state "${label(c.key)}" as ${ids.get(c.id)} {`);
        walk(c, indent + '  ');
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${label(c.key)}" as ${ids.get(c.id)}`);
      }
      if (c.type === 'final') lines.push(`${indent}${ids.get(c.id)} --> [*]`);
    }
    for (const [pair, list] of edges.get(state.id) ?? []) {
      const [from, to] = pair.split(' ');
      lines.push(`${indent}${from} --> ${to} : ${edgeLabel(list)}`);
    }
  };
  if (edges.get(root.id) && [...edges.get(root.id).keys()].some((k) => k.startsWith('any '))) {
    lines.push('state "any state" as any');
  }
  walk(root, '  ');

  // classDef cannot style composite states (a mermaid limitation): those get a CSS class after drawing.
  const seen = new Set(visited);
  const atomic = d.states.filter((s) => s.parent && !kids.has(s.id));
  lines.push('classDef current fill:#b3261e,color:#ffffff,stroke:#6d1710,stroke-width:3px,font-weight:bold');
  lines.push('classDef visited fill:#ffe4b5,stroke:#b36b00,stroke-width:2px');
  for (const s of atomic) {
    if (s.path === current) lines.push(`class ${ids.get(s.id)} current`);
    else if (seen.has(s.path)) lines.push(`class ${ids.get(s.id)} visited`);
  }
  const composites = d.states.filter((s) => s.parent && kids.has(s.id));
  return {
    source: lines.join('\n'),
    composites: composites.map((s) => ({ mermaidId: ids.get(s.id), path: s.path, current: current.startsWith(`${s.path}.`), visited: seen.has(s.path) || [...seen].some((p) => p.startsWith(`${s.path}.`)) })),
  };
}

let loading = null;

/** Mermaid is big (served from node_modules, not a CDN); load it only when a diagram is needed. */
function mermaid() {
  loading ??= import('/app/watcher/vendor/mermaid/mermaid.esm.min.mjs').then(({ default: m }) => {
    m.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme: 'neutral',
      fontFamily: 'system-ui, sans-serif',
      state: { useMaxWidth: true },
    });
    return m;
  });
  return loading;
}

/** Draws `description` into `container`; the source goes in with textContent and mermaid replaces it with its SVG. */
export async function drawDiagram(container, description, highlight) {
  const { source, composites } = toMermaid(description, highlight);
  const pre = h('pre', { class: 'mermaid' });
  pre.textContent = source;
  fill(container, pre);
  try {
    await (await mermaid()).run({ nodes: [pre] });
  } catch (error) {
    fill(container, h('p', { class: 'bad' }, `Could not draw the diagram: ${error.message}`), h('pre', { class: 'mono' }, source));
    return;
  }
  for (const c of composites) {
    const node = container.querySelector(`g[data-id="${c.mermaidId}"], g[id*="-${c.mermaidId}-"]`);
    if (node) node.classList.add(c.current ? 'composite-current' : c.visited ? 'composite-visited' : 'composite');
  }
  // The machine is taller than the panel: bring the current state into view.
  const here = container.querySelector('g.current');
  if (here) {
    const box = container.getBoundingClientRect();
    const node = here.getBoundingClientRect();
    container.scrollTop += node.top - box.top - box.height / 2;
  }
  container.dataset.drawn = 'true';
}
