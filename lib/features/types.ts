/**
 * Types shared by the features library: one instrument's inputs, a resolved feature set, and the cross-sectional
 * universe built in the first (streaming) pass.
 */
import type {
  BarColumns, FundingColumns, InstrumentKey, Market, MarketCapColumns, OpenInterestColumns,
} from '../market.js';
import type { Timeframe } from '../timeframe.js';

/** One instrument's inputs at one timeframe. Bars ascending by ts_ms (OPEN time); observations ascending. */
export interface InstrumentSeries {
  key: InstrumentKey;
  timeframe: Timeframe;
  bars: BarColumns;
  funding?: FundingColumns;
  openInterest?: OpenInterestColumns;
  marketCap?: MarketCapColumns;
}

/** Bar columns a feature may read (every BarColumns field but ts_ms). */
export type BarField = Exclude<keyof BarColumns, 'ts_ms'>;
export const BAR_INPUTS: readonly BarField[] = [
  'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote',
];

/** Where something is defined in a spec file. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** One validated feature of spec/features. */
export interface FeatureDef {
  /** Column name in lake/features (lower case, digits, _). */
  name: string;
  family: string;
  /** The family's parameters with defaults filled. */
  params: Record<string, unknown>;
  /** A bar field or another feature's name, for families that take an input. */
  input?: string;
  description: string;
  /** Where its `name` is written. */
  source: SourcePos;
  /** Features (not bar fields) it reads. */
  deps: string[];
}

/** Which instruments make the cross-section. An absent filter matches everything. */
export interface UniverseFilter {
  markets?: Market[];
  exchanges?: string[];
}

export interface CrossSectionSpec {
  universe: UniverseFilter;
  /** Reference symbols in priority order: at each bar the first one with a bar (or a market cap) there is used. */
  reference_symbols: string[];
  source?: SourcePos;
}

/** A validated feature set: features in spec order, the same in dependency order, and the cross-section. */
export interface FeatureSet {
  features: FeatureDef[];
  /** Topological order: every feature after the features it reads. */
  order: FeatureDef[];
  cross_section: CrossSectionSpec;
}

/**
 * Pass-1 aggregates of the cross-section on the common time grid: slot = ts_ms / tf (bars on the UTC grid);
 * grid cell i is slot `slot0 + i`. Memory: a few arrays of the grid's length, whatever the number of instruments.
 */
export interface Universe {
  timeframe: Timeframe | undefined;
  tfMs: number;
  slot0: number;
  length: number;
  /** Instruments of the universe seen in pass 1 (`exchange/market/symbol`), sorted. */
  members: string[];
  /** Reference candidates found among the members, in priority order. */
  references: string[];
  /** Per return horizon n: instruments with a log_return_n value, and those with a positive one. */
  breadth: Map<number, { valid: Int32Array; positive: Int32Array }>;
  /** Per return horizon n: the reference's log_return_n (NaN where no reference has a bar). */
  referenceReturns: Map<number, Float64Array>;
  /** Per market-cap age limit (ms): sum and count of distinct symbols' as-of caps, and the reference symbol's cap. */
  marketCaps: Map<number, { sum: Float64Array; count: Int32Array; reference: Float64Array }>;
}
