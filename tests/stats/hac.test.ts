import { describe, expect, test } from '@jest/globals';
import { neweyWestLag, neweyWestMean } from '../../lib/stats/index.js';
import { ar1, gaussian } from './helpers.js';

/**
 * R sandwich::meatHAC + sandwich() for lm(x ~ 1), transcribed from cran/sandwich R/vcovHAC.R with
 * NeweyWest(lag = L)'s weights seq(1, 0, by = -1/(L + 1)), prewhite = FALSE, adjust = FALSE:
 *   utu = 0.5 * w[1] * crossprod(u) + sum_{ii >= 2} w[ii] * crossprod(u[1:(n-ii+1)], u[ii:n]); utu = utu + t(utu)
 *   meat = utu / n; vcov = bread * meat * bread / n with bread = (X'X / n)^-1 = 1 for an intercept-only model,
 * u the residuals x - mean(x).
 */
function sandwichNeweyWest(x: ArrayLike<number>, L: number): number {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  const u = Array.from(x, (v) => v - m);
  const weights: number[] = [];
  for (let k = 0; k <= L + 1; k++) weights.push(1 - k / (L + 1)); // seq(1, 0, by = -1/(L+1))
  let utu = 0;
  for (let t = 0; t < n; t++) utu += 0.5 * weights[0]! * u[t]! * u[t]!;
  for (let ii = 2; ii <= Math.min(weights.length, n); ii++) {
    let c = 0;
    for (let t = 0; t < n - ii + 1; t++) c += u[t]! * u[t + ii - 1]!;
    utu += weights[ii - 1]! * c;
  }
  utu = utu + utu; // utu + t(utu) for a 1x1 matrix
  const meat = utu / n;
  return Math.sqrt(meat / n);
}

/** Brute-force quadratic form se^2 = (1/n^2) sum_i sum_j w(|i - j|) e_i e_j, w(0) = 1, w(k) = 1 - k/(L+1). */
function quadraticForm(x: ArrayLike<number>, L: number): number {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = Math.abs(i - j);
      if (k <= L) s += (1 - k / (L + 1)) * (x[i]! - m) * (x[j]! - m);
    }
  }
  return Math.sqrt(s) / n;
}

describe('neweyWestLag = floor(4 (n/100)^(2/9)) (Newey & West 1994)', () => {
  test('hand-computed values', () => {
    // n = 100: 4 * 1 = 4. n = 50: 4 * 0.5^(2/9) = 4 * 0.85724 = 3.43 -> 3. n = 1000: 4 * 10^(2/9) = 6.67 -> 6.
    // n = 10000: 4 * 100^(2/9) = 4 * 2.7826 = 11.13 -> 11. n = 1: 4 * 0.01^(2/9) = 4 * 0.3594 = 1.44 -> 1.
    expect(neweyWestLag(100)).toBe(4);
    expect(neweyWestLag(50)).toBe(3);
    expect(neweyWestLag(1000)).toBe(6);
    expect(neweyWestLag(10000)).toBe(11);
    expect(neweyWestLag(1)).toBe(1);
    expect(neweyWestLag(0)).toBe(0);
  });
});

describe('neweyWestMean', () => {
  test('exact values for x = 1, 2, 3, 4 (derived by hand)', () => {
    // xbar = 2.5, e = -1.5, -0.5, 0.5, 1.5; n = 4.
    // gamma_0 = (2.25 + 0.25 + 0.25 + 2.25)/4 = 5/4; gamma_1 = (0.75 - 0.25 + 0.75)/4 = 5/16;
    // gamma_2 = (-0.75 - 0.75)/4 = -3/8; gamma_3 = (-2.25)/4 = -9/16.
    // L = 0: se^2 = (5/4)/4 = 5/16.
    // L = 1: w_1 = 1/2: se^2 = (5/4 + 2 * 1/2 * 5/16)/4 = 25/64 -> se = 5/8, t = 2.5 / 0.625 = 4.
    // L = 2: w = 2/3, 1/3: se^2 = (5/4 + 2*(2/3)(5/16) + 2*(1/3)(-3/8))/4 = (17/12)/4 = 17/48.
    const x = [1, 2, 3, 4];
    const r0 = neweyWestMean(x, 0);
    expect(r0.se).toBeCloseTo(Math.sqrt(5 / 16), 15);
    const r1 = neweyWestMean(x, 1);
    expect(r1.mean).toBe(2.5);
    expect(r1.se).toBeCloseTo(0.625, 15);
    expect(r1.t).toBeCloseTo(4, 14);
    expect(r1.lags).toBe(1);
    expect(r1.n).toBe(4);
    expect(neweyWestMean(x, 2).se).toBeCloseTo(Math.sqrt(17 / 48), 15);
    // L = 10 > n - 1: w_k = 1 - k/11 on the three available lags, nothing beyond lag 3.
    const se10 = Math.sqrt((5 / 4 + 2 * ((10 / 11) * (5 / 16) + (9 / 11) * (-3 / 8) + (8 / 11) * (-9 / 16))) / 4);
    expect(neweyWestMean(x, 10).se).toBeCloseTo(se10, 15);
  });

  test('L = 0 is the HC0 standard error sqrt(((n - 1)/n) s^2 / n)', () => {
    const x = gaussian(57, 3);
    let m = 0;
    for (const v of x) m += v;
    m /= x.length;
    let ss = 0;
    for (const v of x) ss += (v - m) ** 2;
    const s2 = ss / (x.length - 1);
    expect(neweyWestMean(x, 0).se).toBeCloseTo(Math.sqrt((((x.length - 1) / x.length) * s2) / x.length), 14);
  });

  test('equals R sandwich::NeweyWest(lm(x ~ 1), lag = L, prewhite = FALSE, adjust = FALSE) (transcribed algorithm)', () => {
    const x = ar1(300, 0.6, 21);
    for (const L of [0, 1, 2, 4, 7, 20, 299, 500]) {
      const got = neweyWestMean(x, L).se;
      expect(Math.abs(got / sandwichNeweyWest(x, L) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(got / quadraticForm(x, L) - 1)).toBeLessThan(1e-12);
    }
  });

  test('large-sample HAC variance of an AR(1) mean approaches the long-run variance / n = 1/((1-phi)^2 n)', () => {
    // x_t = 0.5 x_{t-1} + e_t, Var(e) = 1: long-run variance sigma^2 / (1 - phi)^2 = 4. With L = 60 the Bartlett
    // bias is about -2 phi / ((1 - phi)^2 (L + 1)) / 4 = -3% and the sampling error a few percent.
    const n = 200_000;
    const x = ar1(n, 0.5, 77);
    const r = neweyWestMean(x, 60);
    expect(Math.abs((r.se * r.se * n) / 4 - 1)).toBeLessThan(0.12);
  });

  test('edge cases: n = 0 -> NaN; n = 1 -> se 0, t NaN; constant -> se 0, t NaN; bad lags throw', () => {
    const e = neweyWestMean([], 3);
    expect(e.mean).toBeNaN();
    expect(e.se).toBeNaN();
    const one = neweyWestMean([0.2], 0);
    expect(one.mean).toBe(0.2);
    expect(one.se).toBe(0);
    expect(one.t).toBeNaN();
    expect(neweyWestMean([1, 1, 1], 1).t).toBeNaN();
    expect(() => neweyWestMean([1, 2], -1)).toThrow(RangeError);
    expect(() => neweyWestMean([1, 2], 1.5)).toThrow(RangeError);
  });
});
