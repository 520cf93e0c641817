/**
 * Clustered deflation: the DSR with the effective number of trials. Built on Lopez de Prado 2019 ("A data science
 * solution to the multiple-testing crisis in financial research", J. Financial Data Science 1(1)): the trials with a
 * return series (the blueprints, full-period daily returns from pass 1) are clustered by the correlation of those
 * returns with ONC (Lopez de Prado & Lewis 2019, lib/stats/onc.ts). Two departures, for the reasons in
 * docs/strategy.md "Clustered DSR":
 *  - K: a cluster counts as its Li & Ji (2005) effective number of independent tests (lib/stats/effective_tests.ts,
 *    eigenvalues of the members' correlation matrix), not as one trial: a cluster of near-duplicates counts about 1,
 *    a cluster of barely correlated members about its size. Trials without a return series (`extraTrials`: plan
 *    candidate groups that produced no blueprint, pair variants the screen did not compile; blueprints that never
 *    trade) count one each. K = sum of the clusters' M_eff + extraTrials (real-valued).
 *  - V: the variance of the trials' Sharpe estimates under the False Strategy theorem's premise (every trial's true
 *    Sharpe is 0; Bailey & Lopez de Prado 2014 eq. 7; Bailey, Borwein, Lopez de Prado & Zhu 2014, Notices AMS 61(5),
 *    the MinBTL derivation), i.e. the sampling variance of a Sharpe estimate at SR = 0: 1 / (T - 1) times the
 *    long-run variance ratio (Lo 2002), averaged over the series trials (lib/stats/effective_tests.ts
 *    nullSharpeVariance). Not the empirical variance of the trials' or clusters' Sharpe ratios: that adds the
 *    dispersion of the TRUE Sharpe ratios when some trials carry an edge, and a cluster portfolio of barely
 *    correlated members has a diversified Sharpe that is not one trial's estimate.
 *   SR0 = expectedMaxSharpe(K, V),  DSR = PSR(SR0) of the out-of-sample daily returns.
 * Units: V and SR0 are per day (the trials' daily returns on the full grid, T days), as the out-of-sample book's
 * daily Sharpe; SR0 is the Sharpe level the best of K skill-less trials shows over the trials' period, so it is
 * the benchmark of a per-day Sharpe measured on any part of that period (the book's n_days enter the PSR).
 * Per cluster the summary also shows the member-average Sharpe and the empirical variance of those averages across
 * clusters (descriptive; neither enters SR0). Compute bound: the base k-means tries k = 2..min(n - 1,
 * ONC_MAX_CLUSTERS) (the recursion can still split further); ONC's cost grows as n^2 k^2, Jacobi's as n^3.
 */
import { mean, variance } from '../stats/descriptive.js';
import { expectedMaxSharpe, mertensVariance, probabilisticSharpe, psrFromVariance, sharpeRatio, sharpeVarianceHac } from '../stats/sharpe.js';
import { correlationsAmong, correlationSubmatrix, oncClusters, standardizeSeries } from '../stats/onc.js';
import { liJiEffectiveTests, nullSharpeVariance } from '../stats/effective_tests.js';

export interface TrialSeries {
  id: string;
  /** Daily returns on a common calendar (same length for every trial). */
  daily: ArrayLike<number>;
  /**
   * Returns on a finer common calendar (hours of the grid) for the correlations (clusters and effective trials);
   * default `daily`. Either every trial has one or none.
   */
  fine?: ArrayLike<number>;
}

export interface ClusteredCluster {
  members: string[];
  /** Plan candidates assigned to the cluster (ids; their series duplicate or resemble its blueprints). */
  candidates?: string[];
  /** Li & Ji (2005) effective number of independent trials among the members (1 for a single member). */
  effective_trials: number;
  /** Mean of the members' daily Sharpe ratios, and annualised (sqrt(365.25)); descriptive. */
  daily_sharpe: number;
  sharpe_annual: number;
}

