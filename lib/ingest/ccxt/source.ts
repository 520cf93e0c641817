/**
 * The ccxt ingest source: OHLCV bars, funding rate history and open interest history from any ccxt exchange,
 * paginated by start time, deduplicated, sorted, limited to [sinceMs, untilMs) and to what was known at the clock
 * (closed bars only). Missing numbers are NaN.
 */
import { DataError } from '../../errors.js';
import type { BarColumns, FundingColumns, OpenInterestColumns } from '../../market.js';
import { isoMs, timeframeMs, type Timeframe } from '../../timeframe.js';
import {
  documentedPageLimit, openExchange, requireMarket, requireMethod, requireTimeframe,
  type CcxtExchangeLike, type HistoryMethod,
} from './exchange.js';
import { isTransient, errorName, requestFailure } from './failure.js';
import {
  resolveOptions, requireLakeTimeframe,
  type CcxtFetchOptions, type CcxtFundingOptions, type ResolvedOptions,
} from './options.js';
import { fetchPages, type PageContext, type PageLoopResult } from './paginate.js';
import { withRetry } from './retry.js';
import {
  barColumns, fundingColumns, fundingRow, inRange, ohlcvRow, openInterestColumns, openInterestRow, sortDedup,
  type MarketShape, type Row, type RowSource,
} from './rows.js';

export type { CcxtFetchOptions, CcxtFundingOptions } from './options.js';
export { CCXT_DEFAULTS } from './options.js';
export { ccxtMarketKey } from './market_key.js';

interface Session {
  o: ResolvedOptions;
  ex: CcxtExchangeLike;
  market: MarketShape;
  ctx: PageContext;
  limit: number | undefined;
  nowMs: number; // read once per fetch, so one call sees one clock
}

/** OHLCV bars with open time in [sinceMs, untilMs) that had closed by the clock (ts + timeframe <= now). */
export async function fetchOhlcv(opts: CcxtFetchOptions): Promise<BarColumns> {
  const tf = requireLakeTimeframe(opts.timeframe, `ccxt ${opts.exchangeId} ${opts.symbol}`);
  const s = await openSession(opts, 'fetchOHLCV', tf);
  const tfMs = timeframeMs(tf);
  const lastClosedOpen = s.nowMs - tfMs; // the latest open time whose bar has closed
  const result = await fetchPages(s.ctx, {
    sinceMs: s.o.sinceMs,
    untilMs: s.o.untilMs,
    lastSinceMs: lastClosedOpen,
    stepMs: tfMs,
    fetchPage: async (since) => parsePage(await s.ex.fetchOHLCV(s.o.symbol, tf, since, s.limit), s, since, ohlcvRow),
  });
  const endMs = Math.min(s.o.untilMs, lastClosedOpen + 1);
  const rows = finish(s, result, endMs);
  warnIfEndedEarly(s, result, rows, endMs, tfMs);
  return barColumns(rows);
}

/**
 * An empty page before the range end means the exchange has no later bars (delisted) or skipped a gap longer than
 * one page (exchanges that answer a fixed window from `since`). Either way the caller must know the data ends early.
 */
function warnIfEndedEarly(s: Session, result: PageLoopResult, rows: readonly Row[], endMs: number, tfMs: number): void {
  const lastTs = rows[rows.length - 1]?.[0] ?? s.o.sinceMs - tfMs;
  if (result.stoppedBy !== 'empty-page' || lastTs + tfMs >= endMs) return;
  s.o.log.warn(
    { source: s.ctx.label, last_ts_ms: rows.length > 0 ? lastTs : null, end_ms: endMs, missing_bars: Math.floor((endMs - lastTs - 1) / tfMs) },
    'ccxt returned an empty page before the requested end: the symbol may be delisted, or the exchange skipped a gap',
  );
}

/** Funding settlements with time in [sinceMs, untilMs), up to the clock. Needs has['fetchFundingRateHistory']. */
export async function fetchFundingHistory(opts: CcxtFundingOptions): Promise<FundingColumns> {
  const s = await openSession(opts, 'fetchFundingRateHistory', undefined);
  const fetch = s.ex.fetchFundingRateHistory!.bind(s.ex);
  const result = await fetchPages(s.ctx, {
    sinceMs: s.o.sinceMs,
    untilMs: s.o.untilMs,
    lastSinceMs: s.nowMs,
    stepMs: 1,
    fetchPage: async (since) => parsePage(await fetch(s.o.symbol, since, s.limit), s, since, fundingRow),
  });
  return fundingColumns(finish(s, result, Math.min(s.o.untilMs, s.nowMs + 1)));
}

