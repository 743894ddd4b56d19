import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * Writes `parts` to `file` in blocks, through a file beside it renamed over `file` once
 * complete: a failed write leaves no half of it. An error names the file.
 */
export function writeParts(file: string, parts: Iterable<string>): void {
  writeFilesTogether([[file, parts]]);
}

/**
 * Writes several files that belong together (a run's report.json and junit.xml): each to a
 * file beside it first, renamed into place only once every one is complete, so a disk that
 * fills part way leaves each file as it was, none half written and none from another run
 * (a rename failing after another succeeded, a failing disk, still could).
 * An error names the file it was writing.
 * @example writeFilesTogether([['out/report.json', [json]], ['out/junit.xml', [xml]]])
 */
export function writeFilesTogether(files: ReadonlyArray<readonly [file: string, parts: Iterable<string>]>): void {
  const written: string[] = [];
  let current = '';
  try {
    for (const [file, parts] of files) {
      current = file;
      written.push(`${file}.part`);
      writePart(`${file}.part`, parts);
    }
    for (const [file] of files) {
      current = file;
      renameSync(`${file}.part`, file);
    }
  } catch (error) {
    for (const part of written) {
      try {
        rmSync(part, { force: true });
      } catch {
        // Not a file this call made (a folder of that name, say): left as it was.
      }
    }
    // The file asked for, not the `.part` beside it the user never named (a short write has no path at all).
    const { path } = error as NodeJS.ErrnoException;
    if (error instanceof Error && (!path || path === `${current}.part`)) Object.assign(error, { path: current });
    throw error;
  }
}

function writePart(part: string, parts: Iterable<string>): void {
  const fd = openSync(part, 'w');
  try {
    let block = '';
    for (const text of parts) {
      block += text;
      if (block.length < 1 << 16) continue;
      writeAll(fd, block);
      block = '';
    }
    writeAll(fd, block);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}
