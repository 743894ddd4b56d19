import { open, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorCode } from './storeFiles.js';

/**
 * Replaces `file` with `parts` atomically and durably: write a temp file, fsync it,
 * rename it over `file`, fsync the directory. A crash leaves either the old or the new
 * file, never a mix (lowdb's own writer neither fsyncs the file nor the directory).
 */
export async function replaceFile(file: string, tmp: string, parts: ReadonlyArray<string | Buffer>): Promise<void> {
  const handle = await open(tmp, 'w');
  try {
    // writev: the encoder's cached chunk buffers go out as they are, never joined into one string.
    for (const batch of batches(parts)) await handle.writev(batch);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await syncDir(dirname(file));
}

/** Parts as buffers, in batches well under IOV_MAX (1024 on Linux). */
function* batches(parts: ReadonlyArray<string | Buffer>): Generator<Buffer[]> {
  let batch: Buffer[] = [];
  for (const part of parts) {
    batch.push(typeof part === 'string' ? Buffer.from(part) : part);
    if (batch.length === 512) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Writes `bytes` at `position`, cuts the file there and fdatasyncs. Writing at the
 * position of the last good commit (instead of O_APPEND) makes a retry after a failed
 * commit overwrite any half-written tail rather than follow it.
 */
export async function writeTail(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  await handle.write(bytes, 0, bytes.length, position);
  await handle.truncate(position + bytes.length);
  await handle.datasync();
}

/** Opens a file for positional writes, creating it when missing. */
export async function openForWrite(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r+');
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    return open(file, 'w+');
  }
}

/** fsync a directory so a rename or a new file in it survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or sync a directory: best effort there.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}
