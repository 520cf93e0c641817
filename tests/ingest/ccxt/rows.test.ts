import { describe, expect, test } from '@jest/globals';
import { DataError } from '../../../lib/errors.js';
import {
  barColumns, fundingRow, inRange, ohlcvRow, openInterestRow, sortDedup, toNumber,
} from '../../../lib/ingest/ccxt/rows.js';

const src = { label: 'ccxt test X/Y fetchOHLCV since=...' };

describe('toNumber', () => {
  test('missing or non-numeric values are NaN, never 0; zero stays zero', () => {
    for (const v of [undefined, null, '', '  ', 'abc', Infinity, NaN, {}, []]) expect(toNumber(v)).toBeNaN();
    expect(toNumber(0)).toBe(0);
    expect(toNumber('0')).toBe(0);
    expect(toNumber('0.00010000')).toBe(0.0001);
  });
});

describe('row parsers', () => {
  test('an OHLCV row with a missing volume has NaN volume', () => {
    expect(ohlcvRow([1000, 1, 2, 0.5, 1.5, undefined], src, 0)).toEqual([1000, 1, 2, 0.5, 1.5, NaN]);
  });
  test('a row without a usable timestamp is a DataError naming the source and row', () => {
    expect(() => ohlcvRow([undefined, 1, 2, 3, 4, 5], src, 3)).toThrow(DataError);
    expect(() => ohlcvRow([1.5, 1, 2, 3, 4, 5], src, 3)).toThrow(/ccxt test X\/Y fetchOHLCV since=\.\.\.:3 timestamp/);
  });
  test('funding mark price comes from the entry, else from info.markPrice, else NaN', () => {
    expect(fundingRow({ timestamp: 8, fundingRate: 0.0001, markPrice: 5 }, src, 0)).toEqual([8, 0.0001, 5]);
    expect(fundingRow({ timestamp: 8, fundingRate: 0, info: { markPrice: '40000.5' } }, src, 0)).toEqual([8, 0, 40000.5]);
    expect(fundingRow({ timestamp: 8, fundingRate: undefined, info: { markPrice: '' } }, src, 0)).toEqual([8, NaN, NaN]);
  });
  test('open interest in base units: baseVolume, else contracts x contract size for linear, else NaN', () => {
    const linear = { linear: true, contractSize: 0.01 };
    expect(openInterestRow({ timestamp: 1, baseVolume: 7, openInterestAmount: 700, openInterestValue: 9 }, src, 0, linear)).toEqual([1, 7, 9]);
    expect(openInterestRow({ timestamp: 1, openInterestAmount: 700 }, src, 0, linear)).toEqual([1, 7, NaN]); // 700 x 0.01
    expect(openInterestRow({ timestamp: 1, openInterestAmount: 700, openInterestValue: 9 }, src, 0, { inverse: true })).toEqual([1, NaN, 9]);
  });
});

describe('sortDedup and inRange', () => {
  test('sorts by time, keeps the first row fetched for a repeated time, counts conflicts', () => {
    const r = sortDedup([[3, 30], [1, 10], [3, 31], [2, 20], [1, 10]]);
    expect(r.rows).toEqual([[1, 10], [2, 20], [3, 30]]);
    expect(r.duplicates).toBe(2);
    expect(r.conflicts).toBe(1); // [3,31] differs from [3,30]; the repeated [1,10] does not
  });
  test('NaN equals NaN when comparing duplicates', () => {
    expect(sortDedup([[1, NaN], [1, NaN]]).conflicts).toBe(0);
  });
  test('the range is [from, to)', () => {
    expect(inRange([[1], [2], [3], [4]], 2, 4)).toEqual([[2], [3]]);
  });
});

describe('barColumns', () => {
  test('fills OHLCV and leaves the Binance extras NaN', () => {
    const b = barColumns([[60_000, 1, 2, 0.5, 1.5, 10]]);
    expect([b.ts_ms[0], b.open[0], b.high[0], b.low[0], b.close[0], b.volume[0]]).toEqual([60_000, 1, 2, 0.5, 1.5, 10]);
    expect([b.quote_volume[0], b.trades[0], b.taker_buy_base[0], b.taker_buy_quote[0]]).toEqual([NaN, NaN, NaN, NaN]);
  });
});
