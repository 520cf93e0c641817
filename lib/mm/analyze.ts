/**
 * Last-month analysis: on the last `days` of bars, sweep a bounded grid of (gamma, k, max inventory), choose on the
 * first part (train, highest net P&L under trade-through fills), report the chosen parameters on the rest (test,
 * never seen by the choice), and decide readiness for live keys from explicit gates, each listed with its value:
 *   oos_net_pnl_positive      test net P&L > 0 (trade-through fills, after fees, funding and liquidation)
 *   oos_bootstrap_ci_above_0  lower end of the stationary-bootstrap CI of the mean daily test P&L > 0
 *   inventory_within_limits   |inventory| never above the cap + one lot (the quoting rule) and no kill-switch trip
 *   drawdown_below_cap        test max drawdown < max_drawdown_usd
 *   enough_fills              test fills >= min_fills
 *   paper_reconciled          the realtime loop (paper, replaying the test bars) ends with the backtest's equity and position
 * ready_for_live_keys is true only when every gate passes.
 */
import { bootstrapCI, clampBlockLength, politisWhiteBlockLength } from '../stats/index.js';
import { DataError } from '../errors.js';
import { backtestMmSlice, type MmCosts, type MmParams } from './backtest.js';
import type { MmBars, MmFunding } from './data.js';
import { reconcilePaper, type Reconciliation } from './realtime.js';
import type { IntensityChoice } from './trades.js';

export interface SweepGrid {
  gamma: number[];
  k: number[];
  max_inventory_lots: number[];
}

export const DEFAULT_GRID: SweepGrid = { gamma: [0.002, 0.005, 0.01, 0.02, 0.05], k: [0.05, 0.1, 0.2], max_inventory_lots: [2, 5, 10] };

/** At most `max` combinations of the full grid, evenly spaced through it in its (gamma, k, max inventory) order. */
export function boundedGrid(g: SweepGrid, max: number): { gamma: number; k: number; max_inventory_lots: number }[] {
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`max-combinations must be an integer >= 1, was ${max}`);
  const all = g.gamma.flatMap((gamma) => g.k.flatMap((k) => g.max_inventory_lots.map((m) => ({ gamma, k, max_inventory_lots: m }))));
  if (all.length <= max) return all;
  return Array.from({ length: max }, (_, i) => all[Math.floor((i * all.length) / max)]!);
}

export interface AnalyzeOptions {
  days: number;
  train_fraction: number;
  max_combinations: number;
  grid: SweepGrid;
  base: MmParams;
  costs: MmCosts;
  gates: { max_drawdown_usd: number; min_fills: number; ci_level: number; bootstrap_reps: number; seed: number };
  symbol: string;
  /**
   * (A, k) estimated from trades on the train part (analysisWindow's [start, split): never the test part), or the
   * assumption. From trades, k is the estimate (not swept) and A replaces base.A; else k is swept over grid.k.
   */
  intensity?: IntensityChoice;
}

/** The analysis window: [start, end) the last `days` of the bars, train [start, split), test [split, end). */
export function analysisWindow(b: MmBars, days: number, trainFraction: number): { start: number; split: number; end: number } {
  const n = b.ts_ms.length;
  if (n === 0) throw new DataError('no bars', { file: b.file });
  const end = b.ts_ms[n - 1]! + b.tfMs;
  const start = end - days * DAY;
  return { start, split: start + Math.round(days * trainFraction) * DAY, end };
}

export interface Gate {
  name: string;
  value: number | boolean | null;
  threshold: string;
  pass: boolean;
}

const DAY = 86_400_000;

function indexAtOrAfter(ts: Float64Array, t: number): number {
  let lo = 0, hi = ts.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (ts[m]! < t) lo = m + 1; else hi = m; }
  return lo;
}

