/**
 * data.binance.vision CHECKSUM files (`<sha256>  <filename>`) and our `.verified` sidecar, which records that a file
 * matched its CHECKSUM so a rerun can skip it without the network.
 */
import { readFile, stat } from 'node:fs/promises';
import { DataError } from '../../errors.js';
import { sha256File } from '../../hash.js';
import { writeJsonAtomic } from '../../fsx.js';

/** The sha256 a CHECKSUM file states for `fileName`. Throws DataError when it is malformed or names another file. */
export function parseChecksum(text: string, fileName: string, source: string): string {
  const line = text.trim().split(/\r?\n/)[0] ?? '';
  const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)$/.exec(line.trim());
  if (!m) {
    throw new DataError('not a CHECKSUM line "<sha256>  <file name>"', { file: source, line: 1, value: line.slice(0, 120) }, {
      hint: 'The server did not return a data.binance.vision CHECKSUM file; check --base-url',
    });
  }
  if (m[2] !== fileName) {
    throw new DataError(`CHECKSUM names another file than ${fileName}`, { file: source, line: 1, field: 'file name', value: m[2] });
  }
  return m[1]!.toLowerCase();
}

export interface VerifiedSidecar {
  sha256: string;
  bytes: number;
  /** mtime of the data file when it was verified; when size and mtime are unchanged the hash is not recomputed. */
  mtime_ms: number;
  url: string;
}

export function sidecarPath(dataPath: string): string {
  return `${dataPath}.verified`;
}

export async function writeSidecar(dataPath: string, sha256: string, url: string): Promise<VerifiedSidecar> {
  const st = await stat(dataPath);
  const sidecar: VerifiedSidecar = { sha256, bytes: st.size, mtime_ms: st.mtimeMs, url };
  await writeJsonAtomic(sidecarPath(dataPath), sidecar);
  return sidecar;
}

/**
 * The sha256 of `dataPath` if it is still the file its sidecar verified, else undefined (no file, no sidecar, or
 * content changed since). Size and mtime unchanged -> trusted without rehashing; otherwise rehashed and compared.
 */
export async function verifiedDigest(dataPath: string): Promise<string | undefined> {
  const st = await stat(dataPath).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  let sidecar: VerifiedSidecar;
  try {
    sidecar = JSON.parse(await readFile(sidecarPath(dataPath), 'utf8')) as VerifiedSidecar;
  } catch {
    return undefined;
  }
  if (typeof sidecar.sha256 !== 'string' || sidecar.bytes !== st.size) return undefined;
  if (sidecar.mtime_ms === st.mtimeMs) return sidecar.sha256;
  const actual = await sha256File(dataPath);
  if (actual !== sidecar.sha256) return undefined;
  await writeSidecar(dataPath, actual, sidecar.url);
  return actual;
}
