/**
 * Chart downsampling (lib/report/series.ts): each bucket keeps its min, its max and its first NaN, in index order,
 * first and last index always; bit for bit the indices of the definition written with a sorted array per bucket.
 */
import { describe, expect, test } from '@jest/globals';
import { downsampleIndices, downsampleMinMax } from '../../lib/report/series.js';

/** The definition: per bucket the indices of min, max and first NaN, filtered, sorted, duplicates dropped. */
function reference(y: ArrayLike<number>, maxPoints: number): number[] {
  const n = y.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.floor((maxPoints - 2) / 2);
  const keep = [0];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.max(1, Math.floor((b * n) / buckets));
    const hi = Math.min(n - 1, Math.floor(((b + 1) * n) / buckets));
    let iMin = -1;
    let iMax = -1;
    let iNaN = -1;
    for (let i = lo; i < hi; i++) {
      const v = y[i]!;
      if (Number.isNaN(v)) {
        if (iNaN < 0) iNaN = i;
        continue;
      }
      if (iMin < 0 || v < y[iMin]!) iMin = i;
      if (iMax < 0 || v > y[iMax]!) iMax = i;
    }
    const picks = [Math.min(iMin, iMax), Math.max(iMin, iMax), iNaN].filter((i) => i >= 0).sort((p, q) => p - q);
    picks.forEach((p, j) => {
      if (j === 0 || p !== picks[j - 1]) keep.push(p);
    });
  }
  keep.push(n - 1);
  return keep;
}

describe('downsampleIndices', () => {
  test('the definition, index for index: NaN before, between and after min and max, ties, constant and all-NaN buckets', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [5, 40, 41, 97, 1000, 5003]) {
      for (const maxPoints of [4, 5, 10, 40, 333]) {
        for (const kind of ['walk', 'steps', 'nan-runs', 'constant', 'all-nan']) {
          const y: number[] = [];
          let p = 1;
          for (let i = 0; i < n; i++) {
            p *= 1 + (rnd() - 0.5) * 0.02;
            const v = kind === 'steps' ? Math.round(p * 20) / 20 : kind === 'constant' ? 1 : kind === 'all-nan' ? NaN : p;
            y.push(kind === 'nan-runs' && rnd() < 0.15 ? NaN : v);
          }
          expect([...downsampleIndices(y, maxPoints)]).toEqual(reference(y, maxPoints));
          expect([...downsampleIndices(Float64Array.from(y), maxPoints)]).toEqual(reference(y, maxPoints));
        }
      }
    }
  });

  test('a spike and a gap survive; first and last kept; short series untouched', () => {
    const y = Array.from({ length: 1000 }, (_, i) => (i === 503 ? 9 : i === 700 ? NaN : 1 + i / 1e4));
    const idx = [...downsampleIndices(y, 20)];
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(999);
    expect(idx).toContain(503);
    expect(idx).toContain(700);
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    expect([...downsampleIndices([3, 1, 2], 4)]).toEqual([0, 1, 2]);
    const d = downsampleMinMax([10, 20, 30], [3, 1, 2], 4);
    expect([...d.x]).toEqual([10, 20, 30]);
    expect(() => downsampleIndices([1, 2, 3], 3)).toThrow(RangeError);
  });
});
