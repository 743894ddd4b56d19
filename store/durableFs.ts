import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorCode } from './storeFiles.js';

/**
 * Replaces `file` with `parts` atomically and durably: write a temp file, fsync it,
 * rename it over `file`, fsync the directory. A crash leaves either the old or the new
 * file, never a mix (lowdb's own writer neither fsyncs the file nor the directory).
 * `parts` is consumed as it is written, each part written before the next is asked for,
 * so a generator can serialize a large file part by part into one buffer. Resolves with
 * the bytes written.
 * @example await replaceFile('run.json', 'run.json.tmp', encodeState(image))
 */
export async function replaceFile(file: string, tmp: string, parts: Iterable<string | Buffer> | AsyncIterable<string | Buffer>): Promise<number> {
  const bytes = await renameOver(file, tmp, parts);
  await syncDir(dirname(file));
  return bytes;
}

/**
 * `replaceFile` up to the rename: the new file is in place, but a power loss may still
 * bring the old one back until the caller has synced the directory (`syncDir`). For a
 * caller that must know whether the rename happened when the directory sync fails.
 * @example const bytes = await renameOver('run.json', 'run.json.tmp', parts); await syncDir(dirname('run.json'));
 */
export async function renameOver(file: string, tmp: string, parts: Iterable<string | Buffer> | AsyncIterable<string | Buffer>): Promise<number> {
  const handle = await open(tmp, 'w');
  let bytes = 0;
  try {
    // A part is written before the next is asked for: a generator may hand out the same
    // buffer filled again (see encodeState), so a rewrite holds one part, not a batch.
    for await (const part of parts) bytes += await writeAll(handle, [typeof part === 'string' ? Buffer.from(part) : part], bytes);
    await handle.sync();
  } catch (error) {
    // A half-written copy is of no use, and on a full disk it holds the room a retry needs.
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(tmp, file);
  return bytes;
}

/** Buffers in batches well under IOV_MAX (1024 on Linux) and of a few MB at most. */
function* batches(buffers: readonly Buffer[]): Generator<Buffer[]> {
  let batch: Buffer[] = [];
  let size = 0;
  for (const buffer of buffers) {
    batch.push(buffer);
    size += buffer.length;
    if (batch.length === 512 || size >= BATCH_BYTES) {
      yield batch;
      [batch, size] = [[], 0];
    }
  }
  if (batch.length) yield batch;
}

const BATCH_BYTES = 4 * 1024 * 1024;

/** What `writeTail` needs of a file: a FileHandle, or a test's stand-in for a disk that fills up. */
export interface TailWriter {
  writev(buffers: Buffer[], position: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  datasync(): Promise<void>;
}

/**
 * writev at `position`, all of it: a short write (a disk filling up) is followed by a write
 * of the rest, which then fails with the real cause (ENOSPC: no space left on device)
 * rather than a bare "short write".
 */
export async function writeAll(handle: TailWriter, batch: Buffer[], position: number): Promise<number> {
  const size = batch.reduce((sum, buffer) => sum + buffer.length, 0);
  let rest = batch;
  for (let done = 0; done < size; ) {
    const { bytesWritten } = await handle.writev(rest, position + done);
    if (bytesWritten <= 0) throw new Error(`no bytes written at byte ${position + done} (${done} of ${size} written)`);
    done += bytesWritten;
    rest = after(rest, bytesWritten);
  }
  return size;
}

/** The buffers past the first `bytes` bytes of `buffers`. */
function after(buffers: Buffer[], bytes: number): Buffer[] {
  let skip = bytes;
  const out: Buffer[] = [];
  for (const buffer of buffers) {
    if (skip >= buffer.length) skip -= buffer.length;
    else {
      out.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
  }
  return out;
}

/**
 * Writes `bytes` at `position`, cuts the file there and fdatasyncs. Writing at the
 * position of the last good commit (instead of O_APPEND) makes a retry after a failed
 * commit overwrite any half-written tail rather than follow it.
 */
export async function writeTail(handle: TailWriter, bytes: Buffer | readonly Buffer[], position: number): Promise<void> {
  let at = position;
  for (const batch of batches(Buffer.isBuffer(bytes) ? [bytes] : bytes)) at += await writeAll(handle, batch, at);
  await handle.truncate(at);
  await handle.datasync();
}

/** Cuts the file at `position` and fdatasyncs: what was past it is gone before anything new is written there. */
export async function cutTail(handle: FileHandle, position: number): Promise<void> {
  await handle.truncate(position);
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
