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
import { correlationsAmong, correlationSubmatrix, oncClusters, standardizeSeries, type SeriesRows, type SeriesSource } from '../stats/onc.js';
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
  candidates?: readonly TrialSeries[] | PreparedTrials;
  /** The out-of-sample book's daily returns: the DSR then uses the Lo (2002) HAC variance of their Sharpe estimate. */
  oosDaily?: ArrayLike<number>;
  /**
   * The `fine` series (trials' and candidates') are the caller's to give up: they are standardized in place instead
   * of copied (the same values; on 50 symbols x 2 years the ~2,600 candidates' hourly series are ~360 MB).
   */
  consumeFine?: boolean;
}

const isLive = (t: TrialSeries) => t.daily.length >= 2 && variance(t.daily) > 0 && Number.isFinite(mean(t.daily)) && (t.fine === undefined || variance(t.fine) > 0);

/** Where TrialRows keeps the standardized rows: in memory, or a file (lib/stats/spilled_rows.ts SpilledRows). */
export interface RowStore {
  write(i: number, values: Float64Array): void;
  row(i: number): ArrayLike<number>;
}

/** Trials' or candidates' series as clusteredDeflation reads them (TrialRows.prepared). */
export interface PreparedTrials {
  /** The ones with a varying series, in their order: ids and daily series. */
  ids: string[];
  daily: ArrayLike<number>[];
  /** Their standardized fine (else daily) series: row k is ids[k]'s. */
  rows: SeriesRows;
  /** Those given without a varying series (each counts one trial). */
  flat: number;
}

/**
 * Trials' or candidates' series for clusteredDeflation as they are made (issue 12): each is checked and its fine
 * series standardized at once (in place: the series is the caller's to give up), the row kept in `store` at
 * `offset` + its place, and only the daily series held. With a file store (SpilledRows) the ~700 blueprints' and
 * ~2,600 candidates' hourly series of 50 symbols x 2 years (~460 MB) never sit in memory together. The values are
 * those of clusteredDeflation given the series as lists (the same check, the same standardization, the same order).
 */
export class TrialRows {
  private readonly ids: (string | undefined)[];
  private readonly daily: (ArrayLike<number> | undefined)[];
  private len = -1;
  private flat = 0;

  constructor(readonly count: number, private readonly store: RowStore, private readonly offset = 0) {
    this.ids = new Array<string | undefined>(count);
    this.daily = new Array<ArrayLike<number> | undefined>(count);
  }

  /** Candidate `slot` (its place in the final order, 0..count-1), given once. */
  put(slot: number, t: TrialSeries): void {
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.count)) throw new RangeError(`TrialRows.put: slot ${slot} of ${this.count}`);
    if (this.ids[slot] !== undefined) throw new RangeError(`TrialRows.put: slot ${slot} given twice`);
    this.ids[slot] = t.id;
    if (!isLive(t)) { this.flat++; return; }
    const z = standardizeSeries([t.fine ?? t.daily], () => t.fine !== undefined).z[0]!;
    if (this.len >= 0 && z.length !== this.len) throw new RangeError(`correlationMatrix: series ${t.id} has ${z.length} values, the first had ${this.len}`);
    this.len = z.length;
    this.store.write(this.offset + slot, z);
    this.daily[slot] = t.daily;
  }

  prepared(): PreparedTrials {
    const missing = this.ids.findIndex((id) => id === undefined);
    if (missing >= 0) throw new RangeError(`TrialRows.prepared: slot ${missing} of ${this.count} was never given`);
    const slots: number[] = [];
    for (let i = 0; i < this.count; i++) if (this.daily[i] !== undefined) slots.push(i);
    const { store, offset } = this;
    return {
      ids: slots.map((i) => this.ids[i]!), daily: slots.map((i) => this.daily[i]!), flat: this.flat,
      rows: { n: slots.length, len: Math.max(0, this.len), row: (k: number) => store.row(offset + slots[k]!) },
    };
  }
}

/** A RowStore in memory: the rows as given (no copy). */
function memoryRows(): RowStore {
  const rows: Float64Array[] = [];
  return { write: (i, v) => { rows[i] = v; }, row: (i) => rows[i]! };
}

/** Series given as a list, prepared as TrialRows in memory would (copies standardized unless `consume`). */
function prepare(list: readonly TrialSeries[], consume: boolean): PreparedTrials {
  const rows = new TrialRows(list.length, memoryRows());
  list.forEach((t, i) => rows.put(i, consume || t.fine === undefined ? t : { ...t, fine: Float64Array.from(t.fine) }));
  return rows.prepared();
}

