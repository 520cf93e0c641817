import { BAR_FIELDS, type BarColumns, emptyBars } from '../../market.js';
import { concatArrays } from '../../arrays.js';

export { concatArrays };


/** Concatenate same-named Float64Array columns, in order. */
export function concatColumns(parts: readonly Record<string, Float64Array>[]): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  if (parts.length === 0) return out;
  for (const k of Object.keys(parts[0]!)) {
    const cols = parts.map((p) => {
      const c = p[k];
      if (!c) throw new Error(`concatColumns: column ${k} missing in a part`);
      return c;
    });
    out[k] = concatArrays(cols, (n) => new Float64Array(n));
  }
  return out;
}

export function concatBars(parts: readonly BarColumns[]): BarColumns {
  if (parts.length === 1) return parts[0]!;
  const c = concatColumns(parts as unknown as Record<string, Float64Array>[]);
  const b = emptyBars(0);
  for (const f of BAR_FIELDS) b[f] = c[f]!;
  return b;
}
