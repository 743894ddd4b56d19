import { endianness } from 'node:os';
import * as zlib from 'node:zlib';

type Crc32 = (data: string | Uint8Array, value?: number) => number;
const zlibCrc32 = (zlib as { crc32?: Crc32 }).crc32;

/**
 * Whether this Node can check the side files (`zlib.crc32`, Node 20.15 and later) and reads
 * their numbers as they were written (little-endian); elsewhere no side file is read or written.
 */
export const INDEX_SUPPORTED = typeof zlibCrc32 === 'function' && endianness() === 'LE';

/**
 * CRC-32 of `data`, going on from `value` (zlib's). Only where INDEX_SUPPORTED.
 * @example crc32(Buffer.from('b'), crc32(Buffer.from('a'))) === crc32(Buffer.from('ab'))
 */
export const crc32: Crc32 = (data, value) => (zlibCrc32 as Crc32)(data, value);