export function clusteredDeflation(trials: readonly TrialSeries[] | PreparedTrials, extraTrials: number, oos: OosDaily, o: ClusteredOptions = {}): ClusteredDeflation {
  const consume = o.consumeFine === true;
  // the trials' rows, then the candidates'
  const bp = 'rows' in trials ? trials : prepare(trials, consume);
  const cands = o.candidates === undefined ? undefined : 'rows' in o.candidates ? o.candidates : prepare(o.candidates, consume);
  const nb = bp.ids.length;
  const nc = cands?.ids.length ?? 0;
  const flat = bp.flat + (cands?.flat ?? 0);
  const n = nb + nc;
  const dailyOf = (i: number): ArrayLike<number> => (i < nb ? bp.daily[i]! : cands!.daily[i - nb]!);
  const idOf = (i: number): string => (i < nb ? bp.ids[i]! : cands!.ids[i - nb]!);
  // Only the correlations used are computed (issue 12: the full matrix of ~800 hourly series dominated the stage):
  // blueprint x blueprint (ONC), candidate x blueprint (the assignment), and within each cluster (its Li & Ji count).
  // Each is the same sum in the same order as in the full matrix, so every value is the same.
  if (nb && nc && cands!.rows.len !== bp.rows.len) throw new RangeError(`correlationMatrix: the candidates' series have ${cands!.rows.len} values, the trials' ${bp.rows.len}`);
  const zs: SeriesSource = nc ? { n, len: cands!.rows.len, row: (i: number) => (i < nb ? bp.rows.row(i) : cands!.rows.row(i - nb)) } : bp.rows;
  const bpIdx = Int32Array.from({ length: nb }, (_, i) => i);
  const corrFlat = correlationSubmatrix(zs, bpIdx);
  const corr = Array.from({ length: nb }, (_, i) => Array.from(corrFlat.subarray(i * nb, (i + 1) * nb)));
  const onc = nb ? oncClusters(corr, { seed: o.seed ?? 0, maxClusters: Math.max(1, Math.min(nb - 1, ONC_MAX_CLUSTERS)) }) : { clusters: [] as number[][] };
  // members of each cluster as indices into the trials then the candidates: the blueprints, then the candidates assigned to it
  const groups: number[][] = onc.clusters.map((c) => [...c]);
  let cross: Float64Array = new Float64Array(0); // candidate x blueprint correlations, row-major (nc x nb)
  if (nc) {
    if (!groups.length) groups.push([]);
    // the ONC distance sqrt((1 - rho) / 2), a NaN correlation taken as 0 (lib/stats/onc.ts correlationDistance)
    const distOf = (r: number) => Math.sqrt((1 - (Number.isNaN(r) ? 0 : r)) / 2);
    // centroids of the ONC clusters in the space of rows of the blueprints' distance matrix
    const centroids = onc.clusters.map((c) => Float64Array.from({ length: nb }, (_, j) => mean(c.map((i) => distOf(corrFlat[i * nb + j]!)))));
    cross = correlationsAmong(zs, Int32Array.from({ length: nc }, (_, x) => nb + x), bpIdx);
    const row = new Float64Array(nb);
    for (let k = nb; k < n; k++) {
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
    const sr = mean(c.map((i) => sharpeRatio(dailyOf(i))));
    // the members' correlations: the blueprints' and the candidates' against blueprints known, only the candidates'
    // among themselves still to compute (c lists the blueprints first)
    const nbc = bpMembers.length;
    const candIdx = c.slice(nbc);
    // the members' matrix in one array (rows as views): on 50 symbols x 2 years a cluster has ~1,750 members
    const m = c.length;
    const flat = new Float64Array(m * m);
    {
      const cc = correlationSubmatrix(zs, candIdx); // dropped once copied
      const corrOf = (x: number, y: number): number => {
        if (x < nbc && y < nbc) return corrFlat[c[x]! * nb + c[y]!]!;
        if (x >= nbc && y >= nbc) return cc[(x - nbc) * candIdx.length + (y - nbc)]!;
        return x < nbc ? cross[(c[y]! - nb) * nb + c[x]!]! : cross[(c[x]! - nb) * nb + c[y]!]!;
      };
      for (let x = 0; x < m; x++) for (let y = 0; y < m; y++) { const v = corrOf(x, y); flat[x * m + y] = Number.isFinite(v) ? v : 0; }
    }
    const sub = Array.from({ length: m }, (_, x) => flat.subarray(x * m, (x + 1) * m));
    const candIds = c.filter((i) => i >= nb).map(idOf).sort();
    return {
      members: bpMembers.map(idOf).sort(), ...(o.candidates ? { candidates: candIds } : {}),
      effective_trials: liJiEffectiveTests(sub),
      daily_sharpe: sr, sharpe_annual: sr * Math.sqrt(365.25),
    };
  });
  const extra = extraTrials + flat;
  const k = clusters.reduce((a, c) => a + c.effective_trials, 0) + extra;
  const v0s = Array.from({ length: n }, (_, i) => nullSharpeVariance(dailyOf(i)));
  const v0 = v0s.length ? mean(v0s) : NaN;
  const ratio = v0s.length ? mean(v0s.map((v, i) => v * (dailyOf(i).length - 1))) : NaN;
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
    clusters, extra_trials: extra, candidate_series: nc, trials_effective: k, null_variance_of_sharpes: v0, long_run_variance_ratio: ratio,
    variance_of_cluster_sharpes: srs.length >= 2 ? variance(srs) : NaN,
    sr0_annual: sr0 * Math.sqrt(365.25), dsr, dsr_iid: dsrIid, psr_hac: psrHac, sharpe_variance_ratio: vRatio, hac_lags: lags,
  };
}
