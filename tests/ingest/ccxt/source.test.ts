/**
 * The ccxt source against an offline Binance USDⓈ-M stand-in (binance_fixture.ts): real ccxt `binanceusdm`,
 * its urls pointed at 127.0.0.1. Expected values come from the fixture's generating formulas, not from ccxt.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { binanceusdm } from 'ccxt';
import { QuantError, UsageError } from '../../../lib/errors.js';
import type { BarColumns } from '../../../lib/market.js';
import {
  fetchFundingHistory, fetchOhlcv, fetchOpenInterestHistory, type CcxtFetchOptions,
} from '../../../lib/ingest/ccxt/source.js';
import {
  EIGHT_H, FIVE_MIN, T0, fundingValues, klineValues, openInterestValues, startBinanceFixture, type BinanceFixture,
} from './binance_fixture.js';
import { captureLogger } from './capture_log.js';

const N_KLINES = 25; // bars 0..24; the clock below makes bar 24 the still-open one
const NOW_BARS = T0 + 24 * FIVE_MIN + FIVE_MIN / 2;
const KLINES = '/fapi/v1/klines';

let fx: BinanceFixture;
beforeAll(async () => { fx = await startBinanceFixture({ klines: N_KLINES, funding: 10, openInterest: 12 }); });
afterAll(async () => { await fx.close(); });

function base(over: Partial<CcxtFetchOptions> = {}): CcxtFetchOptions {
  return {
    exchangeId: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '5m',
    sinceMs: T0, untilMs: T0 + 1000 * FIVE_MIN,
    urls: fx.urls, rateLimitMs: 1, nowMs: () => NOW_BARS, retry: { retries: 3, baseDelayMs: 1 },
    ...over,
  };
}

/** Bars first..last (inclusive) as the fixture generated them; Binance extras are not in ccxt's OHLCV: NaN. */
function expectBars(bars: BarColumns, first: number, last: number): void {
  const idx = Array.from({ length: last - first + 1 }, (_, j) => first + j);
  const col = (f: 'ts' | 'open' | 'high' | 'low' | 'close' | 'volume') => idx.map((i) => klineValues(i)[f]);
  expect(Array.from(bars.ts_ms)).toEqual(col('ts'));
  expect(Array.from(bars.open)).toEqual(col('open'));
  expect(Array.from(bars.high)).toEqual(col('high'));
  expect(Array.from(bars.low)).toEqual(col('low'));
  expect(Array.from(bars.close)).toEqual(col('close'));
  expect(Array.from(bars.volume)).toEqual(col('volume'));
  for (const extra of [bars.quote_volume, bars.trades, bars.taker_buy_base, bars.taker_buy_quote]) {
    expect(extra.length).toBe(idx.length);
    expect(extra.every(Number.isNaN)).toBe(true);
  }
}

function startTimes(path: string, from: number): number[] {
  return fx.requests.slice(from).filter((r) => r.path === path).map((r) => Number(r.query.startTime));
}

function pathsSince(from: number): string[] {
  return [...new Set(fx.requests.slice(from).map((r) => r.path))].sort();
}

