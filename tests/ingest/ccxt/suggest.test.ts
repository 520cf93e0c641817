import { describe, expect, test } from '@jest/globals';
import { closeMatches, editDistance } from '../../../lib/ingest/ccxt/suggest.js';

describe('editDistance', () => {
  // hand-computed: kitten -> sitten -> sittin -> sitting is the textbook distance 3
  test.each([['kitten', 'sitting', 3], ['', 'abc', 3], ['okx', 'okx', 0], ['bybit', 'bybitt', 1]])('%s / %s = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closeMatches', () => {
  const ids = ['binance', 'binanceus', 'binanceusdm', 'binancecoinm', 'bybit', 'okx', 'kraken'];
  test('ranks by distance, case-insensitive, and drops far names', () => {
    expect(closeMatches('BINANCEUSD', ids)).toEqual(['binanceus', 'binanceusdm', 'binance']);
    expect(closeMatches('bybt', ids)).toEqual(['bybit']);
    expect(closeMatches('zzzzzz', ids)).toEqual([]);
  });
  test('a symbol missing its settle suffix finds the perpetual', () => {
    expect(closeMatches('BTC/USDT', ['ETH/USDT:USDT', 'BTC/USDT:USDT', 'BTC/USD:BTC'])[0]).toBe('BTC/USDT:USDT');
  });
  test('returns at most `max` names', () => {
    expect(closeMatches('binance', ids, 2)).toHaveLength(2);
  });
});
