import { execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlIn } from './pgSchema.js';

/** Debian's PostgreSQL binaries, newest version (the `postgresql` package that .ci/run makes sure of). */
function binaries(): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error("no PostgreSQL binaries in /usr/lib/postgresql: install Debian's postgresql package (scripts/ensure-postgres.sh does)");
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/**
 * A PostgreSQL server of the test's own, in a temporary folder on a free port, for tests that
 * restart their server: restarting the machine's shared server would cut every other client.
 * initdb refuses to run as root, so as root the server runs as the `postgres` user.
 * `halt()` stops it until `resume()`; `stop()` stops it for good and removes its folder.
 * @example const server = await startPrivatePostgres(); … server.restart(); … server.stop();
 */
export async function startPrivatePostgres(): Promise<{ url: string; restart(): void; halt(): void; resume(): void; stop(): void }> {
  const { dir, run } = serverFolder();
  const port = await freePort();
  const data = join(dir, 'data');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start']);
  let halted = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}`,
    restart: () => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-m', 'fast', '-w', 'restart']),
    halt: () => {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      halted = true;
    },
    resume: () => {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start']);
      halted = false;
    },
    stop: () => {
      try {
        if (!halted) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A temporary folder for a server's data, and a runner of Debian's PostgreSQL binaries (as `postgres` when root: initdb refuses root). */
function serverFolder(): { dir: string; run: (cmd: string, args: string[]) => void } {
  const BIN = binaries();
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) =>
    void execFileSync(asRoot ? 'runuser' : join(BIN, cmd), asRoot ? ['-u', 'postgres', '--', join(BIN, cmd), ...args] : args, { stdio: 'ignore', timeout: 120_000 });
  return { dir, run };
}

/**
 * A primary and its hot-standby replica (streaming, read-only, in recovery), each a server
 * of the test's own. `caughtUp()` resolves once the replica has replayed all the primary
 * had written when it was called. `stop()` stops both and removes their folder.
 * @example const { primary, replica, caughtUp, stop } = await startPrivateReplica(); … await caughtUp(); …
 */
export async function startPrivateReplica(): Promise<{ primary: string; replica: string; caughtUp(): Promise<void>; stop(): void }> {
  const { dir, run } = serverFolder();
  const [portP, portR] = [await freePort(), await freePort()];
  const options = (port: number) => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const [dataP, dataR] = [join(dir, 'primary'), join(dir, 'replica')];
  run('initdb', ['-D', dataP, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  appendFileSync(join(dataP, 'pg_hba.conf'), 'host replication all 127.0.0.1/32 trust\n');
  run('pg_ctl', ['-D', dataP, '-l', join(dir, 'primary.log'), '-o', options(portP), '-w', 'start']);
  const started = [dataP];
  try {
    // -R: the copy starts as a standby of the primary (standby.signal, primary_conninfo).
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(portP), '-U', 'postgres', '-D', dataR, '-R', '-X', 'stream']);
    run('pg_ctl', ['-D', dataR, '-l', join(dir, 'replica.log'), '-o', options(portR), '-w', 'start']);
    started.push(dataR);
  } catch (error) {
    stopAll();
    throw error;
  }
  function stopAll() {
    try {
      for (const data of started.reverse()) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const [primary, replica] = [`postgres://postgres@127.0.0.1:${portP}/postgres`, `postgres://postgres@127.0.0.1:${portR}/postgres`];
  return {
    primary,
    replica,
    async caughtUp() {
      const [{ lsn }] = (await sqlIn(primary, 'SELECT pg_current_wal_lsn()::text AS lsn')).rows;
      for (let i = 0; i < 600; i++) {
        if ((await sqlIn(replica, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])).rows[0].ok) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the replica did not replay up to ${String(lsn)} in 30 s`);
    },
    stop: stopAll,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
