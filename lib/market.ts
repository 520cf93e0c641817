/**
 * Domain vocabulary shared by every part of the platform. Columns are typed arrays: numbers as Float64Array,
 * timestamps as Float64Array of int64 UTC milliseconds (exact up to 2^53 ms, i.e. year 287396).
 * Missing numeric values are NaN.
 */
export type Market = 'spot' | 'um' | 'cm';
export const MARKETS: readonly Market[] = ['spot', 'um', 'cm'];

/** An instrument in the lake: exchange, market and symbol, e.g. binance / um / BTCUSDT. */
export interface InstrumentKey {
  exchange: string;
  market: Market;
  symbol: string;
}

export function instrumentId(k: InstrumentKey): string {
  return `${k.symbol}-${k.market === 'spot' ? 'SPOT' : 'PERP'}.${k.exchange.toUpperCase()}`;
}

/** OHLCV bars as received; optional Binance extras are NaN when the source did not carry them. */
export interface BarColumns {
  ts_ms: Float64Array; // bar OPEN time
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array; // base-asset volume
  quote_volume: Float64Array;
  trades: Float64Array;
  taker_buy_base: Float64Array;
  taker_buy_quote: Float64Array;
}
export const BAR_FIELDS = [
  'ts_ms', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote',
] as const satisfies readonly (keyof BarColumns)[];

/** Funding settlements: ts_ms is the settlement time, rate is per funding interval (0.0001 = 1 bp, longs pay). */
export interface FundingColumns {
  ts_ms: Float64Array;
  funding_rate: Float64Array;
  mark_price: Float64Array; // NaN when unknown
}

/** Open interest observations, point in time (ts_ms = when it was known). */
export interface OpenInterestColumns extends Partial<Record<OpenInterestExtra, Float64Array>> {
  ts_ms: Float64Array;
  open_interest: Float64Array; // base units
  open_interest_usd: Float64Array; // NaN when unknown
}

/**
 * Positioning metrics some open-interest sources carry beside it (Binance Vision `metrics` files); NaN (NULL in the
 * lake) where a source lacks them (ccxt, synthetic). Units and sources: lib/lake/schema.ts.
 */
export const OPEN_INTEREST_EXTRAS = [
  'top_trader_account_ratio', 'top_trader_position_ratio', 'long_short_account_ratio', 'taker_buy_sell_volume_ratio',
] as const;
export type OpenInterestExtra = (typeof OPEN_INTEREST_EXTRAS)[number];

/** Market capitalisation observations (e.g. CoinGecko daily), point in time. */
export interface MarketCapColumns {
  ts_ms: Float64Array;
  market_cap_usd: Float64Array;
}

export function emptyBars(n: number): BarColumns {
  const f = () => new Float64Array(n);
  const nan = () => new Float64Array(n).fill(NaN);
  return {
    ts_ms: f(), open: f(), high: f(), low: f(), close: f(), volume: f(),
    quote_volume: nan(), trades: nan(), taker_buy_base: nan(), taker_buy_quote: nan(),
  };
}