/**
 * Open interest observations at period `timeframe`, time in [sinceMs, untilMs), up to the clock.
 * Needs has['fetchOpenInterestHistory']; exchanges keep limited history (Binance: the last 30 days).
 */
export async function fetchOpenInterestHistory(opts: CcxtFetchOptions): Promise<OpenInterestColumns> {
  const tf = requireLakeTimeframe(opts.timeframe, `ccxt ${opts.exchangeId} ${opts.symbol}`);
  const s = await openSession(opts, 'fetchOpenInterestHistory', undefined, tf);
  const fetch = s.ex.fetchOpenInterestHistory!.bind(s.ex);
  const oiRow = (raw: unknown, src: RowSource, i: number) => openInterestRow(raw, src, i, s.market);
  const result = await fetchPages(s.ctx, {
    sinceMs: s.o.sinceMs,
    untilMs: s.o.untilMs,
    lastSinceMs: s.nowMs,
    stepMs: 1,
    fetchPage: async (since) => parsePage(await fetch(s.o.symbol, tf, since, s.limit), s, since, oiRow),
  });
  return openInterestColumns(finish(s, result, Math.min(s.o.untilMs, s.nowMs + 1)));
}

/**
 * Options, exchange, method and timeframe checks (no network), then markets (network, retried) and the symbol.
 * `barTimeframe` is checked against exchange.timeframes; `labelTimeframe` only names the call.
 */
async function openSession(
  opts: CcxtFundingOptions, method: HistoryMethod, barTimeframe: Timeframe | undefined, labelTimeframe = barTimeframe,
): Promise<Session> {
  const o = resolveOptions(opts);
  const ex = openExchange(o);
  requireMethod(ex, method, o.symbol);
  if (barTimeframe !== undefined) requireTimeframe(ex, barTimeframe, o.symbol);
  const markets = await loadMarkets(ex, o);
  const market = requireMarket(ex, markets, o.symbol);
  const label = `ccxt ${ex.id} ${o.symbol} ${method}${labelTimeframe ? ` ${labelTimeframe}` : ''}`;
  return {
    o, ex, market,
    ctx: { label, log: o.log, retry: o.retry, progressEveryPages: o.progressEveryPages },
    limit: o.pageLimit ?? documentedPageLimit(ex, o.symbol, method),
    nowMs: o.nowMs(),
  };
}

async function loadMarkets(ex: CcxtExchangeLike, o: ResolvedOptions): Promise<Record<string, unknown>> {
  const label = `ccxt ${ex.id} loadMarkets`;
  try {
    return await withRetry(() => ex.loadMarkets(), o.retry, {
      isRetryable: isTransient,
      onRetry: (err, retry, delayMs) =>
        o.log.warn({ source: label, retry, of: o.retry.retries, delay_ms: delayMs, error: errorName(err) }, 'ccxt loadMarkets failed, retrying'),
    });
  } catch (err) {
    throw requestFailure(label, undefined, err);
  }
}

function parsePage(
  raw: unknown, s: Session, since: number, parse: (raw: unknown, src: RowSource, index: number) => Row,
): Row[] {
  const src = { label: `${s.ctx.label} since=${isoMs(since)}` };
  if (!Array.isArray(raw)) throw new DataError('expected a list from ccxt', { file: src.label, value: typeof raw });
  return raw.map((r, i) => parse(r, src, i));
}

/** Keep [sinceMs, endMs), sort, deduplicate, and log what was fetched and why the loop stopped. */
function finish(s: Session, result: PageLoopResult, endMs: number): Row[] {
  const { rows, duplicates, conflicts } = sortDedup(inRange(result.rows, s.o.sinceMs, endMs));
  if (conflicts > 0) {
    s.o.log.warn({ source: s.ctx.label, duplicates, conflicts }, 'ccxt returned rows with the same time and different values; kept the first fetched');
  }
  s.o.log.info(
    {
      source: s.ctx.label, pages: result.pages, fetched: result.rows.length, kept: rows.length, duplicates,
      stopped_by: result.stoppedBy, first_ts_ms: rows[0]?.[0] ?? null, last_ts_ms: rows[rows.length - 1]?.[0] ?? null,
      since_ms: s.o.sinceMs, until_ms: s.o.untilMs, now_ms: s.nowMs,
    },
    'ccxt fetch done',
  );
  return rows;
}
