/**
 * A separate XState program for the inspection tests: one machine (id from argv) streamed to
 * the watcher with @statelyai/inspect. It runs until its stdin closes, then exits without
 * stopping its actor, as a program that crashes or is killed would.
 * Usage: node --import tsx tests/helpers/inspectedProgram.ts <ws-url> <machine-id>
 */
import { createWebSocketInspector } from '@statelyai/inspect';
import { createActor, createMachine } from 'xstate';

const [url, id] = process.argv.slice(2);
const machine = createMachine({ id, initial: 'idle', states: { idle: { on: { go: 'running' } }, running: {} } });
const inspector = createWebSocketInspector({ url });
const actor = createActor(machine, { inspect: inspector.inspect }).start();
actor.send({ type: 'go' });
process.stdout.write('started\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
