import { describe, expect, test } from '@jest/globals';
import { kurtosis, mean, median, quantile, quantiles, skewness, std, variance } from '../../lib/stats/index.js';
import { gaussian } from './helpers.js';

describe('mean, variance, std', () => {
  test('hand-worked sample 2,4,4,4,5,5,7,9', () => {
    // sum 40 / 8 = 5; squared deviations 9,1,1,1,0,0,4,16 sum 32: population var 32/8 = 4 (sd 2), sample 32/7.
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(x)).toBe(5);
    expect(variance(x, 0)).toBe(4);
    expect(std(x, 0)).toBe(2);
    expect(variance(x)).toBeCloseTo(32 / 7, 15);
    expect(std(Float64Array.from(x))).toBeCloseTo(Math.sqrt(32 / 7), 15);
  });

  test('shifted data keeps its variance (Wikipedia "Algorithms for calculating variance" example)', () => {
    // 4, 7, 13, 16 has sample variance 30; adding 1e9 must not change it (the naive sum-of-squares formula fails).
    expect(variance([4, 7, 13, 16])).toBe(30);
    expect(variance([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16])).toBeCloseTo(30, 6);
  });

  test('edge cases: empty -> NaN, n <= ddof -> NaN, NaN propagates', () => {
    expect(mean([])).toBeNaN();
    expect(variance([1])).toBeNaN();
    expect(variance([1], 0)).toBe(0);
    expect(std([])).toBeNaN();
    expect(mean([1, NaN])).toBeNaN();
    expect(variance([1, NaN, 3])).toBeNaN();
  });
});

describe('skewness and kurtosis (population moments; kurtosis non-excess)', () => {
  test('hand-worked 1,2,3,4,10', () => {
    // mean 4; deviations -3,-2,-1,0,6; m2 = 50/5 = 10, m3 = (-27-8-1+0+216)/5 = 36, m4 = (81+16+1+0+1296)/5 = 278.8
    // g1 = 36 / 10^1.5, kurtosis = 278.8 / 100 = 2.788.
    const x = [1, 2, 3, 4, 10];
    expect(skewness(x)).toBeCloseTo(36 / Math.pow(10, 1.5), 14);
    expect(kurtosis(x)).toBeCloseTo(2.788, 14);
  });

  test('discrete uniform on 1..N: skewness 0, kurtosis 3(3N^2 - 7) / (5(N^2 - 1)) (closed form)', () => {
    for (const N of [2, 5, 10, 101]) {
      const x = Array.from({ length: N }, (_, i) => i + 1);
      expect(Math.abs(skewness(x))).toBeLessThan(1e-14);
      expect(kurtosis(x)).toBeCloseTo((3 * (3 * N * N - 7)) / (5 * (N * N - 1)), 13);
    }
  });

  test('a large normal sample has skewness ~ 0 and kurtosis ~ 3 (sampling sd sqrt(6/n), sqrt(24/n))', () => {
    const x = gaussian(200_000, 11);
    expect(Math.abs(skewness(x))).toBeLessThan(5 * Math.sqrt(6 / x.length));
    expect(Math.abs(kurtosis(x) - 3)).toBeLessThan(5 * Math.sqrt(24 / x.length));
  });

  test('scale and shift invariance; sign flip negates skewness', () => {
    const x = [0.3, -1.2, 2.5, 0.1, 4.4, -0.7];
    const y = x.map((v) => 3 * v + 100);
    const z = x.map((v) => -v);
    expect(skewness(y)).toBeCloseTo(skewness(x), 10);
    expect(kurtosis(y)).toBeCloseTo(kurtosis(x), 10);
    expect(skewness(z)).toBeCloseTo(-skewness(x), 14);
  });

  test('zero variance or empty -> NaN', () => {
    expect(skewness([2, 2, 2])).toBeNaN();
    expect(kurtosis([2, 2, 2])).toBeNaN();
    expect(skewness([])).toBeNaN();
  });
});

