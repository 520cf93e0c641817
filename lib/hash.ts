import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
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

/** sha256 of a file's bytes: read whole when it is small (one read, most lake partitions), else streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size <= WHOLE_READ_MAX) {
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const { bytesRead } = await fh.read(buf, off, size - off, off);
        if (bytesRead === 0) break; // the file shrank: hash what is there, as the stream would
        off += bytesRead;
      }
      return h.update(buf.subarray(0, off)).digest('hex');
    }
  } finally {
    await fh.close();
  }
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const WHOLE_READ_MAX = 8 << 20;
