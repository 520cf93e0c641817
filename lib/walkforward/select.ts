/**
 * Train-only selection. Each candidate (blueprint) is run once over the whole grid by the engine; its per-bar
 * returns are causal (the return of bar t depends on data up to the close of t), so the slice over a train window
 * [trainStart, trainEnd) is what a researcher standing at the end of that window could have seen. Only those
 * slices rank the candidates; the test window's bars are never read by the selection.
 *
 * Rule: candidates with at least `min_train_trades` round trips ENTERED inside the train window and an annualised
 * train Sharpe above `min_train_sharpe` are ranked by that Sharpe (descending, ties by id); the first `top_k` are
 * selected. With `train_sharpe_floor: 'expected_max'` the train Sharpe must also exceed the Sharpe the best of the
 * window's skill-less candidates would show by luck alone (trainSharpeFloor): a wider book (top_k) then takes only
 * candidates whose train record stands out from selection noise, instead of filling its places with noise. No
 * candidate qualifying means the window stays in cash (recorded, not an error).
 */
import { expectedMaxSharpe } from '../stats/sharpe.js';

export interface TrainStats {
  sum: number;
  sumsq: number;
  n: number;
  trades: number;
}

export interface SelectionRule {
  top_k: number;
  min_train_trades: number;
  min_train_sharpe: number; // annualised
  /** 'expected_max': also above trainSharpeFloor(candidates with enough trades, train days); default 'none'. */
  train_sharpe_floor?: 'expected_max' | 'none';
}

/**
 * The expected maximum annualised Sharpe of n skill-less candidates measured over `days` days: the False Strategy
 * theorem (Bailey & Lopez de Prado 2014, "The Deflated Sharpe Ratio", eq. 7; lib/stats/sharpe.ts expectedMaxSharpe)
 * with the variance of a daily Sharpe estimate at a true Sharpe of 0, 1 / (days - 1) (iid), annualised with
 * sqrt(365.25) like the train Sharpe. 0 for n <= 1 or days <= 1 (nothing to select among, or no estimate).
 */
export function trainSharpeFloor(n: number, days: number): number {
  if (!(n > 1) || !(days > 1)) return 0;
  return expectedMaxSharpe(n, 1 / (days - 1)) * Math.sqrt(365.25);
}

export interface WindowBounds {
  trainStart: number;
  trainEnd: number;
}

/** Sums of a candidate's returns and entries over each window's train range. `entryBars` sorted or not. */
export function trainStats(returns: ArrayLike<number>, entryBars: ArrayLike<number>, windows: readonly WindowBounds[]): TrainStats[] {
  return windows.map((w) => {
    let s = 0;
    let ss = 0;
    let n = 0;
    for (let t = w.trainStart; t < w.trainEnd; t++) {
      const r = returns[t]!;
      if (r === r) { s += r; ss += r * r; n++; }
    }
    let trades = 0;
    for (let i = 0; i < entryBars.length; i++) {
      const b = entryBars[i]!;
      if (b >= w.trainStart && b < w.trainEnd) trades++;
    }
    return { sum: s, sumsq: ss, n, trades };
  });
}

/** Annualised Sharpe mean / std (ddof = 1) * sqrt(periods per year); NaN for n < 2 or zero variance. */
export function statsSharpe(s: TrainStats, periodsPerYear: number): number {
  if (s.n < 2) return NaN;
  const m = s.sum / s.n;
  const v = (s.sumsq - s.sum * m) / (s.n - 1);
  return v > 0 ? (m / Math.sqrt(v)) * Math.sqrt(periodsPerYear) : NaN;
}

export interface RankedCandidate {
  index: number;
  id: string;
  train_sharpe: number;
  train_trades: number;
  eligible: boolean;
}

/**
 * Rank candidates on one window's train statistics and pick the selected ones (indices into `ids`). `trainDays`: the
 * train window's length in days (for the floor); `floor` is the Sharpe floor applied (0 without one).
 */
export function selectOnTrain(
  ids: readonly string[], stats: readonly TrainStats[], rule: SelectionRule, periodsPerYear: number, trainDays = 0,
): { selected: number[]; ranked: RankedCandidate[]; floor: number } {
  const srs = ids.map((_, index) => statsSharpe(stats[index]!, periodsPerYear));
  // the candidates selected among: enough trades and a train Sharpe at all
  const n = srs.filter((sr, i) => stats[i]!.trades >= rule.min_train_trades && Number.isFinite(sr)).length;
  const floor = rule.train_sharpe_floor === 'expected_max' ? trainSharpeFloor(n, trainDays) : 0;
  const ranked = ids.map((id, index) => {
    const s = stats[index]!;
    const sr = srs[index]!;
    return { index, id, train_sharpe: sr, train_trades: s.trades, eligible: s.trades >= rule.min_train_trades && sr > rule.min_train_sharpe && sr > floor };
  });
  ranked.sort((a, b) => {
    const x = Number.isNaN(a.train_sharpe) ? -Infinity : a.train_sharpe;
    const y = Number.isNaN(b.train_sharpe) ? -Infinity : b.train_sharpe;
    return y - x || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
  const selected = ranked.filter((r) => r.eligible).slice(0, rule.top_k).map((r) => r.index);
  return { selected, ranked, floor };
}
