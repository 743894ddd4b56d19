import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const BIN = binaries();
  const dir = mkdtempSync(join(tmpdir(), 'incident-flow-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : join(BIN, cmd), asRoot ? ['-u', 'postgres', '--', join(BIN, cmd), ...args] : args, { stdio: 'ignore', timeout: 120_000 });
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
