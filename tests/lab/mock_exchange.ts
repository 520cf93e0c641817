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

/** An order as the mock's matching engine holds it (Binance's order fields, numbers as strings). */
export type MockOrder = Record<string, unknown> & { orderId: number; clientOrderId: string; status: string; origQty: string; executedQty: string; cummulativeQuoteQty: string; side: string; type: string; price: string; stopPrice: string; time: number };
export interface MockTrade { symbol: string; id: number; orderId: number; price: string; qty: string; quoteQty: string; commission: string; commissionAsset: string; time: number; isBuyer: boolean; isMaker: boolean; isBestMatch: boolean }

export interface MockExchange {
  urls: Record<string, unknown>;
  /** Orders by exchange id and trades, as the matching engine made them. */
  orders: Map<number, MockOrder>;
  trades: MockTrade[];
  /**
   * Trading settings: `follow` (the clock follows the `timestamp` of signed requests and klines are served
   * whatever the clock: the client's clock decides what has closed), the largest quantity one order fills per bar
   * (partial fills), a reject rule (a message: answered as Binance's -2010), and how many order placements are
   * accepted but never answered (the connection is dropped: a timeout whose outcome the client does not know), and how
   * many are lost on the way (dropped without an order: the same timeout for the client); `hideTrades`: that many
   * myTrades answers are empty (an exchange whose trade list lags its order status).
   */
  trading: { follow: boolean; maxFillPerBar: number; reject?: ((body: Record<string, string>) => string | undefined) | undefined; dropAnswers: number; loseRequests: number; hideTrades: number; feeRate: number };
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
  let nextTrade = 1;
  const orders = new Map<number, MockOrder>();
  const byClient = new Map<string, MockOrder>();
  const trades: MockTrade[] = [];
  const trading: MockExchange['trading'] = { follow: false, maxFillPerBar: Infinity, dropAnswers: 0, loseRequests: 0, hideTrades: 0, feeRate: 0.001 };
  const TF = 60_000;
  const num = (x: number) => String(Math.round(x * 1e8) / 1e8);
  // the matching engine: every open order against each closed kline that began after it was placed (a market order
  // at that kline's open; a limit when the kline trades through it; a stop on touch), at most maxFillPerBar per kline
  const match = () => {
    for (const o of orders.values()) {
      if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') continue;
      for (const k of klines) {
        if (k[0] + TF > now || k[0] + TF <= o.time || (o.lastBar as number | undefined ?? -Infinity) >= k[0]) continue;
        o.lastBar = k[0];
        const [t, op, hi, lo] = k;
        const buy = o.side === 'BUY';
        const px = Number(o.price);
        const stop = Number(o.stopPrice);
        let ref: number | undefined;
        let maker = false;
        if (o.type === 'MARKET') ref = op;
        else if (o.type === 'LIMIT') {
          if (buy ? lo < px : hi > px) { ref = buy ? Math.min(op, px) : Math.max(op, px); maker = buy ? op >= px : op <= px; }
        } else if (o.type === 'STOP_LOSS') {
          if (buy ? hi >= stop : lo <= stop) ref = buy ? Math.max(op, stop) : Math.min(op, stop);
        }
        if (ref === undefined) continue;
        const rest = Number(o.origQty) - Number(o.executedQty);
        const q = Math.min(rest, trading.maxFillPerBar);
        const at = Math.max(t, o.time) + 1;
        trades.push({ symbol: 'BTCUSDT', id: nextTrade++, orderId: o.orderId, price: num(ref), qty: num(q), quoteQty: num(q * ref), commission: num(q * ref * trading.feeRate), commissionAsset: 'USDT', time: at, isBuyer: buy, isMaker: maker, isBestMatch: true });
        o.executedQty = num(Number(o.executedQty) + q);
        o.cummulativeQuoteQty = num(Number(o.cummulativeQuoteQty) + q * ref);
        o.status = Number(o.executedQty) >= Number(o.origQty) - 1e-12 ? 'FILLED' : 'PARTIALLY_FILLED';
        o.updateTime = at;
        if (o.status === 'FILLED') break;
      }
    }
  };
  const view = (o: MockOrder) => { const { lastBar, ...v } = o; void lastBar; return v; };
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
      const stamp = Number(query.timestamp ?? body.timestamp);
      if (trading.follow && Number.isFinite(stamp) && stamp > now) now = stamp;
      match();
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
        const rows = klines.filter((k) => k[0] >= start && k[0] <= end && (trading.follow || k[0] <= now)).slice(0, limit)
          .map((k) => [k[0], String(k[1]), String(k[2]), String(k[3]), String(k[4]), String(k[5]), k[0] + 59_999, String(k[5] * k[4]), 10, '0', '0', '0']);
        return send(200, rows);
      }
      if (p === '/api/v3/order' && req.method === 'POST') {
        if (!signed()) return;
        const why = trading.reject?.(body);
        if (why !== undefined) return send(400, { code: -2010, msg: why });
        if (trading.loseRequests > 0) { trading.loseRequests--; req.socket.destroy(); return; }
        if (byClient.has(body.newClientOrderId ?? '')) return send(400, { code: -2010, msg: 'Duplicate order sent.' });
        const id = nextId++;
        const o: MockOrder = {
          symbol: body.symbol ?? '', orderId: id, clientOrderId: body.newClientOrderId ?? `mock-${id}`, transactTime: now, time: now, updateTime: now, workingTime: now, price: body.price ?? '0',
          stopPrice: body.stopPrice ?? '0', origQty: body.quantity ?? '0', executedQty: '0', cummulativeQuoteQty: '0', status: 'NEW', timeInForce: body.timeInForce ?? 'GTC', type: body.type ?? '', side: body.side ?? '',
        };
        orders.set(id, o);
        byClient.set(o.clientOrderId, o);
        if (trading.dropAnswers > 0) { trading.dropAnswers--; req.socket.destroy(); return; }
        return send(200, { ...view(o), fills: [] });
      }
      const find = () => (query.orderId !== undefined ? orders.get(Number(query.orderId)) : byClient.get(query.origClientOrderId ?? ''));
      if (p === '/api/v3/order' && req.method === 'GET') {
        if (!signed()) return;
        const o = find();
        return o ? send(200, view(o)) : send(400, { code: -2013, msg: 'Order does not exist.' });
      }
      if (p === '/api/v3/myTrades' && req.method === 'GET') {
        if (!signed()) return;
        if (trading.hideTrades > 0) { trading.hideTrades--; return send(200, []); }
        return send(200, trades.filter((t) => query.orderId === undefined || t.orderId === Number(query.orderId)));
      }
      if (p === '/api/v3/order' && req.method === 'DELETE') {
        if (!signed()) return;
        const o = find();
        if (!o || o.status === 'FILLED' || o.status === 'CANCELED') return send(400, { code: -2011, msg: 'Unknown order sent.' });
        o.status = 'CANCELED';
        return send(200, view(o));
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
    orders,
    trades,
    trading,
    to: (method, path) => requests.filter((r) => r.method === method && r.path === path),
    klines,
    setNow: (ms) => { now = ms; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
