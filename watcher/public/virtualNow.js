/**
 * A paced rehearsal's virtual "now" (`run --watch --speed X`), ticking on the page at the
 * run's speed between two reads of the server's: a person practising a decision sees the
 * window run out. Hidden for a store or an engine on the real clock.
 */
export function virtualNow(el) {
  let base = null;
  const draw = () => {
    if (!base) return;
    const t = base.now + (performance.now() - base.at) * base.speed;
    const text = new Date(t).toISOString().slice(0, 19).replace('T', ' ');
    el.textContent = `virtual time ${text} UTC · ${base.speed ? `${base.speed}× real time` : 'run over'}`;
    el.dataset.virtualNow = String(Math.floor(t));
  };
  setInterval(draw, 250);
  return (virtualTime) => {
    el.hidden = !virtualTime;
    base = virtualTime ? { ...virtualTime, at: performance.now() } : null;
    draw();
  };
}
