import { describe, expect, test } from '@jest/globals';
import { approx, countSet, exact, seriesStats, stableJson } from '../../lib/golden/checks.js';

describe('seriesStats', () => {
  test('mean, min, max and sum over finite values only (NaN = missing bar)', () => {
    // by hand: finite values 1, 2, 6 -> n 3, sum 9, mean 3
    expect(seriesStats(Float64Array.from([1, NaN, 2, 6]))).toEqual({ n: 3, sum: 9, mean: 3, min: 1, max: 6 });
  });

  test('no finite value gives NaN statistics, stored as null', () => {
    const s = seriesStats(Float64Array.from([NaN]));
    expect(s.n).toBe(0);
    expect(approx(s.mean)).toEqual({ value: null });
  });
});

describe('checks', () => {
  test('exact and approx', () => {
    expect(exact(3)).toEqual({ value: 3 });
    expect(approx(2.5)).toEqual({ value: 2.5, rel_tol: 1e-12 });
    expect(approx(2.5, 1e-6)).toEqual({ value: 2.5, rel_tol: 1e-6 });
  });

  test('countSet counts non-zero flags', () => {
    expect(countSet(Uint8Array.from([0, 1, 1, 0, 1]))).toBe(3);
  });

  test('stableJson sorts keys at every level, so the baseline file is the same however it was built', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } })).toBe(stableJson({ a: { c: 2, d: [{ y: 2, z: 1 }] }, b: 1 }));
    expect(stableJson({ b: 1, a: 2 })).toBe('{\n  "a": 2,\n  "b": 1\n}\n');
  });
});
