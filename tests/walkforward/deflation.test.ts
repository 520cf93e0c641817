/**
 * Clustered deflation (lib/walkforward/deflation.ts, docs/strategy.md "Clustered DSR"): trials clustered by ONC
 * (Lopez de Prado 2019), each cluster counted as its Li & Ji (2005) effective number of trials, SR0 from the variance
 * of a skill-less trial's Sharpe estimate (Bailey & Lopez de Prado 2014 eq. 7 under its premise; Lo 2002). Checked
 * against the same quantities computed here from the definitions, on the measured failure (many weakly correlated
 * trials with real edges of different sizes) and on null books.
 */
import { describe, expect, test } from '@jest/globals';
import { clusteredDeflation, untestedCandidateGroups } from '../../lib/walkforward/deflation.js';
import {
  deflatedSharpe, kurtosis, liJiEffectiveTests, mean, neweyWestLag, neweyWestMean, sharpeRatio, skewness, variance,
} from '../../lib/stats/index.js';
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

/** m independent trials over n days, trial i with true daily Sharpe sr[i] (volatility 1%). */
function independentTrials(m: number, n: number, sr: (i: number) => number, seed: number) {
  return Array.from({ length: m }, (_, i) => ({ id: `t${String(i).padStart(2, '0')}`, daily: Float64Array.from(gaussian(n, seed, 100 + i), (x) => 0.01 * (x + sr(i))) }));
}

/** z standardised to sample mean 0 and sd 1, then shifted: sample daily Sharpe exactly `sr`, volatility 1%. */
function withSharpe(z: Float64Array, sr: number): Float64Array {
  const m = mean(z);
  const sd = Math.sqrt(variance(z));
  return Float64Array.from(z, (x) => 0.01 * ((x - m) / sd + sr));
}

function oosOf(daily: Float64Array) {
  return { daily_sharpe: sharpeRatio(daily), n_days: daily.length, daily_skew: skewness(daily), daily_kurtosis: kurtosis(daily) };
}

