import { describe, expect, test } from '@jest/globals';
import { analyzeLastMonth, boundedGrid, DEFAULT_GRID } from '../../lib/mm/analyze.js';
import { DEFAULT_MM_PARAMS } from '../../lib/mm/backtest.js';
import type { MmBars } from '../../lib/mm/data.js';
import { Xoshiro128ss } from '../../lib/stats/index.js';

/** A seeded random-walk market of `days` of 5m bars with intrabar ranges (a fixture, no lake). */
function walk(days: number, seed: number): MmBars {
  const n = days * 288;
  const rng = Xoshiro128ss.fromSeed(seed, 1);
  const b: MmBars = {
    file: 'fixture', timeframe: '5m', tfMs: 300_000, ts_ms: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n),
    low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  let px = 100;
  for (let i = 0; i < n; i++) {
    const o = px;
    const c = o * Math.exp(rng.normal() * 0.002);
    b.ts_ms[i] = Date.UTC(2025, 0, 1) + i * 300_000;
    b.open[i] = +o.toFixed(2);
    b.close[i] = +c.toFixed(2);
    b.high[i] = +(Math.max(o, c) * (1 + Math.abs(rng.normal()) * 0.001)).toFixed(2);
    b.low[i] = +(Math.min(o, c) * (1 - Math.abs(rng.normal()) * 0.001)).toFixed(2);
    b.volume[i] = 1000;
    px = c;
  }
  return b;
}

describe('last-month analysis', () => {
  test('bounded grid: at most max combinations, evenly through the full grid, deterministic', () => {
    expect(boundedGrid(DEFAULT_GRID, 1000)).toHaveLength(45);
    const g = boundedGrid(DEFAULT_GRID, 12);
    expect(g).toHaveLength(12);
    expect(g[0]).toEqual({ gamma: 0.002, k: 0.05, max_inventory_lots: 2 });
    expect(new Set(g.map((x) => JSON.stringify(x))).size).toBe(12);
    expect(() => boundedGrid(DEFAULT_GRID, 0)).toThrow('max-combinations must be an integer >= 1, was 0');
  });
  test('chooses on train only, reports the test part, gates listed with values, readiness = all gates', async () => {
    const b = walk(12, 3);
    const a = await analyzeLastMonth(b, undefined, {
      days: 9, train_fraction: 2 / 3, max_combinations: 4, grid: DEFAULT_GRID, base: { ...DEFAULT_MM_PARAMS, vol_window_bars: 48 },
      costs: { maker_fee_bps: 2, taker_fee_bps: 5, slippage_bps: 1, funding: false }, symbol: 'FIX',
      gates: { max_drawdown_usd: 1000, min_fills: 10, ci_level: 0.95, bootstrap_reps: 500, seed: 1 },
    });
    expect(a.window.split_utc).toBe(new Date(Date.UTC(2025, 0, 10)).toISOString()); // 12 days end; last 9 from Jan 4; 6 train days
    const best = Math.max(...a.sweep.results.map((r) => r.train_net_pnl_usd));
    expect(a.sweep.results.find((r) => r.gamma === a.chosen.gamma && r.k === a.chosen.k && r.max_inventory_lots === a.chosen.max_inventory_lots)!.train_net_pnl_usd).toBe(best);
    expect(a.out_of_sample.daily_pnl_usd).toHaveLength(3);
    expect(a.out_of_sample.daily_pnl_usd.reduce((s, x) => s + x, 0)).toBeCloseTo(a.out_of_sample.pnl.net_pnl_usd, 8);
    expect(a.readiness.gates.map((g) => g.name)).toEqual(['oos_net_pnl_positive', 'oos_bootstrap_ci_above_0', 'inventory_within_limits', 'drawdown_below_cap', 'enough_fills', 'paper_reconciled']);
    expect(a.readiness.ready_for_live_keys).toBe(a.readiness.gates.every((g) => g.pass));
    expect(a.reconciliation.reconciled).toBe(true);
    // a driftless random walk with maker fees: the honest answer is "not ready"
    expect(a.readiness.ready_for_live_keys).toBe(false);
  });
});
