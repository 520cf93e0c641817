/**
 * Independent re-implementations of the planted-edge conditions, written from the documented definitions
 * (lib/ingest/synthetic/README.md), with naive trailing-window loops instead of the generator's running sums.
 */
import type { BarColumns, FundingColumns } from '../../../lib/market.js';

/** ln(close_t / close_{t-1}) for t >= 1; index 0 is NaN. */
export function logReturns(close: Float64Array): Float64Array {
  const r = new Float64Array(close.length);
  r[0] = NaN;
  for (let t = 1; t < close.length; t++) r[t] = Math.log(close[t]! / close[t - 1]!);
  return r;
}

/** Bars t (t >= W+1) with volume z > 4 over bars t-W..t-1 and r_t < -1.5 * std(r over t-W..t-1). */
export function capitulationEvents(bars: BarColumns, W = 288): number[] {
  const r = logReturns(bars.close);
  const v = bars.volume;
  const out: number[] = [];
  for (let t = W + 1; t < v.length; t++) {
    let sv = 0;
    let sr = 0;
    for (let j = t - W; j < t; j++) {
      sv += v[j]!;
      sr += r[j]!;
    }
    const mv = sv / W;
    const mr = sr / W;
    let qv = 0;
    let qr = 0;
    for (let j = t - W; j < t; j++) {
      qv += (v[j]! - mv) ** 2;
      qr += (r[j]! - mr) ** 2;
    }
    const sdv = Math.sqrt(qv / W);
    const sdr = Math.sqrt(qr / W);
    if ((v[t]! - mv) / sdv > 4 && r[t]! < -1.5 * sdr) out.push(t);
  }
  return out;
}

/** Bars t (t >= W+1) with close_t > max(high over t-W..t-1) and no event in t-cooldown..t-1. */
export function breakoutEvents(bars: BarColumns, W = 288, cooldown = 288): number[] {
  const out: number[] = [];
  let last = -Infinity;
  for (let t = W + 1; t < bars.close.length; t++) {
    let mx = -Infinity;
    for (let j = t - W; j < t; j++) mx = Math.max(mx, bars.high[j]!);
    if (bars.close[t]! > mx && t - last > cooldown) {
      out.push(t);
      last = t;
    }
  }
  return out;
}

/** For each settlement with rate > 0.0005: the index of the first bar opening at or after it. */
export function fundingExtremeFirstBars(funding: FundingColumns, startMs: number, tfMs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < funding.ts_ms.length; i++) {
    if (funding.funding_rate[i]! > 0.0005) out.push(Math.ceil((funding.ts_ms[i]! - startMs) / tfMs));
  }
  return out;
}

/** Mean of ln(close_{t+h} / close_t) over events t with t + h in range, in bps. */
export function meanForwardBps(close: Float64Array, events: number[], h: number): { n: number; mean: number } {
  let s = 0;
  let n = 0;
  for (const t of events) {
    if (t + h < close.length) {
      s += Math.log(close[t + h]! / close[t]!) * 1e4;
      n++;
    }
  }
  return { n, mean: s / n };
}

/** Bars t (t >= W+1) with (r_t - mean) / std < zMax over r of t-W..t-1 (population std) and no event in t-cooldown..t-1. */
export function downShockEvents(bars: BarColumns, W = 288, zMax = -4, cooldown = 12): number[] {
  const r = logReturns(bars.close);
  const out: number[] = [];
  let last = -Infinity;
  for (let t = W + 1; t < r.length; t++) {
    let s = 0;
    for (let j = t - W; j < t; j++) s += r[j]!;
    const m = s / W;
    let q = 0;
    for (let j = t - W; j < t; j++) q += (r[j]! - m) ** 2;
    const sd = Math.sqrt(q / W);
    if (t - last > cooldown && sd > 0 && (r[t]! - m) / sd < zMax) {
      out.push(t);
      last = t;
    }
  }
  return out;
}

/** For each settlement with rate < -0.0005: the index of the first bar opening at or after it. */
export function negativeFundingFirstBars(funding: FundingColumns, startMs: number, tfMs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < funding.ts_ms.length; i++) {
    if (funding.funding_rate[i]! < -0.0005) out.push(Math.ceil((funding.ts_ms[i]! - startMs) / tfMs));
  }
  return out;
}

/**
 * The log-return drift the planter adds, reconstructed from the documented rule: every bar within `horizon_bars` of a
 * window's first bar gets effect_bps / horizon_bars (overlapping windows of one edge count once; edges add up).
 * `add(edge, firstBars)` records one edge's windows; `drift` is the expected (default - none) log return per bar.
 */
export function plantedDrift(n: number): { drift: Float64Array; add: (e: { effect_bps: number; horizon_bars: number }, firstBars: readonly number[]) => void } {
  const drift = new Float64Array(n);
  return {
    drift,
    add: (e, firstBars) => {
      const covered = new Uint8Array(n);
      for (const f of firstBars) for (let j = f; j < Math.min(n, f + e.horizon_bars); j++) covered[j] = 1;
      for (let j = 0; j < n; j++) if (covered[j]) drift[j] = drift[j]! + (e.effect_bps / e.horizon_bars) * 1e-4;
    },
  };
}

