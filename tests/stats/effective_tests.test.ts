/**
 * Eigenvalues (Jacobi), the Li & Ji (2005) effective number of tests and the null variance of a Sharpe estimate,
 * each against a closed form or an independent simulation.
 */
import { describe, expect, test } from '@jest/globals';
import { liJiEffectiveTests, nullSharpeVariance, symmetricEigenvalues, symmetricEigenvaluesQL } from '../../lib/stats/effective_tests.js';
import { correlationMatrix } from '../../lib/stats/onc.js';
import { sharpeRatio, variance } from '../../lib/stats/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { ar1, gaussian } from './helpers.js';

const compound = (n: number, rho: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : rho)));

describe('symmetricEigenvalues', () => {
  test('tridiagonal Toeplitz (a on the diagonal, b beside it): a + 2b cos(k pi / (n + 1)), k = 1..n (closed form)', () => {
    const n = 20;
    const a = 2;
    const b = -1;
    const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? a : Math.abs(i - j) === 1 ? b : 0)));
    const want = Array.from({ length: n }, (_, k) => a + 2 * b * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((x, y) => x - y);
    const got = symmetricEigenvalues(m);
    want.forEach((w, k) => expect(got[k]).toBeCloseTo(w, 12));
  });

  test('compound symmetry: 1 + (n - 1) rho once and 1 - rho n - 1 times (closed form)', () => {
    const got = Array.from(symmetricEigenvalues(compound(7, 0.35)));
    expect(got[6]).toBeCloseTo(1 + 6 * 0.35, 12);
    for (const x of got.slice(0, 6)) expect(x).toBeCloseTo(0.65, 12);
  });

  test('a random symmetric matrix keeps its trace and Frobenius norm', () => {
    const g = gaussian(36, 4);
    const m = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => g[Math.min(i, j) * 6 + Math.max(i, j)]!));
    const ev = symmetricEigenvalues(m);
    expect(ev.reduce((s, x) => s + x, 0)).toBeCloseTo(m.reduce((s, r, i) => s + r[i]!, 0), 10);
    expect(ev.reduce((s, x) => s + x * x, 0)).toBeCloseTo(m.flat().reduce((s, x) => s + x * x, 0), 10);
  });

  test('refuses a non-square, an asymmetric or a non-finite matrix', () => {
    expect(() => symmetricEigenvalues([[1, 0], [0]])).toThrow(/row 1 has 1 values, expected 2/);
    expect(() => symmetricEigenvalues([[1, 0.5], [0.4, 1]])).toThrow(/not symmetric at \(0, 1\)/);
    expect(() => symmetricEigenvalues([[1, NaN], [NaN, 1]])).toThrow(/entry \(0, 1\) is NaN/);
  });
});

describe('symmetricEigenvaluesQL (Householder + implicit QL) against Jacobi', () => {
  test('random symmetric matrices of sizes 0..40: the same eigenvalues to 1e-10 of the spectral radius', () => {
    const rng = Xoshiro128ss.fromSeed(42, 3);
    for (const n of [0, 1, 2, 3, 5, 8, 13, 21, 40]) {
      const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i]![j] = m[j]![i] = rng.normal();
      const a = symmetricEigenvalues(m);
      const b = symmetricEigenvaluesQL(m);
      const scale = Math.max(1, ...Array.from(a, Math.abs));
      expect(b.length).toBe(n);
      for (let k = 0; k < n; k++) expect(Math.abs(a[k]! - b[k]!)).toBeLessThan(1e-10 * scale);
    }
  });

  test('correlation matrices with exact duplicates (repeated and zero eigenvalues) and a diagonal one', () => {
    const base = [gaussian(200, 5, 1), gaussian(200, 5, 2), gaussian(200, 5, 3)];
    const c = correlationMatrix([base[0]!, base[0]!, base[1]!, base[2]!, base[2]!, base[1]!]);
    const a = symmetricEigenvalues(c);
    const b = symmetricEigenvaluesQL(c);
    for (let k = 0; k < 6; k++) expect(b[k]).toBeCloseTo(a[k]!, 10);
    expect(Array.from(symmetricEigenvaluesQL([[3, 0, 0], [0, 1, 0], [0, 0, 2]]))).toEqual([1, 2, 3]);
    expect(() => symmetricEigenvaluesQL([[1, 2], [3, 1]])).toThrow(RangeError);
    expect(() => symmetricEigenvaluesQL([[1, NaN], [NaN, 1]])).toThrow(RangeError);
  });
});

