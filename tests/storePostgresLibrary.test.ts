import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../sim/cli.js';
import { pgSchema } from './helpers/pgSchema.js';

const DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));
// The fleet month (20,000 incidents, ~20 s a run) last: it runs once per store.
const FILES = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f)).sort((a, b) => Number(a === 'fleet-month.yaml') - Number(b === 'fleet-month.yaml') || a.localeCompare(b));

/** Runs the CLI in-process; returns its exit code and what it wrote. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let [out, err] = ['', ''];
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

let root = '';
const Library = suite('the scenario library through PostgreSQL: the same report.json as on lowdb');
Library.before(() => void (root = mkdtempSync(join(tmpdir(), 'if-pg-library-'))));
Library.after(() => rmSync(root, { recursive: true, force: true }));

for (const file of FILES) {
  Library(`${file}: byte-identical report.json, and the same report read back from each store`, async () => {
    const schema = pgSchema('library');
    const [lowdb, postgres] = [join(root, file, 'lowdb'), join(root, file, 'postgres')];
    try {
      const onFile = await cli('run', join(DIR, file), '--out', lowdb);
      const onPg = await cli('run', join(DIR, file), '--out', postgres, '--db', schema.url);
      assert.is(onPg.code, onFile.code, onPg.err);
      assert.ok(onPg.out.includes(`Wrote ${schema.url}`), onPg.out);
      const [a, b] = [readFileSync(join(lowdb, 'report.json')), readFileSync(join(postgres, 'report.json'))];
      assert.ok(a.length > 0);
      assert.ok(a.equals(b), `${file}: report.json differs between lowdb and PostgreSQL`);
      // Read back the way another process would: rows and audit as the database returns
      // them. (Not for the fleet month: two more opens of 142,000 audit rows.)
      if (file === 'fleet-month.yaml') return;
      const fromFile = await cli('report', '--json', '--db', join(lowdb, 'store.json'));
      const fromPg = await cli('report', '--json', '--db', schema.url);
      assert.is(fromPg.code, 0, fromPg.err);
      assert.is(fromPg.out, fromFile.out);
    } finally {
      await schema.drop();
    }
  });
}

Library.run();
