import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineBuffers } from '../store/lineBuffers.js';

test('LineBuffers: lines as UTF-8 with newlines, byte and line counts exact, multi-byte text included', () => {
  const lines = ['{"a":1}', '{"msg":"naïve café — ✓ 🚀"}', ''];
  const out = new LineBuffers();
  for (const line of lines) out.push(line);
  const bytes = Buffer.concat(out.finish());
  assert.is(bytes.toString('utf8'), lines.map((l) => `${l}\n`).join(''));
  assert.is(out.bytes, bytes.length);
  assert.is(out.lines, 3);
});

test('LineBuffers: a run larger than one buffer spans several, none cut inside a line; a line larger than a buffer gets its own', () => {
  const line = `{"pad":"${'x'.repeat(1000)}"}`;
  const huge = `{"pad":"${'é'.repeat(3 * 1024 * 1024)}"}`;
  const out = new LineBuffers();
  for (let i = 0; i < 5000; i++) out.push(line);
  out.push(huge);
  out.push(line);
  const parts = out.finish();
  assert.ok(parts.length >= 3, `expected several buffers, got ${parts.length}`);
  for (const part of parts) assert.is(part.at(-1), 0x0a, 'every buffer ends at a line end');
  const text = Buffer.concat(parts).toString('utf8');
  assert.is(text, `${`${line}\n`.repeat(5000)}${huge}\n${line}\n`);
  assert.is(out.bytes, Buffer.byteLength(text));
});

test('LineBuffers: nothing pushed, nothing written', () => {
  const out = new LineBuffers();
  assert.equal(out.finish(), []);
  assert.is(out.bytes, 0);
});

test.run();
