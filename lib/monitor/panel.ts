/**
 * The daily panel the monitor works on: one row per UTC day, one column per asset. Day d is the bar [d, d + 1 day);
 * everything stamped "at d" is known at the close of d (00:00 UTC of d + 1):
 *  - close[a][d]: the bar's close (NaN when missing: never invented);
 *  - volume_usd[a][d]: base volume x close;
 *  - mcap[a][d]: the last market cap observation with ts <= close of d (as of), NaN when none or older than
 *    `MCAP_MAX_AGE_DAYS`;
 *  - funding[a][d]: sum of the funding rates settled in (d, d + 1 day] (what a position held from the close of d - 1
 *    to the close of d pays; longs pay a positive rate); null for spot; NaN on days the funding data does not cover;
 *  - oi_usd[a][d]: the last open-interest observation known at the close of d (NaN when none).
 */
export const DAY_MS = 86_400_000;
export const MCAP_MAX_AGE_DAYS = 3;

export interface Panel {
  days: Float64Array;
  symbols: string[];
  markets: string[];
  exchanges: string[];
  close: Float64Array[];
  volume_usd: Float64Array[];
  mcap: Float64Array[];
  funding: (Float64Array | null)[];
  oi_usd: (Float64Array | null)[];
  /** Index of BTC and ETH in symbols. */
  btc: number;
  eth: number;
  /** Never traded or counted as alts (stablecoins, wrapped, exclude_assets). */
  excluded: boolean[];
  /**
   * Sum of the as-of market caps of every non-excluded coin in the cap tables (with or without bars): the
   * denominator of BTC dominance. Absent: the sum over the panel's assets.
   */
  total_cap?: Float64Array;
}

export function dayIndex(days: Float64Array, ts: number): number {
  return Math.floor((ts - days[0]!) / DAY_MS);
}

/** Daily simple return close[d] / close[d - 1] - 1 (NaN when either is missing). */
export function simpleReturns(close: Float64Array): Float64Array {
  const r = new Float64Array(close.length).fill(NaN);
  for (let d = 1; d < close.length; d++) r[d] = close[d]! / close[d - 1]! - 1;
  return r;
}

export function logReturns(close: Float64Array): Float64Array {
  const r = new Float64Array(close.length).fill(NaN);
  for (let d = 1; d < close.length; d++) r[d] = Math.log(close[d]! / close[d - 1]!);
  return r;
}

/** As-of values on the daily grid: out[d] = the last v with ts <= days[d] + 1 day, if at most maxAgeDays old. */
export function asOfDaily(days: Float64Array, ts: Float64Array, v: Float64Array, maxAgeDays: number): Float64Array {
  const out = new Float64Array(days.length).fill(NaN);
  let j = -1;
  for (let d = 0; d < days.length; d++) {
    const close = days[d]! + DAY_MS;
    while (j + 1 < ts.length && ts[j + 1]! <= close) j++;
    if (j >= 0 && close - ts[j]! <= maxAgeDays * DAY_MS && Number.isFinite(v[j]!)) out[d] = v[j]!;
  }
  return out;
}

/** Funding per day: sum of rates settled in (days[d], days[d] + 1 day]; NaN outside [first settlement - interval, last]. */
export function dailyFunding(days: Float64Array, ts: Float64Array, rate: Float64Array, intervalHours: Float64Array): Float64Array {
  const out = new Float64Array(days.length).fill(NaN);
  if (ts.length === 0) return out;
  const first = ts[0]! - (intervalHours[0]! > 0 ? intervalHours[0]! : 8) * 3_600_000;
  const last = ts[ts.length - 1]!;
  let j = 0;
  for (let d = 0; d < days.length; d++) {
    const lo = days[d]!;
    const hi = lo + DAY_MS;
    while (j < ts.length && ts[j]! <= lo) j++;
    if (lo < first || hi > last) continue;
    let s = 0;
    let k = j;
    while (k < ts.length && ts[k]! <= hi) s += rate[k++]!;
    out[d] = s;
  }
  return out;
}
