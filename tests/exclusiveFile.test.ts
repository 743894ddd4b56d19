import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWhole, removeIfStill } from '../store/exclusiveFile.js';

const folder = () => mkdtempSync(join(tmpdir(), 'incident-flow-exclusive-'));

const create = suite('createWhole: a file that appears with all its text, or not at all');

create('creates the file with its text and hands back a descriptor writing into it; nothing else is left in the folder', () => {
  const dir = folder();
  const file = join(dir, 'run.json.lock');
  const fd = createWhole(file, '31650 8812 boot\n');
  assert.ok(fd !== null);
  assert.is(readFileSync(file, 'utf8'), '31650 8812 boot\n');
  writeSync(fd as number, 'noted\n', 16);
  closeSync(fd as number);
  assert.is(readFileSync(file, 'utf8'), '31650 8812 boot\nnoted\n');
  assert.equal(readdirSync(dir), ['run.json.lock']);
});

create('a file already there: null, the file untouched, nothing left beside it', () => {
  const dir = folder();
  const file = join(dir, 'run.json.lock');
  writeFileSync(file, '4242 1 boot\n');
  assert.is(createWhole(file, '31650 8812 boot\n'), null);
  assert.is(readFileSync(file, 'utf8'), '4242 1 boot\n');
  assert.equal(readdirSync(dir), ['run.json.lock']);
});

create.run();

const remove = suite('removeIfStill: a file removed only if it holds what was read');

remove('holding the text read: removed', () => {
  const dir = folder();
  const file = join(dir, 'run.json.lock.takeover');
  writeFileSync(file, '4242 1 boot\n');
  assert.ok(removeIfStill(file, '4242 1 boot\n'));
  assert.equal(readdirSync(dir), []);
});

remove('taken by another process since: left in place, the same file, so its owner still writes to it', () => {
  const dir = folder();
  const file = join(dir, 'run.json.lock.takeover');
  writeFileSync(file, '31650 8812 boot\n');
  const owner = openSync(file, 'r+');
  const inode = statSync(file).ino;
  assert.not.ok(removeIfStill(file, '4242 1 boot\n'));
  assert.is(statSync(file).ino, inode);
  writeSync(owner, 'x', 0);
  closeSync(owner);
  assert.is(readFileSync(file, 'utf8'), 'x1650 8812 boot\n');
  assert.equal(readdirSync(dir), ['run.json.lock.takeover']);
});

remove('already gone: false', () => {
  assert.not.ok(removeIfStill(join(folder(), 'run.json.lock.takeover'), '4242 1 boot\n'));
});

remove.run();
