/**
 * Typed schemas of the lake's tables. A column type says how it is stored in Parquet and how it comes into
 * TypeScript: ts -> BIGINT (int64 UTC ms, named *_ms) read as Float64Array; f64 -> DOUBLE as Float64Array (NULL <-> NaN);
 * i32 -> INTEGER as Int32Array; u8 -> flags, UTINYINT as Uint8Array; str -> VARCHAR (constant per partition or
 * dictionary-encoded, e.g. the source file a row came from).
 */
export type ColumnType = 'ts' | 'f64' | 'i32' | 'u8' | 'str';

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  description: string;
}

export interface TableSchema {
  /** Path of the table below the lake root, e.g. 'raw/klines'. */
  dir: string;
  /** Hive partition keys, outermost first; 'month' (YYYY-MM of ts_ms) is always last. */
  partitionBy: readonly string[];
  columns: readonly ColumnSchema[];
  description: string;
}

export const SQL_TYPE: Record<ColumnType, string> = {
  ts: 'BIGINT',
  f64: 'DOUBLE',
  i32: 'INTEGER',
  u8: 'UTINYINT',
  str: 'VARCHAR',
};

const ts = (description: string): ColumnSchema => ({ name: 'ts_ms', type: 'ts', description });
const f = (name: string, description: string): ColumnSchema => ({ name, type: 'f64', description });
const u8 = (name: string, description: string): ColumnSchema => ({ name, type: 'u8', description });
const i32 = (name: string, description: string): ColumnSchema => ({ name, type: 'i32', description });
const str = (name: string, description: string): ColumnSchema => ({ name, type: 'str', description });

const OHLCV: ColumnSchema[] = [
  f('open', 'first trade price in the bar, quote currency'),
  f('high', 'highest trade price, quote currency'),
  f('low', 'lowest trade price, quote currency'),
  f('close', 'last trade price, quote currency'),
  f('volume', 'traded volume in base units'),
  f('quote_volume', 'traded volume in quote units (NULL when the source did not carry it)'),
  f('trades', 'number of trades (NULL when unknown)'),
  f('taker_buy_base', 'taker buy volume, base units (NULL when unknown)'),
  f('taker_buy_quote', 'taker buy volume, quote units (NULL when unknown)'),
];
const SRC: ColumnSchema[] = [
  str('src_file', 'source file (or URL / API call) the row came from'),
  i32('src_line', 'line number in the source file (1-based, header included); 0 for API or generated rows'),
];
const INSTRUMENT = ['exchange', 'market', 'symbol'] as const;
/** Open-interest companions (Binance Vision `metrics` files, 5-minute snapshots); NULL where the source lacks them. */
const OI_EXTRAS: ColumnSchema[] = [
  f('top_trader_account_ratio', 'top 20% traders by margin: accounts net long / accounts net short (Binance count_toptrader_long_short_ratio; NULL when unknown)'),
  f('top_trader_position_ratio', 'top 20% traders by margin: long position / short position (Binance sum_toptrader_long_short_ratio; NULL when unknown)'),
  f('long_short_account_ratio', 'all accounts: net long / net short (Binance count_long_short_ratio; NULL when unknown)'),
  f('taker_buy_sell_volume_ratio', 'taker buy volume / taker sell volume over the 5 minutes to the snapshot (Binance sum_taker_long_short_vol_ratio; NULL when unknown)'),
];

