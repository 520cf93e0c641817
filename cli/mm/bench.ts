/**
 * `npm run mm:bench` — the two figures the market-making issue sets (targets < 1 s each), printed as JSON:
 *   simulator: the paper Monte Carlo, 1,000 paths x 200 steps (both strategies)
 *   backtest:  one symbol-year of 5m bars (105,120 bars of a seeded random walk): the trade-through run alone, then
 *              trade-through and touch together (what mm:backtest runs)
 * Each is timed cold (first call in the process) and as the median of 5 warm calls.
 */
import { DEFAULT_MM_PARAMS, runMarketMaker } from '../../lib/mm/backtest.js';
import type { MmBars } from '../../lib/mm/data.js';
import { PAPER_PARAMS, simulatePaper } from '../../lib/mm/simulate.js';
import { median, Xoshiro128ss } from '../../lib/stats/index.js';

function yearOfBars(): MmBars {
  const n = 365 * 288;
  const rng = Xoshiro128ss.fromSeed(2025, 5);
  const f = () => new Float64Array(n);
  const b: MmBars = { file: 'bench', timeframe: '5m', tfMs: 300_000, ts_ms: f(), open: f(), high: f(), low: f(), close: f(), volume: f() };
  let px = 60000;
  for (let i = 0; i < n; i++) {
    const c = px * Math.exp(rng.normal() * 0.0015);
    b.ts_ms[i] = Date.UTC(2025, 0, 1) + i * 300_000;
    b.open[i] = Math.round(px * 10) / 10;
    b.close[i] = Math.round(c * 10) / 10;
    b.high[i] = Math.round(Math.max(px, c) * (1 + Math.abs(rng.normal()) * 0.0008) * 10) / 10;
    b.low[i] = Math.round(Math.min(px, c) * (1 - Math.abs(rng.normal()) * 0.0008) * 10) / 10;
    b.volume[i] = 50 + 100 * rng.uniform();
    px = c;
  }
  return b;
}

function time(fn: () => void): { cold_ms: number; warm_median_ms: number } {
  let t = performance.now();
  fn();
  const cold = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    fn();
    warm.push(performance.now() - t);
  }
  return { cold_ms: Math.round(cold), warm_median_ms: Math.round(median(warm)) };
}

const bars = yearOfBars();
const costs = { maker_fee_bps: 2, taker_fee_bps: 5, slippage_bps: 1, funding: false };
const p = { ...DEFAULT_MM_PARAMS, kill_drawdown_usd: 1e12 };
const sim = time(() => simulatePaper({ ...PAPER_PARAMS, gamma: 0.1 }));
const one = time(() => runMarketMaker(bars, undefined, p, costs, 'through'));
const bt = time(() => {
  runMarketMaker(bars, undefined, p, costs, 'through');
  runMarketMaker(bars, undefined, p, costs, 'touch');
});
process.stdout.write(JSON.stringify({
  simulator_1000_paths_x_200_steps: { ...sim, target_ms: 1000 },
  backtest_one_symbol_year_5m: { bars: bars.ts_ms.length, trade_through_run: one, trade_through_and_touch_runs: bt, target_ms: 1000 },
}, null, 2) + '\n');
