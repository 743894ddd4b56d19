import { get } from './api.js';
import { drawDiagram } from './diagram.js';
import { fill, h } from './dom.js';

let described = null;
/** The machines' descriptions (incident, responder, worker), fetched once for the page. */
export function describedMachines() {
  return (described ??= get('machines').catch((error) => { described = null; throw error; }));
}

/**
 * Every machine the watcher knows, each drawn when it is opened: an incident's detail draws
 * only the incident machine, so the responders' and workers' would otherwise show nowhere.
 */
export async function renderMachines(container) {
  const machines = await describedMachines();
  const names = Object.keys(machines);
  if (!names.length) return fill(container, h('p', { class: 'muted' }, 'No machine definition in this process.'));
  fill(container, names.map((name) => {
    const diagram = h('div', { class: 'diagram', 'aria-label': `${name} state machine diagram` });
    const draw = () => {
      if (details.open && !diagram.dataset.drawing) {
        diagram.dataset.drawing = 'true';
        void drawDiagram(diagram, machines[name], {});
      }
    };
    const details = h('details', { class: 'machine', dataset: { machine: name }, ontoggle: draw },
      h('summary', null, h('strong', null, name), h('span', { class: 'muted' }, ` · ${machines[name].states.length} states, ${machines[name].transitions.length} transitions`)),
      diagram);
    return details;
  }));
}
