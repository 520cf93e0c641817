/**
 * Independent references for the features tests: brute-force window statistics (each window recomputed from
 * scratch, two-pass variance with compensated sums) and small seeded series.
 */
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { generateSymbol, resolveSyntheticParams } from '../../lib/ingest/synthetic/index.js';
import type { InstrumentSeries } from '../../lib/features/index.js';
import { BAR_FIELDS, type BarColumns, type InstrumentKey } from '../../lib/market.js';

/**
 * xorshift32 (Marsaglia 2003, "Xorshift RNGs", J. Stat. Softw. 8(14)) uniform in [0, 1): integer ops only, so
 * filling 10M-element test series stays fast inside jest's vm context (where each Math.* call is slow).
 */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Approximately standard normal: Irwin-Hall sum of 4 uniforms, centred and scaled to unit variance. */
export function approxNormal(u: () => number): () => number {
  const k = Math.sqrt(3);
  return () => (u() + u() + u() + u() - 2) * k;
}

/** Neumaier sum of xs (the reference for window sums). */
export function exactSum(xs: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  return s + c;
}

/** The window of t (inclusive: t-n+1..t, excluded: t-n..t-1), or undefined when incomplete or holding a non-finite value. */
export function windowOf(x: Float64Array, t: number, n: number, excl: boolean): number[] | undefined {
  const hi = excl ? t - 1 : t;
  const lo = hi - n + 1;
  if (lo < 0) return undefined;
  const w: number[] = [];
  for (let i = lo; i <= hi; i++) {
    if (!Number.isFinite(x[i]!)) return undefined;
    w.push(x[i]!);
  }
  return w;
}

export function bruteMean(w: number[]): number {
  return exactSum(w) / w.length;
}

/** Two-pass population variance with compensated sums (ddof 0). */
export function bruteVar(w: number[], ddof = 0): number {
  const m = bruteMean(w);
  return exactSum(w.map((v) => (v - m) * (v - m))) / (w.length - ddof);
}

/** Brute force over every t: f(window) or NaN. */
export function brute(x: Float64Array, n: number, excl: boolean, f: (w: number[], t: number) => number): Float64Array {
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const w = windowOf(x, t, n, excl);
    out[t] = w ? f(w, t) : NaN;
  }
  return out;
}

/** Seeded uniform(-1, 1) noise around `level`, with NaN (and a few +-Infinity) gaps. */
export function noisySeries(seed: number, len: number, opts: { level?: number; nanProb?: number; gapLen?: number } = {}): Float64Array {
  const rng = Xoshiro128ss.fromSeed(seed, 1);
  const x = new Float64Array(len);
  let gap = 0;
  for (let i = 0; i < len; i++) {
    if (gap > 0) {
      x[i] = NaN;
      gap--;
      continue;
    }
    const u = rng.uniform();
    if (u < (opts.nanProb ?? 0)) {
      x[i] = rng.uniform() < 0.1 ? (rng.uniform() < 0.5 ? Infinity : -Infinity) : NaN;
      gap = Math.floor(rng.uniform() * (opts.gapLen ?? 3));
      continue;
    }
    x[i] = (opts.level ?? 0) + (2 * rng.uniform() - 1);
  }
  return x;
}

/** Expect a and b equal where both are numbers (within a relative tolerance) and NaN at the same places. */
export function closeArrays(a: Float64Array, b: Float64Array, rel = 1e-12, abs = 0): { ok: boolean; at?: number; a?: number; b?: number } {
  if (a.length !== b.length) return { ok: false, at: -1 };
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return { ok: false, at: i, a: x, b: y };
      continue;
    }
    if (Math.abs(x - y) > abs + rel * Math.max(Math.abs(x), Math.abs(y))) return { ok: false, at: i, a: x, b: y };
  }
  return { ok: true };
}

/** Bars from closes: open = previous close, high/low around them, volume given. NaN close -> NaN bar. */
export function barsFrom(ts0: number, tfMs: number, close: number[], volume?: number[], extra: Partial<Record<keyof BarColumns, number[]>> = {}): BarColumns {
  const n = close.length;
  const f = (xs?: number[], dflt = NaN) => Float64Array.from({ length: n }, (_, i) => xs?.[i] ?? dflt);
  const bars = {} as Record<string, Float64Array>;
  for (const k of BAR_FIELDS) bars[k] = new Float64Array(n).fill(NaN);
  bars.ts_ms = Float64Array.from({ length: n }, (_, i) => ts0 + i * tfMs);
  bars.close = f(close);
  bars.open = Float64Array.from({ length: n }, (_, i) => (i > 0 ? close[i - 1]! : close[0]!));
  bars.high = Float64Array.from({ length: n }, (_, i) => Math.max(bars.open![i]!, close[i]!) * 1.001);
  bars.low = Float64Array.from({ length: n }, (_, i) => Math.min(bars.open![i]!, close[i]!) * 0.999);
  bars.volume = f(volume, 1);
  for (const [k, v] of Object.entries(extra)) bars[k] = f(v);
  return bars as unknown as BarColumns;
}

export function key(symbol: string, market: InstrumentKey['market'] = 'um', exchange = 'binance'): InstrumentKey {
  return { exchange, market, symbol };
}

/** A few synthetic symbols (seeded market with funding, open interest and market caps) as InstrumentSeries. */
export function syntheticSeries(nSymbols: number, days: number, seed = 3): InstrumentSeries[] {
  const start = Date.UTC(2025, 0, 1);
  const p = resolveSyntheticParams({ seed, n_symbols: nSymbols, start_ms: start, end_ms: start + days * 86_400_000, timeframe: '5m' });
  return Array.from({ length: nSymbols }, (_, i) => {
    const g = generateSymbol(p, i);
    return { key: g.key, timeframe: '5m' as const, bars: g.bars, funding: g.funding, openInterest: g.openInterest, marketCap: g.marketCap };
  });
}
