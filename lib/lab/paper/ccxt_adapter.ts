/**
 * The ccxt broker adapter (docs/lab.md "ccxt broker adapter"): turns the paper loop's orders (the engine's order
 * log: submissions and cancels) into the exchange's own requests, built by ccxt itself (`createOrderRequest`, the
 * function ccxt's `createOrder` sends), and either
 *   - `dry-run`: builds every request and appends it to `adapter_logs.jsonl` without sending anything (no keys
 *     needed; markets come from the exchange's public endpoint or are given), or
 *   - `send`: sends it (`createOrder` / `cancelOrder`) with the keys from the environment (CCXT_API_KEY /
 *     CCXT_API_SECRET) and logs the request and the exchange's answer.
 * Keys are held by the ccxt instance only: they are never logged, written or part of an error message (the log
 * names where they came from). Exchanges whose ccxt class has no `createOrderRequest` (the binance family has it)
 * are refused: their request could not be shown without sending it.
 */
import { appendFileSync } from 'node:fs';
import * as ccxt from 'ccxt';
import { DataError, UsageError } from '../../errors.js';
import type { MarketRules } from './quantize.js';

export type AdapterMode = 'dry-run' | 'send';

/** One order as the paper loop submits it (the engine's kinds; a stop is a stop-loss market order). */
export interface AdapterOrder {
  symbol: string; // ccxt unified symbol, e.g. BTC/USDT
  kind: 'market' | 'limit' | 'stop';
  /** Signed quantity (+ buy). */
  qty: number;
  /** Limit price (limit) or trigger price (stop); none for market. */
  price?: number | undefined;
  reduceOnly?: boolean | undefined;
  clientOrderId: string;
}

/** An order as ccxt builds it: what createOrder is called with, and the unsigned request and endpoint for the log. */
export interface BuiltOrder {
  type: string; side: string; amount: number; price: number | undefined;
  params: Record<string, unknown>; request: Record<string, unknown>; endpoint: AdapterLogLine['endpoint'];
}

export interface AdapterLogLine {
  adapter: 'ccxt';
  exchange: string;
  mode: AdapterMode;
  at_utc: string;
  op: 'create_order' | 'cancel_order';
  /** The endpoint the request goes to (method and path of the exchange's REST API). */
  endpoint: { method: string; url: string };
  /** The request parameters exactly as built by ccxt (unsigned: no key, no signature). */
  request: Record<string, unknown>;
  sent: boolean;
  response?: { id: string | null; status: string | null; filled: number | null; average: number | null } | undefined;
  error?: string | undefined;
}

