/**
 * Clustered deflation (lib/walkforward/deflation.ts, docs/strategy.md "Clustered DSR"): trials clustered by ONC
 * (Lopez de Prado 2019), each cluster counted as its Li & Ji (2005) effective number of trials, SR0 from the variance
 * of a skill-less trial's Sharpe estimate (Bailey & Lopez de Prado 2014 eq. 7 under its premise; Lo 2002). Checked
 * against the same quantities computed here from the definitions, on the measured failure (many weakly correlated
 * trials with real edges of different sizes) and on null books.
 */
import { describe, expect, test } from '@jest/globals';
import { TrialRows, clusteredDeflation } from '../../lib/walkforward/deflation.js';
import { SpilledRows } from '../../lib/stats/spilled_rows.js';
import {
  deflatedSharpe, kurtosis, liJiEffectiveTests, mean, neweyWestLag, neweyWestMean, probabilisticSharpeHac, sharpeRatio, skewness, variance,
} from '../../lib/stats/index.js';
import { correlationDistance, correlationMatrix, oncClusters } from '../../lib/stats/onc.js';
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

describe('clusteredDeflation with a return series for every plan candidate', () => {
  const trials = trialsOf(3, 5, 250, [0, 0, 0], 31);
  const oosDaily = Float64Array.from(gaussian(90, 31, 77), (x) => 0.01 * x + 0.003);
  const oos = oosOf(oosDaily);
  const base = clusteredDeflation(trials, 0, oos);

  test('a candidate duplicating a blueprint joins its cluster and adds almost nothing to K; an unrelated one adds about 1', () => {
    const noise = gaussian(250, 31, 900);
    const dup = { id: 'cand-dup', daily: Float64Array.from(trials[7]!.daily, (x, t) => x + 1e-4 * noise[t]!) }; // b1-t2
    const other = { id: 'cand-new', daily: Float64Array.from(gaussian(250, 31, 901), (x) => 0.01 * x) };
    const r = clusteredDeflation(trials, 0, oos, { candidates: [dup, other] });
    expect(r.candidate_series).toBe(2);
    const home = r.clusters.find((c) => c.members.includes('b1-t2'))!;
    expect(home.candidates).toContain('cand-dup');
    // K against the same clusters' Li & Ji counts computed here from the definitions (correlations written out)
    const members = (c: { members: string[]; candidates?: string[] }) => [...c.members, ...(c.candidates ?? [])].map((id) => [...trials, dup, other].find((t) => t.id === id)!.daily);
    const k = r.clusters.reduce((a, c) => { const m = members(c); return a + liJiEffectiveTests(m.map((x) => m.map((y) => pearson(x, y)))); }, 0);
    expect(r.trials_effective).toBeCloseTo(k, 9);
    const withDupOnly = clusteredDeflation(trials, 0, oos, { candidates: [dup] });
    expect(withDupOnly.trials_effective - base.trials_effective).toBeLessThan(0.2);
    expect(r.trials_effective - withDupOnly.trials_effective).toBeGreaterThan(0.5);
    expect(r.trials_effective - withDupOnly.trials_effective).toBeLessThan(1.5);
    // V is the mean null Sharpe variance over blueprints AND candidates
    expect(r.null_variance_of_sharpes).toBeCloseTo(mean([...trials, dup, other].map((t) => {
      const n = t.daily.length;
      const se = neweyWestMean(t.daily, neweyWestLag(n)).se;
      return (n * se * se) / variance(t.daily, 0) / (n - 1);
    })), 14);
  });

  test('the correlations use the finer series when given (a flat candidate counts one, outside the clusters)', () => {
    const fine = trials.map((t) => ({ ...t, fine: Float64Array.from({ length: t.daily.length * 2 }, (_, i) => t.daily[i >> 1]! / 2) }));
    const flat = { id: 'cand-flat', daily: new Float64Array(250), fine: new Float64Array(500) };
    const r = clusteredDeflation(fine, 0, oos, { candidates: [flat] });
    expect(r.clusters.map((c) => c.members)).toEqual(base.clusters.map((c) => c.members));
    expect(r.extra_trials).toBe(1);
    expect(r.candidate_series).toBe(0);
  });

  test('with the book\'s daily returns the DSR uses the Lo (2002) HAC variance; the iid DSR is kept beside it', () => {
    const r = clusteredDeflation(trials, 0, oos, { oosDaily });
    const sr0 = r.sr0_annual / Math.sqrt(365.25);
    expect(r.dsr).toBeCloseTo(probabilisticSharpeHac(oosDaily, sr0), 12);
    expect(r.dsr_iid).toBeCloseTo(base.dsr, 14);
    expect(r.psr_hac).toBeCloseTo(probabilisticSharpeHac(oosDaily, 0), 12);
    expect(r.hac_lags).toBe(neweyWestLag(90));
    expect(base.dsr_iid).toBe(base.dsr); // without the series: the iid value
  });
});