/** Pearson correlation written out here (independent of lib/stats/onc.ts). */
function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let t = 0; t < a.length; t++) { sab += (a[t]! - ma) * (b[t]! - mb); saa += (a[t]! - ma) ** 2; sbb += (b[t]! - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

describe('clusteredDeflation', () => {
  test('K = the clusters\' Li & Ji effective trials + extra trials; V = mean null Sharpe variance; DSR as the definitions give it', () => {
    const trials = trialsOf(4, 6, 250, [0, 0, 0, 0], 21);
    const oos = oosOf(Float64Array.from(gaussian(120, 21, 99), (x) => 0.01 * x + 0.002));
    const r = clusteredDeflation(trials, 3, oos);
    expect(r.clusters.map((c) => c.members)).toEqual([0, 1, 2, 3].map((b) => Array.from({ length: 6 }, (_, j) => `b${b}-t${j}`)));
    const meff = [0, 1, 2, 3].map((b) => {
      const m = trials.slice(b * 6, b * 6 + 6).map((t) => t.daily);
      return liJiEffectiveTests(m.map((x) => m.map((y) => pearson(x, y))));
    });
    r.clusters.forEach((c, k) => {
      expect(c.effective_trials).toBeCloseTo(meff[k]!, 9);
      // near-duplicates (correlation ~0.92): far fewer than 6 trials each
      expect(c.effective_trials).toBeLessThan(2.5);
      expect(c.daily_sharpe).toBeCloseTo(mean(trials.slice(k * 6, k * 6 + 6).map((t) => sharpeRatio(t.daily))), 12);
    });
    const k = meff.reduce((a, b) => a + b, 0) + 3;
    expect(r.trials_effective).toBeCloseTo(k, 9);
    const n = 250;
    const v0 = mean(trials.map((t) => {
      const se = neweyWestMean(t.daily, neweyWestLag(n)).se;
      return (n * se * se) / variance(t.daily, 0) / (n - 1);
    }));
    expect(r.null_variance_of_sharpes).toBeCloseTo(v0, 15);
    expect(r.long_run_variance_ratio).toBeCloseTo(v0 * (n - 1), 12);
    expect(r.dsr).toBeCloseTo(deflatedSharpe(oos.daily_sharpe, oos.n_days, oos.daily_skew, oos.daily_kurtosis, k, v0), 12);
  });

  test('the measured failure: weakly correlated trials, half with real edges of different sizes -> the edge book is confirmed', () => {
    // 40 independent trials over 120 days; 20 carry true daily Sharpe ratios 0.10..0.40, 20 none. The cross-sectional
    // variance of their Sharpe estimates mixes the true Sharpe dispersion into the null's (the naive SR0 is too high);
    // one portfolio per cluster would diversify it further. The book: 75 days with a sample daily Sharpe of 0.5.
    const trials = independentTrials(40, 120, (i) => (i < 20 ? 0.1 + (0.3 * i) / 19 : 0), 7);
    const book = oosOf(withSharpe(gaussian(75, 7, 999), 0.5));
    const c = clusteredDeflation(trials, 0, book);
    const empirical = variance(trials.map((t) => sharpeRatio(t.daily)));
    expect(c.null_variance_of_sharpes * 119).toBeGreaterThan(0.7);
    expect(c.null_variance_of_sharpes * 119).toBeLessThan(1.3);
    expect(empirical).toBeGreaterThan(2 * c.null_variance_of_sharpes);
    // independent trials stay (nearly) 40 trials, however ONC groups them
    expect(c.trials_effective).toBeGreaterThan(32);
    expect(c.trials_effective).toBeLessThanOrEqual(40 + 1e-9);
    const naive = deflatedSharpe(book.daily_sharpe, book.n_days, book.daily_skew, book.daily_kurtosis, 40, empirical);
    expect(naive).toBeLessThan(0.95);
    expect(c.dsr).toBeGreaterThan(0.95);
    // a book without skill against the same trials stays low
    expect(clusteredDeflation(trials, 0, oosOf(Float64Array.from(gaussian(75, 7, 998), (x) => 0.01 * x))).dsr).toBeLessThan(0.5);
  });

  test('null trials, null book: low; the best null trial\'s own returns do not pass', () => {
    const trials = independentTrials(40, 120, () => 0, 11);
    expect(clusteredDeflation(trials, 100, oosOf(Float64Array.from(gaussian(75, 11, 5), (x) => 0.01 * x))).dsr).toBeLessThan(0.5);
    const best = trials.reduce((a, b) => (sharpeRatio(b.daily) > sharpeRatio(a.daily) ? b : a));
    expect(clusteredDeflation(trials, 0, oosOf(best.daily.slice(45))).dsr).toBeLessThan(0.95);
  });

  test('flat trials and series-less trials count one each in K, not in the clusters nor in V', () => {
    const trials = [...trialsOf(3, 4, 200, [0, 0, 0], 8), { id: 'flat', daily: new Float64Array(200) }];
    const oos = oosOf(Float64Array.from(gaussian(100, 8, 50), (x) => 0.01 * x));
    const r = clusteredDeflation(trials, 10, oos);
    expect(r.clusters).toHaveLength(3);
    expect(r.extra_trials).toBe(11);
    expect(r.trials_effective).toBeCloseTo(r.clusters.reduce((a, c) => a + c.effective_trials, 0) + 11, 12);
    expect(r.clusters.flatMap((c) => c.members)).not.toContain('flat');
    expect(Number.isFinite(r.null_variance_of_sharpes)).toBe(true);
  });

  test('one trial: K = 1, SR0 = 0, the DSR is the PSR against 0', () => {
    const t = independentTrials(1, 100, () => 0.1, 3);
    const oos = oosOf(Float64Array.from(gaussian(60, 3, 4), (x) => 0.01 * (x + 0.2)));
    const r = clusteredDeflation(t, 0, oos);
    expect(r.trials_effective).toBe(1);
    expect(r.sr0_annual).toBe(0);
    expect(r.dsr).toBeCloseTo(deflatedSharpe(oos.daily_sharpe, 60, oos.daily_skew, oos.daily_kurtosis, 1, 0), 14);
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
