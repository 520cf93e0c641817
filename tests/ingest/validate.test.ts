import { describe, expect, test } from '@jest/globals';
import { checkBars } from '../../lib/ingest/validate.js';
import { DataError } from '../../lib/errors.js';
import { emptyBars } from '../../lib/market.js';

/** checkBars (issue 12: one comparison chain per row, the located error from the row's checks in their order). */
describe('checkBars', () => {
  function bars(rows: [number, number, number, number, number][]) {
    const b = emptyBars(rows.length);
    rows.forEach(([o, h, l, c, v], i) => {
      b.ts_ms[i] = 1_735_689_600_000 + i * 300_000;
      b.open[i] = o; b.high[i] = h; b.low[i] = l; b.close[i] = c; b.volume[i] = v;
    });
    return b;
  }
  const src = { file: 'k.csv', lines: Int32Array.from([2, 3, 5]) };
  const good: [number, number, number, number, number] = [10, 12, 9, 11, 5];

  test('valid rows pass (zero volume included)', () => {
    expect(() => checkBars(bars([good, [10, 10, 10, 10, 0], good]), src)).not.toThrow();
  });

  test.each([
    [[0, 12, 9, 11, 5], 'k.csv:5 open: price is zero, was 0'],
    [[10, 12, -1, 11, 5], 'k.csv:5 low: price must be a positive number, was -1'],
    [[10, NaN, 9, 11, 5], 'k.csv:5 high: price must be a positive number, was NaN'],
    [[10, 12, 9, Infinity, 5], 'k.csv:5 close: price must be a positive number, was Infinity'],
    [[10, 8, 9, 8.5, 5], 'k.csv:5 high: high < low (8 < 9), was 8'],
    [[13, 12, 9, 11, 5], 'k.csv:5 open: open/close outside [low, high] = [9, 12], was 13'],
    [[10, 12, 9, 8, 5], 'k.csv:5 close: open/close outside [low, high] = [9, 12], was 8'],
    [[10, 12, 9, 11, -2], 'k.csv:5 volume: volume must be >= 0, was -2'],
    [[10, 12, 9, 11, Infinity], 'k.csv:5 volume: volume must be >= 0, was Infinity'],
  ] as [[number, number, number, number, number], string][])('%j -> %s', (row, message) => {
    const err = (() => { try { checkBars(bars([good, good, row]), src); } catch (e) { return e; } return undefined; })();
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(message);
  });

  test('the first bad row is the one reported', () => {
    expect(() => checkBars(bars([good, [10, 12, 9, 11, -1], [0, 12, 9, 11, 5]]), src)).toThrow('k.csv:3 volume');
  });
});
