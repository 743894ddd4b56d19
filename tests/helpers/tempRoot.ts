/**
 * Preloaded by `npm test` (`--import`): every temporary folder the suites and their child
 * processes make (`os.tmpdir()` reads TMPDIR on each call) lands in one folder of this run,
 * removed when the run ends, so a test run leaves nothing behind in /tmp.
 * Readable by others (0755): the private PostgreSQL server runs as the `postgres` user.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'incident-flow-tests-'));
chmodSync(root, 0o755);
process.env.TMPDIR = root;
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
