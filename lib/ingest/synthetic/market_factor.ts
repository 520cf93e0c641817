/**
 * The market factor shared by all synthetic symbols: a 3-state Markov regime chain (calm / trending / stressed)
 * setting drift and volatility, GARCH(1,1)-like variance clustering with Student-t(5) innovations, and an
 * intraday/weekly volatility seasonality. It depends only on (seed, start_ms, end_ms, timeframe), so every
 * generateSymbol call can rebuild it independently; the last one is cached (a few MB for 2 years of 5m bars).
 *
 * Sizes are stated per 5-minute bar and scaled to the timeframe: volatility by sqrt(tf/5m), drift by tf/5m,
 * regime switch probabilities by tf/duration. Formulas and the transition matrix are in README.md.
 */
import { timeframeMs } from '../../timeframe.js';
import type { SyntheticParams } from './params.js';
import { barCount } from './params.js';
import { Xoshiro128ss } from '../../stats/rng.js';
import { volumeSeasonality } from './seasonality.js';

export const FIVE_MIN_MS = 300_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const REGIMES = ['calm', 'trending', 'stressed'] as const;
export type Regime = (typeof REGIMES)[number];

/** Per-regime parameters of the market factor (per 5m bar). */
export const REGIME_PARAMS = {
  /** Market-factor volatility per 5m bar before GARCH and seasonality. */
  vol_5m: [0.0010, 0.0015, 0.0030],
  /**
   * Log drift per 5m bar: calm +0.01 bp; trending +-0.1 bp (sign drawn at entry, 50/50); stressed -0.2 bp.
   * Kept small on purpose: with planted_edges 'none' no event should carry a detectable forward drift.
   */
  drift_5m: [0.000001, 0.00001, -0.00002],
  /** Multiplier on every symbol's idiosyncratic volatility. */
  idio_vol_mult: [1.0, 1.3, 2.2],
  /** Expected stay in hours (leave probability per bar = tf / duration). */
  duration_hours: [72, 36, 8],
  /**
   * Where the chain goes when it leaves a state (rows: from calm, trending, stressed; columns: to calm, trending,
   * stressed). Combined with duration_hours this is the transition matrix (README.md has it per 5m bar).
   */
  exit_probs: [
    [0, 0.8, 0.2],
    [0.7, 0, 0.3],
    [0.6, 0.4, 0],
  ],
} as const;

/** GARCH(1,1) on a unit-mean variance multiplier g: g' = (1 - a - b) + a z^2 g + b g, clamped. */
export const MARKET_GARCH = { alpha: 0.05, beta: 0.93, g_min: 0.1, g_max: 25 } as const;

export interface MarketFactor {
  /** Market log return of each bar (drift + sigma * t5 innovation). */
  ret: Float64Array;
  /** Conditional standard deviation of the market return of each bar. */
  sigma: Float64Array;
  /** Regime index of each bar (0 calm, 1 trending, 2 stressed). */
  regime: Uint8Array;
  /** Volatility seasonality multiplier of each bar (sqrt of the volume seasonality; mean square 1). */
  seasonVol: Float64Array;
}

let cacheKey = '';
let cacheValue: MarketFactor | undefined;

/** The market factor for p (cached for the last (seed, start, end, timeframe)). Treat the arrays as read-only. */
export function marketFactor(p: SyntheticParams): MarketFactor {
  const key = `${p.seed}|${p.start_ms}|${p.end_ms}|${p.timeframe}`;
  if (cacheValue === undefined || key !== cacheKey) {
    cacheValue = buildMarketFactor(p);
    cacheKey = key;
  }
  return cacheValue;
}

/** Stream ids of Xoshiro128ss.fromSeed: the market factor uses stream 0, symbol i uses stream i + 1. */
export const MARKET_STREAM = 0;

function buildMarketFactor(p: SyntheticParams): MarketFactor {
  const n = barCount(p);
  const tf = timeframeMs(p.timeframe);
  const scale = tf / FIVE_MIN_MS;
  const volScale = Math.sqrt(scale);
  const rng = Xoshiro128ss.fromSeed(p.seed, MARKET_STREAM);
  const out: MarketFactor = {
    ret: new Float64Array(n),
    sigma: new Float64Array(n),
    regime: new Uint8Array(n),
    seasonVol: new Float64Array(n),
  };
  const leave = REGIME_PARAMS.duration_hours.map((h) => Math.min(0.9, tf / (h * HOUR_MS)));
  const { alpha, beta, g_min, g_max } = MARKET_GARCH;
  let regime = 0;
  let trendSign = 1;
  let g = 1;
  for (let t = 0; t < n; t++) {
    // Regime step: one uniform to leave, one to pick the destination, one for a trend's sign (always drawn).
    const uLeave = rng.uniform();
    const uDest = rng.uniform();
    const uSign = rng.uniform();
    if (t > 0 && uLeave < leave[regime]!) {
      const row = REGIME_PARAMS.exit_probs[regime]!;
      const next = uDest < row[0] ? 0 : uDest < row[0] + row[1] ? 1 : 2;
      if (next === 1) trendSign = uSign < 0.5 ? -1 : 1;
      regime = next;
    }
    const season = Math.sqrt(volumeSeasonality(p.start_ms + t * tf));
    const sigma = REGIME_PARAMS.vol_5m[regime]! * volScale * season * Math.sqrt(g);
    const drift = REGIME_PARAMS.drift_5m[regime]! * scale * (regime === 1 ? trendSign : 1);
    const z = rng.studentT5();
    out.ret[t] = drift + sigma * z;
    out.sigma[t] = sigma;
    out.regime[t] = regime;
    out.seasonVol[t] = season;
    g = (1 - alpha - beta) + alpha * z * z * g + beta * g;
    g = g < g_min ? g_min : g > g_max ? g_max : g;
  }
  return out;
}
