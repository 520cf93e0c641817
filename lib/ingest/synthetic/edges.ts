/**
 * Planted edges: event -> forward-return effects of documented size, for tests that check discovery recovers
 * them (and, with planted_edges 'none', that it finds nothing).
 *
 * Causality: an event is evaluated on data up to the close of bar t (or, for funding, on data before the
 * settlement time T); its effect is a constant log-return drift of effect_bps / horizon_bars per bar added to
 * bars t+1 .. t+horizon_bars only. Horizons are durations (like the study's horizons in spec/concepts), converted
 * to bars of the generator's timeframe by `edgeHorizonBars`; event windows and cooldowns count bars, like the
 * event specs they mirror (spec/events: 288 bars). Within one edge, overlapping windows are merged, never
 * stacked, so every event is followed by exactly effect_bps of planted drift over its horizon (on top of the
 * ordinary returns). Different edges do add up.
 */
import { parseDuration, timeframeMs } from '../../timeframe.js';
import type { Timeframe } from '../../timeframe.js';
import type { SyntheticParams } from './params.js';
import { syntheticSymbols } from './params.js';

export interface PlantedEdge {
  id: EdgeId;
  /** Exact definition of the event, thresholds and windows included. */
  event: string;
  /** The same thresholds, machine-readable. */
  condition: Record<string, number>;
  symbols: string[];
  timeframe: Timeframe;
  /** The effect's horizon as a duration (`4h`, `8h`), the same at every timeframe. */
  horizon: string;
  /** `horizon` in bars of `timeframe` (edgeHorizonBars). */
  horizon_bars: number;
  /** Total planted forward log return over bars t+1..t+horizon_bars, in bps (negative = price falls). */
  effect_bps: number;
  drift_bps_per_bar: number;
  /** The side that earns the effect. */
  direction: 'long' | 'short';
}

/** Sizes of the planted edges (see README.md for how they compare with the noise). */
export const EDGE_SPECS = {
  capitulation_reversal: { window_bars: 288, volume_z_min: 4, return_sigma_max: -1.5, horizon: '4h', effect_bps: 60 },
  funding_extreme_fade: { funding_rate_min: 0.0005, horizon: '8h', effect_bps: -50 },
  /** Only symbols with index % 3 === 2 (SYN03USDT, SYN06USDT, ...). */
  breakout_momentum: { window_bars: 288, cooldown_bars: 288, horizon: '4h', effect_bps: 50, symbol_index_mod: 3, symbol_index_rem: 2 },
  /**
   * Rare (0-10 settlements per symbol in 120 days of 8-hour funding): a crowded short (funding below -5 bp) is
   * squeezed up. Off in the default market (strength 0 there); the planted-edge benchmark turns it on.
   */
  negative_funding_squeeze: { funding_rate_max: -0.0005, horizon: '8h', effect_bps: 80, default_on: false },
  /**
   * One-sided: a down shock (1-bar return z below -4 against the previous 288 returns, mean and population std;
   * 12-bar cooldown) reverts up; up shocks carry nothing. Off in the default market.
   */
  down_shock_reversal: { window_bars: 288, return_z_max: -4, cooldown_bars: 12, horizon: '4h', effect_bps: 70, default_on: false },
} as const;

import type { EdgeId } from './edge_ids.js';
export { EDGE_IDS, type EdgeId } from './edge_ids.js';

export const EDGE_BIT = { capitulation_reversal: 1, funding_extreme_fade: 2, breakout_momentum: 4, negative_funding_squeeze: 8, down_shock_reversal: 16 } as const;

/** The side each edge's effect takes (its sign). */
const EDGE_SIGN: Record<EdgeId, 1 | -1> = {
  capitulation_reversal: 1, funding_extreme_fade: -1, breakout_momentum: 1, negative_funding_squeeze: 1, down_shock_reversal: 1,
};

/**
 * The planted effect of an edge in bps, signed: `p.edge_strength_bps[id]` (a size >= 0, in the edge's direction) when
 * given, else the documented size of EDGE_SPECS for the edges of the default market and 0 (off) for the others.
 */
export function edgeEffectBps(p: Pick<SyntheticParams, 'edge_strength_bps'>, id: EdgeId): number {
  const s = p.edge_strength_bps?.[id];
  if (s !== undefined) return EDGE_SIGN[id] * s;
  const spec = EDGE_SPECS[id] as { effect_bps: number; default_on?: boolean };
  return spec.default_on === false ? 0 : spec.effect_bps;
}

/** True when symbol `index` carries the breakout edge. */
export function hasBreakoutEdge(index: number): boolean {
  const s = EDGE_SPECS.breakout_momentum;
  return index % s.symbol_index_mod === s.symbol_index_rem;
}

/**
 * Bars of `tf` in an edge's horizon (a duration, parsed by lib/timeframe.ts): the nearest whole number, at least 1.
 * Exact on every timeframe that divides it (4h = 48 bars at 5m, 4 at 1h, 1 at 4h); on a coarser or non-dividing
 * timeframe the edge covers the nearest number of whole bars (4h at 6h = 1 bar, 8h at 1d = 1 bar).
 */
export function edgeHorizonBars(horizon: string, tf: Timeframe): number {
  return Math.max(1, Math.round(parseDuration(horizon, 'planted edge horizon') / timeframeMs(tf)));
}

