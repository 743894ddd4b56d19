// `npm run build` (and `prepare`, so `npm ci` and `npm pack` build too): a clean dist/ from
// tsc, plus the files the compiled code reads next to itself. tsc copies the imported
// scenario.schema.json; folders the code reads at run time, which tsc never sees, are copied here.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// A stale file from a renamed module would otherwise ship and stay importable.
rmSync(new URL('dist', root), { recursive: true, force: true });
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (status !== 0) {
  console.error('build: tsc -p tsconfig.build.json failed; dist/ is incomplete');
  process.exit(status ?? 1);
}
// The watcher's page (watcher/static.ts) and the PostgreSQL store's migrations (store/postgres/migrate.ts).
for (const folder of ['watcher/public', 'store/postgres/migrations']) {
  cpSync(new URL(folder, root), new URL(`dist/${folder}`, root), { recursive: true });
}
