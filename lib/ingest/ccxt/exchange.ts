/**
 * Constructing a ccxt exchange by id, loading its markets, and checking that the symbol, timeframe and method
 * exist before any history is requested. Unknown names answer with close matches.
 */
import { exchanges as ccxtExchanges } from 'ccxt';
import { UsageError } from '../../errors.js';
import type { Timeframe } from '../../timeframe.js';
import { parseUnifiedSymbol } from './market_key.js';
import type { ResolvedOptions } from './options.js';
import type { MarketShape } from './rows.js';
import { closeMatches } from './suggest.js';

/** The part of a ccxt Exchange this source uses (a real ccxt exchange satisfies it; tests may pass a fake). */
export interface CcxtExchangeLike {
  id: string;
  has: Record<string, unknown>;
  timeframes?: Record<string, unknown> | undefined;
  options?: Record<string, unknown>;
  loadMarkets(): Promise<Record<string, unknown>>;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<unknown[]>;
  fetchFundingRateHistory?(symbol?: string, since?: number, limit?: number): Promise<unknown[]>;
  fetchOpenInterestHistory?(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<unknown[]>;
  featureValue?(symbol: string, methodName?: string, paramName?: string): unknown;
}

export type HistoryMethod = 'fetchOHLCV' | 'fetchFundingRateHistory' | 'fetchOpenInterestHistory';

type ExchangeClass = new (config: Record<string, unknown>) => CcxtExchangeLike;

export function ccxtExchangeIds(): string[] {
  return Object.keys(ccxtExchanges);
}

/** The injected exchange, or a new one of class `exchangeId` with throttling on and the given overrides. */
export function openExchange(o: ResolvedOptions): CcxtExchangeLike {
  if (o.exchange !== undefined) {
    const ex = asExchange(o.exchange, o.exchangeId);
    if (o.urls !== undefined || o.rateLimitMs !== undefined) {
      o.log.warn({ exchange: ex.id }, 'ccxt: urls / rateLimitMs are not applied to an injected exchange');
    }
    return ex;
  }
  const Ctor = (ccxtExchanges as unknown as Record<string, ExchangeClass | undefined>)[o.exchangeId];
  if (typeof Ctor !== 'function' || !Object.prototype.hasOwnProperty.call(ccxtExchanges, o.exchangeId)) {
    const near = closeMatches(o.exchangeId, ccxtExchangeIds());
    throw new UsageError(
      `ccxt: unknown exchange id ${JSON.stringify(o.exchangeId)}.` +
        (near.length > 0 ? ` Close matches: ${near.join(', ')}.` : '') +
        ` ${ccxtExchangeIds().length} exchanges are available (ccxt.exchanges), e.g. binanceusdm, bybit, okx`,
    );
  }
  const config: Record<string, unknown> = {
    enableRateLimit: true,
    options: { adjustForTimeDifference: false }, // public history needs no signed requests, so no server-time call
  };
  if (o.rateLimitMs !== undefined) config.rateLimit = o.rateLimitMs;
  if (o.urls !== undefined) config.urls = o.urls;
  const ex = new Ctor(config);
  narrowMarketTypes(ex, o.symbol);
  return ex;
}

function asExchange(x: unknown, exchangeId: string): CcxtExchangeLike {
  const e = x as Partial<CcxtExchangeLike> | null;
  if (e === null || typeof e !== 'object' || typeof e.loadMarkets !== 'function' || typeof e.has !== 'object') {
    throw new UsageError(`ccxt ${exchangeId}: the injected exchange is not a ccxt exchange (no loadMarkets / has)`);
  }
  if (e.id !== exchangeId) {
    throw new UsageError(
      `ccxt: the injected exchange is ${JSON.stringify(e.id)} but exchangeId is ${JSON.stringify(exchangeId)}; ` +
        'the data would be stored under the wrong exchange. Pass the matching exchangeId',
    );
  }
  return e as CcxtExchangeLike;
}

const KNOWN_MARKET_TYPES = new Set(['spot', 'linear', 'inverse', 'swap', 'future', 'option']);

/**
 * Many exchanges load several market families (spot, linear, inverse, option), one request each. When the
 * exchange lists them in `options.fetchMarkets.types` with the usual names, keep only the families that can
 * hold `symbol`; an unusual list is left as it is.
 */
function narrowMarketTypes(ex: CcxtExchangeLike, symbol: string): void {
  const fm = ex.options?.fetchMarkets;
  const types = fm !== null && typeof fm === 'object' ? (fm as Record<string, unknown>).types : undefined;
  const parts = parseUnifiedSymbol(symbol);
  if (!Array.isArray(types) || !parts || !types.every((t) => KNOWN_MARKET_TYPES.has(String(t)))) return;
  const wanted = new Set<string>(
    parts.settle === undefined
      ? ['spot']
      : [parts.settle === parts.quote ? 'linear' : 'inverse', parts.expiry === undefined ? 'swap' : 'future'],
  );
  const narrowed = types.filter((t) => wanted.has(String(t)));
  if (narrowed.length > 0) ex.options!.fetchMarkets = { ...(fm as object), types: narrowed };
}

/** The market of `symbol` in the loaded markets, or a UsageError with close matches. */
export function requireMarket(ex: CcxtExchangeLike, markets: Record<string, unknown>, symbol: string): MarketShape {
  const m = markets[symbol];
  if (m !== null && typeof m === 'object' && Object.prototype.hasOwnProperty.call(markets, symbol)) return m as MarketShape;
  const symbols = Object.keys(markets).sort();
  const near = closeMatches(symbol, symbols);
  throw new UsageError(
    `ccxt ${ex.id}: unknown symbol ${JSON.stringify(symbol)}.` +
      (near.length > 0 ? ` Close matches: ${near.join(', ')}.` : '') +
      ` ${symbols.length} markets loaded, e.g. ${symbols.slice(0, 5).join(', ')}`,
    { hint: 'use ccxt unified symbols: BTC/USDT (spot), BTC/USDT:USDT (USDT-margined perpetual), BTC/USD:BTC (inverse)' },
  );
}

export function requireTimeframe(ex: CcxtExchangeLike, timeframe: Timeframe, symbol: string): void {
  const tfs = ex.timeframes ?? {};
  if (Object.prototype.hasOwnProperty.call(tfs, timeframe)) return;
  throw new UsageError(
    `ccxt ${ex.id} ${symbol}: timeframe ${JSON.stringify(timeframe)} is not offered by the exchange. ` +
      `Available: ${Object.keys(tfs).join(', ') || '(none listed in exchange.timeframes)'}`,
  );
}

export function requireMethod(ex: CcxtExchangeLike, method: HistoryMethod, symbol: string): void {
  const flag = ex.has[method];
  if ((flag === true || flag === 'emulated') && typeof ex[method] === 'function') return;
  const offered = (['fetchOHLCV', 'fetchFundingRateHistory', 'fetchOpenInterestHistory'] as const).filter(
    (m) => ex.has[m] === true || ex.has[m] === 'emulated',
  );
  throw new UsageError(
    `ccxt ${ex.id} ${symbol}: the exchange does not offer ${method} (exchange.has['${method}'] is ${String(flag)}). ` +
      `It offers: ${offered.join(', ') || 'none of the history methods'}`,
  );
}

/**
 * Maximum rows per request where ccxt's `features` do not say (they cover OHLCV only), from the exchanges' API
 * docs: Binance futures fundingRate 1000 and openInterestHist 500; Bybit funding/history and open-interest 200.
 */
const DOCUMENTED_LIMITS: Readonly<Record<string, Partial<Record<HistoryMethod, number>>>> = {
  binance: { fetchFundingRateHistory: 1000, fetchOpenInterestHistory: 500 },
  binanceusdm: { fetchFundingRateHistory: 1000, fetchOpenInterestHistory: 500 },
  binancecoinm: { fetchFundingRateHistory: 1000, fetchOpenInterestHistory: 500 },
  bybit: { fetchFundingRateHistory: 200, fetchOpenInterestHistory: 200 },
};

/**
 * The exchange's maximum rows per request for `method`: ccxt's `features` first, then DOCUMENTED_LIMITS;
 * undefined when unknown (the exchange's own default page size applies).
 */
export function documentedPageLimit(ex: CcxtExchangeLike, symbol: string, method: HistoryMethod): number | undefined {
  let v: unknown;
  try {
    v = typeof ex.featureValue === 'function' ? ex.featureValue(symbol, method, 'limit') : undefined;
  } catch {
    v = undefined; // featureValue throws for markets ccxt has no features for
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  return DOCUMENTED_LIMITS[ex.id]?.[method];
}
