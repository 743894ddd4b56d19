/**
 * One of several processes racing for a stale store lock, for tests/storeLock.test.ts:
 *
 *   node --import tsx tests/helpers/lockRaceChild.ts <lock file> <start ms> <rounds> <period ms>
 *
 * Round r starts at `start + r * period` (wall clock, the same for every racer): each racer
 * tries to take the lock at once; the one that gets it holds it for half the period, then
 * puts back for the next round the stale lock the test left before the first.
 * A racer that finds its lock file holding another pid at the end of its hold had its lock
 * taken from under it; one whose lock lacks the dead owner's noted intent (the stale lock's
 * second line) took it without. Prints one JSON line: the rounds it held the lock, those in
 * which it lost it, those it held without the intent, and each refusal's code.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { acquireLock } from '../../store/lockFile.js';
import { StoreError } from '../../store/types.js';

const [lockFile, startText, roundsText, periodText] = process.argv.slice(2);
const [start, rounds, period] = [Number(startText), Number(roundsText), Number(periodText)];
const stale = readFileSync(lockFile, 'utf8');
const intent = stale.split('\n')[1] || null;

const until = (t: number) => {
  while (Date.now() < t);
};
const held: number[] = [];
const lost: number[] = [];
const withoutIntent: number[] = [];
const refused: string[] = [];
for (let r = 0; r < rounds; r++) {
  until(start + r * period);
  try {
    const lock = acquireLock('run.json', lockFile);
    held.push(r);
    if (lock.inherited !== intent) withoutIntent.push(r);
    until(start + r * period + period / 2);
    if (Number.parseInt(readFileSync(lockFile, 'utf8'), 10) !== process.pid) lost.push(r);
    // Left stale for the next round, in one step: its name is never free, or a racer late
    // for this round would take a fresh lock with no intent to inherit.
    writeFileSync(`${lockFile}.next`, stale);
    renameSync(`${lockFile}.next`, lockFile);
    lock.release(); // the lock names another pid now: release leaves it
  } catch (error) {
    refused.push(error instanceof StoreError ? String(error.code) : String(error));
  }
}
console.log(JSON.stringify({ held, lost, withoutIntent, refused }));
