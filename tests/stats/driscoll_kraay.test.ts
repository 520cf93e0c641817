import { describe, expect, test } from '@jest/globals';
import { driscollKraayMean, neweyWestMean } from '../../lib/stats/index.js';
import { gaussian } from './helpers.js';

/** A stream of N(0, 1) draws from the project's seeded generator. */
function normals(seed: number): () => number {
  const z = gaussian(10_000, seed);
  let k = 0;
  return () => z[k++]!;
}

/**
 * Independent computation: the sandwich of pooled OLS of x on a constant written with explicit matrices.
 * X = ones(N x 1), u = x - X beta, bread = (X'X)^-1. The Driscoll & Kraay (1998) meat is
 *   S = sum_{t,s} K(t, s) h_t h_s', h_t = sum_{i at t} X_i u_i, K = Bartlett weight 1 - |t - s| / (L + 1) (0 beyond L),
 * built here as the full N x N matrix Omega_ij = K(t_i, t_j) u_i u_j (the cross-covariance of every pair of
 * observations, same symbol or not), meat = X' Omega X; V = bread meat bread.
 */
function explicitSandwich(t: number[], x: number[], L: number): number {
  const N = x.length;
  const X = Array.from({ length: N }, () => [1]);
  let xtx = 0;
  let xty = 0;
  for (let i = 0; i < N; i++) {
    xtx += X[i]![0]! * X[i]![0]!;
    xty += X[i]![0]! * x[i]!;
  }
  const bread = 1 / xtx;
  const beta = bread * xty;
  const u = x.map((v, i) => v - X[i]![0]! * beta);
  const omega: number[][] = [];
  for (let i = 0; i < N; i++) {
    omega.push([]);
    for (let j = 0; j < N; j++) {
      const d = Math.abs(t[i]! - t[j]!);
      omega[i]!.push(d <= L ? (1 - d / (L + 1)) * u[i]! * u[j]! : 0);
    }
  }
  let meat = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) meat += X[i]![0]! * omega[i]![j]! * X[j]![0]!;
  return Math.sqrt(bread * meat * bread);
}

describe('Driscoll-Kraay standard error of a pooled mean', () => {
  test('hand example: times [0, 0, 2], x [1, 2, 6], L = 2 -> S_0 = -3, S_2 = 3, se = sqrt(9 + 9 - 2 * 9 / 3) / 3', () => {
    const r = driscollKraayMean([0, 0, 2], [1, 2, 6], 2);
    expect(r.mean).toBe(3);
    expect(r.se).toBeCloseTo(Math.sqrt(12) / 3, 14);
    expect(r.t).toBeCloseTo(3 / (Math.sqrt(12) / 3), 12);
    expect(r.times).toBe(2);
    expect(r.n).toBe(3);
  });

  test('equals the explicit sandwich with the full cross-covariance matrix on a random panel (4 symbols, clustered times)', () => {
    const rnd = normals(7);
    for (const L of [0, 1, 3, 7]) {
      const t: number[] = [];
      const x: number[] = [];
      for (let sym = 0; sym < 4; sym++) {
        for (let k = 0; k < 15; k++) {
          t.push(3 * k + (sym % 2)); // symbols 0,2 and 1,3 share times; the two pairs sit one step apart
          x.push(0.1 + rnd());
        }
      }
      const dk = driscollKraayMean(t, x, L);
      expect(dk.se).toBeCloseTo(explicitSandwich(t, x, L), 12);
      // observation order does not matter
      const perm = t.map((_, i) => i).reverse();
      expect(driscollKraayMean(perm.map((i) => t[i]!), perm.map((i) => x[i]!), L).se).toBeCloseTo(dk.se, 12);
    }
  });

  test('closed forms: one observation per consecutive time = Newey-West; times more than L apart = White sqrt(sum e^2) / N', () => {
    const rnd = normals(3);
    const x = Array.from({ length: 60 }, () => rnd());
    const t = x.map((_, i) => i);
    expect(driscollKraayMean(t, x, 5).se).toBeCloseTo(neweyWestMean(x, 5).se, 14);
    const far = x.map((_, i) => i * 10);
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const white = Math.sqrt(x.reduce((a, v) => a + (v - m) ** 2, 0)) / x.length;
    expect(driscollKraayMean(far, x, 9).se).toBeCloseTo(white, 14);
  });

  test('a symbol pooled with an exact copy of itself (perfect cross-correlation) gains nothing: same se as alone', () => {
    const rnd = normals(5);
    const x = Array.from({ length: 40 }, () => rnd());
    const t = x.map((_, i) => 2 * i);
    const alone = driscollKraayMean(t, x, 4);
    const twice = driscollKraayMean([...t, ...t], [...x, ...x], 4);
    expect(twice.se).toBeCloseTo(alone.se, 14);
    expect(twice.n).toBe(80);
    expect(twice.times).toBe(40);
    // independent symbols at the same times do gain: se shrinks by about 1/sqrt(2)
    const y = Array.from({ length: 40 }, () => rnd());
    expect(driscollKraayMean([...t, ...t], [...x, ...y], 4).se).toBeLessThan(alone.se);
  });

  test('edge cases and bad input', () => {
    expect(Number.isNaN(driscollKraayMean([], [], 2).se)).toBe(true);
    expect(driscollKraayMean([4], [1], 2).se).toBe(0);
    expect(Number.isNaN(driscollKraayMean([4], [1], 2).t)).toBe(true);
    expect(() => driscollKraayMean([0, 1], [1], 1)).toThrow(/2 times for 1 values/);
    expect(() => driscollKraayMean([0.5], [1], 1)).toThrow(/not an integer time/);
    expect(() => driscollKraayMean([0], [1], -1)).toThrow(/lags must be an integer/);
  });
});
