/** Options of the ccxt source, their defaults (filled here and nowhere else) and their validation. */
import { UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import { isTimeframe, TIMEFRAMES, type Timeframe } from '../../timeframe.js';
import type { RetryPolicy } from './retry.js';

export interface CcxtFetchOptions {
  exchangeId: string; // any ccxt exchange id, e.g. 'binanceusdm', 'bybit', 'okx'
  symbol: string; // ccxt unified symbol, e.g. 'BTC/USDT:USDT'
  timeframe: Timeframe; // bar size (OHLCV) or observation period (open interest)
  sinceMs: number; // inclusive; to resume, pass the last stored bar + one timeframe
  untilMs: number; // exclusive
  pageLimit?: number; // rows per request; default: the exchange's documented maximum, else its own default
  urls?: Record<string, unknown>; // deep-merged over exchange.urls (tests point `api` at a local server)
  rateLimitMs?: number; // ccxt `rateLimit`: ms between requests per unit of endpoint weight (throttling stays on)
  log?: Logger;
  exchange?: unknown; // an already constructed ccxt exchange, used as it is (urls / rateLimitMs are not applied)
  nowMs?: () => number; // the clock, for "closed bars only" (default Date.now)
  retry?: Partial<RetryPolicy>; // transient failures (ccxt NetworkError, incl. RateLimitExceeded and HTTP 5xx)
  progressEveryPages?: number; // log.info progress every N pages
}

/** Funding history has no timeframe: settlements come at the exchange's own interval. */
export type CcxtFundingOptions = Omit<CcxtFetchOptions, 'timeframe'> & { timeframe?: Timeframe };

export const CCXT_DEFAULTS = {
  retry: { retries: 4, baseDelayMs: 1_000, maxDelayMs: 30_000 } satisfies RetryPolicy,
  progressEveryPages: 20,
} as const;

export interface ResolvedOptions {
  exchangeId: string;
  symbol: string;
  sinceMs: number;
  untilMs: number;
  pageLimit: number | undefined;
  urls: Record<string, unknown> | undefined;
  rateLimitMs: number | undefined;
  log: Logger;
  exchange: unknown;
  nowMs: () => number;
  retry: RetryPolicy;
  progressEveryPages: number;
}

export function resolveOptions(o: CcxtFundingOptions): ResolvedOptions {
  const where = `ccxt ${o.exchangeId} ${o.symbol}`;
  requireInt(o.sinceMs, `${where}: sinceMs`, 0);
  requireInt(o.untilMs, `${where}: untilMs`, 0);
  if (o.untilMs < o.sinceMs) {
    throw new UsageError(`${where}: untilMs (${o.untilMs}) is before sinceMs (${o.sinceMs}); the range is [sinceMs, untilMs)`);
  }
  if (o.pageLimit !== undefined) requireInt(o.pageLimit, `${where}: pageLimit`, 1);
  if (o.rateLimitMs !== undefined) requireInt(o.rateLimitMs, `${where}: rateLimitMs`, 0);
  if (o.progressEveryPages !== undefined) requireInt(o.progressEveryPages, `${where}: progressEveryPages`, 1);
  const retry = { ...CCXT_DEFAULTS.retry, ...o.retry };
  requireInt(retry.retries, `${where}: retry.retries`, 0);
  requireInt(retry.baseDelayMs, `${where}: retry.baseDelayMs`, 0);
  requireInt(retry.maxDelayMs, `${where}: retry.maxDelayMs`, 0);
  return {
    exchangeId: o.exchangeId,
    symbol: o.symbol,
    sinceMs: o.sinceMs,
    untilMs: o.untilMs,
    pageLimit: o.pageLimit,
    urls: o.urls,
    rateLimitMs: o.rateLimitMs,
    log: o.log ?? silentLogger(),
    exchange: o.exchange,
    nowMs: o.nowMs ?? Date.now,
    retry,
    progressEveryPages: o.progressEveryPages ?? CCXT_DEFAULTS.progressEveryPages,
  };
}

export function requireLakeTimeframe(tf: unknown, where: string): Timeframe {
  if (typeof tf !== 'string' || !isTimeframe(tf)) {
    throw new UsageError(`${where}: unknown timeframe ${JSON.stringify(tf)}. Available: ${TIMEFRAMES.join(', ')}`);
  }
  return tf;
}

function requireInt(v: unknown, what: string, min: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new UsageError(`${what}: must be an integer >= ${min}, was ${JSON.stringify(v)}`);
  }
}
