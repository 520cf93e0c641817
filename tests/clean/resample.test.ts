import { describe, expect, test } from '@jest/globals';
import { alignToGrid } from '../../lib/clean/align.js';
import { resample } from '../../lib/clean/resample.js';
import { UsageError } from '../../lib/errors.js';
import { barsOf, H1, M5, oneFile, T0, type Row } from './fixtures.js';

const ctx = { instrument: 'ETHUSDT-PERP.BINANCE' };

/**
 * 5m bars from 00:50 to 02:55 UTC, bar at minute m (since 00:00): open m, close m + 1, high m + 2, low m - 0.5,
 * volume 1; except high 122 at 01:10 (m = 70), low 10 at 01:40 (m = 100), and no bars at 01:20 and 01:25 (a gap).
 */
function fixture(): Row[] {
  const rows: Row[] = [];
  for (let m = 50; m <= 175; m += 5) {
    if (m === 80 || m === 85) continue;
    rows.push([T0 + m * 60_000, m, m === 70 ? 122 : m + 2, m === 100 ? 10 : m - 0.5, m + 1, 1]);
  }
  return rows;
}

describe('resample', () => {
  test('5m -> 1h matches a hand computation, with a partial first bucket and a gap inside a bucket', () => {
    const rows = fixture();
    const aligned = alignToGrid(barsOf(rows), oneFile(rows.length), '5m', ctx);
    const { bars, flags } = resample(aligned.bars, aligned.flags, '5m', '1h');
    // 00:00 bucket: 00:50, 00:55 -> open 50, high 57, low 49.5, close 56, volume 2, 2 of 12 bars (partial).
    // 01:00 bucket: minutes 60..115 without 80, 85 -> open 60, high 122 (m = 70), low 10 (m = 100), close 116,
    //   volume 10, 10 of 12 bars (partial: the gap).
    // 02:00 bucket: minutes 120..175 -> open 120, high 177, low 119.5, close 176, volume 12, complete.
    expect(Array.from(bars.ts_ms)).toEqual([T0, T0 + H1, T0 + 2 * H1]);
    expect(Array.from(bars.open)).toEqual([50, 60, 120]);
    expect(Array.from(bars.high)).toEqual([57, 122, 177]);
    expect(Array.from(bars.low)).toEqual([49.5, 10, 119.5]);
    expect(Array.from(bars.close)).toEqual([56, 116, 176]);
    expect(Array.from(bars.volume)).toEqual([2, 10, 12]);
    expect(Array.from(flags.n_source_bars)).toEqual([2, 10, 12]);
    expect(Array.from(flags.is_partial)).toEqual([1, 1, 0]);
    expect(Array.from(flags.is_missing)).toEqual([0, 0, 0]);
  });

  test('1h buckets start at :00 UTC and 1d buckets at 00:00 UTC, whatever the first bar', () => {
    const rows = fixture(); // first bar 00:50
    const aligned = alignToGrid(barsOf(rows), oneFile(rows.length), '5m', ctx);
    const h = resample(aligned.bars, aligned.flags, '5m', '1h').bars.ts_ms;
    for (const t of h) expect(t % H1).toBe(0);
    expect(new Date(h[0]!).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    const d = resample(aligned.bars, aligned.flags, '5m', '1d');
    expect(Array.from(d.bars.ts_ms)).toEqual([T0]);
    expect(d.flags.n_source_bars[0]).toBe(24); // 26 slots from 00:50 to 02:55, 2 missing
    expect(d.flags.is_partial[0]).toBe(1);
  });

  test('a bucket with no present bar is missing (NaN), never filled from its neighbours', () => {
    const rows: Row[] = [[T0, 100, 101, 99, 100, 1], [T0 + 2 * H1, 102, 103, 101, 102, 1]];
    const aligned = alignToGrid(barsOf(rows), oneFile(2), '1h', ctx);
    const { bars, flags } = resample(aligned.bars, aligned.flags, '1h', '4h');
    expect(bars.ts_ms.length).toBe(1);
    const two = alignToGrid(barsOf([[T0, 100, 101, 99, 100, 1], [T0 + 8 * H1, 102, 103, 101, 102, 1]]), oneFile(2), '1h', ctx);
    const r = resample(two.bars, two.flags, '1h', '4h');
    expect(Array.from(r.flags.is_missing)).toEqual([0, 1, 0]);
    expect(Array.from(r.flags.n_source_bars)).toEqual([1, 0, 1]);
    expect(r.bars.close[1]).toBeNaN();
    expect(r.bars.open[1]).toBeNaN();
    expect(r.bars.volume[1]).toBeNaN();
    expect(Array.from(flags.n_source_bars)).toEqual([2]);
  });

  test('optional columns: summed when every present bar has them, NaN when any present bar lacks them', () => {
    const rows: Row[] = [[T0, 100, 101, 99, 100, 1], [T0 + M5, 100, 101, 99, 100, 2], [T0 + 2 * M5, 100, 101, 99, 100, 3]];
    const raw = barsOf(rows);
    raw.trades.set([10, 20, 30]);
    raw.quote_volume.set([100, NaN, 300]); // the middle bar's source lacked the column
    const aligned = alignToGrid(raw, oneFile(3), '5m', ctx);
    const { bars } = resample(aligned.bars, aligned.flags, '5m', '15m');
    expect(bars.trades[0]).toBe(60);
    expect(bars.quote_volume[0]).toBeNaN(); // 400 would understate the bucket silently
    expect(bars.taker_buy_base[0]).toBeNaN(); // absent everywhere
    expect(bars.volume[0]).toBe(6);
  });

  test('zero volume and outliers carry over to the bucket', () => {
    const rows: Row[] = [[T0, 100, 100, 100, 100, 0], [T0 + M5, 100, 100, 100, 100, 0], [T0 + 3 * M5, 100, 101, 99, 100, 5]];
    const aligned = alignToGrid(barsOf(rows), oneFile(3), '5m', ctx);
    aligned.flags.is_outlier[3] = 1;
    const { flags } = resample(aligned.bars, aligned.flags, '5m', '15m');
    expect(Array.from(flags.is_zero_volume)).toEqual([1, 0]); // 00:00 bucket: volume 0 + 0
    expect(Array.from(flags.is_outlier)).toEqual([0, 1]);
    expect(Array.from(flags.is_partial)).toEqual([1, 1]); // 00:00: 2 of 3 bars (00:10 missing); 00:15: 1 of 3
  });

  test('a target that is not a whole multiple, or finer, is a UsageError; so is unsorted input', () => {
    const aligned = alignToGrid(barsOf([[T0, 1, 1, 1, 1, 0]]), oneFile(1), '8h', ctx);
    expect(() => resample(aligned.bars, aligned.flags, '8h', '12h')).toThrow(UsageError);
    expect(() => resample(aligned.bars, aligned.flags, '1h', '5m')).toThrow(UsageError);
    const b = barsOf([[T0 + M5, 1, 1, 1, 1, 0], [T0, 1, 1, 1, 1, 0]]);
    const f = alignToGrid(barsOf([[T0, 1, 1, 1, 1, 0], [T0 + M5, 1, 1, 1, 1, 0]]), oneFile(2), '5m', ctx).flags;
    expect(() => resample(b, f, '5m', '1h')).toThrow(UsageError);
  });

  test('resampling to the same timeframe reproduces the grid', () => {
    const rows = fixture();
    const aligned = alignToGrid(barsOf(rows), oneFile(rows.length), '5m', ctx);
    const same = resample(aligned.bars, aligned.flags, '5m', '5m');
    expect(Array.from(same.bars.close)).toEqual(Array.from(aligned.bars.close));
    expect(Array.from(same.flags.is_missing)).toEqual(Array.from(aligned.flags.is_missing));
    expect(same.flags.is_partial.every((x) => x === 0)).toBe(true);
  });
});
