import { UsageError } from '../../errors.js';
import type { InstrumentKey, Market } from '../../market.js';

/**
 * Maps a ccxt exchange id and unified symbol to the lake's instrument key. Pure: needs no markets.
 *
 * ccxt unified symbols: spot `BASE/QUOTE`, perpetual `BASE/QUOTE:SETTLE`, dated future `BASE/QUOTE:SETTLE-YYMMDD`.
 * Linear (settle = quote) -> market 'um', inverse (settle = base) -> 'cm'. The lake symbol follows Binance's ids on
 * every exchange so the same instrument has one name: BTCUSDT (spot, um perpetual), BTCUSD_PERP (cm perpetual),
 * BTCUSDT_250328 / BTCUSD_250328 (dated futures).
 */

/** ccxt ids that are views of one venue, stored under the venue's name. */
const VENUE_OF_EXCHANGE: Readonly<Record<string, string>> = {
  binanceusdm: 'binance',
  binancecoinm: 'binance',
};

const UNIFIED = /^([^/:\s-]+)\/([^/:\s-]+)(?::([^/:\s-]+)(?:-(\d{6}))?)?$/;
const LAKE_SYMBOL = /^[A-Za-z0-9_.]+$/;

export interface UnifiedSymbol {
  base: string;
  quote: string;
  settle: string | undefined; // undefined for spot
  expiry: string | undefined; // YYMMDD for dated futures
}

/** Parts of a spot, perpetual or dated-future unified symbol; undefined for anything else (options, typos). */
export function parseUnifiedSymbol(symbol: string): UnifiedSymbol | undefined {
  const m = UNIFIED.exec(symbol);
  if (!m) return undefined;
  return { base: m[1]!, quote: m[2]!, settle: m[3], expiry: m[4] };
}

export function ccxtMarketKey(exchangeId: string, symbol: string): InstrumentKey {
  const parts = parseUnifiedSymbol(symbol);
  if (!parts) {
    throw new UsageError(
      `ccxt symbol ${JSON.stringify(symbol)} on ${exchangeId}: cannot map to a lake instrument; ` +
        'expected BASE/QUOTE (spot), BASE/QUOTE:SETTLE (perpetual) or BASE/QUOTE:SETTLE-YYMMDD (dated future); options are not supported',
    );
  }
  const { base, quote, settle, expiry } = parts;
  const market = marketOf(base, quote, settle, exchangeId, symbol);
  const suffix = expiry !== undefined ? `_${expiry}` : market === 'cm' ? '_PERP' : '';
  const lakeSymbol = `${base}${quote}${suffix}`.toUpperCase();
  if (!LAKE_SYMBOL.test(lakeSymbol)) {
    throw new UsageError(
      `ccxt symbol ${JSON.stringify(symbol)} on ${exchangeId}: lake symbol ${JSON.stringify(lakeSymbol)} has characters ` +
        'that are not allowed in a partition path (letters, digits, "_" and "." only)',
    );
  }
  return { exchange: VENUE_OF_EXCHANGE[exchangeId] ?? exchangeId, market, symbol: lakeSymbol };
}

function marketOf(base: string, quote: string, settle: string | undefined, exchangeId: string, symbol: string): Market {
  if (settle === undefined) return 'spot';
  if (settle === quote) return 'um';
  if (settle === base) return 'cm';
  throw new UsageError(
    `ccxt symbol ${JSON.stringify(symbol)} on ${exchangeId}: settles in ${settle}, neither the base (${base}) nor the ` +
      'quote (' + quote + ') currency; quanto contracts have no lake market (um = linear, cm = inverse)',
  );
}
