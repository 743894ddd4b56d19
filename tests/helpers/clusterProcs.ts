import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'clusterChild.ts');

export type ChildMessage = { name: string; ev: string; [key: string]: unknown };

/** An engine process of the cluster tests (see clusterChild.ts) and what it has said. */
export interface EngineProcess {
  name: string;
  proc: ChildProcess;
  messages: ChildMessage[];
  send(message: Record<string, unknown>): void;
  /** Resolves with the first message (said before or after the call) that matches. */
  waitFor(match: (m: ChildMessage) => boolean, timeoutMs?: number): Promise<ChildMessage>;
  /** Asks it to stop cleanly and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Forks an engine process and waits for its 'ready'. `script` (default tests/helpers/clusterChild.ts)
 * takes `url name ...args` and speaks the same messages (the bench's bench/clusterChild.ts does).
 */
export async function startEngineProcess(url: string, name: string, script = CHILD, args: readonly string[] = []): Promise<EngineProcess> {
  const proc = fork(script, [url, name, ...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: ChildMessage[] = [];
  // A message sent just as the process is killed fails with EPIPE: that process is gone, which
  // the test meant, so the error is not the test's to throw.
  proc.on('error', () => undefined);
  const waiting = new Set<() => void>();
  proc.on('message', (m: ChildMessage) => {
    messages.push(m);
    for (const check of [...waiting]) check();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: EngineProcess = {
    name,
    proc,
    messages,
    send: (message) => { if (proc.connected) proc.send(message, () => undefined); },
    waitFor: (match, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiting.delete(check); reject(new Error(`${name}: no matching message in ${timeoutMs} ms`)); }, timeoutMs);
        const check = () => {
          const found = messages.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(found);
        };
        waiting.add(check);
        check();
      }),
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null && proc.connected) proc.send({ cmd: 'stop' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
  await child.waitFor((m) => m.ev === 'ready');
  return child;
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
