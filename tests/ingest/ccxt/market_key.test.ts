import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../../lib/errors.js';
import { ccxtMarketKey, parseUnifiedSymbol } from '../../../lib/ingest/ccxt/market_key.js';

// Expected lake symbols are Binance's own ids for the same instruments (exchangeInfo: BTCUSDT, BTCUSD_PERP, BTCUSDT_250328).
describe('ccxtMarketKey', () => {
  test.each([
    ['binanceusdm', 'BTC/USDT:USDT', { exchange: 'binance', market: 'um', symbol: 'BTCUSDT' }],
    ['binancecoinm', 'BTC/USD:BTC', { exchange: 'binance', market: 'cm', symbol: 'BTCUSD_PERP' }],
    ['binance', 'ETH/USDT', { exchange: 'binance', market: 'spot', symbol: 'ETHUSDT' }],
    ['binanceusdm', 'BTC/USDT:USDT-250328', { exchange: 'binance', market: 'um', symbol: 'BTCUSDT_250328' }],
    ['binancecoinm', 'ETH/USD:ETH-250627', { exchange: 'binance', market: 'cm', symbol: 'ETHUSD_250627' }],
    ['bybit', '1000PEPE/USDT:USDT', { exchange: 'bybit', market: 'um', symbol: '1000PEPEUSDT' }],
    ['okx', 'BTC/USDT:USDT', { exchange: 'okx', market: 'um', symbol: 'BTCUSDT' }],
  ])('%s %s', (exchangeId, symbol, key) => {
    expect(ccxtMarketKey(exchangeId, symbol)).toEqual(key);
  });

  test('options, quanto contracts and malformed symbols are UsageErrors', () => {
    expect(() => ccxtMarketKey('binance', 'BTC/USDT:USDT-250328-60000-C')).toThrow(UsageError);
    expect(() => ccxtMarketKey('bitmex', 'ETH/USD:BTC')).toThrow(/neither the base \(ETH\) nor the quote \(USD\)/);
    expect(() => ccxtMarketKey('binance', 'BTCUSDT')).toThrow(/expected BASE\/QUOTE/);
  });
});

describe('parseUnifiedSymbol', () => {
  test('splits base, quote, settle and expiry', () => {
    expect(parseUnifiedSymbol('BTC/USDT:USDT-250328')).toEqual({ base: 'BTC', quote: 'USDT', settle: 'USDT', expiry: '250328' });
    expect(parseUnifiedSymbol('BTC/USDT')).toEqual({ base: 'BTC', quote: 'USDT', settle: undefined, expiry: undefined });
    expect(parseUnifiedSymbol('BTC-PERP')).toBeUndefined();
  });
});
