import type { Check } from './types.js';

/**
 * Tolerance of floating-point aggregates (means, sums, extremes of prices and volumes). Everything upstream is
 * deterministic, so on one machine these match bit for bit; 1e-12 relative leaves room for a different libm or
 * summation order only, far below any change a cleaning or feature rule would make (those move the 4th digit).
 */
export const REL_TOL = 1e-12;

/** A value that must match exactly (counts, timestamps, checksums, labels). NaN is stored as null. */
export function exact(value: string | number | boolean | null): Check {
  return { value: typeof value === 'number' && !Number.isFinite(value) ? null : value };
}

/** A floating-point value compared within a relative tolerance (default REL_TOL); NaN is stored as null. */
export function approx(value: number, rel_tol = REL_TOL): Check {
  return Number.isFinite(value) ? { value, rel_tol } : { value: null };
}

export interface SeriesStats {
  n: number;
  sum: number;
  mean: number;
  min: number;
  max: number;
}

/** Count, sum, mean, min, max of the finite values (NaN marks missing), summed in index order. */
export function seriesStats(values: ArrayLike<number>): SeriesStats {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return n === 0 ? { n, sum, mean: NaN, min: NaN, max: NaN } : { n, sum, mean: sum / n, min, max };
}

/** Number of non-zero entries of a flag column. */
export function countSet(flags: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i]) n++;
  return n;
}

/** JSON with object keys sorted recursively and two-space indentation: a stable, reviewable file. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}
