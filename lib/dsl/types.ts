/**
 * Blueprint: a typed description of one tradeable strategy (lib/dsl/README.md). Plain JSON, validated by
 * BLUEPRINT_SCHEMA plus the semantic checks of validate.ts, interpreted by compile.ts over point-in-time feature
 * streams without eval.
 */
import type { CompareOp } from '../events/spec.js';
import type { InstrumentKey } from '../market.js';
import type { Timeframe } from '../timeframe.js';

export const BLUEPRINT_SCHEMA_VERSION = 1;

/** Bar columns a condition or an indicator may read by name (the bar's own OHLCV, known at its close). */
export const BAR_INPUTS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type BarInput = (typeof BAR_INPUTS)[number];

export const INDICATOR_KINDS = ['sma', 'ema', 'zscore', 'rolling_std', 'log_price'] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

/** An indicator computed causally by the interpreter from a bar column, a lake feature or an earlier indicator. */
export interface IndicatorSpec {
  name: string;
  kind: IndicatorKind;
  input: string;
  /** Bars in the trailing window (every kind except log_price, which takes none). */
  window?: number;
}

/** A condition in the events condition language (lib/events/README.md), as written in JSON/YAML. */
export type ConditionSpec =
  | { feature: string; op: CompareOp; value: number }
  | { feature: string; op: CompareOp; other_feature: string }
  | { abs_gt: { feature: string; value: number } }
  | { cross_above: { feature: string; value: number } | { feature: string; other_feature: string } }
  | { cross_below: { feature: string; value: number } | { feature: string; other_feature: string } }
  | { all: ConditionSpec[] }
  | { any: ConditionSpec[] }
  | { not: ConditionSpec };

export const ENTRY_SIDES = ['long', 'short', 'follow', 'fade'] as const;
export type EntrySide = (typeof ENTRY_SIDES)[number];

/**
 * Enter where the event fired (if given) AND the condition is TRUE (if given) at the close of bar t; at least one
 * of the two. follow/fade take the event's direction (or its opposite) and need an event.
 */
export interface EntryRule {
  event?: string;
  when?: ConditionSpec;
  side: EntrySide;
}

/** Exit at the first of these that triggers. Prices in bps of the average entry price (reference, before costs). */
export interface ExitPolicy {
  horizon_bars: number;
  stop_loss_bps?: number;
  take_profit_bps?: number;
  trailing_stop_bps?: number;
  when?: ConditionSpec;
}

export interface RuleStrategy {
  type: 'rule';
  indicators?: IndicatorSpec[];
  entries: EntryRule[];
  exit: ExitPolicy;
}

/**
 * spread_t = ln A_t - beta_t ln B_t, beta_t the OLS slope of ln A on ln B over bars t-W+1..t; z_t the z-score of
 * spread_t against the spread's trailing z_window_bars values (population std, t included).
 */
export interface PairsStrategy {
  type: 'pairs';
  hedge_window_bars: number;
  z_window_bars: number;
  entry_z: number;
  exit_z: number;
  max_hold_bars: number;
  stop_z?: number;
  /** A fixed hedge ratio (beta of B per unit of A) instead of the rolling OLS one (hedge_window_bars then unused). */
  hedge_ratio?: number;
}

export type BlueprintStrategy = RuleStrategy | PairsStrategy;

export const SIZING_METHODS = ['fixed_notional', 'vol_target', 'risk_budget'] as const;
export type SizingMethod = (typeof SIZING_METHODS)[number];

export type Sizing =
  | { method: 'fixed_notional'; notional_usd: number }
  | { method: 'vol_target'; annual_vol: number; vol_window_bars: number; max_leverage: number }
  | { method: 'risk_budget'; risk_bps: number };

export const PROVENANCE_SOURCES = ['bridge', 'template'] as const;
export const TEMPLATE_NAMES = ['mean_reversion', 'momentum', 'pairs'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface Provenance {
  source: (typeof PROVENANCE_SOURCES)[number];
  candidate_id?: string;
  template_id?: string;
  template?: TemplateName;
  params?: Record<string, number | string | boolean>;
  plan_hash: string;
  discovery?: { n: number; mean_bps: number; q: number };
  bridge?: { net_bps: number; ci_low_bps: number; ci_high_bps: number };
}

export interface BlueprintInstrument extends InstrumentKey {}

export interface Blueprint {
  schema_version: 1;
  /** `bp-` + 16 hex of the SHA-256 of the canonical JSON of everything except id, name and provenance. */
  id: string;
  name: string;
  timeframe: Timeframe;
  instruments: BlueprintInstrument[];
  strategy: BlueprintStrategy;
  sizing: Sizing;
  /** costDigest (lib/costs) of the cost config the blueprint was found under. */
  cost_digest: string;
  provenance: Provenance;
}
