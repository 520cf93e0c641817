import { describe, expect, test } from '@jest/globals';
import { computeIndicators, ema } from '../../lib/dsl/index.js';

describe('indicators', () => {
  test('ema: alpha = 2/(n+1), seeded with the mean of the first n values (hand computed)', () => {
    // n = 3, alpha = 0.5: seed mean(1,2,3) = 2; then 2 + 0.5 (4 - 2) = 3; 3 + 0.5 (8 - 3) = 5.5
    expect(Array.from(ema(Float64Array.from([1, 2, 3, 4, 8]), 3))).toEqual([NaN, NaN, 2, 3, 5.5]);
  });

  test('ema restarts after a missing value (no state carried across a gap)', () => {
    const out = ema(Float64Array.from([1, 2, 3, NaN, 5, 6, 7, 9]), 2);
    // alpha = 2/3: seed (1+2)/2 = 1.5, 1.5 + 2/3 (3 - 1.5) = 2.5; gap; reseed (5+6)/2 = 5.5, 5.5 + 2/3 * 1.5 = 6.5, 6.5 + 2/3 * 2.5
    expect(Array.from(out.slice(0, 5))).toEqual([NaN, 1.5, 2.5, NaN, NaN]);
    expect(out[5]).toBe(5.5);
    expect(out[6]).toBeCloseTo(6.5, 14);
    expect(out[7]).toBeCloseTo(6.5 + (2 / 3) * 2.5, 14);
  });

  test('indicators chain in order: log_price -> sma, rolling_std (population), zscore', () => {
    const close = Float64Array.from([100, 110, 121, 100, 90]);
    const out = computeIndicators([
      { name: 'lc', kind: 'log_price', input: 'close' },
      { name: 'm', kind: 'sma', input: 'lc', window: 2 },
      { name: 's', kind: 'rolling_std', input: 'close', window: 2 },
      { name: 'z', kind: 'zscore', input: 'close', window: 3 },
    ], { close }, 'test');
    expect(out.lc![1]).toBeCloseTo(Math.log(110), 14);
    expect(out.m![2]).toBeCloseTo((Math.log(110) + Math.log(121)) / 2, 14);
    expect(out.s![1]).toBeCloseTo(5, 12); // |110 - 100| / 2: population std of two values
    // z of 121 in {100, 110, 121}: mean 110.333, population std sqrt(((10.333)^2 + 0.333^2 + 10.667^2) / 3)
    const m = 331 / 3;
    const sd = Math.sqrt(((100 - m) ** 2 + (110 - m) ** 2 + (121 - m) ** 2) / 3);
    expect(out.z![2]).toBeCloseTo((121 - m) / sd, 12);
    expect(out.z![1]).toBeNaN();
  });
});