export interface ClusteredDeflation {
  /** Clusters of the trials with a varying return series (ONC). */
  clusters: ClusteredCluster[];
  /** Trials counted without a series (each its own trial). */
  extra_trials: number;
  /** Plan candidates with a varying return series, clustered with the blueprints they resemble. */
  candidate_series: number;
  /** Effective number of trials K = sum of the clusters' effective_trials + extra_trials. */
  trials_effective: number;
  /** V of SR0: the mean over the series trials of their Sharpe estimate's variance at a true Sharpe of 0 (per day). */
  null_variance_of_sharpes: number;
  /** The mean long-run variance ratio behind it (1 = serially uncorrelated daily returns). */
  long_run_variance_ratio: number;
  /** Empirical variance (ddof 1) of the clusters' member-average Sharpe ratios; shown beside V, not used. */
  variance_of_cluster_sharpes: number;
  sr0_annual: number;
  /** PSR(SR0) with the Lo (2002) HAC variance of the book's Sharpe estimate (serial dependence); NaN without `oosDaily`: then dsr_iid. */
  dsr: number;
  /** PSR(SR0) with the iid (Mertens 2002) variance, as before serial dependence was allowed for. */
  dsr_iid: number;
  /** PSR(0) with the HAC variance, and the ratio of the HAC to the iid variance of the book's Sharpe estimate, and its Newey-West lags. */
  psr_hac: number;
  sharpe_variance_ratio: number;
  hac_lags: number;
}

/** Largest k of ONC's base clustering here (compute bound; see the module comment). */
export const ONC_MAX_CLUSTERS = 40;

/** The out-of-sample daily returns' statistics the PSR needs (lib/stats/curve_metrics.ts CurveMetrics). */
export interface OosDaily { daily_sharpe: number; n_days: number; daily_skew: number; daily_kurtosis: number }

export interface ClusteredOptions {
  /** ONC seed (default 0). */
  seed?: number;
  /**
   * A return series for every plan candidate: each is put in the ONC cluster of the blueprints whose centroid is
   * nearest its row of distances to the blueprints (the k-means assignment step ONC's base clustering ends with),
   * and enters that cluster's Li & Ji count. Without blueprints they form one cluster.
   */
  candidates?: readonly TrialSeries[];
  /** The out-of-sample book's daily returns: the DSR then uses the Lo (2002) HAC variance of their Sharpe estimate. */
  oosDaily?: ArrayLike<number>;
  /**
   * The `fine` series (trials' and candidates') are the caller's to give up: they are standardized in place instead
   * of copied (the same values; on 50 symbols x 2 years the ~2,600 candidates' hourly series are ~360 MB).
   */
  consumeFine?: boolean;
}

const isLive = (t: TrialSeries) => t.daily.length >= 2 && variance(t.daily) > 0 && Number.isFinite(mean(t.daily)) && (t.fine === undefined || variance(t.fine) > 0);