export interface CcxtLike {
  id: string;
  urls: { api: Record<string, string> };
  markets?: Record<string, unknown>;
  apiKey?: string;
  secret?: string;
  loadMarkets(): Promise<Record<string, unknown>>;
  setMarkets(m: unknown[]): unknown;
  market(symbol: string): Record<string, unknown> & { id: string; spot?: boolean; linear?: boolean; inverse?: boolean; contract?: boolean; precision: { amount?: number; price?: number }; limits: { cost?: { min?: number } } };
  createOrderRequest?(symbol: string, type: string, side: string, amount: number, price?: number, params?: Record<string, unknown>): Record<string, unknown>;
  createOrder(symbol: string, type: string, side: string, amount: number, price?: number, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  cancelOrder(id: string, symbol: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  fetchOrder(id: string, symbol: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  fetchMyTrades(symbol: string, since?: number, limit?: number, params?: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  milliseconds(): number;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<unknown[]>;
  fetchTicker(symbol: string): Promise<{ last?: number; bid?: number; ask?: number; timestamp?: number }>;
  amountToPrecision(symbol: string, amount: number): string;
}

export interface CcxtAdapterOptions {
  exchangeId: string;
  mode: AdapterMode;
  /** adapter_logs.jsonl path (appended synchronously, one line per request). */
  logFile: string;
  /** ccxt `urls` override (tests: the local mock exchange). */
  urls?: Record<string, unknown> | undefined;
  /** Only in `send` mode: the environment the keys are read from. */
  env?: Record<string, string | undefined> | undefined;
  /** The clock written in the log (a pinned clock makes the log reproducible). */
  nowMs: () => number;
  /** Markets given instead of loaded (ccxt unified market structures): the dry-run needs no network then. */
  markets?: unknown[] | undefined;
  /** ccxt's request throttle in send mode (default on; off only for a virtual clock in tests, where it only waits). */
  throttle?: boolean | undefined;
}

/**
 * A ccxt exchange for the lab: markets only (no currencies or margin pairs: they need keys and are not used; binance:
 * its spot markets), no server-time call, the keys only when given.
 */
export function openCcxt(exchangeId: string, o: { urls?: Record<string, unknown> | undefined; keys?: { apiKey: string; secret: string } | undefined; rateLimit?: boolean }): CcxtLike {
  const Ctor = (ccxt as unknown as Record<string, new (c: Record<string, unknown>) => CcxtLike>)[exchangeId];
  if (typeof Ctor !== 'function' || !Object.prototype.hasOwnProperty.call(ccxt.exchanges, exchangeId)) {
    throw new UsageError(`--exchange ${JSON.stringify(exchangeId)} is not a ccxt exchange id`, { hint: 'e.g. binance (spot) or binanceusdm (USD-M perpetuals)' });
  }
  const config: Record<string, unknown> = {
    enableRateLimit: o.rateLimit ?? true,
    options: { adjustForTimeDifference: false, fetchCurrencies: false, fetchMargins: false, ...(exchangeId === 'binance' ? { fetchMarkets: { types: ['spot'] } } : {}) },
  };
  if (o.urls !== undefined) config.urls = o.urls;
  if (o.keys !== undefined) { config.apiKey = o.keys.apiKey; config.secret = o.keys.secret; }
  return new Ctor(config);
}

const API_FOR = (m: { spot?: boolean; linear?: boolean; inverse?: boolean }): string => (m.linear ? 'fapiPrivate' : m.inverse ? 'dapiPrivate' : 'private');

export class CcxtBrokerAdapter {
  readonly mode: AdapterMode;
  private readonly ex: CcxtLike;
  private readonly o: CcxtAdapterOptions;
  private loaded = false;
  /** Exchange order ids by client order id (send mode). */
  private readonly ids = new Map<string, string>();

  constructor(o: CcxtAdapterOptions) {
    this.o = o;
    this.mode = o.mode;
    let keys: { apiKey: string; secret: string } | undefined;
    if (o.mode === 'send') {
      const key = o.env?.CCXT_API_KEY;
      const secret = o.env?.CCXT_API_SECRET;
      const missing = [key ? '' : 'CCXT_API_KEY', secret ? '' : 'CCXT_API_SECRET'].filter(Boolean);
      if (missing.length) throw new UsageError(`the ccxt adapter sends orders only with ${missing.join(' and ')} in the environment`, { hint: 'export them (never pass keys as flags); or use the dry-run mode, which needs no keys' });
      keys = { apiKey: key!, secret: secret! };
    }
    this.ex = openCcxt(o.exchangeId, { urls: o.urls, keys, rateLimit: o.mode === 'send' && o.throttle !== false });
    // signed requests carry the adapter's clock (Date.now in the CLI; a test's pinned clock)
    if (o.mode === 'send') this.ex.milliseconds = () => Math.floor(o.nowMs());
    if (typeof this.ex.createOrderRequest !== 'function') {
      throw new UsageError(`ccxt ${o.exchangeId} cannot build an order request without sending it (no createOrderRequest)`, { hint: 'use an exchange of the binance family (binance, binanceusdm)' });
    }
    if (o.markets !== undefined) { this.ex.setMarkets(o.markets); this.loaded = true; }
  }

  get exchangeId(): string { return this.ex.id; }

  private async ready(): Promise<void> {
    if (this.loaded) return;
    try {
      await this.ex.loadMarkets();
    } catch (e) {
      throw new DataError(`ccxt ${this.ex.id}: loading the markets failed: ${scrub((e as Error).message, this.o.env)}`, { file: this.ex.urls.api.public ?? this.ex.id, field: 'exchangeInfo' }, { hint: 'check the network (or --adapter-urls) and the exchange id' });
    }
    this.loaded = true;
  }

  /** The market's lot size, tick size and minimum notional (the order generator's rules). */
  async rules(symbol: string): Promise<MarketRules & { market_id: string }> {
    await this.ready();
    const m = this.market(symbol);
    const lot = m.precision.amount;
    const tick = m.precision.price;
    if (!(typeof lot === 'number' && lot > 0 && typeof tick === 'number' && tick > 0)) {
      throw new DataError(`ccxt ${this.ex.id} ${symbol}: no amount/price precision in the market`, { file: this.ex.id, field: 'precision', value: JSON.stringify(m.precision) });
    }
    return { lot_size: lot, tick_size: tick, min_notional: m.limits.cost?.min ?? 0, market_id: m.id };
  }

  async ticker(symbol: string): Promise<{ last: number | null; bid: number | null; ask: number | null; ts_ms: number | null }> {
    await this.ready();
    const t = await this.ex.fetchTicker(symbol);
    return { last: t.last ?? null, bid: t.bid ?? null, ask: t.ask ?? null, ts_ms: t.timestamp ?? null };
  }

  private market(symbol: string): ReturnType<CcxtLike['market']> {
    try {
      return this.ex.market(symbol);
    } catch {
      throw new UsageError(`ccxt ${this.ex.id} has no market ${JSON.stringify(symbol)}`, { hint: 'a ccxt unified symbol, e.g. BTC/USDT (spot) or BTC/USDT:USDT (perpetual)' });
    }
  }

  /** Markets loaded (or given): the synchronous builders below may be used. */
  async prepare(): Promise<void> { await this.ready(); }

  /** The dry-run log line of an order, synchronously (markets must be ready: `prepare`); not appended. */
  dryRunLine(o: AdapterOrder, atMs: number): AdapterLogLine {
    if (!this.loaded) throw new Error('CcxtBrokerAdapter.dryRunLine before prepare()');
    const m = this.market(o.symbol);
    const side = o.qty > 0 ? 'buy' : 'sell';
    const params: Record<string, unknown> = { newClientOrderId: o.clientOrderId };
    if (o.kind === 'stop') params.stopLossPrice = o.price;
    if (o.reduceOnly && m.contract) params.reduceOnly = true;
    const request = this.ex.createOrderRequest!(o.symbol, o.kind === 'limit' ? 'limit' : 'market', side, Math.abs(o.qty), o.kind === 'limit' ? o.price : undefined, params);
    const base = this.ex.urls.api[API_FOR(m)] ?? this.ex.urls.api.private ?? '';
    return { adapter: 'ccxt', exchange: this.ex.id, mode: 'dry-run', at_utc: new Date(atMs).toISOString(), op: 'create_order', endpoint: { method: 'POST', url: `${base}/order` }, request, sent: false };
  }

  /** The dry-run log line of a cancel, synchronously (markets ready). */
  dryRunCancelLine(symbol: string, clientOrderId: string, atMs: number): AdapterLogLine {
    const m = this.market(symbol);
    const base = this.ex.urls.api[API_FOR(m)] ?? this.ex.urls.api.private ?? '';
    return { adapter: 'ccxt', exchange: this.ex.id, mode: 'dry-run', at_utc: new Date(atMs).toISOString(), op: 'cancel_order', endpoint: { method: 'DELETE', url: `${base}/order` }, request: { symbol: m.id, origClientOrderId: clientOrderId }, sent: false };
  }

  /** The exchange request for the order, as ccxt builds it (unsigned). */
  async build(o: AdapterOrder): Promise<BuiltOrder> {
    await this.ready();
    const m = this.market(o.symbol);
    if (!(Number.isFinite(o.qty) && o.qty !== 0)) throw new UsageError(`adapter order ${o.clientOrderId}: qty must be finite and non-zero, was ${o.qty}`);
    const side = o.qty > 0 ? 'buy' : 'sell';
    const amount = Math.abs(o.qty);
    const type = o.kind === 'limit' ? 'limit' : 'market';
    const params: Record<string, unknown> = { newClientOrderId: o.clientOrderId };
    if (o.kind === 'stop') params.stopLossPrice = o.price;
    if (o.reduceOnly && m.contract) params.reduceOnly = true; // spot has no reduce-only flag (the guard keeps it reducing)
    const price = o.kind === 'limit' ? o.price : undefined;
    let request: Record<string, unknown>;
    try {
      request = this.ex.createOrderRequest!(o.symbol, type, side, amount, price, { ...params });
    } catch (e) {
      throw new DataError(`ccxt ${this.ex.id} refuses the order ${o.clientOrderId} (${o.kind} ${side} ${amount} ${o.symbol}${o.price !== undefined ? ` @ ${o.price}` : ''}): ${(e as Error).message}`, { file: 'adapter', field: 'order', value: o.clientOrderId });
    }
    const api = API_FOR(m);
    const base = this.ex.urls.api[api] ?? this.ex.urls.api.private ?? '';
    return { type, side, amount, price, params, request, endpoint: { method: 'POST', url: `${base}/order` } };
  }

  /** Build (and in send mode send) one order; returns its log line (also appended to the log). */
  async submit(o: AdapterOrder): Promise<AdapterLogLine> {
    const b = await this.build(o);
    const line = this.line('create_order', b.endpoint, b.request);
    if (this.mode === 'send') await this.createOrder(o, b, line);
    this.append(line);
    return line;
  }

  /**
   * Send one built order: the exchange's answer (or the scrubbed error text) goes into `line`, the exchange id is
   * remembered under the client id. Returns the error thrown by ccxt, if any (for its class).
   */
  private async createOrder(o: AdapterOrder, b: BuiltOrder, line: AdapterLogLine): Promise<unknown> {
    line.sent = true;
    try {
      line.response = answerOf(await this.ex.createOrder(o.symbol, b.type, b.side, b.amount, b.price, b.params));
      if (line.response.id !== null) this.ids.set(o.clientOrderId, line.response.id);
      return undefined;
    } catch (e) {
      line.error = this.errorText(e);
      return e;
    }
  }

  private line(op: AdapterLogLine['op'], endpoint: AdapterLogLine['endpoint'], request: Record<string, unknown>): AdapterLogLine {
    return { adapter: 'ccxt', exchange: this.ex.id, mode: this.mode, at_utc: new Date(this.o.nowMs()).toISOString(), op, endpoint, request, sent: false };
  }

  /** Cancel by client order id (dry-run: the request only). */
  async cancel(symbol: string, clientOrderId: string): Promise<AdapterLogLine> {
    await this.ready();
    const m = this.market(symbol);
    const base = this.ex.urls.api[API_FOR(m)] ?? this.ex.urls.api.private ?? '';
    const request = { symbol: m.id, origClientOrderId: clientOrderId };
    const line = this.line('cancel_order', { method: 'DELETE', url: `${base}/order` }, request);
    if (this.mode === 'send') {
      line.sent = true;
      try {
        const id = this.ids.get(clientOrderId);
        line.response = answerOf(await this.ex.cancelOrder(id ?? clientOrderId, symbol, id === undefined ? { origClientOrderId: clientOrderId } : {}));
      } catch (e) {
        line.error = this.errorText(e);
      }
    }
    this.append(line);
    return line;
  }

  /**
   * Send mode, for a live session's router: place the order and return the exchange's answer, or the failure
   * classified: `network` (no answer: the order may or may not be at the exchange; query it, never re-send),
   * `auth` (the key was refused), `rejected` (the exchange refused the order). Logged like `submit`.
   */
  async place(o: AdapterOrder): Promise<{ ok: true; id: string; status: string | null } | { ok: false; kind: 'network' | 'auth' | 'rejected'; message: string }> {
    if (this.mode !== 'send') throw new Error('CcxtBrokerAdapter.place in dry-run mode');
    const b = await this.build(o);
    const line = this.line('create_order', b.endpoint, b.request);
    const e = await this.createOrder(o, b, line);
    this.append(line);
    if (e === undefined && line.response?.id) return { ok: true, id: line.response.id, status: line.response.status };
    // an answer without an order id leaves the order's state unknown, like no answer: looked up by client id, never re-sent
    if (e === undefined) return { ok: false, kind: 'network', message: 'the exchange answered without an order id' };
    return { ok: false, kind: e instanceof ccxt.NetworkError ? 'network' : e instanceof ccxt.AuthenticationError ? 'auth' : 'rejected', message: line.error! };
  }

  /** Send mode: the order by its client order id (`undefined`: the exchange does not know it); errors thrown scrubbed. */
  async orderByClientId(symbol: string, clientOrderId: string): Promise<{ id: string; status: string; filled: number; amount: number } | undefined> {
    await this.ready();
    try {
      const r = await this.ex.fetchOrder('', symbol, { origClientOrderId: clientOrderId });
      return { id: String(r.id), status: String(r.status), filled: Number(r.filled ?? 0), amount: Number(r.amount ?? 0) };
    } catch (e) {
      if (e instanceof ccxt.OrderNotFound) return undefined;
      throw this.scrubbed(e);
    }
  }

  /** Send mode: the account's trades of one exchange order (id, signed qty, price, fee with its currency, time). */
  async orderTrades(symbol: string, exchangeId: string): Promise<{ id: string; qty: number; price: number; fee: number; feeCurrency: string | null; ts_ms: number; maker: boolean }[]> {
    await this.ready();
    try {
      const rows = await this.ex.fetchMyTrades(symbol, undefined, undefined, { orderId: exchangeId });
      return rows.filter((t) => String(t.order) === exchangeId).map((t) => {
        const fee = t.fee as { cost?: number; currency?: string } | undefined;
        return { id: String(t.id), qty: (t.side === 'sell' ? -1 : 1) * Number(t.amount), price: Number(t.price), fee: Number(fee?.cost ?? 0), feeCurrency: fee?.currency ?? null, ts_ms: Number(t.timestamp), maker: t.takerOrMaker === 'maker' };
      });
    } catch (e) {
      throw this.scrubbed(e);
    }
  }

  /** Send mode: cancel by client order id; the exchange's answer, or the scrubbed error text (e.g. already filled). */
  async cancelByClientId(symbol: string, clientOrderId: string): Promise<{ ok: boolean; status: string | null; message: string | null }> {
    const line = await this.cancel(symbol, clientOrderId);
    return { ok: line.error === undefined, status: line.response?.status ?? null, message: line.error ?? null };
  }

  private scrubbed(e: unknown): Error {
    const err = new Error(this.errorText(e));
    (err as Error & { network?: boolean }).network = e instanceof ccxt.NetworkError;
    return err;
  }

  /** The error's class and message with the key and the secret blanked. */
  private errorText(e: unknown): string {
    return scrub(`${(e as Error).constructor.name}: ${(e as Error).message}`, this.o.env);
  }

  private append(line: AdapterLogLine): void {
    appendFileSync(this.o.logFile, JSON.stringify(line) + '\n');
  }
}

/** The parts of a ccxt order answer the log keeps. */
function answerOf(r: { id?: unknown; status?: unknown; filled?: unknown; average?: unknown }): NonNullable<AdapterLogLine['response']> {
  return {
    id: r.id === undefined || r.id === null ? null : String(r.id), status: (r.status as string | undefined) ?? null,
    filled: (r.filled as number | undefined) ?? null, average: (r.average as number | undefined) ?? null,
  };
}

/** An error text with the key and the secret blanked (exchanges echo requests, signatures and sometimes keys). */
function scrub(s: string, env: Record<string, string | undefined> | undefined): string {
  let out = s.replace(/signature=[0-9a-f]+/gi, 'signature=***');
  for (const k of ['CCXT_API_KEY', 'CCXT_API_SECRET']) {
    const v = env?.[k];
    if (v) out = out.split(v).join('***');
  }
  return out;
}

/** A lake symbol as a ccxt unified spot symbol (BTCUSDT -> BTC/USDT; a symbol without a known quote: X/USDT). */
export function unifiedSymbol(symbol: string): string {
  if (symbol.includes('/')) return symbol;
  const m = /^([A-Z0-9]+?)(USDT|USDC|BUSD|FDUSD|BTC|ETH)$/.exec(symbol);
  return m ? `${m[1]}/${m[2]}` : `${symbol}/USDT`;
}

/**
 * The adapter's dry-run as a session's order mirror (session.ts `mirror`): binance spot requests built by ccxt on
 * markets made from the session's rules (no network), client order ids `ql-<session 8 hex>-<order id>`.
 */
export async function ccxtDryRunMirror(symbols: string[], rules: MarketRules): Promise<(e: { event: string; kind: 'market' | 'limit' | 'stop'; qty: number; price?: number | undefined; orderId: number }, symbol: string, atMs: number, sessionId: string) => Record<string, unknown> | undefined> {
  const ad = new CcxtBrokerAdapter({ exchangeId: 'binance', mode: 'dry-run', logFile: '/dev/null', nowMs: () => 0, markets: symbols.map((s) => spotMarketFromRules(unifiedSymbol(s), rules)) });
  await ad.prepare();
  return (e, symbol, atMs, sid) => {
    const cid = `ql-${sid.slice(3, 11)}-${e.orderId}`;
    if (e.event === 'submitted') return { ...ad.dryRunLine({ symbol: unifiedSymbol(symbol), kind: e.kind, qty: e.qty, price: e.price, clientOrderId: cid }, atMs) };
    if (e.event === 'cancelled' || e.event === 'expired') return { ...ad.dryRunCancelLine(unifiedSymbol(symbol), cid, atMs) };
    return undefined;
  };
}

/** A ccxt unified spot market built from market rules (the regression fixture: no network). */
export function spotMarketFromRules(symbol: string, rules: MarketRules): unknown {
  const [base, quote] = symbol.split('/') as [string, string];
  const id = `${base}${quote}`;
  return {
    id, symbol, base, quote, baseId: base, quoteId: quote, type: 'spot', spot: true, margin: false, swap: false, future: false, option: false, contract: false,
    linear: undefined, inverse: undefined, active: true, precision: { amount: rules.lot_size, price: rules.tick_size },
    limits: { amount: { min: rules.lot_size, max: undefined }, price: { min: rules.tick_size, max: undefined }, cost: { min: rules.min_notional, max: undefined } },
    info: { symbol: id, status: 'TRADING', orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'] },
  };
}
