/** Shared reference tools for the statistics tests: seeded series and a numerical integrator. */
import { Xoshiro128ss } from '../../lib/stats/rng.js';

/** Gaussian white noise of length n (seeded). */
export function gaussian(n: number, seed: number, stream = 1): Float64Array {
  const rng = Xoshiro128ss.fromSeed(seed, stream);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/**
 * Stationary Gaussian AR(1) x_t = phi x_{t-1} + e_t, e_t ~ N(0, 1), started from its stationary distribution
 * N(0, 1 / (1 - phi^2)) so there is no burn-in.
 */
export function ar1(n: number, phi: number, seed: number, stream = 2): Float64Array {
  const rng = Xoshiro128ss.fromSeed(seed, stream);
  const out = new Float64Array(n);
  let x = rng.normal() / Math.sqrt(1 - phi * phi);
  for (let i = 0; i < n; i++) {
    if (i > 0) x = phi * x + rng.normal();
    out[i] = x;
  }
  return out;
}

/** Composite Simpson's rule on [a, b] with `intervals` (even) sub-intervals. */
export function simpson(f: (x: number) => number, a: number, b: number, intervals = 20000): number {
  const m = intervals % 2 ? intervals + 1 : intervals;
  const h = (b - a) / m;
  let s = f(a) + f(b);
  for (let i = 1; i < m; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** Plain-array sum (reference code in tests avoids the library on purpose). */
export function sumOf(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

/** |a - b| <= tol * max(1, |b|): a relative check that degrades to absolute near 0. */
export function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}