describe('fetchOhlcv', () => {
  test('pagination across several pages reproduces the fixture exactly, without the still-open bar', async () => {
    const mark = fx.requests.length;
    const bars = await fetchOhlcv(base({ pageLimit: 7 }));
    expectBars(bars, 0, 23); // bar 24 opened at T0+120m and is still open at NOW_BARS (T0+122.5m)
    // pages of 7 from T0: bars 0-6, 7-13, 14-20, 21-24; the next start (bar 25) is past the clock, so no 5th call
    expect(startTimes(KLINES, mark)).toEqual([0, 7, 14, 21].map((i) => T0 + i * FIVE_MIN));
    expect(fx.requestsTo(KLINES).slice(-4).map((r) => r.query.limit)).toEqual(['7', '7', '7', '7']);
    expect(pathsSince(mark)).toEqual(['/fapi/v1/exchangeInfo', KLINES]); // nothing else was asked
  });

  test('resuming from sinceMs fetches only the tail, at the exchange documented page size', async () => {
    const mark = fx.requests.length;
    const bars = await fetchOhlcv(base({ sinceMs: T0 + 20 * FIVE_MIN }));
    expectBars(bars, 20, 23);
    expect(startTimes(KLINES, mark)).toEqual([T0 + 20 * FIVE_MIN]);
    // ccxt's features declare 500 klines per request for Binance derivatives
    expect(fx.requests.slice(mark).find((r) => r.path === KLINES)?.query.limit).toBe('500');
  });

  test('untilMs is exclusive and stops the pagination', async () => {
    const mark = fx.requests.length;
    const bars = await fetchOhlcv(base({ untilMs: T0 + 10 * FIVE_MIN, pageLimit: 7 }));
    expectBars(bars, 0, 9);
    expect(startTimes(KLINES, mark)).toEqual([T0, T0 + 7 * FIVE_MIN]);
  });

  test('a range holding only the still-open bar makes no kline request and returns nothing', async () => {
    const mark = fx.requests.length;
    const bars = await fetchOhlcv(base({ sinceMs: T0 + 24 * FIVE_MIN }));
    expect(bars.ts_ms.length).toBe(0);
    expect(startTimes(KLINES, mark)).toEqual([]);
  });

  test('the bar that closes exactly at the clock is kept', async () => {
    const bars = await fetchOhlcv(base({ sinceMs: T0 + 20 * FIVE_MIN, nowMs: () => T0 + 25 * FIVE_MIN }));
    expectBars(bars, 20, 24); // bar 24 spans [T0+120m, T0+125m) and the clock reads T0+125m
  });

  test('transient HTTP 500s are retried and the result is unchanged; retries are logged', async () => {
    const { log, records } = captureLogger();
    const mark = fx.requests.length;
    fx.failNext(KLINES, 2);
    const bars = await fetchOhlcv(base({ pageLimit: 7, log }));
    expectBars(bars, 0, 23);
    expect(startTimes(KLINES, mark)).toEqual([0, 0, 0, 7, 14, 21].map((i) => T0 + i * FIVE_MIN));
    expect(records.filter((r) => r.msg === 'ccxt request failed, retrying').map((r) => r.retry)).toEqual([1, 2]);
  });

  test('a failure that does not clear ends in a QuantError naming exchange, symbol and since', async () => {
    const mark = fx.requests.length;
    fx.failNext(KLINES, 10);
    const err = await fetchOhlcv(base({ retry: { retries: 2, baseDelayMs: 1 } })).catch((e: unknown) => e);
    fx.failNext(KLINES, 0);
    expect(err).toBeInstanceOf(QuantError);
    expect(err).not.toBeInstanceOf(UsageError);
    const msg = (err as QuantError).message;
    expect(msg).toContain('binanceusdm');
    expect(msg).toContain('BTC/USDT:USDT');
    expect(msg).toContain(`since 2024-01-01T00:00:00.000Z (${T0} ms)`);
    expect(msg).toContain('failed after 3 attempts');
    expect(startTimes(KLINES, mark)).toEqual([T0, T0, T0]);
  });

  test('an exchange error that is not transient is not retried', async () => {
    const mark = fx.requests.length;
    fx.failNext(KLINES, 1, 400, '{"code":-1121,"msg":"Invalid symbol."}');
    const err = await fetchOhlcv(base()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuantError);
    expect((err as QuantError).message).toMatch(/BadSymbol.*Invalid symbol/);
    expect(startTimes(KLINES, mark)).toEqual([T0]);
  });

  test('progress is logged every N pages with the fetched count', async () => {
    const { log, records } = captureLogger();
    await fetchOhlcv(base({ pageLimit: 7, progressEveryPages: 2, log }));
    const progress = records.filter((r) => r.msg === 'ccxt fetch progress');
    expect(progress.map((r) => [r.pages, r.fetched])).toEqual([[2, 14], [4, 25]]); // 25 = 24 closed + the open bar
    const done = records.find((r) => r.msg === 'ccxt fetch done');
    expect(done).toMatchObject({ pages: 4, fetched: 25, kept: 24, stopped_by: 'clock' });
  });

  test('an unknown symbol is a UsageError listing close matches, and no history is requested', async () => {
    const mark = fx.requests.length;
    const err = await fetchOhlcv(base({ symbol: 'BTC/USDT' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain('unknown symbol "BTC/USDT"');
    expect((err as Error).message).toContain('Close matches: BTC/USDT:USDT');
    expect(pathsSince(mark)).toEqual(['/fapi/v1/exchangeInfo']);
  });

  test('a timeframe the exchange does not offer is a UsageError listing exchange.timeframes, before any request', async () => {
    const ex = new binanceusdm({ urls: fx.urls, rateLimit: 1 });
    delete (ex.timeframes as Record<string, unknown>)['8h'];
    const mark = fx.requests.length;
    const err = await fetchOhlcv(base({ timeframe: '8h', exchange: ex })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/timeframe "8h" is not offered.*Available: 1s, 1m, 3m, 5m/);
    expect(fx.requests.length).toBe(mark);
  });

  test('a timeframe the lake does not know is a UsageError', async () => {
    const err = await fetchOhlcv(base({ timeframe: '7m' as never })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain('unknown timeframe "7m"');
  });

  test('an unknown exchange id is a UsageError listing close matches', async () => {
    const err = await fetchOhlcv(base({ exchangeId: 'binanceusd' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/unknown exchange id "binanceusd"\. Close matches: .*binanceusdm/);
  });

  test('untilMs before sinceMs is a UsageError', async () => {
    const err = await fetchOhlcv(base({ untilMs: T0 - 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
  });
});

describe('fetchFundingHistory', () => {
  test('paginates by settlement time; a missing mark price is NaN and a zero rate stays 0', async () => {
    const mark = fx.requests.length;
    const f = await fetchFundingHistory(base({ pageLimit: 4, untilMs: T0 + 10 * EIGHT_H, nowMs: () => T0 + 10 * EIGHT_H }));
    const k = Array.from({ length: 10 }, (_, i) => fundingValues(i));
    expect(Array.from(f.ts_ms)).toEqual(k.map((x) => x.ts));
    expect(Array.from(f.funding_rate)).toEqual(k.map((x) => Number(x.rate.toFixed(8)))); // the fixture sends 8 decimals
    expect(f.funding_rate[3]).toBe(0);
    expect(Array.from(f.mark_price)).toEqual(k.map((x) => x.mark)); // NaN for settlements 0 and 1 (sent as "")
    // pages of 4 settlements, each next start = last settlement + 1 ms; the 4th page is empty and ends the loop
    expect(startTimes('/fapi/v1/fundingRate', mark)).toEqual([T0, T0 + 3 * EIGHT_H + 1, T0 + 7 * EIGHT_H + 1, T0 + 9 * EIGHT_H + 1]);
  });

  test('settlements after the clock are not returned', async () => {
    const f = await fetchFundingHistory(base({ untilMs: T0 + 10 * EIGHT_H, nowMs: () => T0 + 5 * EIGHT_H }));
    expect(Array.from(f.ts_ms)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i * EIGHT_H));
  });
});

describe('fetchOpenInterestHistory', () => {
  test('paginates observations and keeps base-unit and quote-value columns', async () => {
    const mark = fx.requests.length;
    const oi = await fetchOpenInterestHistory(base({ pageLimit: 5, untilMs: T0 + 12 * FIVE_MIN, nowMs: () => T0 + 12 * FIVE_MIN }));
    const k = Array.from({ length: 12 }, (_, i) => openInterestValues(i));
    expect(Array.from(oi.ts_ms)).toEqual(k.map((x) => x.ts));
    expect(Array.from(oi.open_interest)).toEqual(k.map((x) => x.oi));
    expect(Array.from(oi.open_interest_usd)).toEqual(k.map((x) => x.value));
    expect(startTimes('/futures/data/openInterestHist', mark)).toEqual(
      [T0, T0 + 4 * FIVE_MIN + 1, T0 + 9 * FIVE_MIN + 1, T0 + 11 * FIVE_MIN + 1],
    );
  });

  test('an exchange without the method is a UsageError', async () => {
    const ex = new binanceusdm({ urls: fx.urls, rateLimit: 1 });
    (ex.has as Record<string, unknown>).fetchOpenInterestHistory = false;
    const err = await fetchOpenInterestHistory(base({ exchange: ex })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain("exchange.has['fetchOpenInterestHistory'] is false");
  });
});
