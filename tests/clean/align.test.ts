import { describe, expect, test } from '@jest/globals';
import { alignToGrid, MAX_GRID_ROWS } from '../../lib/clean/align.js';
import { DataError, UsageError } from '../../lib/errors.js';
import { barsOf, lcg, M5, oneFile, srcOf, T0, thrown, type Row } from './fixtures.js';

const ctx = { instrument: 'BTCUSDT-PERP.BINANCE' };

describe('alignToGrid', () => {
  test('unsorted rows from two overlapping files land on the grid; an exact duplicate is dropped and counted', () => {
    // monthly.csv holds 00:10, 00:00, 00:05 (in that order); daily.csv repeats 00:05 identically and adds 00:15.
    const rows: Row[] = [
      [T0 + 2 * M5, 102, 103, 101, 102.5, 7],
      [T0, 100, 101, 99, 100.5, 5],
      [T0 + M5, 101, 102, 100, 101.5, 6],
      [T0 + M5, 101, 102, 100, 101.5, 6],
      [T0 + 3 * M5, 103, 104, 102, 103.5, 8],
    ];
    const src = srcOf(['monthly.csv', 'daily.csv'], [[0, 4], [0, 2], [0, 3], [1, 2], [1, 3]]);
    const { bars, flags, stats } = alignToGrid(barsOf(rows), src, '5m', ctx);
    expect(Array.from(bars.ts_ms)).toEqual([T0, T0 + M5, T0 + 2 * M5, T0 + 3 * M5]);
    expect(Array.from(bars.close)).toEqual([100.5, 101.5, 102.5, 103.5]);
    expect(Array.from(bars.volume)).toEqual([5, 6, 7, 8]);
    expect(Array.from(flags.is_missing)).toEqual([0, 0, 0, 0]);
    expect(Array.from(flags.n_source_bars)).toEqual([1, 1, 1, 1]);
    expect(Array.from(flags.is_partial)).toEqual([0, 0, 0, 0]);
    expect(stats).toEqual({ input_rows: 5, duplicates_dropped: 1, grid_rows: 4, present_bars: 4, missing_bars: 0 });
  });

  test('a conflicting duplicate is a DataError naming both file:line locations, the field and both values', () => {
    const rows: Row[] = [
      [T0, 100, 101, 99, 100.5, 5],
      [T0 + M5, 101, 102, 100, 101.5, 6],
      [T0 + M5, 101, 102, 100, 101.7, 6], // same bar, different close
    ];
    const src = srcOf(['monthly.csv', 'daily.csv'], [[0, 2], [0, 3], [1, 2]]);
    const err = thrown(() => alignToGrid(barsOf(rows), src, '5m', ctx));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('daily.csv:2');
    expect(err.message).toContain('monthly.csv:3');
    expect(err.message).toContain('close');
    expect(err.message).toContain('101.5');
    expect(err.message).toContain('101.7');
    // The message does not depend on which file was read first.
    const swapped = srcOf(['monthly.csv', 'daily.csv'], [[0, 2], [1, 2], [0, 3]]);
    const rows2: Row[] = [rows[0]!, rows[2]!, rows[1]!];
    expect(thrown(() => alignToGrid(barsOf(rows2), swapped, '5m', ctx)).message).toBe(err.message);
    expect((err as DataError).file).toBe('daily.csv');
    expect((err as DataError).field).toBe('close');
  });

  test('a gap becomes NaN rows flagged is_missing, never forward-filled', () => {
    const rows: Row[] = [
      [T0, 100, 101, 99, 100.5, 5],
      [T0 + M5, 101, 102, 100, 101.5, 6],
      [T0 + 4 * M5, 104, 105, 103, 104.5, 9],
    ];
    const { bars, flags, stats } = alignToGrid(barsOf(rows), oneFile(3), '5m', ctx);
    expect(Array.from(bars.ts_ms)).toEqual([0, 1, 2, 3, 4].map((k) => T0 + k * M5));
    expect(Array.from(flags.is_missing)).toEqual([0, 0, 1, 1, 0]);
    expect(Array.from(flags.n_source_bars)).toEqual([1, 1, 0, 0, 1]);
    for (const k of [2, 3]) {
      for (const f of ['open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trades'] as const) {
        expect(bars[f][k]).toBeNaN(); // not 101.5 (the previous close), not 0
      }
    }
    expect(bars.close[4]).toBe(104.5);
    expect(stats.missing_bars).toBe(2);
    expect(stats.present_bars).toBe(3);
  });

  test('an open time off the grid is a DataError naming file:line, ts_ms, the value and the timeframe', () => {
    const rows: Row[] = [
      [T0, 100, 101, 99, 100.5, 5],
      [T0 + 60_000, 101, 102, 100, 101.5, 6], // a 1m bar in a 5m file
    ];
    const err = thrown(() => alignToGrid(barsOf(rows), oneFile(2, 'BTCUSDT-5m-2025-01.csv'), '5m', ctx)) as DataError;
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('BTCUSDT-5m-2025-01.csv:3 ts_ms');
    expect(err.message).toContain(String(T0 + 60_000));
    expect(err.message).toContain('5m grid');
    expect(err.hint).toMatch(/interval or unit/);
  });

  test('the hint recognises microseconds, seconds and close times', () => {
    const at = (ts: number) => thrown(() => alignToGrid(barsOf([[ts, 1, 1, 1, 1, 0]]), oneFile(1), '5m', ctx)) as DataError;
    expect(at((T0 + 1) * 1000).hint).toMatch(/MICROseconds/); // 1735689600001000: not on the grid, 16 digits
    expect(at(T0 / 1000 + 1).hint).toMatch(/SECONDS/);
    expect(at(T0 + M5 - 1).hint).toMatch(/CLOSE time/);
  });

  test('inconsistent or non-positive prices are a DataError naming the field', () => {
    const bad = (row: Row) => thrown(() => alignToGrid(barsOf([row]), oneFile(1), '5m', ctx)) as DataError;
    expect(bad([T0, 100, 99, 98, 100, 1]).field).toBe('high'); // high below open
    expect(bad([T0, 100, 101, 100.5, 100.7, 1]).field).toBe('low'); // low above open
    expect(bad([T0, 0, 101, 99, 100, 1]).field).toBe('open');
    expect(bad([T0, 100, 101, 99, NaN, 1]).field).toBe('close');
    expect(bad([T0, 100, 101, 99, 100, -1]).field).toBe('volume');
  });

  test('empty input gives an empty grid; mismatched column lengths are a UsageError', () => {
    const { bars, flags, stats } = alignToGrid(barsOf([]), oneFile(0), '5m', ctx);
    expect(bars.ts_ms.length).toBe(0);
    expect(flags.is_missing.length).toBe(0);
    expect(stats.grid_rows).toBe(0);
    expect(() => alignToGrid(barsOf([[T0, 1, 1, 1, 1, 0]]), oneFile(2), '5m', ctx)).toThrow(UsageError);
  });

  test('a stray timestamp that would make an enormous grid is refused with both end rows named', () => {
    const far = T0 + (MAX_GRID_ROWS + 5) * 60_000;
    const err = thrown(() =>
      alignToGrid(barsOf([[T0, 1, 1, 1, 1, 0], [far, 1, 1, 1, 1, 0]]), oneFile(2), '1m', ctx));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('a.csv:2');
    expect(err.message).toContain('a.csv:3');
  });

  test('210k shuffled bars from two overlapping files align onto one grid, dropping the 8,640 overlapping duplicates', () => {
    const n = 210_000;
    const rnd = lcg(7);
    const rows: Row[] = [];
    for (let k = 0; k < n; k++) rows.push([T0 + k * M5, 100, 101, 99, 100, 1]);
    for (let k = 0; k < 8640; k++) rows.push([T0 + k * M5, 100, 101, 99, 100, 1]); // a 30-day overlap
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const raw = barsOf(rows);
    const src = oneFile(rows.length);
    const { stats } = alignToGrid(raw, src, '5m', ctx);
    expect(stats).toEqual({ input_rows: n + 8640, duplicates_dropped: 8640, grid_rows: n, present_bars: n, missing_bars: 0 });
  });
});