/** What p plants; [] for planted_edges 'none'. An edge that no symbol carries, or of strength 0, is left out. */
export function plantedEdges(p: SyntheticParams): PlantedEdge[] {
  if (p.planted_edges === 'none') return [];
  const symbols = syntheticSymbols(p);
  const cr = EDGE_SPECS.capitulation_reversal;
  const ff = EDGE_SPECS.funding_extreme_fade;
  const bo = EDGE_SPECS.breakout_momentum;
  const hC = edgeHorizonBars(cr.horizon, p.timeframe);
  const hF = edgeHorizonBars(ff.horizon, p.timeframe);
  const hB = edgeHorizonBars(bo.horizon, p.timeframe);
  const sq = EDGE_SPECS.negative_funding_squeeze;
  const ds = EDGE_SPECS.down_shock_reversal;
  const hS = edgeHorizonBars(sq.horizon, p.timeframe);
  const hD = edgeHorizonBars(ds.horizon, p.timeframe);
  const eff = (id: EdgeId) => edgeEffectBps(p, id);
  const edges: PlantedEdge[] = [
    {
      id: 'capitulation_reversal',
      event:
        `volume spike with a sharp drop at the close of bar t (t >= ${cr.window_bars + 1}): ` +
        `(volume_t - mean) / std > ${cr.volume_z_min} where mean and population std are over volume of bars ` +
        `t-${cr.window_bars}..t-1, and r_t < ${cr.return_sigma_max} * std(r over bars t-${cr.window_bars}..t-1), ` +
        `r = ln(close_t / close_{t-1}); effect on bars t+1..t+${hC} (the next ${cr.horizon}; mean reversion up)`,
      condition: { window_bars: cr.window_bars, volume_z_min: cr.volume_z_min, return_sigma_max: cr.return_sigma_max },
      symbols,
      timeframe: p.timeframe,
      horizon: cr.horizon,
      horizon_bars: hC,
      effect_bps: eff('capitulation_reversal'),
      drift_bps_per_bar: eff('capitulation_reversal') / hC,
      direction: 'long',
    },
    {
      id: 'funding_extreme_fade',
      event:
        `funding rate > ${ff.funding_rate_min} at a settlement time T (every ${p.funding_interval_hours}h); ` +
        `effect on the ${hF} bars opening at or after T (the next ${ff.horizon}; price drifts down)`,
      condition: { funding_rate_min: ff.funding_rate_min },
      symbols,
      timeframe: p.timeframe,
      horizon: ff.horizon,
      horizon_bars: hF,
      effect_bps: eff('funding_extreme_fade'),
      drift_bps_per_bar: eff('funding_extreme_fade') / hF,
      direction: 'short',
    },
    {
      id: 'breakout_momentum',
      event:
        `breakout at the close of bar t (t >= ${bo.window_bars + 1}): close_t > max(high of bars ` +
        `t-${bo.window_bars}..t-1), and no breakout event in bars t-${bo.cooldown_bars}..t-1 (cooldown; ` +
        `breakouts inside it are not events); effect on bars t+1..t+${hB} (the next ${bo.horizon}; momentum up); ` +
        `only symbols with index % ${bo.symbol_index_mod} == ${bo.symbol_index_rem}`,
      condition: { window_bars: bo.window_bars, cooldown_bars: bo.cooldown_bars },
      symbols: symbols.filter((_, i) => hasBreakoutEdge(i)),
      timeframe: p.timeframe,
      horizon: bo.horizon,
      horizon_bars: hB,
      effect_bps: eff('breakout_momentum'),
      drift_bps_per_bar: eff('breakout_momentum') / hB,
      direction: 'long',
    },
    {
      id: 'negative_funding_squeeze',
      event:
        `funding rate < ${sq.funding_rate_max} at a settlement time T (every ${p.funding_interval_hours}h; rare: a crowded short); ` +
        `effect on the ${hS} bars opening at or after T (the next ${sq.horizon}; price squeezed up)`,
      condition: { funding_rate_max: sq.funding_rate_max },
      symbols,
      timeframe: p.timeframe,
      horizon: sq.horizon,
      horizon_bars: hS,
      effect_bps: eff('negative_funding_squeeze'),
      drift_bps_per_bar: eff('negative_funding_squeeze') / hS,
      direction: 'long',
    },
    {
      id: 'down_shock_reversal',
      event:
        `down shock at the close of bar t (t >= ${ds.window_bars + 1}): (r_t - mean) / std < ${ds.return_z_max}, mean and population ` +
        `std of r over bars t-${ds.window_bars}..t-1, r = ln(close_t / close_{t-1}), and no down-shock event in bars ` +
        `t-${ds.cooldown_bars}..t-1 (cooldown); up shocks plant nothing (one-sided); effect on bars t+1..t+${hD} ` +
        `(the next ${ds.horizon}; reversal up)`,
      condition: { window_bars: ds.window_bars, return_z_max: ds.return_z_max, cooldown_bars: ds.cooldown_bars },
      symbols,
      timeframe: p.timeframe,
      horizon: ds.horizon,
      horizon_bars: hD,
      effect_bps: eff('down_shock_reversal'),
      drift_bps_per_bar: eff('down_shock_reversal') / hD,
      direction: 'long',
    },
  ];
  return edges.filter((e) => e.symbols.length > 0 && e.effect_bps !== 0);
}
