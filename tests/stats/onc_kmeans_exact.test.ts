/**
 * Issue 12: k-means stops a distance sum once it exceeds the best distance found (or the point's current centre's);
 * the labels must equal those of the plain full-sum Lloyd iterations (the published procedure as coded before),
 * point for point, including ties (the first strict minimum wins).
 */
import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { correlationDistance, correlationMatrix, kMeans } from '../../lib/stats/onc.js';

/** The pre-issue-12 kMeans: every distance summed in full. */
function plainKMeans(points: readonly (readonly number[])[], k: number, rng: Xoshiro128ss, maxIter = 300): Int32Array {
  const sq = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let t = 0; t < a.length; t++) { const d = a[t]! - b[t]!; s += d * d; } return s; };
  const n = points.length;
  const dim = points[0]!.length;
  const centers: Float64Array[] = [Float64Array.from(points[Math.min(n - 1, Math.floor(rng.uniform() * n))]!)];
  const d2 = points.map((p) => sq(p, centers[0]!));
  while (centers.length < k) {
    const total = d2.reduce((a, b) => a + b, 0);
    let pick = n - 1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < n; i++) { u -= d2[i]!; if (u < 0) { pick = i; break; } }
    } else pick = Math.min(n - 1, Math.floor(rng.uniform() * n));
    const c = Float64Array.from(points[pick]!);
    centers.push(c);
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i]!, sq(points[i]!, c));
  }
  const labels = new Int32Array(n).fill(-1);
  for (let iter = 0; iter < maxIter; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) { const d = sq(points[i]!, centers[c]!); if (d < bd) { bd = d; best = c; } }
      if (labels[i] !== best) { labels[i] = best; changed = true; }
    }
    const counts = new Array<number>(k).fill(0);
    for (const c of centers) c.fill(0);
    for (let i = 0; i < n; i++) {
      const c = centers[labels[i]!]!;
      counts[labels[i]!]!++;
      for (let t = 0; t < dim; t++) c[t] = c[t]! + points[i]![t]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) { for (let t = 0; t < dim; t++) centers[c]![t]! /= counts[c]!; continue; }
      let far = 0;
      let fd = -1;
      for (let i = 0; i < n; i++) {
        const d = sq(points[i]!, centers[labels[i]!]!);
        if (d > fd && counts[labels[i]!]! > 1) { fd = d; far = i; }
      }
      counts[labels[far]!]!--;
      labels[far] = c;
      counts[c] = 1;
      centers[c] = Float64Array.from(points[far]!);
      changed = true;
    }
    if (!changed) break;
  }
  return labels;
}

describe('kMeans with bounded distance sums', () => {
  test('same labels as full sums: correlation-distance rows (as ONC clusters them) and grid points full of ties', () => {
    const rng = Xoshiro128ss.fromSeed(4, 4);
    const factors = Array.from({ length: 5 }, () => Float64Array.from({ length: 120 }, () => rng.normal()));
    const series = Array.from({ length: 60 }, (_, i) => Float64Array.from({ length: 120 }, (_, t) => factors[i % 5]![t]! + rng.normal()));
    const x = correlationDistance(correlationMatrix(series));
    // integer grid points: many exactly equal distances, so the tie rule is exercised
    const grid = Array.from({ length: 80 }, (_, i) => [i % 4, Math.floor(i / 4) % 5, i % 3]);
    for (const pts of [x, grid]) {
      for (const k of [2, 3, 5, 8, 13]) {
        for (const seed of [0, 1]) {
          expect(Array.from(kMeans(pts, k, Xoshiro128ss.fromSeed(seed, 0, k)))).toEqual(Array.from(plainKMeans(pts, k, Xoshiro128ss.fromSeed(seed, 0, k))));
        }
      }
    }
  });

  test('distances remembered across iterations (centres whose members did not change stay): same labels, emptied clusters included', () => {
    const rng = Xoshiro128ss.fromSeed(8, 8);
    const factors = Array.from({ length: 7 }, () => Float64Array.from({ length: 200 }, () => rng.normal()));
    const series = Array.from({ length: 90 }, (_, i) => Float64Array.from({ length: 200 }, (_, t) => factors[i % 7]![t]! * (1 + (i % 3)) + rng.normal() * 2));
    const x = correlationDistance(correlationMatrix(series));
    // many identical points: k-means++ runs out of distinct seeds and clusters empty (the re-seed path)
    const dup = Array.from({ length: 40 }, (_, i) => (i < 25 ? [1, 1, 1] : [i % 3, i % 5, 2]));
    let iterations = 0;
    for (const [pts, ks] of [[x, [2, 4, 9, 17, 30, 40]], [dup, [3, 6, 10, 20, 30]]] as const) {
      for (const k of ks) {
        for (const seed of [0, 1, 2, 3, 4]) {
          const got = Array.from(kMeans(pts, k, Xoshiro128ss.fromSeed(seed, 0, k)));
          expect(got).toEqual(Array.from(plainKMeans(pts, k, Xoshiro128ss.fromSeed(seed, 0, k))));
          iterations++;
        }
      }
    }
    expect(iterations).toBe(55);
  });
});
