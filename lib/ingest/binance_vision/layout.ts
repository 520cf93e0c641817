/**
 * The data.binance.vision file layout, both ways: the names we read (see classify.ts) and the relative paths and
 * URLs we download to (same relative layout under a destination folder, so discovery reads them back).
 *
 *   data/{spot|futures/um|futures/cm}/{monthly|daily}/klines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM[-DD]>.zip
 *   data/futures/{um|cm}/{monthly|daily}/markPriceKlines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<period>.zip
 *   data/futures/{um|cm}/monthly/fundingRate/<SYMBOL>/<SYMBOL>-fundingRate-<YYYY-MM>.zip
 *   data/futures/um/daily/metrics/<SYMBOL>/<SYMBOL>-metrics-<YYYY-MM-DD>.zip   (open interest, long/short ratios; daily only)
 *   data/{spot|futures/um|futures/cm}/{monthly|daily}/aggTrades/<SYMBOL>/<SYMBOL>-aggTrades-<YYYY-MM[-DD]>.zip
 *
 * Pure: no I/O.
 */
import type { Market } from '../../market.js';
import type { Timeframe } from '../../timeframe.js';

export type BinanceKind = 'klines' | 'funding' | 'mark_klines' | 'metrics' | 'agg_trades';
export const BINANCE_KINDS: readonly BinanceKind[] = ['klines', 'funding', 'mark_klines', 'metrics', 'agg_trades'];

/** Kinds data.binance.vision publishes for spot as well as futures (the others are futures only). */
export function existsForSpot(kind: BinanceKind): boolean {
  return kind === 'klines' || kind === 'agg_trades';
}

/** Kinds without an interval in their path and name (one series per symbol). */
export function hasInterval(kind: BinanceKind): boolean {
  return kind === 'klines' || kind === 'mark_klines';
}
export type Granularity = 'monthly' | 'daily';
export type Compression = 'zip' | 'gzip' | 'none';

/** Where a file's market came from: its path, the caller's `market` option, or the documented default ('um'). */
export type MarketSource = 'path' | 'option' | 'default';

export interface DiscoveredFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the discovery root, '/'-separated. */
  rel: string;
  kind: BinanceKind;
  market: Market;
  marketFrom: MarketSource;
  symbol: string;
  /** Bar size; absent for funding and metrics. */
  interval?: Timeframe;
  /** '2025-01' (monthly file), '2025-01-15' (daily file), absent for the flat layout (whole history in one file). */
  period?: string;
  granularity?: Granularity;
  compression: Compression;
}

export interface IgnoredFile {
  path: string;
  rel: string;
  reason: string;
}

/** Directory names data.binance.vision uses for each data type, ours and the ones we do not ingest. */
export const VISION_TYPE_DIR: Record<BinanceKind, string> = {
  klines: 'klines',
  mark_klines: 'markPriceKlines',
  funding: 'fundingRate',
  metrics: 'metrics',
  agg_trades: 'aggTrades',
};
export const UNSUPPORTED_VISION_TYPES: readonly string[] = [
  'indexPriceKlines',
  'premiumIndexKlines',
  'trades',
  'bookTicker',
  'bookDepth',
  'liquidationSnapshot',
  'BVOLIndex',
  'EOHSummary',
];

export const MARKET_DIR: Record<Market, string> = { spot: 'spot', um: 'futures/um', cm: 'futures/cm' };

/** Binance symbols: upper-case letters, digits, '_' (coin-M 'BTCUSD_PERP', dated 'BTCUSDT_250328'). */
export const SYMBOL_RE = /^[A-Z0-9_]+$/;
/** Anything shaped like a Binance interval ('1s', '5m', '1w', '1M'); whether we support it is timeframe.ts's call. */
export const INTERVAL_LIKE_RE = /^[0-9]+[smhdwM]$/;
export const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const DAY_RE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function isMonth(s: string): boolean {
  return MONTH_RE.test(s);
}

/** A real calendar day in 'YYYY-MM-DD' form (rejects 2025-02-30). */
export function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

export function granularityOf(period: string): Granularity | undefined {
  if (isMonth(period)) return 'monthly';
  if (isDay(period)) return 'daily';
  return undefined;
}

/** Months from `start` to `end` inclusive, both 'YYYY-MM'. Empty when start > end. */
export function monthRange(start: string, end: string): string[] {
  const out: string[] = [];
  let [y, m] = start.split('-').map(Number) as [number, number];
  for (let key = fmtMonth(y, m); key <= end; key = fmtMonth(y, m)) {
    out.push(key);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** Days from `from` to `to` inclusive, both 'YYYY-MM-DD'. Empty when from > to. */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  const [y, m, d] = from.split('-').map(Number) as [number, number, number];
  for (let t = Date.UTC(y, m - 1, d); ; t += 86_400_000) {
    const key = new Date(t).toISOString().slice(0, 10);
    if (key > to) break;
    out.push(key);
  }
  return out;
}

function fmtMonth(y: number, m: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
}

export interface VisionFileSpec {
  market: Market;
  kind: BinanceKind;
  symbol: string;
  /** Required for klines and mark_klines. */
  interval?: Timeframe;
  period: string;
}

/** The file's path below the site root, e.g. 'data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip'. */
export function visionRelPath(f: VisionFileSpec): string {
  const granularity = granularityOf(f.period);
  if (!granularity) throw new Error(`visionRelPath: period must be YYYY-MM or YYYY-MM-DD, was ${JSON.stringify(f.period)}`);
  const base = `data/${MARKET_DIR[f.market]}/${granularity}/${VISION_TYPE_DIR[f.kind]}/${f.symbol}`;
  if (f.kind === 'funding') return `${base}/${f.symbol}-fundingRate-${f.period}.zip`;
  if (f.kind === 'metrics') return `${base}/${f.symbol}-metrics-${f.period}.zip`;
  if (f.kind === 'agg_trades') return `${base}/${f.symbol}-aggTrades-${f.period}.zip`;
  if (!f.interval) throw new Error(`visionRelPath: ${f.kind} needs an interval`);
  return `${base}/${f.interval}/${f.symbol}-${f.interval}-${f.period}.zip`;
}

/** base URL + relative path, with exactly one '/' between them. */
export function joinUrl(baseUrl: string, rel: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${rel}`;
}
