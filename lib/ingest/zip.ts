import { readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import { DataError } from '../errors.js';

/**
 * Extract the single CSV member of a Binance Vision zip to a temp file, call `fn` with its path, then delete it.
 * fflate inflates but does not check CRC-32, so each member is checked against the CRC and size its central
 * directory records: a truncated, corrupt or tampered zip is a DataError naming the file, never a silent ingest.
 */
export async function withExtractedCsv<T>(zipPath: string, display: string, fn: (csvPath: string, member: string) => Promise<T>): Promise<T> {
  const bytes = new Uint8Array(await readFile(zipPath));
  let entries: Record<string, Uint8Array>;
  let directory: Map<string, { crc: number; size: number }>;
  try {
    directory = centralDirectory(bytes);
    entries = unzipSync(bytes);
  } catch (e) {
    throw new DataError(`zip is truncated or corrupt (${(e as Error).message})`, { file: display }, { hint: 'download the file again', cause: e });
  }
  const members = Object.keys(entries).filter((n) => /\.csv$/i.test(n));
  if (members.length !== 1) {
    throw new DataError(`expected exactly one .csv member, found ${members.length}`, { file: display, value: Object.keys(entries) });
  }
  const member = members[0]!;
  const data = entries[member]!;
  const want = directory.get(member);
  if (!want || want.size !== data.length || want.crc !== crc32(data)) {
    const expected = want ? `crc32 ${want.crc.toString(16)}, ${want.size} bytes` : 'no directory entry';
    throw new DataError(`zip member ${member} is corrupt: CRC-32/size check failed (directory: ${expected}; data: crc32 ${crc32(data).toString(16)}, ${data.length} bytes)`, { file: display }, {
      hint: 'the file is corrupt: download it again',
    });
  }
  const tmp = join(tmpdir(), `quantlab-${process.pid}-${randomBytes(6).toString('hex')}.csv`);
  await writeFile(tmp, data);
  try {
    return await fn(tmp, member);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** CRC-32 and uncompressed size of each member, from the zip's central directory (APPNOTE 4.3.12, 4.3.16). */
export function centralDirectory(b: Uint8Array): Map<string, { crc: number; size: number }> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('no end-of-central-directory record');
  const count = view.getUint16(eocd + 10, true);
  let off = view.getUint32(eocd + 16, true);
  const out = new Map<string, { crc: number; size: number }>();
  for (let k = 0; k < count; k++) {
    if (off + 46 > b.length || view.getUint32(off, true) !== 0x02014b50) throw new Error('central directory is damaged');
    const crc = view.getUint32(off + 16, true);
    const size = view.getUint32(off + 24, true);
    const nameLen = view.getUint16(off + 28, true);
    const extraLen = view.getUint16(off + 30, true);
    const commentLen = view.getUint16(off + 32, true);
    const name = new TextDecoder().decode(b.subarray(off + 46, off + 46 + nameLen));
    out.set(name, { crc, size });
    off += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