export function clusteredDeflation(trials: readonly TrialSeries[], extraTrials: number, oos: OosDaily, o: ClusteredOptions = {}): ClusteredDeflation {
  const live = trials.filter(isLive);
  const cands = (o.candidates ?? []).filter(isLive);
  const flat = trials.length - live.length + (o.candidates?.length ?? 0) - cands.length;
  const all = [...live, ...cands];
  // Only the correlations used are computed (issue 12: the full matrix of ~800 hourly series dominated the stage):
  // blueprint x blueprint (ONC), candidate x blueprint (the assignment), and within each cluster (its Li & Ji count).
  // Each is the same sum in the same order as in the full matrix, so every value is the same.
  // the daily series are read again below: only `fine` ones may be overwritten (consumeFine)
  const zs = standardizeSeries(all.map((t) => t.fine ?? t.daily), o.consumeFine ? (i) => all[i]!.fine !== undefined : undefined);
  const nb = live.length;
  const bpIdx = Int32Array.from({ length: nb }, (_, i) => i);
  const corrFlat = correlationSubmatrix(zs, bpIdx);
  const corr = Array.from({ length: nb }, (_, i) => Array.from(corrFlat.subarray(i * nb, (i + 1) * nb)));
  const onc = nb ? oncClusters(corr, { seed: o.seed ?? 0, maxClusters: Math.max(1, Math.min(nb - 1, ONC_MAX_CLUSTERS)) }) : { clusters: [] as number[][] };
  // members of each cluster as indices into `all`: the blueprints, then the candidates assigned to it
  const groups: number[][] = onc.clusters.map((c) => [...c]);
  let cross: Float64Array = new Float64Array(0); // candidate x blueprint correlations, row-major (cands.length x nb)
  if (cands.length) {
    if (!groups.length) groups.push([]);
    // the ONC distance sqrt((1 - rho) / 2), a NaN correlation taken as 0 (lib/stats/onc.ts correlationDistance)
    const distOf = (r: number) => Math.sqrt((1 - (Number.isNaN(r) ? 0 : r)) / 2);
    // centroids of the ONC clusters in the space of rows of the blueprints' distance matrix
    const centroids = onc.clusters.map((c) => Float64Array.from({ length: nb }, (_, j) => mean(c.map((i) => distOf(corrFlat[i * nb + j]!)))));
    cross = correlationsAmong(zs, Int32Array.from({ length: cands.length }, (_, x) => nb + x), bpIdx);
    const row = new Float64Array(nb);
    for (let k = nb; k < all.length; k++) {
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < nb; j++) row[j] = distOf(cross[(k - nb) * nb + j]!);
      centroids.forEach((cen, g) => {
        let d = 0;
        for (let j = 0; j < nb; j++) d += (row[j]! - cen[j]!) ** 2;
        if (d < bestD) { bestD = d; best = g; }
      });
      groups[best]!.push(k);
    }
  }
  const clusters = groups.map((c) => {
    const bpMembers = c.filter((i) => i < nb);
    const sr = mean(c.map((i) => sharpeRatio(all[i]!.daily)));
    // the members' correlations: the blueprints' and the candidates' against blueprints known, only the candidates'
    // among themselves still to compute (c lists the blueprints first)
    const nbc = bpMembers.length;
    const candIdx = c.slice(nbc);
    const cc = correlationSubmatrix(zs, candIdx);
    const corrOf = (x: number, y: number): number => {
      if (x < nbc && y < nbc) return corrFlat[c[x]! * nb + c[y]!]!;
      if (x >= nbc && y >= nbc) return cc[(x - nbc) * candIdx.length + (y - nbc)]!;
      return x < nbc ? cross[(c[y]! - nb) * nb + c[x]!]! : cross[(c[x]! - nb) * nb + c[y]!]!;
    };
    const sub = c.map((_, x) => c.map((__, y) => { const v = corrOf(x, y); return Number.isFinite(v) ? v : 0; }));
    const candIds = c.filter((i) => i >= nb).map((i) => all[i]!.id).sort();
    return {
      members: bpMembers.map((i) => all[i]!.id).sort(), ...(o.candidates ? { candidates: candIds } : {}),
      effective_trials: liJiEffectiveTests(sub),
      daily_sharpe: sr, sharpe_annual: sr * Math.sqrt(365.25),
    };
  });
  const extra = extraTrials + flat;
  const k = clusters.reduce((a, c) => a + c.effective_trials, 0) + extra;
  const v0s = all.map((t) => nullSharpeVariance(t.daily));
  const v0 = v0s.length ? mean(v0s) : NaN;
  const ratio = v0s.length ? mean(all.map((t, i) => v0s[i]! * (t.daily.length - 1))) : NaN;
  const srs = clusters.map((c) => c.daily_sharpe).filter((x) => Number.isFinite(x));
  const sr0 = Number.isFinite(v0) && k >= 1 ? expectedMaxSharpe(k, v0) : NaN;
  const dsrIid = Number.isFinite(sr0) ? probabilisticSharpe(oos.daily_sharpe, oos.n_days, oos.daily_skew, oos.daily_kurtosis, sr0) : NaN;
  let dsr = dsrIid;
  let psrHac = NaN;
  let vRatio = NaN;
  let lags = NaN;
  if (o.oosDaily && o.oosDaily.length >= 2) {
    const srB = sharpeRatio(o.oosDaily);
    const h = sharpeVarianceHac(o.oosDaily, srB);
    lags = h.lags;
    vRatio = h.v / mertensVariance(srB, oos.daily_skew, oos.daily_kurtosis);
    psrHac = psrFromVariance(srB, o.oosDaily.length, h.v, 0);
    dsr = Number.isFinite(sr0) ? psrFromVariance(srB, o.oosDaily.length, h.v, sr0) : NaN;
  }
  return {
    clusters, extra_trials: extra, candidate_series: cands.length, trials_effective: k, null_variance_of_sharpes: v0, long_run_variance_ratio: ratio,
    variance_of_cluster_sharpes: srs.length >= 2 ? variance(srs) : NaN,
    sr0_annual: sr0 * Math.sqrt(365.25), dsr, dsr_iid: dsrIid, psr_hac: psrHac, sharpe_variance_ratio: vRatio, hac_lags: lags,
  };
}
