/**
 * ONC (Lopez de Prado & Lewis 2019, "Detection of false investment strategies using unsupervised learning methods",
 * Quantitative Finance 19(9); Lopez de Prado 2020, "Machine Learning for Asset Managers", ch. 4, snippets 4.1-4.2):
 * the planted block-correlation experiment of the paper (blocks of correlated series, ONC must recover the blocks
 * exactly), silhouettes against a hand computation, and the E[max] benchmark over K clusters against the False
 * Strategy theorem's formula written out here independently (Bailey & Lopez de Prado 2014 eq. 7; Lopez de Prado
 * 2019, "A data science solution to the multiple-testing crisis in financial research", JFDS 1(1)).
 */
import { describe, expect, test } from '@jest/globals';
import {
  clusterTStat, correlationDistance, correlationMatrix, expectedMaxSharpe, normalQuantile, oncClusters, silhouetteSamples,
} from '../../lib/stats/index.js';
import { gaussian } from './helpers.js';

/** Series in blocks: member j of block b = factor_b + noise_j * sigma (factors independent). */
function blockSeries(sizes: readonly number[], n: number, sigma: number, seed: number): { series: Float64Array[]; truth: number[][] } {
  const series: Float64Array[] = [];
  const truth: number[][] = [];
  let id = 0;
  sizes.forEach((size, b) => {
    const f = gaussian(n, seed, 100 + b);
    const members: number[] = [];
    for (let j = 0; j < size; j++) {
      const e = gaussian(n, seed, 1000 + id);
      series.push(Float64Array.from(f, (x, t) => x + sigma * e[t]!));
      members.push(id++);
    }
    truth.push(members);
  });
  return { series, truth };
}

/** The exact block correlation matrix: rho inside a block, 0 across blocks, 1 on the diagonal. */
function blockCorr(sizes: readonly number[], rho: number): number[][] {
  const lab = sizes.flatMap((s, b) => new Array<number>(s).fill(b));
  return lab.map((a, i) => lab.map((b, j) => (i === j ? 1 : a === b ? rho : 0)));
}

function blocksOf(sizes: readonly number[]): number[][] {
  let k = 0;
  return sizes.map((s) => Array.from({ length: s }, () => k++));
}

describe('oncClusters recovers a planted block-correlation structure', () => {
  test('exact block correlation matrix, blocks of unequal size', () => {
    const sizes = [6, 4, 8, 3, 5];
    const r = oncClusters(blockCorr(sizes, 0.6), { seed: 1 });
    expect(r.clusters).toEqual(blocksOf(sizes));
  });

  test('correlations estimated from simulated series (factor + noise, 500 observations)', () => {
    // within-block correlation 1 / (1 + sigma^2) = 0.5 at sigma = 1; across blocks 0 up to sampling noise
    const sizes = [5, 9, 4, 7, 3, 6];
    const { series, truth } = blockSeries(sizes, 500, 1, 11);
    const r = oncClusters(correlationMatrix(series), { seed: 0 });
    expect(r.clusters).toEqual(truth);
    expect(Array.from(r.labels)).toEqual(sizes.flatMap((s, b) => new Array<number>(s).fill(b)));
  });

  test('shuffled item order: the same partition, relabelled', () => {
    const sizes = [4, 6, 5];
    const { series, truth } = blockSeries(sizes, 400, 0.8, 3);
    const perm = [7, 2, 14, 0, 9, 11, 4, 1, 13, 6, 3, 12, 8, 5, 10];
    const r = oncClusters(correlationMatrix(perm.map((p) => series[p]!)), { seed: 5 });
    const back = r.clusters.map((c) => c.map((i) => perm[i]!).sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
    expect(back).toEqual(truth);
  });

  test('deterministic for a seed; n <= 2 gives singletons', () => {
    const c = correlationMatrix(blockSeries([5, 5, 5], 300, 1, 9).series);
    expect(oncClusters(c, { seed: 4 })).toEqual(oncClusters(c, { seed: 4 }));
    expect(oncClusters([[1]]).clusters).toEqual([[0]]);
    expect(oncClusters([[1, 0.9], [0.9, 1]]).clusters).toEqual([[0], [1]]);
    expect(() => oncClusters([[1, 0], [0]])).toThrow(RangeError);
  });
});

describe('ONC building blocks', () => {
  test('distance sqrt((1 - rho) / 2): 0 at rho 1, 1/sqrt(2) at 0, 1 at -1; NaN correlation taken as 0', () => {
    expect(correlationDistance([[1, 0, -1, NaN]])[0]).toEqual([0, Math.SQRT1_2, 1, Math.SQRT1_2]);
  });

  test('silhouettes against a hand computation (1-d points 0, 1, 4, 5; clusters {0,1}, {4,5})', () => {
    // point 0: a = 1, b = (4 + 5) / 2 = 4.5 -> s = 3.5 / 4.5; point 1: a = 1, b = 3.5 -> 2.5 / 3.5 (symmetric)
    const s = silhouetteSamples([[0], [1], [4], [5]], [0, 0, 1, 1]);
    expect(s[0]).toBeCloseTo(3.5 / 4.5, 14);
    expect(s[1]).toBeCloseTo(2.5 / 3.5, 14);
    expect(s[2]).toBeCloseTo(2.5 / 3.5, 14);
    expect(s[3]).toBeCloseTo(3.5 / 4.5, 14);
    // a singleton's silhouette is 0 (scikit-learn's convention)
    expect(silhouetteSamples([[0], [1], [9]], [0, 0, 1])[2]).toBe(0);
  });

  test('cluster t-statistic mean / population std; NaN for a singleton, +Infinity for constant positive', () => {
    expect(clusterTStat([0.2, 0.4])).toBeCloseTo(0.3 / 0.1, 12);
    expect(clusterTStat([0.5])).toBeNaN();
    expect(clusterTStat([0.5, 0.5])).toBe(Infinity);
  });
});

describe('E[max Sharpe] over K clusters (False Strategy theorem)', () => {
  test('matches sqrt(V) ((1 - gamma) Z(1 - 1/K) + gamma Z(1 - 1/(K e))) written out independently', () => {
    const gamma = 0.5772156649015329;
    for (const [k, v] of [[2, 0.01], [7, 0.002], [40, 0.05], [1000, 1e-4]] as const) {
      const want = Math.sqrt(v) * ((1 - gamma) * normalQuantile(1 - 1 / k) + gamma * normalQuantile(1 - 1 / (k * Math.E)));
      expect(expectedMaxSharpe(k, v)).toBeCloseTo(want, 14);
    }
    // K = 1: nothing to select from
    expect(expectedMaxSharpe(1, 0.3)).toBe(0);
  });

  test('close to the simulated expected maximum of K standard normals (K = 20: within 3%)', () => {
    // E[max of 20 iid N(0,1)] = 1.8675 (tabulated order-statistic expectation); the approximation overstates it
    expect(expectedMaxSharpe(20, 1) / 1.8675).toBeGreaterThan(1);
    expect(expectedMaxSharpe(20, 1) / 1.8675).toBeLessThan(1.03);
  });
});
