import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Severity } from '../machines/types.js';
test('runs TypeScript tests', () => { const s: Severity = 'P0'; assert.is(s, 'P0'); });
test.run();
