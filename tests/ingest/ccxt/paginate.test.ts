/**
 * The page loop with a fake exchange injected through `exchange` (no network at all): the no-progress guard,
 * the empty-page stop, and retry backoff.
 */
import { describe, expect, test } from '@jest/globals';
import { RequestTimeout } from 'ccxt';
import { QuantError } from '../../../lib/errors.js';
import { backoffMs, RetriesExhausted, withRetry } from '../../../lib/ingest/ccxt/retry.js';
import { fetchOhlcv, type CcxtFetchOptions } from '../../../lib/ingest/ccxt/source.js';
import { UsageError } from '../../../lib/errors.js';
import { captureLogger } from './capture_log.js';

const TF = 300_000;
const T0 = Date.UTC(2024, 0, 1);

function fakeExchange(fetchOHLCV: (symbol: string, tf?: string, since?: number, limit?: number) => Promise<unknown[]>) {
  const calls: number[] = [];
  return {
    calls,
    ex: {
      id: 'fakex',
      has: { fetchOHLCV: true },
      timeframes: { '5m': '5m' },
      loadMarkets: async () => ({ 'BTC/USDT:USDT': { linear: true } }),
      fetchOHLCV: async (symbol: string, tf?: string, since?: number, limit?: number) => {
        calls.push(since ?? NaN);
        return fetchOHLCV(symbol, tf, since, limit);
      },
    },
  };
}

const bar = (i: number) => [T0 + i * TF, 1, 2, 0.5, 1.5, 10];

function opts(exchange: unknown, over: Partial<CcxtFetchOptions> = {}): CcxtFetchOptions {
  return {
    exchangeId: 'fakex', symbol: 'BTC/USDT:USDT', timeframe: '5m', sinceMs: T0, untilMs: T0 + 100 * TF,
    nowMs: () => T0 + 100 * TF, exchange, retry: { retries: 2, baseDelayMs: 0 }, ...over,
  };
}

describe('fetchPages through fetchOhlcv', () => {
  test('an exchange that ignores the start time and repeats its page is stopped with an error naming since', async () => {
    const { ex, calls } = fakeExchange(async () => [bar(0), bar(1)]);
    const err = await fetchOhlcv(opts(ex)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuantError);
    const msg = (err as Error).message;
    expect(msg).toContain('ccxt fakex BTC/USDT:USDT fetchOHLCV 5m');
    expect(msg).toContain(`pagination made no progress at since 2024-01-01T00:10:00.000Z (${T0 + 2 * TF} ms)`);
    expect(calls).toEqual([T0, T0 + 2 * TF]);
  });

  test('an empty page ends the loop with a warning when bars are missing before the end; rows are deduplicated and sorted', async () => {
    const pages: Record<number, unknown[]> = { [T0]: [bar(1), bar(0), bar(0)], [T0 + 2 * TF]: [bar(2)] };
    const { ex, calls } = fakeExchange(async (_s, _tf, since) => pages[since ?? NaN] ?? []);
    const { log, records } = captureLogger();
    const bars = await fetchOhlcv(opts(ex, { log }));
    expect(Array.from(bars.ts_ms)).toEqual([T0, T0 + TF, T0 + 2 * TF]);
    expect(calls).toEqual([T0, T0 + 2 * TF, T0 + 3 * TF]);
    // the clock (T0 + 100 bars) closes bars 0..99; bars 3..99 never came: 97 missing
    const warn = records.find((r) => String(r.msg).startsWith('ccxt returned an empty page before the requested end'));
    expect(warn).toMatchObject({ last_ts_ms: T0 + 2 * TF, missing_bars: 97 });
  });

  test('an injected exchange whose id differs from exchangeId is a UsageError', async () => {
    const { ex } = fakeExchange(async () => []);
    await expect(fetchOhlcv(opts(ex, { exchangeId: 'binanceusdm' }))).rejects.toThrow(UsageError);
  });

  test('a timeout is retried, then succeeds', async () => {
    let fails = 1;
    const { ex, calls } = fakeExchange(async (_s, _tf, since) => {
      if (fails-- > 0) throw new RequestTimeout('fakex GET /klines request timed out (10000 ms)');
      return since === T0 ? [bar(0)] : [];
    });
    const bars = await fetchOhlcv(opts(ex));
    expect(Array.from(bars.ts_ms)).toEqual([T0]);
    expect(calls).toEqual([T0, T0, T0 + TF]);
  });
});

describe('withRetry', () => {
  const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 250 };
  test('backoff doubles from the base and is capped', () => {
    expect([0, 1, 2, 3].map((k) => backoffMs(policy, k))).toEqual([100, 200, 250, 250]);
  });
  test('gives up after retries + 1 attempts with RetriesExhausted; waits follow the backoff', async () => {
    const waits: number[] = [];
    let attempts = 0;
    const err = await withRetry(async () => { attempts++; throw new Error('down'); }, policy, {
      isRetryable: () => true, onRetry: () => undefined, sleep: async (ms) => { waits.push(ms); },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhausted);
    expect((err as RetriesExhausted).attempts).toBe(4);
    expect(attempts).toBe(4);
    expect(waits).toEqual([100, 200, 250]);
  });
  test('a non-retryable error is rethrown at once, unchanged', async () => {
    const boom = new Error('bad request');
    let attempts = 0;
    const err = await withRetry(async () => { attempts++; throw boom; }, policy, {
      isRetryable: () => false, onRetry: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(attempts).toBe(1);
  });
});
