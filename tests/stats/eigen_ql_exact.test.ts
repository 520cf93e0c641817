/**
 * Issue 12: the Householder reduction of symmetricEigenvaluesQL reads the triangle by rows only (the matrix-vector
 * product's column reads were ~40 % of its time), and each step's rank-2 update is applied row by row inside the next
 * step's product, four rows per pass in JS, two in the WebAssembly SIMD kernel (lib/stats/tred2_wasm.ts). Each product entry is still summed in ascending k, so every
 * eigenvalue must equal the column-reading version's bit for bit: random correlation-like matrices of several sizes,
 * a singular one (duplicated rows), and the clustered DSR's use through liJiEffectiveTests.
 */
import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { liJiEffectiveTests, symmetricEigenvaluesQL } from '../../lib/stats/effective_tests.js';
import { correlationMatrix } from '../../lib/stats/onc.js';

/** The version before issue 12's row-read change, verbatim (checks and errors trimmed to what these inputs need). */
function columnReadingQL(m: readonly (readonly number[])[]): Float64Array {
  const n = m.length;
  const a: Float64Array[] = m.map((row, i) => {
    if (row.length !== n) throw new RangeError(`columnReadingQL: row ${i} has ${row.length} values, expected ${n}`);
    return Float64Array.from(row);
  });
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const x = a[i]![j]!;
      if (!Number.isFinite(x) || !Number.isFinite(a[j]![i]!)) throw new RangeError(`columnReadingQL: entry (${i}, ${j}) is ${x}`);
      if (j > i && Math.abs(x - a[j]![i]!) > 1e-9 * (1 + Math.abs(x))) throw new RangeError(`columnReadingQL: not symmetric at (${i}, ${j}): ${x} vs ${a[j]![i]!}`);
    }
  }
  // the lower triangle is what the reduction reads: take it from the upper one (exact symmetry)
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i]![j] = a[j]![i]!;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // tred2 (no eigenvectors)
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    const ai = a[i]!;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(ai[k]!);
      if (scale === 0) {
        e[i] = ai[l]!;
      } else {
        for (let k = 0; k <= l; k++) {
          ai[k] = ai[k]! / scale;
          h += ai[k]! * ai[k]!;
        }
        let f = ai[l]!;
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        ai[l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          g = 0;
          const aj = a[j]!;
          for (let k = 0; k <= j; k++) g += aj[k]! * ai[k]!;
          for (let k = j + 1; k <= l; k++) g += a[k]![j]! * ai[k]!;
          e[j] = g / h;
          f += e[j]! * ai[j]!;
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          f = ai[j]!;
          g = e[j]! - hh * f;
          e[j] = g;
          const aj = a[j]!;
          for (let k = 0; k <= j; k++) aj[k] = aj[k]! - (f * e[k]! + g * ai[k]!);
        }
      }
    } else {
      e[i] = ai[l]!;
    }
    d[i] = h;
  }
  for (let i = 0; i < n; i++) d[i] = a[i]![i]!;
  // tqli (no eigenvectors)
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  const EPS = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let mm: number;
    do {
      for (mm = l; mm < n - 1; mm++) {
        const dd = Math.abs(d[mm]!) + Math.abs(d[mm + 1]!);
        if (Math.abs(e[mm]!) <= EPS * dd) break;
      }
      if (mm !== l) {
        if (iter++ === 50) throw new RangeError('columnReadingQL: too many iterations');
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[mm]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = mm - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] = d[i + 1]! - p;
            e[mm] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (r === 0 && i >= l) continue;
        d[l] = d[l]! - p;
        e[l] = g;
        e[mm] = 0;
      }
    } while (mm !== l);
  }
  return d.sort();
}

/** Both kernels of the reduction's fused pass (WebAssembly SIMD and JS), and the default. */
const KERNELS = ['wasm', 'js', 'auto'] as const;

function correlated(n: number, len: number, seed: number): number[][] {
  const rng = Xoshiro128ss.fromSeed(seed, 5, 6);
  const common = Float64Array.from({ length: len }, () => rng.normal());
  const series = Array.from({ length: n }, (_, i) => {
    if (i % 10 === 9) return null; // filled below: a duplicate of series i - 1 (a singular matrix)
    const w = (i % 4) * 0.3;
    return Float64Array.from({ length: len }, (_, t) => w * common[t]! + rng.normal());
  });
  for (let i = 0; i < n; i++) if (!series[i]) series[i] = Float64Array.from(series[i - 1]!);
  return correlationMatrix(series as Float64Array[]);
}

describe('symmetricEigenvaluesQL reads rows only, each step\'s update fused into the next product: the same eigenvalues bit for bit', () => {
  test.each([[1], [2], [3], [4], [5], [17], [18], [64], [151], [202]])('%i x %i', (n) => {
    const m = correlated(n, 300, n);
    const want = columnReadingQL(m);
    for (const kernel of KERNELS) {
      const got = symmetricEigenvaluesQL(m, kernel);
      expect(got.length).toBe(n);
      for (let i = 0; i < n; i++) expect(Object.is(got[i], want[i])).toBe(true);
    }
  });

  test('a general symmetric matrix (not a correlation matrix), and the Li & Ji count', () => {
    const rng = Xoshiro128ss.fromSeed(9, 9, 9);
    const n = 40;
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) { const v = rng.normal() * (j === i ? 10 : 1); m[i]![j] = v; m[j]![i] = v; }
    const want = columnReadingQL(m);
    for (const kernel of KERNELS) {
      const got = symmetricEigenvaluesQL(m, kernel);
      for (let i = 0; i < n; i++) expect(Object.is(got[i], want[i])).toBe(true);
    }
    const c = correlated(80, 200, 3);
    expect(liJiEffectiveTests(c)).toBeGreaterThan(1);
  });

  test('the WebAssembly kernel and JS on the clustered DSR\'s shape (a cluster of near-duplicates and loners, 301 x 301)', () => {
    const m = correlated(301, 80, 17);
    const want = columnReadingQL(m);
    const w = symmetricEigenvaluesQL(m, 'wasm');
    const j = symmetricEigenvaluesQL(m, 'js');
    for (let i = 0; i < 301; i++) {
      expect(Object.is(w[i], want[i])).toBe(true);
      expect(Object.is(j[i], want[i])).toBe(true);
    }
    expect(liJiEffectiveTests(m)).toBe(liJiEffectiveTests(m));
  });

  test('items uncorrelated with all others (reduction steps skipped between deferred updates)', () => {
    // an isolated item i has a zero row below the diagonal at its step (scale 0: no reduction, the previous step's
    // deferred update applied on its own); isolated items at the ends, in the middle, and two adjacent
    for (const [n, iso] of [[30, [0, 7, 8, 19, 29]], [9, [1, 4]], [12, [10]], [6, [5]]] as const) {
      const m = correlated(n, 150, n + 1);
      for (const i of iso) for (let j = 0; j < n; j++) if (j !== i) { m[i]![j] = 0; m[j]![i] = 0; }
      const want = columnReadingQL(m);
      for (const kernel of KERNELS) {
        const got = symmetricEigenvaluesQL(m, kernel);
        for (let i = 0; i < n; i++) expect(Object.is(got[i], want[i])).toBe(true);
      }
    }
  });
});
