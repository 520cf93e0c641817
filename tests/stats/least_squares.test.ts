/**
 * Issue 12, blueprint's pairs screen: leastSquares (lib/stats/hac.ts, the Householder QR under olsHac, the ADF and
 * Engle-Granger tests) applies each reflector to two columns per pass. Each column's sums and updates run in the same
 * order as one column at a time, so every result is bit-for-bit what the one-column loop gives (the reference below
 * is that loop, as it was), for odd and even column counts, one column, and the rank-deficiency error.
 */
import { describe, expect, test } from '@jest/globals';
import { leastSquares } from '../../lib/stats/hac.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';

/** The one-column-at-a-time Householder QR leastSquares used before (its reflector loop, verbatim). */
function reference(y: ArrayLike<number>, X: readonly ArrayLike<number>[]): { beta: Float64Array; xtxInv: Float64Array; qty: Float64Array } {
  const T = y.length;
  const k = X.length;
  const A = X.map((c) => Float64Array.from(c));
  const b = Float64Array.from(y);
  const R = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    const a = A[j]!;
    let norm0 = 0;
    for (let t = 0; t < T; t++) norm0 += X[j]![t]! * X[j]![t]!;
    let s = 0;
    for (let t = j; t < T; t++) s += a[t]! * a[t]!;
    let alpha = Math.sqrt(s);
    if (!(alpha > 1e-7 * Math.sqrt(norm0))) throw new RangeError(`least squares: X is rank deficient (column ${j} is a combination of the previous ones)`);
    if (a[j]! > 0) alpha = -alpha;
    const v0 = a[j]! - alpha;
    const vtv = s - a[j]! * a[j]! + v0 * v0;
    a[j] = v0;
    const apply = (c: Float64Array): void => {
      let d = 0;
      for (let t = j; t < T; t++) d += a[t]! * c[t]!;
      const f = (2 * d) / vtv;
      for (let t = j; t < T; t++) c[t] = c[t]! - f * a[t]!;
    };
    for (let l = j + 1; l < k; l++) apply(A[l]!);
    apply(b);
    R[j * k + j] = alpha;
    for (let l = j + 1; l < k; l++) R[j * k + l] = A[l]![j]!;
  }
  const beta = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let l = i + 1; l < k; l++) s -= R[i * k + l]! * beta[l]!;
    beta[i] = s / R[i * k + i]!;
  }
  const Ri = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    Ri[c * k + c] = 1 / R[c * k + c]!;
    for (let i = c - 1; i >= 0; i--) {
      let s = 0;
      for (let l = i + 1; l <= c; l++) s += R[i * k + l]! * Ri[l * k + c]!;
      Ri[i * k + c] = -s / R[i * k + i]!;
    }
  }
  const xtxInv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let l = i; l < k; l++) {
      let s = 0;
      for (let m = l; m < k; m++) s += Ri[i * k + m]! * Ri[l * k + m]!;
      xtxInv[i * k + l] = s;
      xtxInv[l * k + i] = s;
    }
  }
  return { beta, xtxInv, qty: b };
}

/** Bits of every element (Object.is: -0 and NaN compared exactly). */
const bits = (a: Float64Array): string[] => Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (x) => x.toString(16));

function problem(T: number, k: number, seed: number): { y: Float64Array; X: Float64Array[] } {
  const rng = Xoshiro128ss.fromSeed(seed, 0);
  const rnd = () => rng.uniform();
  const X = [Float64Array.from({ length: T }, () => 1)];
  // a random walk and its lags, as the ADF regressions have: correlated columns
  let w = 0;
  const walk = Float64Array.from({ length: T + k }, () => (w += rnd() - 0.5));
  for (let j = 1; j < k; j++) X.push(j % 2 ? walk.slice(k - j, k - j + T) : Float64Array.from({ length: T }, () => rnd() * 1e3 - 500));
  return { y: Float64Array.from({ length: T }, (_, t) => walk[t + k]! + rnd()), X };
}

describe('leastSquares: two columns per reflector pass, same bits', () => {
  test.each([[50, 1], [50, 2], [200, 3], [500, 8], [1000, 13], [3000, 40], [777, 41]])('T = %i, k = %i', (T, k) => {
    const { y, X } = problem(T, k, 1000 * T + k);
    const got = leastSquares(y, X);
    const want = reference(y, X);
    expect(bits(got.beta)).toEqual(bits(want.beta));
    expect(bits(got.xtxInv)).toEqual(bits(want.xtxInv));
    expect(bits(got.qty)).toEqual(bits(want.qty));
  });

  test('a rank-deficient X is refused as before', () => {
    const { y, X } = problem(100, 4, 7);
    X[3] = Float64Array.from(X[1]!, (v, t) => 2 * v - X[2]![t]!);
    expect(() => reference(y, X)).toThrow(/column 3 is a combination/);
    expect(() => leastSquares(y, X)).toThrow(/column 3 is a combination/);
  });
});
