/**
 * Train-only selection. Each candidate (blueprint) is run once over the whole grid by the engine; its per-bar
 * returns are causal (the return of bar t depends on data up to the close of t), so the slice over a train window
 * [trainStart, trainEnd) is what a researcher standing at the end of that window could have seen. Only those
 * slices rank the candidates; the test window's bars are never read by the selection.
 *
 * Rule: candidates with at least `min_train_trades` round trips ENTERED inside the train window and an annualised
 * train Sharpe above `min_train_sharpe` are ranked by that Sharpe (descending, ties by id); the first `top_k` are
 * selected. No candidate qualifying means the window stays in cash (recorded, not an error).
 */
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

/** Rank candidates on one window's train statistics and pick the selected ones (indices into `ids`). */
export function selectOnTrain(
  ids: readonly string[], stats: readonly TrainStats[], rule: SelectionRule, periodsPerYear: number,
): { selected: number[]; ranked: RankedCandidate[] } {
  const ranked = ids.map((id, index) => {
    const s = stats[index]!;
    const sr = statsSharpe(s, periodsPerYear);
    return { index, id, train_sharpe: sr, train_trades: s.trades, eligible: s.trades >= rule.min_train_trades && sr > rule.min_train_sharpe };
  });
  ranked.sort((a, b) => {
    const x = Number.isNaN(a.train_sharpe) ? -Infinity : a.train_sharpe;
    const y = Number.isNaN(b.train_sharpe) ? -Infinity : b.train_sharpe;
    return y - x || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
  const selected = ranked.filter((r) => r.eligible).slice(0, rule.top_k).map((r) => r.index);
  return { selected, ranked };
}
