/**
 * The page loop shared by all history calls: request from `since`, advance to the last row's time + step, until
 * the range end, the clock, or an empty page. Refuses to loop on an exchange that does not advance.
 */
import { QuantError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { isoMs } from '../../timeframe.js';
import { isTransient, errorName, requestFailure } from './failure.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { Row } from './rows.js';

export interface PageContext {
  label: string; // "ccxt binanceusdm BTC/USDT:USDT fetchOHLCV 5m"
  log: Logger;
  retry: RetryPolicy;
  progressEveryPages: number;
}

export interface PageLoop {
  sinceMs: number;
  untilMs: number;
  lastSinceMs: number; // no request starts after this (closed bars: now - timeframe; observations: now)
  stepMs: number; // the next request starts at the last row's time + stepMs
  fetchPage: (sinceMs: number) => Promise<Row[]>;
}

export type StopReason = 'range-end' | 'clock' | 'empty-page';

export interface PageLoopResult {
  rows: Row[]; // every row received, in arrival order (not yet filtered, sorted or deduplicated)
  pages: number;
  stoppedBy: StopReason;
}

export async function fetchPages(ctx: PageContext, loop: PageLoop): Promise<PageLoopResult> {
  const rows: Row[] = [];
  let since = loop.sinceMs;
  let pages = 0;
  for (;;) {
    if (since >= loop.untilMs) return { rows, pages, stoppedBy: 'range-end' };
    if (since > loop.lastSinceMs) return { rows, pages, stoppedBy: 'clock' };
    const page = await fetchOnePage(ctx, loop, since);
    pages++;
    if (page.length === 0) return { rows, pages, stoppedBy: 'empty-page' };
    const lastTs = page.reduce((m, r) => Math.max(m, r[0]!), -Infinity);
    const next = lastTs + loop.stepMs;
    if (next <= since) {
      throw new QuantError(
        `${ctx.label}: pagination made no progress at since ${isoMs(since)} (${since} ms): the page's last row is at ` +
          `${isoMs(lastTs)}, so the next request would repeat this one`,
        { hint: 'the exchange ignores the start time for this call; fetch a shorter range or use another source' },
      );
    }
    rows.push(...page);
    since = next;
    if (pages % ctx.progressEveryPages === 0) {
      ctx.log.info({ source: ctx.label, pages, fetched: rows.length, next_since_ms: since }, 'ccxt fetch progress');
    }
  }
}

async function fetchOnePage(ctx: PageContext, loop: PageLoop, since: number): Promise<Row[]> {
  try {
    return await withRetry(() => loop.fetchPage(since), ctx.retry, {
      isRetryable: isTransient,
      onRetry: (err, retry, delayMs) =>
        ctx.log.warn(
          { source: ctx.label, since_ms: since, retry, of: ctx.retry.retries, delay_ms: delayMs, error: errorName(err) },
          'ccxt request failed, retrying',
        ),
    });
  } catch (err) {
    throw requestFailure(ctx.label, since, err);
  }
}
