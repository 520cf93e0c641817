/**
 * Types of the event-driven portfolio simulator (lib/engine/engine.ts).
 *
 * Time (docs/research.md "Time"): bar t is keyed by its OPEN time ts[t] and complete at its close ts[t] + tf.
 * The strategy is called at the close of bar t; an order it submits is eligible from bar t+1 on, never at t.
 * Money is in quote currency (USDT for binance um), quantities in base units (signed: + buy/long, - sell/short).
 */
import type { CostConfig } from '../costs/schema.js';
import type { InstrumentKey } from '../market.js';
import type { TradableSpan } from '../costs/funding_span.js';

/** Bars of one instrument on the engine's common grid (index t <-> ts_ms[t]); NaN = missing bar (no fills). */
export interface EngineBars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array; // base units
}

/** Funding settlements of one perpetual: ts_ms = settlement time T, rate per interval (longs pay a positive rate). */
export interface EngineFunding {
  ts_ms: Float64Array;
  rate: Float64Array;
}

export interface RiskLimits {
  /** Cap on sum_i |qty_i| * mark_i / equity after a fill (equity marked at the previous close). */
  maxGrossLeverage?: number;
  /** Cap on |qty| * price of one instrument after a fill, in quote currency. */
  maxSymbolNotional?: number;
}

export interface EngineInput {
  instruments: InstrumentKey[];
  /** Common UTC grid of bar OPEN times, strictly increasing, spacing tfMs. */
  ts_ms: Float64Array;
  tfMs: number;
  bars: EngineBars[]; // one per instrument, each of length ts_ms.length
  /** Funding per instrument (undefined for spot or when unknown). Must be sorted by ts_ms. */
  funding?: (EngineFunding | undefined)[];
  /**
   * Per instrument, the span its funding covers (lib/costs/funding_span.ts; undefined: no limit). A position may be
   * held during bar t only when start_ms <= ts[t] and ts[t] + tf < end_ms: outside, a fill that would open or grow
   * a position is rejected (one that flips is clipped to the close), and a position still open at the first bar
   * after the span is closed by the engine at that bar's open (the span's last holdable close), a taker fill.
   */
  tradable?: (TradableSpan | undefined)[];
  costs: CostConfig;
  initialCash: number;
  risk?: RiskLimits;
  /**
   * Trailing 24h traded volume (base units) known at the close of bar t, per instrument. Default: the sum of
   * `volume` over the round(86,400,000 / tfMs) bars ending at t (missing bars count 0).
   */
  volume24h?: Float64Array[];
  /**
   * Standard deviation of daily returns in bps known at the close of bar t, per instrument. Default: the sample
   * std of 1-bar close-to-close log returns over the `volWindowBars` bars ending at t, times sqrt(bars per day),
   * times 1e4 (NaN until 2 returns are available).
   */
  dailyVolBps?: Float64Array[];
  volWindowBars?: number; // default 30 days of bars
  /**
   * Per-bar series recorded: 'full' (default) every PnL component below; 'equity' only equity and gross (the others
   * are empty arrays). Allocating and writing nine series of n doubles costs more than simulating one instrument,
   * so callers that only need the equity curve (walk-forward) ask for 'equity'. The simulation is identical.
   */
  series?: 'full' | 'equity';
  /**
   * A live session (lib/lab/paper/live_router.ts): the exchange fills the orders, not the engine's fill model. At
   * bar t the engine applies the events this returns for t (fills with the exchange's price and fee, terminal
   * states) instead of simulating fills; everything else (booking, trades, equity, funding, expiry) is unchanged.
   */
  external?: (t: number) => readonly ExternalOrderEvent[] | undefined;
}

/**
 * An exchange's report about an order (a live session), applied at the bar it is given for: a fill (signed qty, the
 * exchange's price as both reference and execution price, its fee in quote currency, no simulated slippage) or the
 * order's end at the exchange (`cancelled`, `rejected`; `closed`: filled, any residue of the engine's quantity ends
 * with it). Terminal events for an order the engine already ended are ignored; a fill always books (a fill after a
 * cancel request is still a fill).
 */
export interface ExternalOrderEvent {
  orderId: number;
  event: 'filled' | 'cancelled' | 'rejected' | 'closed';
  qty?: number;
  price?: number;
  fee?: number;
  liquidity?: 'maker' | 'taker';
  reason?: string;
}

export type OrderKind = 'market' | 'limit' | 'stop';
export const ORDER_KINDS: readonly OrderKind[] = ['market', 'limit', 'stop'];

export type OrderEventType =
  | 'submitted' | 'filled' | 'capacity_cut' | 'resized' | 'rejected' | 'expired' | 'cancelled';

/** One line of the order log. `qty` is the signed quantity the event concerns (the cut or resized-away amount). */
export interface OrderEvent {
  orderId: number;
  bar: number;
  ts_ms: number; // OPEN time of bar `bar` (fills happen at that bar; submissions at its close)
  instrument: number;
  kind: OrderKind;
  event: OrderEventType;
  qty: number;
  /** Fills: reference price (before slippage and impact). */
  price?: number;
  /** Fills: fee, and slippage + impact cost, in quote currency; the bps charged on the reference notional. */
  fee?: number;
  slippageImpact?: number;
  costBps?: number;
  liquidity?: 'maker' | 'taker';
  reason?: string;
}

/** One round trip: from a flat position to flat again (a flip closes one trip and opens the next). */
export interface TradeRecord {
  instrument: number;
  side: 1 | -1;
  entryBar: number;
  entryTs: number; // open time of the entry fill bar
  exitBar: number; // -1 while still open at the end of the run
  exitTs: number; // NaN while still open
  entryPrice: number; // average reference entry price (qty weighted)
  exitPrice: number; // average reference exit price (qty weighted); for an open trade the last mark
  maxQty: number; // largest |position| during the trip
  qty: number; // total quantity closed (= total entered for a completed trip)
  grossPnl: number; // realized at reference prices (+ unrealized at the last mark for an open trade)
  fees: number;
  slippageImpact: number;
  funding: number; // paid (+) or received (-)
  borrow: number;
  netPnl: number; // grossPnl - fees - slippageImpact - funding - borrow
  /** Maximum adverse / favourable excursion in quote currency, from bar lows/highs while open (mae <= 0 <= mfe). */
  mae: number;
  mfe: number;
}

/** Per-bar series at each bar's close; cost and PnL components are cumulative since the start (empty with series: 'equity'). */
export interface EngineResult {
  equity: Float64Array; // cash + sum qty * mark (mark = last finite close)
  cash: Float64Array;
  realized: Float64Array;
  unrealized: Float64Array;
  fees: Float64Array;
  slippageImpact: Float64Array;
  funding: Float64Array; // cumulative paid (+) / received (-)
  borrow: Float64Array;
  gross: Float64Array; // sum |qty| * mark
  trades: TradeRecord[];
  orderLog: OrderEvent[];
  positions: Float64Array; // final qty per instrument
}
