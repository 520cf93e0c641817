/**
 * Issue 12: the correlation matrix is summed in cache tiles with several sums in flight (lib/stats/onc.ts), and the
 * clustered deflation computes only the blocks it uses. Every value must equal the plain loop's (one pair at a time,
 * t ascending) bit for bit: random series with a NaN, constant series, correlated pairs, sizes that are not
 * multiples of the tiles, and arbitrary index lists.
 */
import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { correlationMatrix, correlationsAmong, correlationSubmatrix, standardizeSeries } from '../../lib/stats/onc.js';

/** The pre-issue-12 correlationMatrix, verbatim in its arithmetic. */
function plainCorrelationMatrix(series: readonly ArrayLike<number>[]): number[][] {
  const n = series.length;
  const len = n ? series[0]!.length : 0;
  const z = series.map((s) => {
    let m = 0;
    for (let t = 0; t < len; t++) m += s[t]!;
    m /= len;
    let ss = 0;
    const d = new Float64Array(len);
    for (let t = 0; t < len; t++) { d[t] = s[t]! - m; ss += d[t]! * d[t]!; }
    const sd = Math.sqrt(ss);
    for (let t = 0; t < len; t++) d[t] = sd > 0 ? d[t]! / sd : NaN;
    return d;
  });
  const c: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let t = 0; t < len; t++) s += z[i]![t]! * z[j]![t]!;
      const v = i === j && Number.isFinite(s) ? 1 : Math.max(-1, Math.min(1, s));
      c[i]![j] = v;
      c[j]![i] = v;
    }
  }
  return c;
}

function randomSeries(n: number, len: number, seed: number): Float64Array[] {
  const rng = Xoshiro128ss.fromSeed(seed, 1, 2);
  const base = Float64Array.from({ length: len }, () => rng.normal());
  return Array.from({ length: n }, (_, i) => {
    if (i % 11 === 3) return new Float64Array(len).fill(0.25); // constant: a NaN row
    // mostly-zero series (as a candidate that rarely holds), correlated ones, and plain noise
    const w = i % 3 === 0 ? 0.8 : 0;
    const s = Float64Array.from({ length: len }, (_, t) => (i % 5 === 1 && t % 7 !== 0 ? 0 : w * base[t]! + rng.normal() * 1e-3 * (1 + i)));
    if (i % 13 === 7) s[len >> 1] = NaN;
    return s;
  });
}

const same = (a: number, b: number) => Object.is(a, b);

describe('correlation matrix: tiled sums equal the plain loop bit for bit', () => {
  test.each([[1, 5], [3, 0], [7, 3], [37, 2500], [70, 1031]])('%i series of %i values', (n, len) => {
    const series = randomSeries(n, len, n * 1000 + len);
    const want = plainCorrelationMatrix(series);
    const got = correlationMatrix(series);
    let bad = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (!same(got[i]![j]!, want[i]![j]!)) bad++;
    expect(bad).toBe(0);
    if (n >= 7) expect(want.flat().some((v) => Number.isNaN(v))).toBe(true); // the NaN rows are exercised
  });

  test('blocks over index lists: rectangular (rows x cols) and symmetric submatrices', () => {
    const n = 45;
    const series = randomSeries(n, 1500, 7);
    const want = plainCorrelationMatrix(series);
    const zs = standardizeSeries(series);
    const rows = [44, 0, 13, 13, 5, 31, 2];
    const cols = [3, 1, 40, 22, 9, 10, 11, 12, 8];
    const block = correlationsAmong(zs, rows, cols);
    rows.forEach((i, x) => cols.forEach((j, y) => expect(same(block[x * cols.length + y]!, want[i]![j]!)).toBe(true)));
    const idx = [2, 3, 5, 8, 13, 21, 34, 40, 41, 42, 43, 44, 0];
    const sub = correlationSubmatrix(zs, idx);
    idx.forEach((i, x) => idx.forEach((j, y) => expect(same(sub[x * idx.length + y]!, want[i]![j]!)).toBe(true)));
  });

  test('series of different lengths are refused', () => {
    expect(() => correlationMatrix([new Float64Array(3), new Float64Array(4)])).toThrow(/series 1 has 4 values, series 0 has 3/);
  });
});
