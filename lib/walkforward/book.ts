/**
 * The out-of-sample book of a walk-forward: per window, the sleeves of the selected blueprints (each an engine run
 * on the test bars with its share of the capital) are summed into the window's book, cash when nothing was
 * selected; the windows' returns are chained into one stitched curve. Also the buy-and-hold benchmark over the same
 * bars and the PBO of the blueprint set. Pure functions over engine results.
 */
import type { EngineResult } from '../engine/index.js';
import { pboCscv } from '../stats/pbo.js';
import { equityReturns } from '../stats/curve_metrics.js';
import { statsSharpe } from './select.js';
import type { WfWindow } from './windows.js';

export const PBO_RANK_CONVENTION =
  'CSCV (Bailey, Borwein, Lopez de Prado & Zhu 2017): the daily returns of all blueprints are cut into S contiguous blocks; ' +
  'for each of the C(S, S/2) halvings the in-sample winner (highest Sharpe, first on ties) is ranked out of sample, ' +
  'rank 1 = worst .. N = best (ties averaged), w = rank / (N + 1), logit = ln(w / (1 - w)); PBO = share of halvings ' +
  'with logit <= 0 (the winner does no better than the out-of-sample median).';

export interface Sleeve {
  bp: number;
  window: number;
  multiplier: number;
  equity: Float64Array; // over the test bars
  gross: Float64Array;
  traded: Float64Array;
  tradePnls: number[];
}

/** A run on the test bars only (the engine's bar 0 is the window's first test bar). */
export function sleeveOf(r: EngineResult, bp: number, window: number, multiplier: number, w: WfWindow): Sleeve {
  const L = w.testEnd - w.testStart;
  const traded = new Float64Array(L);
  for (const e of r.orderLog) if (e.event === 'filled') traded[e.bar]! += Math.abs(e.qty * (e.price ?? 0));
  return {
    bp, window, multiplier, equity: r.equity, gross: r.gross, traded,
    tradePnls: r.trades.filter((t) => t.exitBar >= 0).map((t) => t.netPnl),
  };
}

export interface Book {
  ts_ms: Float64Array;
  window: Int32Array;
  returns: Float64Array;
  equity: Float64Array; // stitched, starts at 1
  equityUsd: Float64Array; // the window book's equity in USD (capital at each window start)
  gross: Float64Array;
  grossLev: Float64Array;
  traded: Float64Array;
  tradePnls: number[];
  windowReturns: { total_return: number; sharpe: number; n_trades: number }[];
}

/** The out-of-sample book: per window the sum of its sleeves (cash if none), returns chained across windows. */
export function stitch(
  windows: readonly WfWindow[], sleeves: readonly Sleeve[], capital: number, grid: { ts0: number; tfMs: number }, ppy: number,
): Book {
  const n = windows.reduce((a, w) => a + (w.testEnd - w.testStart), 0);
  const b: Book = {
    ts_ms: new Float64Array(n), window: new Int32Array(n), returns: new Float64Array(n), equity: new Float64Array(n),
    equityUsd: new Float64Array(n), gross: new Float64Array(n), grossLev: new Float64Array(n), traded: new Float64Array(n),
    tradePnls: [], windowReturns: [],
  };
  let o = 0;
  let g = 1;
  for (const w of windows) {
    const L = w.testEnd - w.testStart;
    const mine = sleeves.filter((s) => s.window === w.index);
    const eq = new Float64Array(L);
    if (mine.length === 0) eq.fill(capital);
    let trades = 0;
    for (const s of mine) {
      for (let t = 0; t < L; t++) {
        eq[t]! += s.equity[t]!;
        b.gross[o + t]! += s.gross[t]!;
        b.traded[o + t]! += s.traded[t]!;
      }
      b.tradePnls.push(...s.tradePnls);
      trades += s.tradePnls.length;
    }
    const r = equityReturns(eq, capital);
    let wg = 1;
    let s1 = 0;
    let s2 = 0;
    for (let t = 0; t < L; t++) {
      b.ts_ms[o + t] = grid.ts0 + (w.testStart + t) * grid.tfMs;
      b.window[o + t] = w.index;
      b.returns[o + t] = r[t]!;
      g *= 1 + r[t]!;
      wg *= 1 + r[t]!;
      s1 += r[t]!;
      s2 += r[t]! * r[t]!;
      b.equity[o + t] = g;
      b.equityUsd[o + t] = eq[t]!;
      b.grossLev[o + t] = eq[t]! > 0 ? b.gross[o + t]! / eq[t]! : NaN;
    }
    b.windowReturns.push({ total_return: wg - 1, sharpe: statsSharpe({ sum: s1, sumsq: s2, n: L, trades: 0 }, ppy), n_trades: trades });
    o += L;
  }
  return b;
}