describe('liJiEffectiveTests (Li & Ji 2005, eq. 5)', () => {
  test('independent tests count one each; perfect duplicates count one', () => {
    expect(liJiEffectiveTests(compound(10, 0))).toBe(10);
    // all ones: eigenvalues 6, 0 x 5 -> f(6) = 1 (rounding of 6 - 1e-15 must not give 2)
    expect(liJiEffectiveTests(compound(6, 1))).toBeCloseTo(1, 9);
    expect(liJiEffectiveTests([])).toBe(0);
  });

  test('by hand: compound symmetry n = 4, rho = 0.5 -> eigenvalues 2.5, 0.5 x 3 -> (1 + 0.5) + 3 x 0.5 = 3', () => {
    expect(liJiEffectiveTests(compound(4, 0.5))).toBeCloseTo(3, 12);
  });

  test('by hand: n = 5, rho = 0.9 -> 4.6 gives 1 + 0.6, 0.1 x 4 gives 0.4: 2.0; block-diagonal matrices add up', () => {
    expect(liJiEffectiveTests(compound(5, 0.9))).toBeCloseTo(2.0, 12);
    const a = compound(5, 0.9);
    const b = compound(4, 0.5);
    const block = Array.from({ length: 9 }, (_, i) => Array.from({ length: 9 }, (_, j) => (i < 5 && j < 5 ? a[i]![j]! : i >= 5 && j >= 5 ? b[i - 5]![j - 5]! : 0)));
    expect(liJiEffectiveTests(block)).toBeCloseTo(2.0 + 3.0, 12);
  });
});

describe('nullSharpeVariance', () => {
  test('with no lags it is exactly 1 / (n - 1), the Mertens variance at SR = 0', () => {
    const x = gaussian(250, 3);
    expect(nullSharpeVariance(x, 0)).toBeCloseTo(1 / 249, 15);
    expect(nullSharpeVariance([1])).toBeNaN();
    expect(nullSharpeVariance([2, 2, 2])).toBeNaN();
  });

  test('AR(1) phi = 0.5: the Bartlett long-run variance ratio 1 + 2 sum (1 - k / (L + 1)) phi^k, independently computed', () => {
    const n = 200_000;
    const x = ar1(n, 0.5, 9);
    const L = 13;
    let want = 1;
    for (let k = 1; k <= L; k++) want += 2 * (1 - k / (L + 1)) * 0.5 ** k;
    expect(nullSharpeVariance(x, L) * (n - 1)).toBeCloseTo(want, 1);
  });

  test('simulation: the variance of skill-less Sharpe estimates of sparse, fat-tailed daily returns is 1 / (n - 1)', () => {
    // 120 "days", a trade on 10% of them with Student-like fat tails, else 0 (a sparse event strategy)
    const rng = Xoshiro128ss.fromSeed(17, 1);
    const n = 120;
    const srs: number[] = [];
    const v0: number[] = [];
    for (let r = 0; r < 4000; r++) {
      const x = new Float64Array(n);
      for (let t = 0; t < n; t++) if (rng.uniform() < 0.1) x[t] = rng.normal() / Math.sqrt(Math.max(0.05, rng.exponential()));
      if (variance(x) > 0) { srs.push(sharpeRatio(x)); v0.push(nullSharpeVariance(x)); }
    }
    const empirical = variance(srs);
    expect(empirical * (n - 1)).toBeGreaterThan(0.85);
    expect(empirical * (n - 1)).toBeLessThan(1.15);
    // the estimate from one series at a time agrees on average
    expect((v0.reduce((s, x) => s + x, 0) / v0.length) * (n - 1)).toBeGreaterThan(0.85);
    expect((v0.reduce((s, x) => s + x, 0) / v0.length) * (n - 1)).toBeLessThan(1.15);
  });
});
