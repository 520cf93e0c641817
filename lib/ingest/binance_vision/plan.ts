/**
 * Download options: validated, defaults filled in here and only here, and turned into the list of files to fetch.
 * Pure: no I/O.
 */
import { UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { MARKETS, type Market } from '../../market.js';
import { parseTimeframe, type Timeframe } from '../../timeframe.js';
import { BINANCE_KINDS, dayRange, existsForSpot, hasInterval, isDay, isMonth, monthRange, SYMBOL_RE, visionRelPath, type BinanceKind } from './layout.js';

export interface DownloadOptions {
  /** Default https://data.binance.vision */
  baseUrl?: string;
  destDir: string;
  market: Market;
  kind: BinanceKind;
  symbols: string[];
  /** Required for klines and mark_klines; not used for funding and metrics. */
  interval?: Timeframe;
  /** Inclusive 'YYYY-MM'. Metrics exist as daily files only: their months are fetched day by day. */
  startMonth: string;
  endMonth: string;
  /** Daily files (inclusive 'YYYY-MM-DD'), e.g. for the current partial month. Not for funding (monthly only). */
  daily?: { from: string; to: string };
  /** Files fetched at once. Default 4. */
  concurrency?: number;
  /** Extra attempts per request after the first. Default 4. */
  retries?: number;
  /** First backoff wait; doubles each retry. Default 1000 ms. */
  retryBaseMs?: number;
  /** A request with no bytes for this long is aborted and retried. Default 60 000 ms. */
  idleTimeoutMs?: number;
  log?: Logger;
  fetchImpl?: typeof fetch;
}

export const DOWNLOAD_DEFAULTS = {
  baseUrl: 'https://data.binance.vision',
  concurrency: 4,
  retries: 4,
  retryBaseMs: 1000,
  idleTimeoutMs: 60_000,
} as const;

export interface PlannedFile {
  /** Path below the base URL and below destDir, '/'-separated. */
  rel: string;
  symbol: string;
  period: string;
}

/** Every file the options ask for, in a stable order (symbol, then monthly, then daily). Throws UsageError. */
export function planDownload(o: DownloadOptions): PlannedFile[] {
  const problems = validate(o);
  if (problems.length > 0) {
    throw new UsageError(problems.length === 1 ? problems[0]! : `Invalid download options:\n  ${problems.join('\n  ')}`);
  }
  const interval = hasInterval(o.kind) ? o.interval : undefined;
  const months = monthRange(o.startMonth, o.endMonth);
  const monthly = o.kind === 'metrics' ? months.flatMap((m) => dayRange(`${m}-01`, lastDayOf(m))) : months;
  const periods = [...monthly, ...(o.daily ? dayRange(o.daily.from, o.daily.to) : [])];
  const symbols = [...new Set(o.symbols)].sort();
  return symbols.flatMap((symbol) =>
    periods.map((period) => ({ symbol, period, rel: visionRelPath({ market: o.market, kind: o.kind, symbol, interval, period }) })),
  );
}

/** 'YYYY-MM' -> its last day 'YYYY-MM-DD'. */
function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

function validate(o: DownloadOptions): string[] {
  const p: string[] = [];
  if (!MARKETS.includes(o.market)) p.push(`market: must be one of ${MARKETS.join(', ')}, was ${JSON.stringify(o.market)}`);
  if (!BINANCE_KINDS.includes(o.kind)) p.push(`kind: must be one of ${BINANCE_KINDS.join(', ')}, was ${JSON.stringify(o.kind)}`);
  if (!existsForSpot(o.kind) && o.market === 'spot') p.push(`kind ${o.kind}: exists only for futures markets (um, cm), not spot`);
  if (hasInterval(o.kind)) {
    if (o.interval === undefined) p.push(`interval: required for ${o.kind} (e.g. "5m")`);
    else {
      try {
        parseTimeframe(o.interval, 'interval');
      } catch (e) {
        p.push((e as Error).message);
      }
    }
  }
  if (o.symbols.length === 0) p.push('symbols: give at least one symbol, e.g. BTCUSDT');
  o.symbols.forEach((s, i) => {
    if (!SYMBOL_RE.test(s)) p.push(`symbols[${i}]: not a Binance symbol (upper-case letters, digits, _), was ${JSON.stringify(s)}`);
  });
  if (!isMonth(o.startMonth)) p.push(`startMonth: must be YYYY-MM, was ${JSON.stringify(o.startMonth)}`);
  if (!isMonth(o.endMonth)) p.push(`endMonth: must be YYYY-MM, was ${JSON.stringify(o.endMonth)}`);
  if (isMonth(o.startMonth) && isMonth(o.endMonth) && o.startMonth > o.endMonth) {
    p.push(`startMonth ${o.startMonth} is after endMonth ${o.endMonth}`);
  }
  if (o.daily) {
    if (o.kind === 'funding') p.push('daily: data.binance.vision publishes funding rates monthly only');
    if (!isDay(o.daily.from)) p.push(`daily.from: must be a date YYYY-MM-DD, was ${JSON.stringify(o.daily.from)}`);
    if (!isDay(o.daily.to)) p.push(`daily.to: must be a date YYYY-MM-DD, was ${JSON.stringify(o.daily.to)}`);
    if (isDay(o.daily.from) && isDay(o.daily.to) && o.daily.from > o.daily.to) {
      p.push(`daily.from ${o.daily.from} is after daily.to ${o.daily.to}`);
    }
    if (isDay(o.daily.from) && isMonth(o.endMonth) && o.daily.from.slice(0, 7) <= o.endMonth) {
      p.push(`daily.from ${o.daily.from} falls in a month already fetched as a monthly file (up to ${o.endMonth}); `
        + 'daily files are for months after endMonth');
    }
  }
  for (const k of ['concurrency', 'retries', 'retryBaseMs', 'idleTimeoutMs'] as const) {
    const v = o[k];
    const min = k === 'concurrency' || k === 'idleTimeoutMs' ? 1 : 0;
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) p.push(`${k}: must be an integer >= ${min}, was ${JSON.stringify(v)}`);
  }
  return p;
}
