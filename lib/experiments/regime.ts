/**
 * A documented bar-based regime classifier (bull / bear / range / high_vol / mixed) for `regime_filters` and
 * `metric_by_regime`, used until the regime monitor's labels are available. Point in time: the label of bar t reads
 * closes up to t only.
 *
 *   r_i       = ln(C_i / C_i-1)
 *   vol_t     = sample std of r over the W returns ending at t
 *   z_t       = ln(C_t / C_t-W) / (vol_t sqrt W)                  (the trend over W in units of its own noise)
 *   base_t    = mean of vol over the L bars ending at t
 *   high_vol  if vol_t > volRatio x base_t; else bull if z_t >= trendZ, bear if z_t <= -trendZ,
 *   range     if |z_t| <= trendZ / 2, mixed otherwise.
 *
 * null before W + L - 1 bars of history (or where a close is missing). Pure.
 */
import { evaluateMetric, type MetricResult } from './metrics.js';
import { REGIMES, type MetricSpec, type Regime } from './schema.js';

export interface RegimeOptions {
  /** Trend and volatility window, bars. */
  window: number;
  /** Volatility baseline window, bars. */
  baseline: number;
  /** high_vol when vol exceeds this multiple of its baseline (default 1.5). */
  volRatio?: number;
  /** |z| for bull / bear (default 1); range below half of it. */
  trendZ?: number;
}

export function classifyRegimes(close: ArrayLike<number>, opts: RegimeOptions): (Regime | null)[] {
  const { window: w, baseline: l } = opts;
  const volRatio = opts.volRatio ?? 1.5;
  const trendZ = opts.trendZ ?? 1;
  if (!(Number.isInteger(w) && w >= 2 && Number.isInteger(l) && l >= 1)) {
    throw new RangeError(`classifyRegimes: window must be an integer >= 2 and baseline >= 1, was ${w}, ${l}`);
  }
  const n = close.length;
  const vol = new Float64Array(n).fill(NaN);
  for (let t = w; t < n; t++) {
    let s = 0;
    let ss = 0;
    for (let i = t - w + 1; i <= t; i++) {
      const r = Math.log(close[i]! / close[i - 1]!);
      s += r;
      ss += r * r;
    }
    vol[t] = Math.sqrt(Math.max(0, (ss - (s * s) / w) / (w - 1)));
  }
  const out: (Regime | null)[] = new Array<Regime | null>(n).fill(null);
  for (let t = w + l - 1; t < n; t++) {
    let base = 0;
    for (let i = t - l + 1; i <= t; i++) base += vol[i]!;
    base /= l;
    const v = vol[t]!;
    const z = Math.log(close[t]! / close[t - w]!) / (v * Math.sqrt(w));
    if (!Number.isFinite(v) || !Number.isFinite(base)) continue;
    if (v > volRatio * base) out[t] = 'high_vol';
    else if (!Number.isFinite(z)) out[t] = v === 0 ? 'range' : null; // a flat window: no move, no noise
    else if (z >= trendZ) out[t] = 'bull';
    else if (z <= -trendZ) out[t] = 'bear';
    else if (Math.abs(z) <= trendZ / 2) out[t] = 'range';
    else out[t] = 'mixed';
  }
  return out;
}

/** One MetricResult per regime (samples without a label are left out), min_samples applied within each regime. */
export function metricByRegime(m: MetricSpec, samples: ArrayLike<number>, labels: readonly (Regime | null)[]): Record<Regime, MetricResult> {
  if (samples.length !== labels.length) throw new RangeError(`metricByRegime: ${samples.length} samples but ${labels.length} labels`);
  const out = {} as Record<Regime, MetricResult>;
  for (const regime of REGIMES) {
    const xs: number[] = [];
    for (let i = 0; i < samples.length; i++) if (labels[i] === regime) xs.push(samples[i]!);
    out[regime] = evaluateMetric(m, xs);
  }
  return out;
}
