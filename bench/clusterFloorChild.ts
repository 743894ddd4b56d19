/**
 * One process of the cluster bench's floor (bench/cluster.ts): `node --import tsx
 * bench/clusterFloorChild.ts <url> <name> <template.json> <k> <procs> <n> <warmUp>`. It
 * writes lifecycles k, k + procs, k + 2·procs … of `n` (the template's copies, see
 * clusterFloor.ts) through a pool of its own, as many connections as an engine process's.
 * It speaks the engine processes' messages: 'ready' once its `warmUp` lifecycles of its own
 * are written; on 'submit' it writes its share and says 'done' with its CPU ms; on 'stop' it exits.
 */
import { readFileSync } from 'node:fs';
import { createPool, parseTarget } from '../store/postgres/connection.js';
import { floorWriter, lifecycleCopy, POOL, type TemplateTx } from './clusterFloor.js';
const [url, name, templateFile, k, procs, n, warmUp] = process.argv.slice(2);
const send = (message: Record<string, unknown>) => { if (process.connected) process.send?.({ name, ...message }, undefined, undefined, () => undefined); };
process.on('disconnect', () => process.exit(0));

const template = JSON.parse(readFileSync(templateFile, 'utf8')) as TemplateTx[];
const mine = Array.from({ length: Number(n) }, (_, i) => i).filter((i) => i % Number(procs) === Number(k)).map((i) => lifecycleCopy(template, i));
// Its warm-up: lifecycles of its own (numbered after the measured ones and the other processes' warm-ups).
const warm = Array.from({ length: Number(warmUp) }, (_, i) => lifecycleCopy(template, Number(n) + Number(k) * Number(warmUp) + i));
const target = parseTarget(url);
// The store's own pool settings (its schema first on the search path; a dropped connection's error not the bench's to crash on).
const pool = createPool(target, POOL);
const write = floorWriter(pool, `${target.schema}_boss`);
await write(warm);
send({ ev: 'ready' });

process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'submit') {
    const cpu = process.cpuUsage();
    write(mine).then(() => {
      const used = process.cpuUsage(cpu);
      send({ ev: 'done', cpuMs: (used.user + used.system) / 1000 });
    }, (error: unknown) => {
      // Said to the bench, which stops with it, instead of leaving it to wait out its timeout.
      send({ ev: 'failed', error: String(error) });
      process.exitCode = 1;
    });
  } else if (msg.cmd === 'stop') {
    void pool.end().then(() => {
      send({ ev: 'stopped' });
      process.disconnect();
    });
  }
});
