import { readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { unzipSync } from 'fflate';
import { DataError } from '../errors.js';

/**
 * Extract the single CSV member of a Binance Vision zip to a temp file, call `fn` with its path, then delete it.
 * A truncated or corrupt zip (bad central directory or CRC) is a DataError naming the file.
 */
export async function withExtractedCsv<T>(zipPath: string, display: string, fn: (csvPath: string, member: string) => Promise<T>): Promise<T> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(await readFile(zipPath)));
  } catch (e) {
    throw new DataError(`zip is truncated or corrupt (${(e as Error).message})`, { file: display }, { hint: 'download the file again', cause: e });
  }
  const members = Object.keys(entries).filter((n) => /\.csv$/i.test(n));
  if (members.length !== 1) {
    throw new DataError(`expected exactly one .csv member, found ${members.length}`, { file: display, value: Object.keys(entries) });
  }
  const member = members[0]!;
  const tmp = join(tmpdir(), `quantlab-${process.pid}-${randomBytes(6).toString('hex')}.csv`);
  await writeFile(tmp, entries[member]!);
  try {
    return await fn(tmp, member);
  } finally {
    await rm(tmp, { force: true });
  }
}
