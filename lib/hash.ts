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
