/**
 * Clustered deflation (Lopez de Prado 2019, "A data science solution to the multiple-testing crisis in financial
 * research", JFDS 1(1)): trials clustered by ONC, one inverse-variance portfolio Sharpe per cluster, SR0 from the
 * number of clusters and the variance of the cluster Sharpes. Checked against the same quantities computed here
 * from the definitions, and on a null and an edge example.
 */
import { describe, expect, test } from '@jest/globals';
import { clusteredDeflation, inverseVariancePortfolio, untestedCandidateGroups } from '../../lib/walkforward/deflation.js';
import { deflatedSharpe, kurtosis, sharpeRatio, skewness, variance } from '../../lib/stats/index.js';
import { gaussian } from '../stats/helpers.js';

/** nBlocks blocks of `size` near-duplicate trials (factor + small noise); block b's factor has daily mean mu[b]. */
function trialsOf(nBlocks: number, size: number, n: number, mu: readonly number[], seed: number) {
  const out: { id: string; daily: Float64Array }[] = [];
  for (let b = 0; b < nBlocks; b++) {
    const f = gaussian(n, seed, 10 + b);
    for (let j = 0; j < size; j++) {
      const e = gaussian(n, seed, 500 + b * size + j);
      out.push({ id: `b${b}-t${j}`, daily: Float64Array.from(f, (x, t) => 0.01 * (x + 0.3 * e[t]!) + mu[b]!) });
    }
  }
  return out;
}

function oosOf(daily: Float64Array) {
  return { daily_sharpe: sharpeRatio(daily), n_days: daily.length, daily_skew: skewness(daily), daily_kurtosis: kurtosis(daily) };
}

describe('clusteredDeflation', () => {
  test('clusters, cluster Sharpes, K and SR0 as the definitions give them', () => {
    const trials = trialsOf(4, 6, 250, [0, 0, 0, 0], 21);
    const oos = oosOf(Float64Array.from(gaussian(120, 21, 99), (x) => 0.01 * x + 0.002));
    const r = clusteredDeflation(trials, 3, oos);
    expect(r.clusters.map((c) => c.members)).toEqual([0, 1, 2, 3].map((b) => Array.from({ length: 6 }, (_, j) => `b${b}-t${j}`)));
    // independent computation of the cluster Sharpes: inverse-variance weights by hand
    const srs = [0, 1, 2, 3].map((b) => {
      const m = trials.slice(b * 6, b * 6 + 6).map((t) => t.daily);
      const w = m.map((x) => 1 / variance(x));
      const tw = w.reduce((a, c) => a + c, 0);
      const p = Float64Array.from(m[0]!, (_, t) => m.reduce((s, x, i) => s + (w[i]! / tw) * x[t]!, 0));
      return sharpeRatio(p);
    });
    r.clusters.forEach((c, k) => expect(c.daily_sharpe).toBeCloseTo(srs[k]!, 12));
    expect(r.trials_effective).toBe(4 + 3);
    expect(r.variance_of_cluster_sharpes).toBeCloseTo(variance(srs), 14);
    expect(r.dsr).toBeCloseTo(deflatedSharpe(oos.daily_sharpe, oos.n_days, oos.daily_skew, oos.daily_kurtosis, 7, variance(srs)), 12);
  });

  test('many near-duplicates of one edge: clustered DSR confirms it, the naive DSR does not; a null book stays low', () => {
    // 8 blocks of 5 near-duplicate trials; one block carries a real edge (daily Sharpe about 0.2), the others none
    const mu = [0.002, 0, 0, 0, 0, 0, 0, 0];
    const trials = trialsOf(8, 5, 365, mu, 5);
    const edge = oosOf(Float64Array.from(gaussian(365, 5, 77), (x) => 0.01 * x + 0.002));
    const nul = oosOf(Float64Array.from(gaussian(365, 5, 78), (x) => 0.01 * x));
    const naiveV = variance(trials.map((t) => sharpeRatio(t.daily)));
    const naive = deflatedSharpe(edge.daily_sharpe, edge.n_days, edge.daily_skew, edge.daily_kurtosis, trials.length, naiveV);
    const c = clusteredDeflation(trials, 0, edge);
    expect(c.clusters).toHaveLength(8);
    expect(c.dsr).toBeGreaterThan(0.95);
    expect(c.dsr).toBeGreaterThan(naive);
    expect(clusteredDeflation(trials, 0, nul).dsr).toBeLessThan(0.5);
  });

  test('flat trials and series-less trials count in K but not in the variance', () => {
    const trials = [...trialsOf(3, 4, 200, [0, 0, 0], 8), { id: 'flat', daily: new Float64Array(200) }];
    const oos = oosOf(Float64Array.from(gaussian(100, 8, 50), (x) => 0.01 * x));
    const r = clusteredDeflation(trials, 10, oos);
    expect(r.clusters).toHaveLength(3);
    expect(r.extra_trials).toBe(11);
    expect(r.trials_effective).toBe(14);
    expect(r.clusters.flatMap((c) => c.members)).not.toContain('flat');
  });

  test('inverseVariancePortfolio weights 1 / var', () => {
    // var([1, -1]) = 2, var([2, -2]) = 8: weights 0.8, 0.2
    expect(Array.from(inverseVariancePortfolio([[1, -1], [2, -2]]))).toEqual([0.8 * 1 + 0.2 * 2, -(0.8 * 1 + 0.2 * 2)]);
  });
});

describe('untestedCandidateGroups', () => {
  test('one trial per (event, symbol, expected) group with no blueprint', () => {
    const c = (id: string, event: string, symbol: string, expected = 'fade') => ({ candidate_id: id, event, symbol, expected });
    const cands = [c('a', 'e1', 'S1'), c('b', 'e1', 'S1'), c('c', 'e1', 'S2'), c('d', 'e2', 'S1'), c('e', 'e2', 'S1', 'follow')];
    expect(untestedCandidateGroups(cands, [])).toBe(4);
    expect(untestedCandidateGroups(cands, ['b', undefined])).toBe(3);
    expect(untestedCandidateGroups(cands, ['b', 'c', 'd', 'e'])).toBe(0);
  });
});
