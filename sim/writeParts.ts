import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Writes `parts` to `file` in blocks, through a file beside it renamed over `file` once
 * complete: a failed write leaves no half of it. An error names the file.
 */
export function writeParts(file: string, parts: Iterable<string>): void {
  const part = `${file}.part`;
  let fd: number | null = null;
  try {
    fd = openSync(part, 'w');
    let block = '';
    for (const text of parts) {
      block += text;
      if (block.length < 1 << 16) continue;
      writeAll(fd, block);
      block = '';
    }
    writeAll(fd, block);
    closeSync(fd);
    fd = null;
    renameSync(part, file);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(part, { force: true });
    if (error instanceof Error && !(error as NodeJS.ErrnoException).path) Object.assign(error, { path: file });
    throw error;
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}
