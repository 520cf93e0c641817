/**
 * Decide what one file is from its name and the folders above it. Pure: no I/O.
 *
 * Two layouts:
 *  - data.binance.vision: `<type>/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<period>.zip` (klines, markPriceKlines) or
 *    `fundingRate/<SYMBOL>/<SYMBOL>-fundingRate-<period>.zip` or `metrics/<SYMBOL>/<SYMBOL>-metrics-<YYYY-MM-DD>.zip`
 *    (futures only, daily) or `aggTrades/<SYMBOL>/<SYMBOL>-aggTrades-<period>.zip` (spot and futures), under `<market dir>/<monthly|daily>/`. When those
 *    folders are above the file (anywhere in its absolute path) they decide kind and market; a loose
 *    `<SYMBOL>-<interval>-<period>.zip` is klines with the caller's market.
 *  - the flat layout of our shared datasets: `<SYMBOL>-<interval>.csv.gz` (klines; in a `spot-klines/` folder: spot),
 *    `<SYMBOL>-funding.csv`, `<SYMBOL>-mark-<interval>.csv.gz`, `<SYMBOL>-metrics.csv[.gz]`.
 */
import type { Market } from '../../market.js';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../../timeframe.js';
import {
  existsForSpot,
  granularityOf,
  hasInterval,
  INTERVAL_LIKE_RE,
  SYMBOL_RE,
  UNSUPPORTED_VISION_TYPES,
  VISION_TYPE_DIR,
  type BinanceKind,
  type Compression,
  type DiscoveredFile,
  type MarketSource,
} from './layout.js';

export type Classified =
  | { type: 'data'; file: Omit<DiscoveredFile, 'path' | 'rel'> }
  | { type: 'ignored'; reason: string }
  /** CHECKSUM files and our `.verified` sidecars: belong to a data file, are not data. */
  | { type: 'companion' };

interface ParsedName {
  kind: BinanceKind;
  symbol: string;
  interval?: Timeframe;
  period?: string;
  compression: Compression;
  /** true for names carrying a period (the vision layout). */
  vision: boolean;
}

const SUPPORTED_HINT = 'expected <SYMBOL>-<interval>-<YYYY-MM[-DD]>.zip|.csv, <SYMBOL>-fundingRate-<YYYY-MM>.zip, '
  + '<SYMBOL>-metrics-<YYYY-MM-DD>.zip, <SYMBOL>-aggTrades-<YYYY-MM[-DD]>.zip, <SYMBOL>-<interval>.csv.gz, <SYMBOL>-funding.csv, <SYMBOL>-mark-<interval>.csv.gz '
  + 'or <SYMBOL>-metrics.csv[.gz]';

/** `dirs`: the folders above the file, outermost first (absolute path segments). */
export function classifyFile(dirs: readonly string[], name: string, defaultMarket?: Market): Classified {
  if (name.endsWith('.CHECKSUM') || name.endsWith('.verified')) return { type: 'companion' };
  if (name.endsWith('.part')) return ignored('incomplete download (.part); rerun the download to finish it');
  const parsed = parseName(name);
  if (typeof parsed === 'string') return ignored(parsed);
  return parsed.vision ? placeVision(dirs, parsed, defaultMarket) : placeFlat(dirs, parsed, defaultMarket);
}

function ignored(reason: string): Classified {
  return { type: 'ignored', reason };
}

function splitCompression(name: string): [string, Compression] | undefined {
  if (name.endsWith('.zip')) return [name.slice(0, -4), 'zip'];
  if (name.endsWith('.csv.gz')) return [name.slice(0, -7), 'gzip'];
  if (name.endsWith('.csv')) return [name.slice(0, -4), 'none'];
  return undefined;
}

/** A parsed name, or the reason it is not one of ours. */
function parseName(name: string): ParsedName | string {
  const split = splitCompression(name);
  if (!split) return `not a .zip, .csv or .csv.gz file (${SUPPORTED_HINT})`;
  const [stem, compression] = split;
  const parts = stem.split('-');
  const symbol = parts[0] ?? '';
  if (!SYMBOL_RE.test(symbol) || parts.length < 2) return `file name not recognised (${SUPPORTED_HINT})`;
  const second = parts[1]!;
  const rest = parts.slice(2);
  if (second === 'funding' && rest.length === 0) return { kind: 'funding', symbol, compression, vision: false };
  if (second === 'aggTrades') {
    if (rest.length === 0) return `file name not recognised: aggTrades files carry their period (<SYMBOL>-aggTrades-<YYYY-MM[-DD]>.zip)`;
    return withPeriod({ kind: 'agg_trades', symbol, compression, vision: true }, rest);
  }
  if (second === 'fundingRate') return withPeriod({ kind: 'funding', symbol, compression, vision: true }, rest);
  if (second === 'metrics') {
    if (rest.length === 0) return { kind: 'metrics', symbol, compression, vision: false };
    const m = withPeriod({ kind: 'metrics', symbol, compression, vision: true }, rest);
    if (typeof m !== 'string' && granularityOf(m.period!) !== 'daily') {
      return `period ${JSON.stringify(m.period)}: data.binance.vision publishes metrics as daily files only (YYYY-MM-DD)`;
    }
    return m;
  }
  if (second === 'mark' && rest.length === 1) {
    const interval = checkInterval(rest[0]!);
    if (!isTimeframe(interval)) return interval;
    return { kind: 'mark_klines', symbol, interval, compression, vision: false };
  }
  if (!INTERVAL_LIKE_RE.test(second)) return `file name not recognised: "${second}" is not a data type we ingest (${SUPPORTED_HINT})`;
  const interval = checkInterval(second);
  if (!isTimeframe(interval)) return interval;
  if (rest.length === 0) return { kind: 'klines', symbol, interval, compression, vision: false };
  return withPeriod({ kind: 'klines', symbol, interval, compression, vision: true }, rest);
}