export interface PboSummary {
  pbo: number | null;
  splits: number | null;
  n_strategies: number;
  n_combinations: number | null;
  logit_median: number | null;
  /** Companions (Bailey et al. 2017, section 3; lib/stats/pbo.ts): share of halvings whose IS winner loses OOS. */
  prob_oos_loss: number | null;
  /** Performance degradation: slope, intercept and R^2 of the OOS Sharpe of the IS winner on its IS Sharpe. */
  degradation_slope: number | null;
  degradation_intercept: number | null;
  degradation_r2: number | null;
  /** The IS winners' OOS Sharpe distribution first-order dominates every blueprint's OOS Sharpe distribution. */
  dominance_first_order: boolean | null;
  dominance_second_order: boolean | null;
  /** max_x (F_selected(x) - F_all(x)): <= 0 under first-order dominance. */
  dominance_max_cdf_gap: number | null;
  note: string;
}

/** The companions when PBO is not computed. */
const NO_COMPANIONS = {
  prob_oos_loss: null, degradation_slope: null, degradation_intercept: null, degradation_r2: null,
  dominance_first_order: null, dominance_second_order: null, dominance_max_cdf_gap: null,
} as const;

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * PBO by CSCV over the blueprints' daily returns (PBO_RANK_CONVENTION). Blueprints whose daily returns are constant
 * (never traded) are left out; a blueprint that did not trade in one half of a split (all its daily returns there
 * 0) has a Sharpe of 0 in that half (`pboCscv` idle: before, one such half made the whole PBO not computable, as on
 * a 50-symbol x 2-year market, where rare-event blueprints trade in a few of the 16 blocks); S is reduced (even,
 * >= 2) until every block holds 2 days. null with a note when it cannot be computed.
 */
export function pboOverBlueprints(daily: readonly Float64Array[], splits: number): PboSummary {
  const N = daily.length;
  const cols = daily.filter((d) => d.some((x) => x !== d[0]));
  if (cols.length < 2) {
    return { pbo: null, splits: null, n_strategies: N, n_combinations: null, logit_median: null, ...NO_COMPANIONS, note: `PBO needs at least 2 blueprints that trade (${cols.length} of ${N} do)` };
  }
  const T = cols[0]!.length;
  let S = splits % 2 === 0 ? splits : splits - 1;
  while (S > 2 && T < 2 * S) S -= 2;
  if (T < 2 * S) return { pbo: null, splits: null, n_strategies: cols.length, n_combinations: null, logit_median: null, ...NO_COMPANIONS, note: `PBO needs at least ${2 * S} days of returns (${T})` };
  try {
    const r = pboCscv(cols, S, undefined, 0);
    const sorted = Float64Array.from(r.logits).sort();
    return {
      pbo: r.pbo, splits: S, n_strategies: cols.length, n_combinations: r.nCombinations,
      logit_median: sorted[Math.floor(sorted.length / 2)]!,
      prob_oos_loss: r.probOosLoss,
      degradation_slope: finiteOrNull(r.degradation.slope),
      degradation_intercept: finiteOrNull(r.degradation.intercept),
      degradation_r2: finiteOrNull(r.degradation.r2),
      dominance_first_order: r.dominance.firstOrder,
      dominance_second_order: r.dominance.secondOrder,
      dominance_max_cdf_gap: finiteOrNull(r.dominance.maxCdfGap),
      note: `${cols.length} blueprints that trade (${N - cols.length} never traded and are left out), ${T} daily returns in ${S} blocks`,
    };
  } catch (e) {
    return { pbo: null, splits: S, n_strategies: cols.length, n_combinations: null, logit_median: null, ...NO_COMPANIONS, note: `PBO not computable: ${(e as Error).message}` };
  }
}

/** Buy-and-hold of the benchmark's close over the out-of-sample bars, stitched like the book (starts at 1). */
export function benchmarkCurve(bars: { close: Float64Array } | undefined, windows: readonly WfWindow[], symbol: string): { equity: Float64Array; label: string; total_return: number } {
  const n = windows.reduce((a, w) => a + (w.testEnd - w.testStart), 0);
  const equity = new Float64Array(n).fill(NaN);
  if (!bars) return { equity, label: '', total_return: NaN };
  let g = 1;
  let o = 0;
  for (const w of windows) {
    let prev = bars.close[w.testStart - 1]!;
    for (let t = w.testStart; t < w.testEnd; t++) {
      const c = bars.close[t]!;
      if (c === c && prev === prev && prev > 0) g *= c / prev;
      if (c === c) prev = c;
      equity[o++] = g;
    }
  }
  return { equity, label: `${symbol} buy and hold`, total_return: g - 1 };
}

