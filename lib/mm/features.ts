/**
 * Per-bar market description written beside every market-making run (<run_id>_market_data.csv): OHLCV, a
 * high-low spread estimate and trailing features, each at bar i computed from bars <= i only (point in time).
 *
 *   spread_est_bps      Corwin & Schultz (2012) high-low estimator over bars i-1 and i, floored at 0 (their
 *                       recommendation), in bps: beta = sum of ln(H/L)^2 of both bars, g = ln(H2/L2)^2 over the
 *                       two-bar range, alpha = (sqrt(2 beta) - sqrt(beta)) / (3 - 2 sqrt 2) - sqrt(g / (3 - 2 sqrt 2)),
 *                       S = 2 (e^alpha - 1) / (1 + e^alpha)
 *   volatility_bps      standard deviation (ddof 1) of the last `window` log returns close-to-close, bps per bar
 *   momentum_bps        log return over the last `window` bars, bps
 *   trend_strength      |sum of the last `window` log returns| / sum of their absolute values (Kaufman efficiency
 *                       ratio, 0 = noise, 1 = straight line)
 *   mean_reversion_ac1  lag-1 autocorrelation of the last `window` log returns (negative: mean reverting)
 */
import type { MmBars } from './data.js';

export interface MarketFeatures {
  spread_est_bps: Float64Array;
  volatility_bps: Float64Array;
  momentum_bps: Float64Array;
  trend_strength: Float64Array;
  mean_reversion_ac1: Float64Array;
}

const K = 3 - 2 * Math.SQRT2;

/** Corwin-Schultz spread of two consecutive bars as a fraction of price (>= 0), NaN when a price is missing. */
export function corwinSchultz(h1: number, l1: number, h2: number, l2: number): number {
  if (!(h1 > 0 && l1 > 0 && h2 > 0 && l2 > 0)) return NaN;
  const beta = Math.log(h1 / l1) ** 2 + Math.log(h2 / l2) ** 2;
  const g = Math.log(Math.max(h1, h2) / Math.min(l1, l2)) ** 2;
  const alpha = (Math.sqrt(2 * beta) - Math.sqrt(beta)) / K - Math.sqrt(g / K);
  const s = (2 * (Math.exp(alpha) - 1)) / (1 + Math.exp(alpha));
  return Math.max(0, s);
}

/** Log returns close-to-close in bps; r[0] = NaN, NaN where a close is missing. */
export function logReturnsBps(close: Float64Array): Float64Array {
  const r = new Float64Array(close.length).fill(NaN);
  for (let i = 1; i < close.length; i++) r[i] = Math.log(close[i]! / close[i - 1]!) * 1e4;
  return r;
}

/** Trailing standard deviation (ddof 1) of the finite values among x[i-window+1..i]; NaN with fewer than 2. O(n). */
export function trailingStd(x: Float64Array, window: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  let s = 0, s2 = 0, m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isFinite(v)) { s += v; s2 += v * v; m++; }
    if (i >= window) {
      const u = x[i - window]!;
      if (Number.isFinite(u)) { s -= u; s2 -= u * u; m--; }
    }
    if (m >= 2) out[i] = Math.sqrt(Math.max(0, (s2 - (s * s) / m) / (m - 1)));
  }
  return out;
}

export function marketFeatures(b: MmBars, window: number): MarketFeatures {
  const n = b.ts_ms.length;
  const r = logReturnsBps(b.close);
  const spread = new Float64Array(n).fill(NaN);
  for (let i = 1; i < n; i++) spread[i] = corwinSchultz(b.high[i - 1]!, b.low[i - 1]!, b.high[i]!, b.low[i]!) * 1e4;
  const vol = trailingStd(r, window);
  const mom = new Float64Array(n).fill(NaN);
  const trend = new Float64Array(n).fill(NaN);
  const ac1 = new Float64Array(n).fill(NaN);
  for (let i = window; i < n; i++) {
    let sum = 0, abs = 0, ok = true;
    for (let j = i - window + 1; j <= i; j++) {
      const v = r[j]!;
      if (!Number.isFinite(v)) { ok = false; break; }
      sum += v; abs += Math.abs(v);
    }
    if (!ok) continue;
    mom[i] = sum;
    trend[i] = abs > 0 ? Math.abs(sum) / abs : 0;
    const mu = sum / window;
    let num = 0, den = 0;
    for (let j = i - window + 1; j <= i; j++) {
      den += (r[j]! - mu) ** 2;
      if (j > i - window + 1) num += (r[j]! - mu) * (r[j - 1]! - mu);
    }
    ac1[i] = den > 0 ? num / den : NaN;
  }
  return { spread_est_bps: spread, volatility_bps: vol, momentum_bps: mom, trend_strength: trend, mean_reversion_ac1: ac1 };
}

/** The market data CSV: one row per bar, ISO time, numbers as JS prints them, empty for NaN. */
export function marketDataCsv(b: MmBars, f: MarketFeatures): string {
  const cols = ['ts_utc', 'open', 'high', 'low', 'close', 'volume', 'spread_est_bps', 'volatility_bps', 'trend_strength', 'momentum_bps', 'mean_reversion_ac1'];
  const fmt = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 1e6) / 1e6) : '');
  const lines = [cols.join(',')];
  for (let i = 0; i < b.ts_ms.length; i++) {
    lines.push([
      new Date(b.ts_ms[i]!).toISOString(), fmt(b.open[i]!), fmt(b.high[i]!), fmt(b.low[i]!), fmt(b.close[i]!), fmt(b.volume[i]!),
      fmt(f.spread_est_bps[i]!), fmt(f.volatility_bps[i]!), fmt(f.trend_strength[i]!), fmt(f.momentum_bps[i]!), fmt(f.mean_reversion_ac1[i]!),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}
