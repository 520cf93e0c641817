import { describe, expect, test } from '@jest/globals';
import { alignFunding, fundingGaps } from '../../lib/clean/funding.js';
import { DataError } from '../../lib/errors.js';
import type { FundingColumns } from '../../lib/market.js';
import { H1, oneFile, srcOf, thrown } from './fixtures.js';

const ctx = { instrument: 'BTCUSDT-PERP.BINANCE' };
const S0 = 1735603200000; // 2024-12-31T00:00:00Z, a Binance settlement time

function fundingOf(rows: [number, number, number?][]): FundingColumns {
  return {
    ts_ms: Float64Array.from(rows.map((r) => r[0])),
    funding_rate: Float64Array.from(rows.map((r) => r[1])),
    mark_price: Float64Array.from(rows.map((r) => r[2] ?? NaN)),
  };
}

describe('alignFunding', () => {
  test('a few-ms Binance offset snaps to the hour: 1735603200001 -> 1735603200000', () => {
    const { funding, stats } = alignFunding(fundingOf([[1735603200001, 0.0001]]), oneFile(1), ctx);
    expect(funding.ts_ms[0]).toBe(1735603200000);
    expect(funding.is_off_schedule[0]).toBe(0);
    expect(stats.snapped_rows).toBe(1);
  });

  test('within 60 s snaps; farther stays where it is and is flagged off schedule', () => {
    const rows: [number, number][] = [[S0 + 59_000, 0.0001], [S0 + 8 * H1 - 60_000, 0.0002], [S0 + 16 * H1 + 61_000, 0.0003]];
    const { funding, stats } = alignFunding(fundingOf(rows), oneFile(3), ctx);
    expect(Array.from(funding.ts_ms)).toEqual([S0, S0 + 8 * H1, S0 + 16 * H1 + 61_000]);
    expect(Array.from(funding.is_off_schedule)).toEqual([0, 0, 1]);
    expect(stats.off_schedule_rows).toBe(1);
  });

  test('overlapping files: sorted, the same settlement once (exact duplicate after snapping dropped)', () => {
    // history.csv: 16:00, 00:00 (+1 ms), 08:00; api.csv: 08:00 exactly (same rate) with a mark price.
    const raw = fundingOf([[S0 + 16 * H1, 0.0003], [S0 + 1, 0.0001], [S0 + 8 * H1 + 1, 0.0002], [S0 + 8 * H1, 0.0002, 93000.5]]);
    const src = srcOf(['history.csv', 'api.csv'], [[0, 4], [0, 2], [0, 3], [1, 2]]);
    const { funding, stats } = alignFunding(raw, src, ctx);
    expect(Array.from(funding.ts_ms)).toEqual([S0, S0 + 8 * H1, S0 + 16 * H1]);
    expect(Array.from(funding.funding_rate)).toEqual([0.0001, 0.0002, 0.0003]);
    expect(Array.from(funding.mark_price)).toEqual([NaN, 93000.5, NaN]); // the known mark price is kept
    expect(stats.duplicates_dropped).toBe(1);
    expect(stats.settlements).toBe(3);
  });

  test('a conflicting duplicate settlement is a DataError naming both file:line locations', () => {
    const raw = fundingOf([[S0 + 1, 0.0001], [S0, 0.00012]]);
    const src = srcOf(['history.csv', 'api.csv'], [[0, 7], [1, 3]]);
    const err = thrown(() => alignFunding(raw, src, ctx));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('api.csv:3');
    expect(err.message).toContain('history.csv:7');
    expect(err.message).toContain('funding_rate');
    expect(err.message).toContain('0.00012');
    expect(err.message).toContain('0.0001');
  });

  test('interval_hours from the spacing: 8h, then 4h after a schedule change; the first row takes the next spacing', () => {
    const t = [0, 8, 16, 24, 28, 32].map((h) => S0 + h * H1 + 1); // Binance's +1 ms offsets
    const { funding } = alignFunding(fundingOf(t.map((x) => [x, 0.0001])), oneFile(6), ctx);
    expect(Array.from(funding.interval_hours)).toEqual([8, 8, 8, 8, 4, 4]);
    const four = alignFunding(fundingOf([0, 4, 8].map((h) => [S0 + h * H1, 0.0001])), oneFile(3), ctx).funding;
    expect(Array.from(four.interval_hours)).toEqual([4, 4, 4]);
    const one = alignFunding(fundingOf([[S0, 0.0001]]), oneFile(1), ctx).funding;
    expect(one.interval_hours[0]).toBeNaN();
  });

  test('a non-finite or implausible rate is a DataError with file:line and a hint', () => {
    const nan = thrown(() => alignFunding(fundingOf([[S0, NaN]]), oneFile(1, 'f.csv'), ctx)) as DataError;
    expect(nan).toBeInstanceOf(DataError);
    expect(nan.message).toContain('f.csv:2 funding_rate');
    const big = thrown(() => alignFunding(fundingOf([[S0, 0.0001], [S0 + 8 * H1, 1.5]]), oneFile(2, 'f.csv'), ctx)) as DataError;
    expect(big.message).toContain('f.csv:3 funding_rate');
    expect(big.message).toContain('1.5');
    expect(big.hint).toMatch(/percent/);
    expect(() => alignFunding(fundingOf([[S0, 0.0001, -5]]), oneFile(1), ctx)).toThrow(DataError);
    expect(() => alignFunding(fundingOf([[S0 + 0.5, 0.0001]]), oneFile(1), ctx)).toThrow(DataError);
  });
});

describe('fundingGaps', () => {
  test('a spacing longer than 1.5x both neighbours is a gap; a schedule change is not', () => {
    const at = (hours: number[]) => Float64Array.from(hours.map((h) => S0 + h * H1));
    expect(fundingGaps(at([0, 8, 16, 32, 40, 48]))).toEqual([3]); // 16h between 8h spacings: one settlement missing
    expect(fundingGaps(at([0, 4, 8, 16, 24, 32]))).toEqual([]); // 4h -> 8h schedule change
    expect(fundingGaps(at([0, 8, 16, 20, 24]))).toEqual([]); // 8h -> 4h
    expect(fundingGaps(at([0, 8]))).toEqual([]); // one spacing: nothing to compare with
  });
});
