/**
 * As-of joins of point-in-time observations (funding settlements, open interest, market caps) onto bars.
 *
 * Rule (docs/research.md "Time"): the value at bar t is the last observation with `ts_ms <= close(t) = ts_t + tf`
 * (an observation's ts_ms is when it became known). Observations older than `maxAgeMs` at close(t) count as
 * missing, so a feed that stops is not carried forward for ever. Two pointers: O(bars + observations).
 */
import { DataError } from '../errors.js';

// Globals read once: inside vm contexts (jest) every global lookup in a hot loop goes through an interceptor.

const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

/**
 * Index of the last observation known at the close of each bar (-1 when none). `obsTs` must be ascending;
 * equal times are allowed (the last one wins).
 */
export function asOfIndex(barTs: Float64Array, tfMs: number, obsTs: Float64Array): Int32Array {
  const out = new Int32Array(barTs.length);
  let j = -1;
  const m = obsTs.length;
  for (let t = 0; t < barTs.length; t++) {
    const close = barTs[t]! + tfMs;
    while (j + 1 < m && obsTs[j + 1]! <= close) j++;
    out[t] = j;
  }
  return out;
}

/**
 * The last observed value known at the close of each bar; NaN before the first observation and when the last one
 * is older than `maxAgeMs` at the close.
 */
export function asOfValues(
  barTs: Float64Array, tfMs: number, obsTs: Float64Array, values: Float64Array, maxAgeMs = INF,
): Float64Array {
  const idx = asOfIndex(barTs, tfMs, obsTs);
  const out = new Float64Array(barTs.length);
  for (let t = 0; t < out.length; t++) {
    const j = idx[t]!;
    out[t] = j >= 0 && barTs[t]! + tfMs - obsTs[j]! <= maxAgeMs ? values[j]! : NAN;
  }
  return out;
}

/** Throws a DataError unless `ts` is non-decreasing (strictly increasing with `strict`) and finite. */
export function checkAscending(ts: Float64Array, what: string, strict: boolean): void {
  for (let i = 0; i < ts.length; i++) {
    const v = ts[i]!;
    if (v - v !== 0) throw new DataError(`${what}: ts_ms is not a finite time`, { field: `ts_ms[${i}]`, value: v });
    if (i > 0 && (strict ? v <= ts[i - 1]! : v < ts[i - 1]!)) {
      throw new DataError(`${what}: ts_ms must be ${strict ? 'strictly increasing' : 'ascending'}`, {
        field: `ts_ms[${i}]`, value: `${iso(v)} after ${iso(ts[i - 1]!)}`,
      });
    }
  }
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
