import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';

/** JSON with object keys sorted recursively: reordering a spec or config never changes its digest. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw new Error(`canonicalJson: non-finite number ${v} cannot be hashed`);
  }
  return v;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function digestJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** Files up to this size are hashed from one read (a stream costs ~0.3 ms of CPU per file: many small partitions). */
const WHOLE_READ_BYTES = 8 * 1024 * 1024;

export async function sha256File(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    if ((await fh.stat()).size <= WHOLE_READ_BYTES) return sha256Hex(await fh.readFile());
    const h = createHash('sha256');
    for await (const chunk of fh.createReadStream({ autoClose: false })) h.update(chunk as Buffer);
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}

/**
 * Files up to this size are read and hashed synchronously, in one call (blocking the event loop for well under a
 * millisecond): a lake write or an output digest meets many small files (the events stage: 120 partitions of
 * ~16 kB and their manifests on the real lake), for which the promise API's stat, open, stat, read and close cost
 * more than the hash itself.
 */
const SYNC_DIGEST_BYTES = 1 << 20;

/** Size and sha256 of a file: a small file from one synchronous read, a larger one as sha256File reads it. */
export async function fileSizeAndDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const size = statSync(path).size;
  if (size > SYNC_DIGEST_BYTES) return { bytes: size, sha256: await sha256File(path) };
  const buf = readFileSync(path);
  return { bytes: buf.length, sha256: sha256Hex(buf) };
}
