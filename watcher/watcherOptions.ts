import { optionsProblem, type Rule } from '../store/optionsProblem.js';
import { storeProblem } from '../store/storeShape.js';
import type { WatcherHandlerOptions } from './handler.js';
import type { StartWatcherOptions } from './server.js';

const HANDLER_RULES: Record<keyof WatcherHandlerOptions, Rule> = {
  store: storeProblem,
  engine: (v) =>
    v === null || (typeof v === 'object' && typeof (v as Record<string, unknown>).decide === 'function' && typeof (v as Record<string, unknown>).subscribe === 'function')
      ? null
      : 'the IncidentEngine createIncidentEngine(…) returned, or null',
  token: (v) => (typeof v === 'string' ? null : 'a string of at least 16 characters'),
  machines: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : 'an object of XState machines by name'),
  host: (v) => (typeof v === 'string' && v !== '' ? null : 'an address of this machine (a non-empty string)'),
  virtualTime: (v) => (typeof v === 'function' ? null : 'a function'),
  decisionsClosed: (v) => (typeof v === 'function' ? null : 'a function (answering why decisions can no longer be answered, or null while they can)'),
  pollMs: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'milliseconds (a number > 0)'),
  waiting: (v) => (typeof v === 'string' ? null : 'a string'),
};

const SERVER_RULES: Record<keyof StartWatcherOptions, Rule> = {
  ...HANDLER_RULES,
  port: (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65_535 ? null : 'a port number from 0 (any free one) to 65535'),
};

/**
 * Refuses watcher options it cannot serve with, before anything listens or subscribes: a
 * TypeError naming the option, what it takes and what it got (`startWatcher` takes `port`
 * too). A path or an unawaited `openStore` for `store` failed as "store.subscribe is not a
 * function", and a `port` given as text listened on a socket file of that name.
 * @example checkWatcherOptions({ store, prot: 8080 }, 'startWatcher') // TypeError: watcher: startWatcher: options.prot: no such option; did you mean "port"? …
 */
export function checkWatcherOptions(options: unknown, call: 'startWatcher' | 'createWatcherHandler'): void {
  const problem = optionsProblem(options, call === 'startWatcher' ? SERVER_RULES : HANDLER_RULES, {
    required: ['store'],
    hints: call === 'startWatcher' ? {} : { port: 'the handler serves on your own server, at its port (startWatcher takes a port)' },
  });
  if (problem) throw new TypeError(`watcher: ${call}: ${problem.text}`);
}
