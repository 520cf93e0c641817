/**
 * An offline stand-in for Binance USDⓈ-M futures: a node:http server on 127.0.0.1 (port 0) answering the REST
 * calls ccxt's `binanceusdm` makes for markets, klines, funding and open interest, from generated series.
 * It records every request, can fail the next N requests of a path, and answers anything else with 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { binanceusdm } from 'ccxt';

export const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00Z
export const FIVE_MIN = 300_000;
export const EIGHT_H = 28_800_000;

/** Kline i (5m, open time T0 + i*5m): the values the tests expect back, by formula. */
export function klineValues(i: number): { ts: number; open: number; high: number; low: number; close: number; volume: number } {
  const open = 100 + i * 0.5;
  return { ts: T0 + i * FIVE_MIN, open, high: open + 1.25, low: open - 0.75, close: open + 0.25, volume: 10 + (i % 7) };
}

/** Funding settlement k (8h apart from T0): rate 0.0001*(k-3) (negative, zero, positive); no mark price for k < 2. */
export function fundingValues(k: number): { ts: number; rate: number; mark: number } {
  return { ts: T0 + k * EIGHT_H, rate: 0.0001 * (k - 3), mark: k < 2 ? NaN : 40_000 + k };
}

/** Open interest observation k (5m apart from T0): 1000 + k BTC worth (1000 + k) * 40000 USDT. */
export function openInterestValues(k: number): { ts: number; oi: number; value: number } {
  return { ts: T0 + k * FIVE_MIN, oi: 1000 + k, value: (1000 + k) * 40_000 };
}

export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
}

export interface BinanceFixture {
  /** Override for ccxt: every `urls.api` entry of binanceusdm with its host replaced by this server. */
  urls: Record<string, unknown>;
  requests: RecordedRequest[];
  /** Requests of `path` (e.g. '/fapi/v1/klines'), in order. */
  requestsTo(path: string): RecordedRequest[];
  /** Answer the next `times` requests of `path` with `status` and `body` instead of data. */
  failNext(path: string, times: number, status?: number, body?: string): void;
  close(): Promise<void>;
}

export interface FixtureSizes {
  klines: number;
  funding: number;
  openInterest: number;
}

const MARKETS = ['BTCUSDT', 'ETHUSDT'].map((symbol) => ({
  symbol, pair: symbol, contractType: 'PERPETUAL', status: 'TRADING',
  baseAsset: symbol.replace('USDT', ''), quoteAsset: 'USDT', marginAsset: 'USDT',
  pricePrecision: 2, quantityPrecision: 3, onboardDate: T0 - 86_400_000, filters: [],
}));

/** Malformed answers for the bad-input corpus: each hook may rewrite the generated row i (klines) or k (funding). */
export interface FixturePatch {
  kline?: (row: unknown[], i: number) => unknown[];
  funding?: (row: Record<string, unknown>, k: number) => Record<string, unknown>;
}

export async function startBinanceFixture(sizes: FixtureSizes, patch: FixturePatch = {}): Promise<BinanceFixture> {
  const requests: RecordedRequest[] = [];
  const failures = new Map<string, { times: number; status: number; body: string }>();
  const routes: Record<string, (q: URLSearchParams) => unknown> = {
    '/fapi/v1/exchangeInfo': () => ({ timezone: 'UTC', serverTime: T0, symbols: MARKETS }),
    '/fapi/v1/klines': (q) => window(q, sizes.klines, 500, 1500, (i) => {
      const k = klineValues(i);
      const row = [k.ts, String(k.open), String(k.high), String(k.low), String(k.close), String(k.volume),
        k.ts + FIVE_MIN - 1, String(k.volume * k.close), 7, '1', String(k.close), '0'];
      return patch.kline ? patch.kline(row, i) : row;
    }, (i) => klineValues(i).ts),
    '/fapi/v1/fundingRate': (q) => window(q, sizes.funding, 100, 1000, (k) => {
      const f = fundingValues(k);
      const row = { symbol: 'BTCUSDT', fundingTime: f.ts, fundingRate: f.rate.toFixed(8), markPrice: Number.isNaN(f.mark) ? '' : String(f.mark) };
      return patch.funding ? patch.funding(row, k) : row;
    }, (k) => fundingValues(k).ts),
    '/futures/data/openInterestHist': (q) => window(q, sizes.openInterest, 30, 500, (k) => {
      const o = openInterestValues(k);
      return { symbol: 'BTCUSDT', sumOpenInterest: o.oi.toFixed(8), sumOpenInterestValue: o.value.toFixed(8), timestamp: o.ts };
    }, (k) => openInterestValues(k).ts),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const fail = failures.get(url.pathname);
    if (fail && fail.times > 0) {
      fail.times--;
      res.writeHead(fail.status, { 'content-type': 'application/json' }).end(fail.body);
      return;
    }
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":-1,"msg":"not served by the fixture"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route(url.searchParams)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: Record<string, string> = {};
  for (const [k, v] of Object.entries(new binanceusdm().urls.api as Record<string, string>)) {
    api[k] = v.replace(/^https?:\/\/[^/]+/, base);
  }
  return {
    urls: { api },
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    failNext: (path, times, status = 500, body = 'Internal Server Error') => failures.set(path, { times, status, body }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Binance semantics: rows with startTime <= ts <= endTime (each optional), the first `limit` (default, capped). */
function window(
  q: URLSearchParams, n: number, defaultLimit: number, maxLimit: number,
  row: (i: number) => unknown, tsOf: (i: number) => number,
): unknown[] {
  const start = q.has('startTime') ? Number(q.get('startTime')) : -Infinity;
  const end = q.has('endTime') ? Number(q.get('endTime')) : Infinity;
  const limit = Math.min(maxLimit, q.has('limit') ? Number(q.get('limit')) : defaultLimit);
  const out: unknown[] = [];
  for (let i = 0; i < n && out.length < limit; i++) {
    const ts = tsOf(i);
    if (ts >= start && ts <= end) out.push(row(i));
  }
  return out;
}