/** The interval, or the reason it is refused. */
function checkInterval(s: string): Timeframe | string {
  if (isTimeframe(s)) return s;
  return `interval ${JSON.stringify(s)} is not supported (lib/timeframe.ts knows ${TIMEFRAMES.join(', ')})`;
}

function withPeriod(p: ParsedName, rest: string[]): ParsedName | string {
  const period = rest.join('-');
  if (!granularityOf(period)) return `period ${JSON.stringify(period)} in the file name is not a valid YYYY-MM or YYYY-MM-DD`;
  return { ...p, period };
}

/** Position (from the end of `dirs`) of the vision data-type folder for this name: type/SYMBOL[/interval]/file. */
function typeDirIndex(dirs: readonly string[], p: ParsedName): number {
  return dirs.length - (hasInterval(p.kind) ? 3 : 2);
}

function placeVision(dirs: readonly string[], p: ParsedName, defaultMarket?: Market): Classified {
  const ti = typeDirIndex(dirs, p);
  const typeDir = dirs[ti];
  const isTypeDir = typeDir !== undefined
    && (Object.values(VISION_TYPE_DIR).includes(typeDir) || UNSUPPORTED_VISION_TYPES.includes(typeDir));
  if (!isTypeDir) return finish(p, p.kind, fallbackMarket(dirs, p.kind, defaultMarket));
  if (UNSUPPORTED_VISION_TYPES.includes(typeDir)) return ignored(`${typeDir} files are not ingested (only klines, markPriceKlines, fundingRate, metrics, aggTrades)`);
  const kind = (Object.keys(VISION_TYPE_DIR) as BinanceKind[]).find((k) => VISION_TYPE_DIR[k] === typeDir)!;
  // klines-shaped names fit klines and markPriceKlines folders; funding and metrics names fit only their own folder
  const fits = hasInterval(kind) ? hasInterval(p.kind) : kind === p.kind;
  if (!fits) return ignored(`file name does not fit its ${typeDir}/ folder`);
  if (dirs[ti + 1] !== p.symbol) return ignored(`symbol ${p.symbol} in the file name differs from its folder ${JSON.stringify(dirs[ti + 1])}`);
  if (p.interval && dirs[ti + 2] !== p.interval) {
    return ignored(`interval ${p.interval} in the file name differs from its folder ${JSON.stringify(dirs[ti + 2])}`);
  }
  const granDir = dirs[ti - 1];
  const granularity = granularityOf(p.period!);
  if (granDir !== 'monthly' && granDir !== 'daily') return finish(p, kind, fallbackMarket(dirs, kind, defaultMarket));
  if (granDir !== granularity) return ignored(`a ${granularity} period (${p.period}) in a ${granDir}/ folder`);
  const market = marketFromDirs(dirs.slice(0, ti - 1));
  if (market === 'option') return ignored('options data is not ingested');
  if (!market) return finish(p, kind, fallbackMarket(dirs, kind, defaultMarket));
  if (market === 'spot' && !existsForSpot(kind)) return ignored(`${typeDir} does not exist for spot`);
  return finish(p, kind, [market, 'path']);
}

function placeFlat(dirs: readonly string[], p: ParsedName, defaultMarket?: Market): Classified {
  const parent = dirs[dirs.length - 1];
  const kind: BinanceKind = p.kind === 'klines' && (parent === 'markprice' || parent === 'markPriceKlines') ? 'mark_klines' : p.kind;
  return finish(p, kind, fallbackMarket(dirs, kind, defaultMarket));
}

/** '.../spot' -> spot, '.../futures/um' -> um, '.../futures/cm' -> cm, '.../option' -> 'option'. */
function marketFromDirs(above: readonly string[]): Market | 'option' | undefined {
  const last = above[above.length - 1];
  if (last === 'spot' || last === 'option') return last;
  if ((last === 'um' || last === 'cm') && above[above.length - 2] === 'futures') return last;
  return undefined;
}

/**
 * Market of a file whose path does not say: a `spot-klines/` parent means spot; funding and mark prices exist only for
 * futures (the caller's um/cm, else um); otherwise the caller's market, else um (the default of the flat layout).
 */
function fallbackMarket(dirs: readonly string[], kind: BinanceKind, defaultMarket?: Market): [Market, MarketSource] {
  if (kind === 'klines' && dirs[dirs.length - 1] === 'spot-klines') return ['spot', 'path'];
  if (!existsForSpot(kind) && defaultMarket === 'spot') return ['um', 'default'];
  return defaultMarket ? [defaultMarket, 'option'] : ['um', 'default'];
}

function finish(p: ParsedName, kind: BinanceKind, [market, marketFrom]: [Market, MarketSource]): Classified {
  const file: Omit<DiscoveredFile, 'path' | 'rel'> = { kind, market, marketFrom, symbol: p.symbol, compression: p.compression };
  if (hasInterval(kind) && p.interval) file.interval = p.interval;
  if (p.period) {
    file.period = p.period;
    file.granularity = granularityOf(p.period)!;
  }
  return { type: 'data', file };
}
