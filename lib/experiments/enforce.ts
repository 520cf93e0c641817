/**
 * An ExperimentSpec as the engine's exposure policy (lib/engine/exposure.ts holds the one enforcement; this file
 * implements its hook): the ExposureSpec mapped to ExposureRules, and the regime filter as the documented bar
 * classifier of regime.ts on each instrument's closes (point in time: the label of bar t reads closes up to t).
 * Pure, apart from `experimentExposureSource` (reads a spec file or the experiments database).
 */
import { join } from 'node:path';
import type { ExperimentExposure, ExposurePolicy, ExposureRules, ExposureSource, RegimeVerdict } from '../engine/index.js';
import { SpecError } from '../errors.js';
import { digestJson } from '../hash.js';
import { loadExperimentFile, loadLearningBook } from './load.js';
import { PROJECT_ROOT } from '../stage/root.js';
import { ExperimentStore } from './store.js';
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

/** The project's learning book. */
export const DEFAULT_LEARNING_BOOK = join(PROJECT_ROOT, 'experiments', 'learning_book.yaml');

/** The exposure of an experiment, for runs that only know a spec file or an id (lib/engine ExposureSource). */
export function experimentExposure(spec: ExperimentSpec): ExperimentExposure {
  const { status: _s, created_at: _c, updated_at: _u, ...rest } = spec;
  return {
    experimentId: spec.id,
    specDigest: digestJson(rest),
    policyFor: (closes, tfMs) => exposurePolicyFor(spec, regimeLabels(closes, tfMs)),
  };
}

export const experimentExposureSource: ExposureSource = {
  async load(ref, dataDir) {
    if ((ref.spec === undefined) === (ref.id === undefined)) {
      throw new SpecError([`experiment_spec / experiment_id: give exactly one, were ${JSON.stringify(ref)}`], { hint: 'set one of the two' });
    }
    if (ref.spec !== undefined) return experimentExposure(await loadExperimentFile(ref.spec, await loadLearningBook(DEFAULT_LEARNING_BOOK)));
    const store = ExperimentStore.open(dataDir);
    try {
      return experimentExposure(store.require(ref.id!));
    } finally {
      store.close();
    }
  },
};
