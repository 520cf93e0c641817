/**
 * Clustered deflation: the DSR with the effective number of trials (Lopez de Prado 2019, "A data science solution
 * to the multiple-testing crisis in financial research", J. Financial Data Science 1(1), section "Clustered
 * trials"; ONC from Lopez de Prado & Lewis 2019, lib/stats/onc.ts).
 *
 * The trials that have a return series (the blueprints, full-period daily returns from pass 1) are clustered by
 * the correlation of those returns. Each cluster's returns are the inverse-variance portfolio of its members
 * (w_i proportional to 1 / var(r_i), as in the paper); its daily Sharpe ratio is one cluster-level trial. Trials
 * without a return series (`extraTrials`: plan candidates that produced no blueprint, grouped upstream; pair
 * variants the screen did not compile; blueprints that never trade) are counted as independent trials of their own
 * but contribute no Sharpe ratio to the variance. Then
 *   K = clusters + extraTrials,  V = variance (ddof 1) of the cluster daily Sharpe ratios,
 *   SR0 = expectedMaxSharpe(K, V),  DSR = PSR(SR0) of the out-of-sample daily returns.
 * Needs at least two clusters (else V is undefined and SR0, DSR are NaN). Compute bound: the base k-means tries
 * k = 2..min(n - 1, ONC_MAX_CLUSTERS) (the recursion can still split further); ONC's cost grows as n^2 k^2.
 */
import { mean, variance } from '../stats/descriptive.js';
import { expectedMaxSharpe, probabilisticSharpe, sharpeRatio } from '../stats/sharpe.js';
import { correlationMatrix, oncClusters } from '../stats/onc.js';

export interface TrialSeries {
  id: string;
  /** Daily returns on a common calendar (same length for every trial). */
  daily: ArrayLike<number>;
}

export interface ClusteredCluster {
  members: string[];
  /** Daily Sharpe of the cluster's inverse-variance portfolio, and annualised (sqrt(365.25)). */
  daily_sharpe: number;
  sharpe_annual: number;
}

export interface ClusteredDeflation {
  /** Clusters of the trials with a varying return series (ONC). */
  clusters: ClusteredCluster[];
  /** Trials counted without a series (each its own trial). */
  extra_trials: number;
  /** Effective number of trials K = clusters + extra_trials. */
  trials_effective: number;
  variance_of_cluster_sharpes: number;
  sr0_annual: number;
  dsr: number;
}

/** Largest k of ONC's base clustering here (compute bound; see the module comment). */
export const ONC_MAX_CLUSTERS = 40;

/** The out-of-sample daily returns' statistics the PSR needs (lib/stats/curve_metrics.ts CurveMetrics). */
export interface OosDaily { daily_sharpe: number; n_days: number; daily_skew: number; daily_kurtosis: number }

/** Inverse-variance portfolio returns of the given series (weights sum to 1). */
export function inverseVariancePortfolio(series: readonly ArrayLike<number>[]): Float64Array {
  const len = series[0]?.length ?? 0;
  const w = series.map((s) => 1 / variance(s));
  const tw = w.reduce((a, b) => a + b, 0);
  const out = new Float64Array(len);
  series.forEach((s, i) => { for (let t = 0; t < len; t++) out[t] = out[t]! + (w[i]! / tw) * s[t]!; });
  return out;
}

export function clusteredDeflation(trials: readonly TrialSeries[], extraTrials: number, oos: OosDaily, seed = 0): ClusteredDeflation {
  const live = trials.filter((t) => t.daily.length >= 2 && variance(t.daily) > 0 && Number.isFinite(mean(t.daily)));
  const flat = trials.length - live.length;
  const onc = oncClusters(correlationMatrix(live.map((t) => t.daily)), { seed, maxClusters: Math.max(1, Math.min(live.length - 1, ONC_MAX_CLUSTERS)) });
  const clusters = onc.clusters.map((c) => {
    const sr = sharpeRatio(inverseVariancePortfolio(c.map((i) => live[i]!.daily)));
    return { members: c.map((i) => live[i]!.id).sort(), daily_sharpe: sr, sharpe_annual: sr * Math.sqrt(365.25) };
  });
  const extra = extraTrials + flat;
  const k = clusters.length + extra;
  const srs = clusters.map((c) => c.daily_sharpe).filter((x) => Number.isFinite(x));
  const v = srs.length >= 2 ? variance(srs) : NaN;
  const sr0 = Number.isFinite(v) && k >= 1 ? expectedMaxSharpe(k, v) : NaN;
  const dsr = Number.isFinite(sr0) ? probabilisticSharpe(oos.daily_sharpe, oos.n_days, oos.daily_skew, oos.daily_kurtosis, sr0) : NaN;
  return {
    clusters, extra_trials: extra, trials_effective: k, variance_of_cluster_sharpes: v,
    sr0_annual: sr0 * Math.sqrt(365.25), dsr,
  };
}

/**
 * Trials without a return series among the plan's candidates: the candidates are grouped by (event, symbol,
 * expected direction) (the horizon variants of one event on one instrument trade the same occurrences and are
 * strongly correlated); a group with a blueprint compiled from one of its candidates is represented by that
 * blueprint's cluster; every other group counts as one independent trial.
 */
export function untestedCandidateGroups(
  candidates: readonly { candidate_id: string; event: string; symbol: string; expected: string }[],
  blueprintCandidateIds: readonly (string | undefined)[],
): number {
  const key = (c: { event: string; symbol: string; expected: string }) => JSON.stringify([c.event, c.symbol, c.expected]);
  const withBp = new Set(blueprintCandidateIds.filter((x): x is string => x !== undefined));
  const groups = new Set(candidates.map(key));
  const covered = new Set(candidates.filter((c) => withBp.has(c.candidate_id)).map(key));
  let n = 0;
  for (const g of groups) if (!covered.has(g)) n++;
  return n;
}
