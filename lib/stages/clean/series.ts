import { DataError } from '../../errors.js';
import type { RowOriginColumns } from '../../lake/index.js';

/**
 * Point-in-time observation series (open interest, market caps): rows arrive sorted by time; exact duplicates
 * are dropped, two different values at one time are a located error.
 */
export function dedupeSeries(
  ts: Float64Array, values: Float64Array[], o: RowOriginColumns, what: string,
): { keep: Uint32Array; dropped: number } {
  const keep: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    const prev = keep[keep.length - 1];
    if (prev !== undefined && ts[prev] === ts[i]) {
      const same = values.every((v) => Object.is(v[prev], v[i]));
      if (!same) {
        throw new DataError(`conflicting ${what} observations at ${new Date(ts[i]!).toISOString()}`, {
          file: `${o.files[o.file_idx[prev]!]}:${o.line[prev]} and ${o.files[o.file_idx[i]!]}`, line: o.line[i]!,
        }, { hint: 'two sources disagree: remove one of them' });
      }
      continue;
    }
    keep.push(i);
  }
  return { keep: Uint32Array.from(keep), dropped: ts.length - keep.length };
}

export function take(a: Float64Array, idx: Uint32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]!]!;
  return out;
}
