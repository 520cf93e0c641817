/**
 * The data a blueprint runs on (MarketSlice, EventSeries) and the bar window the per-bar callback works in
 * (RunWindow): types only, shared by the interpreter (compile.ts) and the strategies it builds (rule.ts, pairs.ts,
 * signals.ts), which therefore do not import compile.ts (no cycle: docs/architecture.md "Layers").
 */
import type { EngineBars, EngineFunding } from '../engine/index.js';
import type { InstrumentKey } from '../market.js';
import type { TradableSpan } from '../costs/funding_span.js';

/** Occurrences of one event on one instrument: bar indices (condition TRUE at the CLOSE of t) and +1/-1. */
export interface EventSeries {
  t: Int32Array;
  direction: Int8Array;
}

/** The data a blueprint runs on: one common bar grid, per-instrument bars, features and events. */
export interface MarketSlice {
  instruments: InstrumentKey[];
  /** Bar OPEN times, strictly increasing, spacing tfMs. */
  ts_ms: Float64Array;
  tfMs: number;
  bars: EngineBars[];
  /** Per instrument, aligned to ts_ms, NaN = missing. */
  features: Record<string, Float64Array>[];
  /** Per instrument; every event the blueprint reads must be present (empty arrays when it never fired). */
  events: Map<string, EventSeries>[];
  /** Funding settlements per instrument (perpetuals); runBlueprint requires them when funding costs are on. */
  funding?: (EngineFunding | undefined)[];
  /**
   * Per instrument, the span its funding covers (lib/costs/funding_span.ts; undefined = no limit). The interpreter
   * enters only when the position would be held inside it and exits at the close of its last holdable bar; the
   * engine (EngineInput.tradable) enforces the same span.
   */
  tradable?: (TradableSpan | undefined)[];
  /**
   * Optional, per instrument over the whole slice: the engine's trailing 24h volume (trailingSum over one day of bars)
   * and daily volatility (trailingDailyVolBps over 30 days), so a caller running many windows computes them once.
   */
  volume24h?: Float64Array[];
  dailyVolBps?: Float64Array[];
}

/** Bar range and offset the per-bar callback works with (slice indices). */
export interface RunWindow {
  entryFrom: number;
  entryUntil: number;
  offset: number;
  /**
   * Per instrument, the slice bars a position may be held in (its tradable span): an entry at the close of d needs
   * holdFirst <= d + 1 <= holdLast; an open position is exited at the close of holdLast. holdLast = the slice length
   * (never reached) when the span reaches past the slice's end.
   */
  holdFirst: Int32Array;
  holdLast: Int32Array;
}
