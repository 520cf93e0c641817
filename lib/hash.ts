import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

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

/** Bytes read per call by sha256File: a file of up to this size is one read; larger ones go through the same buffer. */
const HASH_READ_BYTES = 1 << 20;

/**
 * sha256 of a file's bytes, read through one buffer of up to 1 MB (the size of the file when smaller): half the CPU
 * of a read stream (64 KB chunks, each a new Buffer and a stream turn) on the lake's ~1 MB partition files, and
 * memory bounded for large source files alike.
 */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(HASH_READ_BYTES, size)));
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}
