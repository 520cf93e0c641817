/**
 * An ExperimentSpec as the engine's exposure policy (lib/engine/exposure.ts holds the one enforcement; this file
 * implements its hook): the ExposureSpec mapped to ExposureRules, and the regime filter as the documented bar
 * classifier of regime.ts on each instrument's closes (point in time: the label of bar t reads closes up to t).
 * Pure.
 */
import type { ExposurePolicy, ExposureRules, RegimeVerdict } from '../engine/index.js';
import { classifyRegimes, type RegimeOptions } from './regime.js';
import type { ExperimentSpec, Regime } from './schema.js';

const HOUR_MS = 3_600_000;

/** The classifier windows, in time (converted to bars of the run's timeframe): trend/vol over 4h, baseline 1 day. */
export const REGIME_WINDOW_MS = 4 * HOUR_MS;
export const REGIME_BASELINE_MS = 24 * HOUR_MS;

export function regimeOptionsFor(tfMs: number): RegimeOptions {
  return { window: Math.max(2, Math.round(REGIME_WINDOW_MS / tfMs)), baseline: Math.max(1, Math.round(REGIME_BASELINE_MS / tfMs)) };
}

export function exposureRulesOf(spec: ExperimentSpec): ExposureRules {
  const e = spec.exposure;
  return {
    maxHoldMs: e.max_hold_minutes * 60_000,
    maxTradesPerDay: e.max_trades_per_day,
    ...(e.stop_distance_pct !== undefined ? { stopDistancePct: e.stop_distance_pct } : {}),
    ...(e.stop_distance_atr !== undefined ? { stopDistanceAtr: e.stop_distance_atr } : {}),
    maxNotionalUsd: e.max_notional_usd,
    maxSlippageBps: e.max_slippage_bps,
    allowShort: e.allow_short,
    entryStyle: e.entry_style,
  };
}

/** Regime labels of every instrument over the whole slice (index = slice bar). */
export function regimeLabels(closes: readonly ArrayLike<number>[], tfMs: number): (Regime | null)[][] {
  const o = regimeOptionsFor(tfMs);
  return closes.map((c) => classifyRegimes(c, o));
}

/**
 * The policy of `spec` over a slice: rules, and the regime filter on `labels` (slice-indexed, per instrument).
 * An empty regime_filters allows every bar (labelled or not); otherwise an entry needs a label in the list.
 */
export function exposurePolicyFor(spec: ExperimentSpec, labels: readonly (readonly (Regime | null)[])[]): ExposurePolicy {
  const allowed = new Set<string>(spec.regime_filters);
  const regime = (i: number, bar: number): RegimeVerdict => {
    const label = labels[i]?.[bar] ?? null;
    return { label, allowed: allowed.size === 0 || (label !== null && allowed.has(label)) };
  };
  return { rules: exposureRulesOf(spec), regime };
}
