import { describe, expect, test } from '@jest/globals';
import { ESS_OVERLAP_CONVENTIONS, essAr1, essFromAutocorrelation, essOverlap, essOverlapSimple } from '../../lib/stats/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { ar1, gaussian } from './helpers.js';

/** Brute-force O(n^2) double sum n^2 / sum_ij max(0, 1 - |s_i - s_j| / h). */
function essBrute(s: ArrayLike<number>, h: number): number {
  const n = s.length;
  let tot = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tot += Math.max(0, 1 - Math.abs(s[i]! - s[j]!) / h);
  return (n * n) / tot;
}

describe('essOverlap', () => {
  test('consecutive starts: the exact finite-n formula n^2 / (n + (h - 1)(3n - h - 1)/3)', () => {
    // sum_ij = n + 2 sum_{k=1}^{h-1} (n - k)(1 - k/h) = n + (h - 1)(3n - h - 1)/3 (sum the arithmetic series).
    for (const [n, h] of [[10, 1], [10, 3], [50, 50], [1000, 10], [2000, 24]] as const) {
      const s = Int32Array.from({ length: n }, (_, i) => i);
      const exact = (n * n) / (n + ((h - 1) * (3 * n - h - 1)) / 3);
      expect(Math.abs(essOverlap(s, h) / exact - 1)).toBeLessThan(1e-12);
    }
  });

  test('consecutive starts tend to N / h (every bar an occurrence)', () => {
    const n = 100_000;
    const h = 24;
    const s = Int32Array.from({ length: n }, (_, i) => i);
    // exact = n / (h - (h - 1)(h + 1)/(3n)) -> relative gap to n/h is (h^2 - 1)/(3 n h) = 8e-5.
    expect(Math.abs(essOverlap(s, h) / (n / h) - 1)).toBeLessThan(1e-4);
  });

  test('disjoint windows (gaps >= h) give exactly n; a single occurrence gives 1; none gives 0', () => {
    expect(essOverlap([0, 5, 10, 15, 40], 5)).toBe(5);
    expect(essOverlap([3], 7)).toBe(1);
    expect(essOverlap([], 7)).toBe(0);
  });

  test('repeated starts overlap fully: k copies of one start count as 1', () => {
    expect(essOverlap([4, 4, 4], 3)).toBe(1);
  });

  test('matches the O(n^2) brute force on random sorted starts with ties and non-integer h', () => {
    const rng = Xoshiro128ss.fromSeed(99, 1);
    for (let trial = 0; trial < 30; trial++) {
      const n = 1 + Math.floor(rng.uniform() * 200);
      const s = Array.from({ length: n }, () => Math.floor(rng.uniform() * 400)).sort((a, b) => a - b);
      const h = [1, 2.5, 7, 24, 100][trial % 5]!;
      expect(Math.abs(essOverlap(s, h) / essBrute(s, h) - 1)).toBeLessThan(1e-12);
    }
  });

  test('unsorted starts or h <= 0 throw', () => {
    expect(() => essOverlap([3, 1], 2)).toThrow(RangeError);
    expect(() => essOverlap([1, 3], 0)).toThrow(RangeError);
  });
});

describe("essOverlap conventions: 'exact' (default) and 'n/h'", () => {
  test("'n/h' is n / h whatever the starts; the default is the exact formula", () => {
    expect(ESS_OVERLAP_CONVENTIONS).toEqual(['exact', 'n/h']);
    const s = [0, 5, 10, 15, 40];
    expect(essOverlap(s, 5)).toBe(essOverlap(s, 5, 'exact'));
    expect(essOverlap(s, 5, 'n/h')).toBe(1); // 5 disjoint windows: exact says 5, the simple rule 5 / 5
    expect(essOverlapSimple(5, 5)).toBe(1);
    expect(essOverlap([], 5, 'n/h')).toBe(0);
    expect(essOverlapSimple(10, 0.5)).toBe(20); // h < 1: not clamped
  });

  test('consecutive starts: exact / (n/h) = 1 / (1 - (h^2 - 1)/(3 n h)) (from the closed form above)', () => {
    for (const [n, h] of [[100, 4], [1000, 24], [50, 50]] as const) {
      const s = Int32Array.from({ length: n }, (_, i) => i);
      const ratio = essOverlap(s, h, 'exact') / essOverlap(s, h, 'n/h');
      expect(ratio).toBeCloseTo(1 / (1 - (h * h - 1) / (3 * n * h)), 12);
    }
  });

  test("'n/h' still validates the starts; bad convention or arguments throw", () => {
    expect(() => essOverlap([3, 1], 2, 'n/h')).toThrow(RangeError);
    expect(() => essOverlap([1, 3], 2, 'n-over-h' as never)).toThrow(RangeError);
    expect(() => essOverlapSimple(3, 0)).toThrow(RangeError);
    expect(() => essOverlapSimple(-1, 2)).toThrow(RangeError);
  });
});

describe('essAr1 and essFromAutocorrelation', () => {
  test('essAr1 closed form n (1 - phi)/(1 + phi)', () => {
    expect(essAr1(300, 0.5)).toBeCloseTo(100, 12);
    expect(essAr1(100, 0)).toBe(100);
    expect(essAr1(100, -0.5)).toBeCloseTo(300, 12);
    expect(() => essAr1(100, 1)).toThrow(RangeError);
  });

  test('Geyer initial monotone sequence on a long simulated AR(1) matches the closed form within 6%', () => {
    // The integrated autocorrelation time of an AR(1) is (1 + phi)/(1 - phi); n = 200000 gives a sampling error
    // of the estimate of about 1-2%.
    const n = 200_000;
    for (const phi of [0.5, 0.8, -0.3]) {
      const x = ar1(n, phi, 1234);
      expect(Math.abs(essFromAutocorrelation(x) / essAr1(n, phi) - 1)).toBeLessThan(0.06);
    }
    const iid = gaussian(n, 4321);
    expect(Math.abs(essFromAutocorrelation(iid) / n - 1)).toBeLessThan(0.06);
  });

  test('matches a separately written Geyer estimator (all lags first, then the monotone sequence)', () => {
    const x = ar1(3000, 0.7, 5);
    const n = x.length;
    const m = x.reduce((a, b) => a + b, 0) / n;
    const rho: number[] = [];
    let c0 = 0;
    for (let t = 0; t < n; t++) c0 += (x[t]! - m) ** 2;
    for (let k = 0; k < n; k++) {
      let c = 0;
      for (let t = 0; t + k < n; t++) c += (x[t]! - m) * (x[t + k]! - m);
      rho.push(c / c0);
    }
    const pairs: number[] = [];
    for (let k = 0; k + 1 < n; k += 2) pairs.push(rho[k]! + rho[k + 1]!);
    let tauSum = 0;
    let prev = Infinity;
    for (const g of pairs) {
      if (g <= 0) break;
      const gm = Math.min(g, prev);
      tauSum += gm;
      prev = gm;
    }
    const ref = n / (-1 + 2 * tauSum);
    expect(essFromAutocorrelation(x)).toBeCloseTo(ref, 8);
  });

  test('maxLag = 0 uses rho_0 only (tau = 1, ESS = n); n < 2 or constant -> NaN', () => {
    const x = ar1(500, 0.9, 8);
    expect(essFromAutocorrelation(x, 0)).toBeCloseTo(500, 10);
    expect(essFromAutocorrelation([1])).toBeNaN();
    expect(essFromAutocorrelation([2, 2, 2, 2])).toBeNaN();
  });
});