/** Daily P&L (USD) of the bars at or after `from` (the warm-up days excluded). */
function dailyAfter(b: MmBars, equity: Float64Array, offset: number, from: number): number[] {
  const out: number[] = [];
  let prev = 0, day = -1;
  for (let j = 0; j < equity.length; j++) {
    const t = b.ts_ms[offset + j]!;
    if (t < from) { prev = equity[j]!; continue; }
    const d = Math.floor(t / DAY);
    if (d !== day) { out.push(0); day = d; }
    out[out.length - 1] = out[out.length - 1]! + equity[j]! - prev;
    prev = equity[j]!;
  }
  return out;
}

export async function analyzeLastMonth(b: MmBars, funding: MmFunding | undefined, o: AnalyzeOptions) {
  const n = b.ts_ms.length;
  const { start, split, end } = analysisWindow(b, o.days, o.train_fraction);
  const iStart = indexAtOrAfter(b.ts_ms, start);
  const iSplit = indexAtOrAfter(b.ts_ms, split);
  const W = o.base.vol_window_bars;
  if (iStart < W) {
    throw new DataError(`the last ${o.days} days need ${W} warm-up bars before ${new Date(start).toISOString()}, the lake has ${iStart}`, { file: b.file, field: 'ts_ms', value: b.ts_ms[0] }, {
      hint: 'fetch more history (make real-data-fetch), lower --days, or lower --vol-window',
    });
  }
  const fromTrades = o.intensity?.source === 'trades';
  const grid: SweepGrid = fromTrades ? { ...o.grid, k: [o.intensity!.k_per_bp] } : o.grid;
  const base: MmParams = fromTrades ? { ...o.base, A: o.intensity!.A_per_s, k: o.intensity!.k_per_bp } : o.base;
  const combos = boundedGrid(grid, o.max_combinations);
  const sweep = combos.map((c) => {
    const p = { ...base, ...c };
    const r = backtestMmSlice(b, funding, p, o.costs, iStart - W, iSplit);
    return { ...c, train_net_pnl_usd: r.pnl.net_pnl_usd, train_fills: r.fills.length, train_kill_switch: r.kill.tripped, train_spread_capture_usd: r.pnl.spread_capture_usd, train_inventory_pnl_usd: r.pnl.inventory_pnl_usd, train_fees_usd: r.pnl.fees_usd };
  });
  const best = sweep.reduce((a, x) => (x.train_net_pnl_usd > a.train_net_pnl_usd ? x : a));
  const chosen: MmParams = { ...base, gamma: best.gamma, k: best.k, max_inventory_lots: best.max_inventory_lots };
  const test = backtestMmSlice(b, funding, chosen, o.costs, iSplit - W, n);
  const touch = backtestMmSlice(b, funding, chosen, o.costs, iSplit - W, n, 'touch');
  const daily = dailyAfter(b, test.equity, iSplit - W, split);
  const block = clampBlockLength(politisWhiteBlockLength(daily), daily.length);
  const ci = daily.length >= 2
    ? bootstrapCI(daily, { level: o.gates.ci_level, meanBlock: block.block, reps: o.gates.bootstrap_reps, seed: o.gates.seed })
    : { lo: NaN, hi: NaN, mean: daily[0] ?? NaN, se: NaN };
  let peak = 0, mdd = 0;
  for (const e of test.equity) { if (e > peak) peak = e; if (peak - e > mdd) mdd = peak - e; }
  const rec: Reconciliation = await reconcilePaper(b, funding, chosen, o.costs, iSplit, n - iSplit, o.symbol);
  const invOk = test.max_abs_inventory_lots <= chosen.max_inventory_lots + 1 + 1e-9 && !test.kill.tripped;
  const fin = (v: number) => (Number.isFinite(v) ? v : null);
  const gates: Gate[] = [
    { name: 'oos_net_pnl_positive', value: test.pnl.net_pnl_usd, threshold: '> 0 USD', pass: test.pnl.net_pnl_usd > 0 },
    { name: 'oos_bootstrap_ci_above_0', value: fin(ci.lo), threshold: `lower end of the ${o.gates.ci_level * 100}% CI of mean daily P&L > 0 USD`, pass: ci.lo > 0 },
    { name: 'inventory_within_limits', value: test.max_abs_inventory_lots, threshold: `max |inventory| <= ${chosen.max_inventory_lots} + 1 lots and no kill-switch trip`, pass: invOk },
    { name: 'drawdown_below_cap', value: mdd, threshold: `< ${o.gates.max_drawdown_usd} USD`, pass: mdd < o.gates.max_drawdown_usd },
    { name: 'enough_fills', value: test.fills.length, threshold: `>= ${o.gates.min_fills}`, pass: test.fills.length >= o.gates.min_fills },
    { name: 'paper_reconciled', value: rec.reconciled, threshold: '|equity diff| <= 1e-6 USD and |position diff| <= 1e-9 over the test bars', pass: rec.reconciled },
  ];
  return {
    symbol: o.symbol,
    window: { from_utc: new Date(start).toISOString(), split_utc: new Date(split).toISOString(), to_utc: new Date(end).toISOString(), days: o.days, train_fraction: o.train_fraction },
    intensity: o.intensity?.source === 'trades'
      ? { source: 'trades' as const, A_per_s: o.intensity.A_per_s, k_per_bp: o.intensity.k_per_bp, fitted_on: 'train part only', k_swept: false, estimate: o.intensity.estimate }
      : { source: 'assumed' as const, A_per_s: base.A, k_per_bp_swept: grid.k, k_swept: true, reason: o.intensity?.source === 'assumed' ? o.intensity.reason : '(A, k) as given: a swept assumption on bars' },
    sweep: { combinations: combos.length, grid, max_combinations: o.max_combinations, selection: 'highest train net P&L (trade-through fills)', results: sweep },
    chosen: { gamma: chosen.gamma, k: chosen.k, A: chosen.A, max_inventory_lots: chosen.max_inventory_lots, model: chosen.model },
    out_of_sample: {
      pnl: test.pnl, fills: test.fills.length, touch_bound_net_pnl_usd: touch.pnl.net_pnl_usd, max_drawdown_usd: mdd, kill_switch: test.kill.tripped ? 'tripped' : 'armed',
      daily_pnl_usd: daily, bootstrap_ci: { level: o.gates.ci_level, lo: fin(ci.lo), hi: fin(ci.hi), mean: fin(ci.mean), mean_block: block.block, reps: o.gates.bootstrap_reps, seed: o.gates.seed },
    },
    reconciliation: rec,
    readiness: { ready_for_live_keys: gates.every((g) => g.pass), gates },
    learned_variant: 'not shipped: no learned policy (bandit / tabular) has been shown to beat plain quoting out of sample on real data here',
  };
}

export type LastMonthAnalysis = Awaited<ReturnType<typeof analyzeLastMonth>>;

/** The sweep as CSV (one row per combination, train figures only). */
export function sweepCsv(a: LastMonthAnalysis): string {
  const cols = ['gamma', 'k', 'max_inventory_lots', 'train_net_pnl_usd', 'train_spread_capture_usd', 'train_inventory_pnl_usd', 'train_fees_usd', 'train_fills', 'train_kill_switch', 'chosen'] as const;
  const rows = a.sweep.results.map((r) => [r.gamma, r.k, r.max_inventory_lots, r.train_net_pnl_usd.toFixed(4), r.train_spread_capture_usd.toFixed(4), r.train_inventory_pnl_usd.toFixed(4), r.train_fees_usd.toFixed(4), r.train_fills, r.train_kill_switch,
    r.gamma === a.chosen.gamma && r.k === a.chosen.k && r.max_inventory_lots === a.chosen.max_inventory_lots].join(','));
  return [cols.join(','), ...rows].join('\n') + '\n';
}
