/**
 * A local mock of the Binance spot REST API (node:http on 127.0.0.1, port 0) answering what ccxt's `binance` calls
 * for the lab's adapter and online feed: exchangeInfo (markets), ticker/24hr, klines, and signed POST/DELETE
 * /api/v3/order (create / cancel). It records every request (method, path, query, body, api-key header) and
 * refuses a signed call whose X-MBX-APIKEY is not the expected key. Nothing leaves the machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { binance } from 'ccxt';

export interface MockRequest { method: string; path: string; query: Record<string, string>; body: Record<string, string>; apiKey: string | undefined }

export interface MockExchange {
  urls: Record<string, unknown>;
  requests: MockRequest[];
  to(method: string, path: string): MockRequest[];
  /** Klines served (open time ms, o, h, l, c, v), 1m; tests append to it to make new bars appear. */
  klines: [number, number, number, number, number, number][];
  /** The clock the server answers with (klines after it are not served: the bar has not closed). */
  setNow(ms: number): void;
  close(): Promise<void>;
}

export const MOCK_KEY = 'mock-key-0123456789';
export const MOCK_SECRET = 'mock-secret-abcdefghij';

const SYMBOL = {
  symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', baseAssetPrecision: 8, quoteAsset: 'USDT', quotePrecision: 8, quoteAssetPrecision: 8,
  orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
  icebergAllowed: true, ocoAllowed: true, isSpotTradingAllowed: true, isMarginTradingAllowed: false, permissions: ['SPOT'], permissionSets: [['SPOT']],
  filters: [
    { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
    { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
  ],
};

export async function startMockExchange(nowMs: number): Promise<MockExchange> {
  const requests: MockRequest[] = [];
  let now = nowMs;
  let nextId = 1000;
  const orders = new Map<string, Record<string, unknown>>();
  const klines: MockExchange['klines'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = Object.fromEntries(url.searchParams);
      const body = Object.fromEntries(new URLSearchParams(raw));
      const apiKey = req.headers['x-mbx-apikey'] as string | undefined;
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query, body, apiKey });
      const send = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
      const signed = () => {
        if (apiKey !== MOCK_KEY) { send(401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' }); return false; }
        if (!(query.signature ?? body.signature)) { send(400, { code: -1102, msg: 'Mandatory parameter signature was not sent' }); return false; }
        return true;
      };
      const p = url.pathname;
      if (req.method === 'GET' && p === '/api/v3/exchangeInfo') return send(200, { timezone: 'UTC', serverTime: now, rateLimits: [], exchangeFilters: [], symbols: [SYMBOL] });
      if (req.method === 'GET' && p === '/api/v3/ping') return send(200, {});
      if (req.method === 'GET' && p === '/api/v3/time') return send(200, { serverTime: now });
      if (req.method === 'GET' && p === '/api/v3/ticker/24hr') {
        const last = klines.filter((k) => k[0] + 60_000 <= now).at(-1);
        const c = last ? last[4] : 40_000;
        return send(200, { symbol: 'BTCUSDT', lastPrice: String(c), bidPrice: String(c - 0.01), askPrice: String(c + 0.01), openTime: now - 86_400_000, closeTime: now, volume: '1', quoteVolume: String(c) });
      }
      if (req.method === 'GET' && p === '/api/v3/klines') {
        const start = query.startTime ? Number(query.startTime) : -Infinity;
        const end = query.endTime ? Number(query.endTime) : Infinity;
        const limit = Math.min(1000, query.limit ? Number(query.limit) : 500);
        // Binance serves the bar in progress too (its close time is in the future): the feed must drop it
        const rows = klines.filter((k) => k[0] >= start && k[0] <= end && k[0] <= now).slice(0, limit)
          .map((k) => [k[0], String(k[1]), String(k[2]), String(k[3]), String(k[4]), String(k[5]), k[0] + 59_999, String(k[5] * k[4]), 10, '0', '0', '0']);
        return send(200, rows);
      }
      if (p === '/api/v3/order' && req.method === 'POST') {
        if (!signed()) return;
        const id = nextId++;
        const o = { symbol: body.symbol, orderId: id, clientOrderId: body.newClientOrderId, transactTime: now, price: body.price ?? '0', origQty: body.quantity, executedQty: '0', cummulativeQuoteQty: '0', status: 'NEW', timeInForce: body.timeInForce ?? 'GTC', type: body.type, side: body.side, fills: [] };
        orders.set(String(id), o);
        orders.set(`c:${body.newClientOrderId}`, o);
        return send(200, o);
      }
      if (p === '/api/v3/order' && req.method === 'DELETE') {
        if (!signed()) return;
        const o = orders.get(query.orderId ?? '') ?? orders.get(`c:${query.origClientOrderId}`);
        if (!o) return send(400, { code: -2011, msg: 'Unknown order sent.' });
        o.status = 'CANCELED';
        return send(200, o);
      }
      send(404, { code: -1, msg: `not served by the mock: ${req.method} ${p}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: Record<string, string> = {};
  for (const [k, v] of Object.entries(new binance().urls.api as Record<string, string>)) api[k] = v.replace(/^https?:\/\/[^/]+/, base);
  return {
    urls: { api },
    requests,
    to: (method, path) => requests.filter((r) => r.method === method && r.path === path),
    klines,
    setNow: (ms) => { now = ms; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