describe('skewness and kurtosis: bias-corrected estimators and the excess convention', () => {
  // Reference values: scipy 1.10.1 (Debian python3-scipy), tests/stats/reference/scipy_moments.py:
  //   from scipy.stats import skew, kurtosis
  //   skew([1,2,3,4,10], bias=False) -> 1.697056274847714; kurtosis([1,2,3,4,10], bias=False) -> 3.152000000000001
  //   kurtosis([1,2,3,4,10], bias=True) -> -0.21199999999999974 (fisher=True: excess)
  //   y = [2.1,-0.4,3.3,0.0,-1.7,5.2,0.9,-2.5]: skew(y, bias=False) -> 0.4504171876268197,
  //   kurtosis(y, bias=False) -> -0.5048026592763959
  test('hand-worked 1,2,3,4,10 (n = 5) and scipy skew/kurtosis(bias=False)', () => {
    // g1 = 36 / 10^1.5; G1 = g1 sqrt(5 * 4) / 3. b2 = 2.788, g2 = -0.212; G2 = (6 g2 + 6) 4 / (3 * 2) = 3.152.
    const x = [1, 2, 3, 4, 10];
    expect(skewness(x, { bias: false })).toBeCloseTo(((36 / Math.pow(10, 1.5)) * Math.sqrt(20)) / 3, 14);
    expect(skewness(x, { bias: false })).toBeCloseTo(1.697056274847714, 14);
    expect(kurtosis(x, { bias: false, convention: 'excess' })).toBeCloseTo(3.152, 13);
    expect(kurtosis(x, { bias: false })).toBeCloseTo(6.152, 13); // Pearson = excess + 3
    expect(kurtosis(x, { convention: 'excess' })).toBeCloseTo(-0.21199999999999974, 14);
    const y = [2.1, -0.4, 3.3, 0.0, -1.7, 5.2, 0.9, -2.5];
    expect(skewness(y, { bias: false })).toBeCloseTo(0.4504171876268197, 14);
    expect(kurtosis(y, { bias: false, convention: 'excess' })).toBeCloseTo(-0.5048026592763959, 14);
  });

  test('defaults unchanged: population skewness and Pearson kurtosis, bit for bit', () => {
    const x = gaussian(101, 7);
    expect(skewness(x, { bias: true })).toBe(skewness(x));
    expect(kurtosis(x, { bias: true, convention: 'pearson' })).toBe(kurtosis(x));
    expect(kurtosis(x, { convention: 'excess' })).toBe(kurtosis(x) - 3);
  });

  test('the corrected estimators are unbiased for normal data (averaged over 4000 samples of n = 10)', () => {
    // E[G2] = 0 exactly for normal samples (Joanes & Gill 1998); E[g2] = -6/(n+1) = -0.545 at n = 10.
    let G2 = 0;
    let g2 = 0;
    const reps = 4000;
    for (let s = 0; s < reps; s++) {
      const x = gaussian(10, 3000 + s);
      G2 += kurtosis(x, { bias: false, convention: 'excess' });
      g2 += kurtosis(x, { convention: 'excess' });
    }
    // sd of G2 at n = 10 is about 1.5 -> sd of the mean 0.024.
    expect(Math.abs(G2 / reps)).toBeLessThan(0.1);
    expect(Math.abs(g2 / reps + 6 / 11)).toBeLessThan(0.1);
  });

  test('small n: G1 needs n >= 3, G2 needs n >= 4; bad convention throws', () => {
    expect(skewness([1, 2], { bias: false })).toBeNaN();
    expect(skewness([1, 2, 4], { bias: false })).toBeCloseTo(skewness([1, 2, 4]) * Math.sqrt(6), 14);
    expect(kurtosis([1, 2, 4], { bias: false })).toBeNaN();
    expect(kurtosis([2, 2, 2, 2], { bias: false })).toBeNaN();
    expect(() => kurtosis([1, 2, 3], { convention: 'fisher' as never })).toThrow(RangeError);
  });
});

describe('quantile (R type 7) and median', () => {
  test('R: quantile(1:10) = 1, 3.25, 5.5, 7.75, 10; quantile(1:10, 0.1) = 1.9, 0.9 -> 9.1', () => {
    // Type 7 (Hyndman & Fan 1996, definition 7; R default): index = 1 + (n - 1) p, linear interpolation.
    const x = Array.from({ length: 10 }, (_, i) => 10 - i); // unsorted input
    expect(Array.from(quantiles(x, [0, 0.25, 0.5, 0.75, 1]))).toEqual([1, 3.25, 5.5, 7.75, 10]);
    expect(quantile(x, 0.1)).toBeCloseTo(1.9, 15);
    expect(quantile(x, 0.9)).toBeCloseTo(9.1, 15);
  });

  test('numpy docs example: np.quantile([[10, 7, 4], [3, 2, 1]], 0.5) = 3.5', () => {
    expect(quantile([10, 7, 4, 3, 2, 1], 0.5)).toBe(3.5);
  });

  test('median: odd, even, ties, single value', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([2, 2, 2, 9])).toBe(2);
    expect(median([7])).toBe(7);
  });

  test('edge cases: empty -> NaN, NaN in input -> NaN, p outside [0, 1] throws', () => {
    expect(median([])).toBeNaN();
    expect(quantile([1, NaN, 3], 0.5)).toBeNaN();
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
    expect(() => quantile([1, 2], NaN)).toThrow(RangeError);
  });

  test('matches a brute-force type-7 definition on random data', () => {
    const x = gaussian(37, 5);
    const s = Array.from(x).sort((a, b) => a - b);
    for (const p of [0, 0.01, 0.1, 0.333, 0.5, 0.9, 0.99, 1]) {
      // Hyndman & Fan definition 7: m = 1 - p, j = floor(np + m), g = np + m - j, Q = (1 - g) x_(j) + g x_(j+1).
      const n = s.length;
      const j = Math.floor(n * p + 1 - p);
      const g = n * p + 1 - p - j;
      const ref = g === 0 ? s[j - 1]! : (1 - g) * s[j - 1]! + g * s[j]!;
      expect(quantile(x, p)).toBeCloseTo(ref, 13);
    }
  });
});