export const TABLES = {
  rawKlines: {
    dir: 'raw/klines',
    partitionBy: [...INSTRUMENT, 'interval', 'month'],
    columns: [ts('bar OPEN time, int64 UTC ms'), ...OHLCV, ...SRC],
    description: 'OHLCV bars as received, one row per source row, with where each came from',
  },
  rawMarkKlines: {
    dir: 'raw/mark_klines',
    partitionBy: [...INSTRUMENT, 'interval', 'month'],
    columns: [ts('bar OPEN time, int64 UTC ms'), ...OHLCV.slice(0, 4), ...SRC],
    description: 'mark-price bars as received',
  },
  rawFunding: {
    dir: 'raw/funding',
    partitionBy: [...INSTRUMENT, 'month'],
    columns: [
      ts('funding settlement time as received, int64 UTC ms'),
      f('funding_rate', 'rate per funding interval as a decimal (0.0001 = 1 bp); positive: longs pay shorts'),
      f('mark_price', 'mark price at settlement (NULL when unknown)'),
      ...SRC,
    ],
    description: 'funding settlements as received',
  },
  rawOpenInterest: {
    dir: 'raw/open_interest',
    partitionBy: [...INSTRUMENT, 'month'],
    columns: [
      ts('time the observation became known, int64 UTC ms'),
      f('open_interest', 'open interest in base units'),
      f('open_interest_usd', 'open interest in USD (NULL when unknown)'),
      ...OI_EXTRAS,
      ...SRC,
    ],
    description: 'open-interest observations as received (ccxt, synthetic, Binance Vision metrics)',
  },
  rawMarketCap: {
    dir: 'raw/market_cap',
    partitionBy: [...INSTRUMENT, 'month'],
    columns: [ts('time the value became known, int64 UTC ms'), f('market_cap_usd', 'market capitalisation, USD'), ...SRC],
    description: 'market capitalisation observations as received',
  },
  rawAggTrades: {
    dir: 'raw/agg_trades',
    partitionBy: [...INSTRUMENT, 'day'],
    columns: [
      ts('transact_time, int64 UTC ms (spot files in microseconds are floored to ms; agg_trade_id keeps the order)'),
      f('agg_trade_id', 'aggregate trade id (strictly increasing within a symbol; exact as a double below 2^53)'),
      f('price', 'trade price, quote currency'),
      f('quantity', 'traded quantity, base units'),
      f('first_trade_id', 'first trade id aggregated in this row'),
      f('last_trade_id', 'last trade id aggregated in this row'),
      u8('is_buyer_maker', '1: the buyer was the maker, i.e. a sell-initiated trade hitting the bid; 0: buy-initiated, lifting the ask'),
      f('is_best_match', 'spot only: 1 or 0 as published; NULL for futures files, which lack the column'),
      ...SRC,
    ],
    description: 'Binance Vision aggTrades as received, one partition per instrument and UTC day',
  },
  cleanBars: {
    dir: 'cleaned/bars',
    partitionBy: [...INSTRUMENT, 'timeframe', 'month'],
    columns: [
      ts('bar OPEN time on the UTC grid of the timeframe, int64 UTC ms'),
      ...OHLCV,
      u8('is_missing', '1: no source bar for this grid slot; prices are NULL, never invented'),
      u8('is_zero_volume', '1: the bar traded zero volume'),
      u8('is_outlier', '1: return or range beyond k robust sigmas of the TRAILING window (point in time)'),
      u8('is_partial', '1: resampled bucket with fewer source bars than a full bucket'),
      i32('n_source_bars', 'number of base-timeframe bars present in this bar'),
    ],
    description: 'bars on a complete UTC grid with quality flags, one partition per timeframe and month',
  },
  cleanFunding: {
    dir: 'cleaned/funding',
    partitionBy: [...INSTRUMENT, 'month'],
    columns: [
      ts('settlement time aligned to the settlement schedule, int64 UTC ms'),
      f('funding_rate', 'rate per funding interval as a decimal; positive: longs pay shorts'),
      f('mark_price', 'mark price at settlement (NULL when unknown)'),
      f('interval_hours', 'hours since the previous settlement (first row: until the next)'),
      u8('is_off_schedule', '1: settlement time was not within 60 s of a whole hour and was kept as received'),
    ],
    description: 'funding settlements aligned to settlement times, deduplicated',
  },
  cleanOpenInterest: {
    dir: 'cleaned/open_interest',
    partitionBy: [...INSTRUMENT, 'month'],
    columns: [
      ts('time the observation became known, int64 UTC ms'),
      f('open_interest', 'open interest in base units'),
      f('open_interest_usd', 'open interest in USD (NULL when unknown)'),
      ...OI_EXTRAS,
    ],
    description: 'open-interest observations, sorted and deduplicated',
  },
  cleanMarketCap: {
    dir: 'cleaned/market_cap',
    partitionBy: [...INSTRUMENT, 'month'],
    columns: [ts('time the value became known, int64 UTC ms'), f('market_cap_usd', 'market capitalisation, USD')],
    description: 'market capitalisation observations, sorted and deduplicated',
  },
} as const satisfies Record<string, TableSchema>;

export type TableName = keyof typeof TABLES;