describe('clusteredDeflation computes only the correlations it uses (issue 12)', () => {
  test('clusters and Li & Ji counts equal those of the full correlation matrix, value for value', () => {
    // 3 blocks of blueprints; 40 candidates: near-duplicates of blueprints of each block, and unrelated ones
    const trials = trialsOf(3, 6, 300, [0, 0.001, 0], 41);
    const cands = Array.from({ length: 40 }, (_, i) => {
      const noise = gaussian(300, 41, 2000 + i);
      const daily = i % 4 === 3
        ? Float64Array.from(noise, (x) => 0.01 * x)
        : Float64Array.from(trials[(i * 5) % trials.length]!.daily, (x, t) => x + 0.002 * noise[t]!);
      return { id: `c${String(i).padStart(2, '0')}`, daily };
    });
    const oos = oosOf(Float64Array.from(gaussian(90, 41, 77), (x) => 0.01 * x + 0.002));
    const r = clusteredDeflation(trials, 0, oos, { candidates: cands, seed: 3 });
    // the pre-issue-12 path: the full matrix over blueprints and candidates, ONC on its blueprint block, candidates
    // assigned by their distance rows, each cluster's submatrix cut from the full matrix
    const all = [...trials, ...cands];
    const nb = trials.length;
    const full = correlationMatrix(all.map((t) => t.daily));
    const onc = oncClusters(full.slice(0, nb).map((row) => row.slice(0, nb)), { seed: 3, maxClusters: Math.min(nb - 1, 40) });
    const dist = correlationDistance(full);
    const groups = onc.clusters.map((c) => [...c]);
    const centroids = onc.clusters.map((c) => Float64Array.from({ length: nb }, (_, j) => mean(c.map((i) => dist[i]![j]!))));
    for (let k = nb; k < all.length; k++) {
      let best = 0;
      let bestD = Infinity;
      centroids.forEach((cen, g) => {
        let d = 0;
        for (let j = 0; j < nb; j++) d += (dist[k]![j]! - cen[j]!) ** 2;
        if (d < bestD) { bestD = d; best = g; }
      });
      groups[best]!.push(k);
    }
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.filter((c) => c.filter((i) => i >= nb).length >= 2).length).toBeGreaterThan(1);
    expect(r.clusters.map((c) => [...c.members, ...(c.candidates ?? [])])).toEqual(groups.map((c) => [
      ...c.filter((i) => i < nb).map((i) => all[i]!.id).sort(), ...c.filter((i) => i >= nb).map((i) => all[i]!.id).sort(),
    ]));
    expect(r.clusters.map((c) => c.effective_trials)).toEqual(groups.map((c) => liJiEffectiveTests(c.map((i) => c.map((j) => {
      const v = full[i]![j]!;
      return Number.isFinite(v) ? v : 0;
    })))));
  });

  test('consumeFine: the fine series standardized in place give the same result, and the daily ones are left as they were', () => {
    const mk = (seed: number) => {
      const trials = trialsOf(3, 5, 60, [0, 0.001, 0], seed).map((t, i) => ({ ...t, fine: Float64Array.from(gaussian(240, seed, 300 + i), (x, k) => 0.004 * x + t.daily[k >> 2]!) }));
      const cands = Array.from({ length: 12 }, (_, i) => {
        const fine = Float64Array.from(gaussian(240, seed, 900 + i), (x, k) => 0.003 * x + trials[i % trials.length]!.fine[k]!);
        const daily = Float64Array.from({ length: 60 }, (_, d) => fine[4 * d]! + fine[4 * d + 1]! + fine[4 * d + 2]! + fine[4 * d + 3]!);
        return { id: `c${i}`, daily, fine };
      });
      return { trials, cands };
    };
    const oos = oosOf(Float64Array.from(gaussian(90, 5, 77), (x) => 0.01 * x + 0.002));
    const a = mk(5);
    const b = mk(5);
    const dailyBefore = b.cands.map((c) => Float64Array.from(c.daily));
    const kept = clusteredDeflation(a.trials, 2, oos, { candidates: a.cands, seed: 1 });
    const consumed = clusteredDeflation(b.trials, 2, oos, { candidates: b.cands, seed: 1, consumeFine: true });
    expect(consumed).toEqual(kept);
    expect(b.cands.map((c) => Array.from(c.daily))).toEqual(dailyBefore.map((d) => Array.from(d)));
    expect(Array.from(b.cands[0]!.fine)).not.toEqual(Array.from(a.cands[0]!.fine)); // overwritten: the caller gave it up
  });

  test('candidates prepared as they come (TrialRows), their rows in a file, give the same result value for value', () => {
    const mk = () => {
      const trials = trialsOf(3, 5, 60, [0, 0.001, 0], 8).map((t, i) => ({ ...t, fine: Float64Array.from(gaussian(240, 8, 300 + i), (x, k) => 0.004 * x + t.daily[k >> 2]!) }));
      const cands = Array.from({ length: 14 }, (_, i) => {
        // candidate 5 does not vary (counted as one trial), 9 has no fine series in the in-memory run either
        const fine = i === 5 ? new Float64Array(240) : Float64Array.from(gaussian(240, 8, 900 + i), (x, k) => 0.003 * x + trials[i % trials.length]!.fine[k]!);
        const daily = Float64Array.from({ length: 60 }, (_, d) => fine[4 * d]! + fine[4 * d + 1]! + fine[4 * d + 2]! + fine[4 * d + 3]!);
        return { id: `c${i}`, daily, fine };
      });
      return { trials, cands };
    };
    const oos = oosOf(Float64Array.from(gaussian(90, 5, 77), (x) => 0.01 * x + 0.002));
    const a = mk();
    const b = mk();
    const expected = clusteredDeflation(a.trials, 2, oos, { candidates: a.cands, seed: 1 });
    const spill = new SpilledRows(240);
    try {
      const rows = new TrialRows(b.cands.length, spill);
      // given out of order (the stage gives each candidate when its last instrument is done)
      for (const i of [3, 0, 13, 7, 1, 2, 12, 4, 5, 6, 11, 8, 10, 9]) rows.put(i, b.cands[i]!);
      expect(() => rows.put(3, b.cands[3]!)).toThrow(/given twice/);
      const got = clusteredDeflation(b.trials, 2, oos, { candidates: rows.prepared(), seed: 1, consumeFine: true });
      expect(got).toEqual(expected);
      expect(got.candidate_series).toBe(13);
      expect(got.clusters.flatMap((c) => c.candidates ?? []).sort()).toEqual(b.cands.filter((_, i) => i !== 5).map((c) => c.id).sort());
    } finally {
      spill.close();
    }
    expect(() => new TrialRows(2, spill).prepared()).toThrow(/slot 0 of 2 was never given/);
  });
});
