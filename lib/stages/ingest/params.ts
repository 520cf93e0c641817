import { SYNTHETIC_PARAMS_SCHEMA, type SyntheticParams } from '../../ingest/synthetic/params.js';
import { MARKETS, type Market } from '../../market.js';
import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export type IngestSource = 'synthetic' | 'binance-vision' | 'csv' | 'ccxt';

export interface BinanceVisionParams {
  path: string;
  /** Market of klines whose path does not say it (the flat klines/ layout, loose zips); required for those. */
  market?: Market;
  symbols: string[];
  intervals: Timeframe[];
  kinds: ('klines' | 'funding' | 'mark_klines' | 'metrics' | 'agg_trades')[];
  download: { enabled: boolean; base_url: string; start_month: string; end_month: string; concurrency: number };
}

export interface CsvSourceParams {
  files: { path: string; symbol: string }[];
  exchange: string;
  market: Market;
  interval: Timeframe;
  header: 'auto' | 'yes' | 'no';
  delimiter: string;
  ts_unit: 'auto' | 'ms' | 'us' | 's' | 'iso';
  columns: { ts: string | number; open: string | number; high: string | number; low: string | number; close: string | number; volume: string | number; quote_volume?: string | number };
}

export interface CcxtSourceParams {
  exchange_id: string;
  symbols: string[];
  timeframe: Timeframe;
  since: string;
  until?: string;
  funding: boolean;
  open_interest: boolean;
  urls?: Record<string, unknown>;
  rate_limit_ms?: number;
}

/** CoinGecko daily market caps, ingested beside any bar source (lib/ingest/coingecko): a shared file or the API. */
export interface CoinGeckoParams {
  file?: string;
  api?: { base_url: string; coins: string[]; days: number | 'max' };
  coin_map: string;
  /** Lake key the caps are written under: exchange=<exchange>/market=spot/symbol=<BASE><QUOTE>. */
  exchange: string;
}

export interface IngestParams {
  source: IngestSource;
  /** ISO date/datetime, UTC, inclusive: rows before it are not ingested (every source; lib/ingest/window.ts). */
  start?: string;
  /** ISO date/datetime, UTC, exclusive: rows at or after it are not ingested. */
  end?: string;
  allow_synthetic: boolean;
  synthetic: SyntheticParams;
  binance_vision?: BinanceVisionParams;
  csv?: CsvSourceParams;
  ccxt?: CcxtSourceParams;
  coingecko?: CoinGeckoParams;
}

const { $schema: _s, $id: _i, title: _t, ...syntheticSchema } = SYNTHETIC_PARAMS_SCHEMA as Record<string, unknown>;
const str = (description: string, extra: object = {}) => ({ type: 'string', description, ...extra });
const colRef = { type: ['string', 'integer'], description: 'header name or 0-based field index' };
const month = { type: 'string', pattern: '^\\d{4}-\\d{2}$' };

export const INGEST_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { enum: ['synthetic', 'binance-vision', 'csv', 'ccxt'], default: 'synthetic', description: 'where bars come from' },
    allow_synthetic: { type: 'boolean', default: false, description: 'synthetic data is refused unless this is true (--allow-synthetic)' },
    start: str('first time ingested, inclusive: ISO date or datetime, UTC (e.g. 2025-02-01 or 2025-02-01T08:00:00Z); every source'),
    end: str('end of the window, exclusive: ISO date or datetime, UTC; every source'),
    synthetic: { ...syntheticSchema, default: {} },
    binance_vision: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        path: str('folder in data.binance.vision layout, or the flat klines/ funding/ layout'),
        market: { enum: [...MARKETS], description: 'market of klines whose path does not say it (flat klines/ layout, loose zips): required for those, um or spot' },
        symbols: { type: 'array', items: { type: 'string' }, default: [], description: 'symbols to ingest; empty = all found' },
        intervals: { type: 'array', items: { enum: [...TIMEFRAMES] }, default: [], description: 'kline intervals; empty = all found' },
        kinds: { type: 'array', items: { enum: ['klines', 'funding', 'mark_klines', 'metrics', 'agg_trades'] }, default: [], description: 'kinds to ingest (metrics: daily open interest and long/short ratios, futures only; agg_trades: aggTrades files into raw/agg_trades, spot and futures); empty = every kind found' },
        download: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            enabled: { type: 'boolean', default: false, description: 'download missing monthly files (needs internet)' },
            base_url: str('mirror root', { default: 'https://data.binance.vision' }),
            start_month: { ...month, default: '2025-01' },
            end_month: { ...month, default: '2025-01' },
            concurrency: { type: 'integer', minimum: 1, maximum: 16, default: 4 },
          },
        },
      },
    },
    csv: {
      type: 'object',
      additionalProperties: false,
      required: ['files', 'exchange', 'market', 'interval', 'columns'],
      properties: {
        files: {
          type: 'array', minItems: 1,
          items: { type: 'object', additionalProperties: false, required: ['path', 'symbol'], properties: { path: str('CSV file (.csv or .csv.gz)'), symbol: str('symbol, e.g. BTCUSDT') } },
        },
        exchange: str('exchange id used in the lake, e.g. binance', { pattern: '^[a-z0-9_]+$' }),
        market: { enum: [...MARKETS] },
        interval: { enum: [...TIMEFRAMES] },
        header: { enum: ['auto', 'yes', 'no'], default: 'auto' },
        delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',' },
        ts_unit: { enum: ['auto', 'ms', 'us', 's', 'iso'], default: 'auto', description: 'unit of the time column; auto accepts ms or us' },
        columns: {
          type: 'object', additionalProperties: false, required: ['ts', 'open', 'high', 'low', 'close', 'volume'],
          properties: { ts: colRef, open: colRef, high: colRef, low: colRef, close: colRef, volume: colRef, quote_volume: colRef },
        },
      },
    },
    coingecko: {
      type: 'object',
      additionalProperties: false,
      
      description: 'also ingest CoinGecko daily market caps (beside the bar source): file or api, exactly one',
      properties: {
        file: str('CoinGecko daily CSV (.csv or .csv.gz) in the coingecko-daily-2021-top150-union format'),
        api: {
          type: 'object', additionalProperties: false, required: ['coins'],
          properties: {
            base_url: str('API root', { default: 'https://api.coingecko.com/api/v3' }),
            coins: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'CoinGecko coin ids' },
            days: { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'max' }], default: 365, description: 'days of history (or max)' },
          },
        },
        coin_map: str('versioned coin id -> exchange symbol map', { default: 'spec/monitor/coin_map.v1.yaml' }),
        exchange: str('exchange key the caps are stored under in the lake', { default: 'coingecko', pattern: '^[a-z0-9_]+$' }),
      },
    },
    ccxt: {
      type: 'object',
      additionalProperties: false,
      required: ['exchange_id', 'symbols', 'since'],
      properties: {
        exchange_id: str('ccxt exchange id, e.g. binanceusdm'),
        symbols: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'ccxt unified symbols, e.g. BTC/USDT:USDT' },
        timeframe: { enum: [...TIMEFRAMES], default: '5m' },
        since: str('ISO date of the first bar when nothing is stored yet'),
        until: str('ISO date (exclusive); default: now'),
        funding: { type: 'boolean', default: true },
        open_interest: { type: 'boolean', default: false },
        urls: { type: 'object', description: 'override the exchange REST urls (tests, proxies)' },
        rate_limit_ms: { type: 'integer', minimum: 0 },
      },
    },
  },
} as const;
