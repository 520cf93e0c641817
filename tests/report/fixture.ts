/**
 * A realistic ReportData generated numerically (no real data): a seeded random walk of 5m returns stitched over
 * six walk-forward test windows, a buy-and-hold benchmark, and the statistics computed from those returns with
 * lib/stats, so every number in the report is consistent with its curve.
 */
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import {
  cagr, calmar, expectedMaxSharpe, hitRate, kurtosis, maxDrawdown, probabilisticSharpe, sharpe, sharpeRatio, skewness,
  sortino, totalReturn,
} from '../../lib/stats/index.js';
import { barsPerYear } from '../../lib/timeframe.js';
import type { ReportData, ReportMetrics } from '../../lib/report/types.js';

const DAY = 86_400_000;
const TF = 300_000;

export interface FixtureOptions {
  seed?: number;
  /** Out-of-sample bars (5m). Default 6 windows x 12 days = 20,736 (more than the 2,000-point chart budget). */
  windows?: number;
  windowDays?: number;
}

function metricsOf(r: Float64Array, position: Float64Array, trades: number, bpy: number, turnoverPerYear: number): ReportMetrics {
  let held = 0;
  for (let i = 0; i < position.length; i++) if (position[i] !== 0) held++;
  return {
    total_return: totalReturn(r), cagr: cagr(r, bpy), sharpe: sharpe(r, bpy), sortino: sortino(r, bpy),
    max_drawdown: maxDrawdown(r), calmar: calmar(r, bpy), hit_rate: hitRate(r), turnover: turnoverPerYear,
    exposure: held / position.length, n_trades: trades,
  };
}

export function makeFixture(opts: FixtureOptions = {}): ReportData {
  const seed = opts.seed ?? 7;
  const nWin = opts.windows ?? 6;
  const winDays = opts.windowDays ?? 12;
  const bpy = barsPerYear('5m');
  const trainDays = 30;
  const start = Date.UTC(2025, 0, 1);
  const oosStart = start + trainDays * DAY;
  const barsPerWin = (winDays * DAY) / TF;
  const n = nWin * barsPerWin;
  const rng = Xoshiro128ss.fromSeed(seed, 1);

  // market: slightly positive drift, 5m vol about 0.25%; strategy: long/flat/short on a slow regime, plus noise
  const rMarket = new Float64Array(n);
  const rStrat = new Float64Array(n);
  const pos = new Float64Array(n);
  let regime = 1;
  let trades = 0;
  for (let t = 0; t < n; t++) {
    if (t % 24 === 0 && rng.uniform() < 0.3) {
      const next = [1, 0, -1][Math.floor(rng.uniform() * 3)]!;
      if (next !== regime) trades++;
      regime = next;
    }
    const m = 0.00002 + 0.0025 * rng.normal();
    rMarket[t] = m;
    pos[t] = regime;
    // a small edge: the strategy's position earns 0.06 bp per bar on top of the market move it holds, minus costs
    rStrat[t] = regime === 0 ? 0 : regime * m * 0.6 + 0.000006 + 0.0004 * rng.normal();
  }
  const ts: number[] = [];
  const eq: number[] = [];
  const bench: number[] = [];
  let e = 1;
  let b = 1;
  for (let t = 0; t < n; t++) {
    e *= 1 + rStrat[t]!;
    b *= 1 + rMarket[t]!;
    ts.push(oosStart + t * TF);
    eq.push(e);
    bench.push(b);
  }
  const skew = skewness(rStrat);
  const kurt = kurtosis(rStrat);
  const srBar = sharpeRatio(rStrat);
  const trials = 2412;
  // cross-trial variance of per-bar Sharpe ratios: that of skill-less trials, 1 / (n - 1)
  const varSr = 1 / (n - 1);
  const sr0 = expectedMaxSharpe(trials, varSr);
  const psr = probabilisticSharpe(srBar, n, skew, kurt, 0);
  const dsr = probabilisticSharpe(srBar, n, skew, kurt, sr0);
  const years = n / bpy;
  const metrics = { ...metricsOf(rStrat, pos, trades, bpy, (trades * 2) / years), psr, dsr };
  const benchMetrics = metricsOf(rMarket, new Float64Array(n).fill(1), 1, bpy, 1 / years);

  const names = [
    ['bp-3f9a1c0d7e21', 'funding extreme fade, 24h hold', 'bridge', 'BTCUSDT'],
    ['bp-91be02a4f5c3', 'capitulation follow (volume spike + 3 sigma drop), 12h', 'bridge', 'ETHUSDT'],
    ['bp-0c7d55e1a9b4', 'breakout 20d high follow', 'template', 'SOLUSDT'],
    ['bp-a4e6f0d23c18', 'OI surge fade', 'template', 'BTCUSDT/ETHUSDT'],
    ['bp-5d2b8e7f6a90', 'volatility shock fade, 6h', 'bridge', 'XRPUSDT'],
    ['bp-e81c4a9d0b37', 'BTC dominance rotation', 'template', 'ALL8'],
    ['bp-7b30c9f2e5d6', 'liquidation cascade follow', 'bridge', 'DOGEUSDT'],
    ['bp-2f6ad1b8c4e0', 'breakout 20d low fade', 'template', 'BNBUSDT'],
    ['bp-c5e9173a0f2d', 'funding flip follow', 'template', 'ADAUSDT'],
  ] as const;
  const windows = Array.from({ length: nWin }, (_, w) => {
    const testStart = oosStart + w * winDays * DAY;
    const lo = w * barsPerWin;
    const slice = rStrat.subarray(lo, lo + barsPerWin);
    const selected = names.filter((_, k) => (k * 7 + w * 3) % 5 < 2).map((x) => x[0]);
    return {
      index: w + 1, train_start_ms: testStart - trainDays * DAY, train_end_ms: testStart - DAY,
      test_start_ms: testStart, test_end_ms: testStart + winDays * DAY, selected,
      oos_return: totalReturn(slice), oos_sharpe: sharpe(slice, bpy),
    };
  });
  const blueprints = names.map(([id, name, source, instruments], k) => {
    const times = windows.filter((w) => w.selected.includes(id)).length;
    return {
      id, name, source, instruments,
      full_sharpe: 2.4 - 0.35 * k + 0.2 * rng.normal(), full_return: 0.31 - 0.05 * k + 0.02 * rng.normal(),
      times_selected: times, oos_return: times === 0 ? null : 0.04 - 0.02 * k + 0.01 * rng.normal(),
      n_trades: 40 + Math.floor(rng.uniform() * 200), cost_digest_status: 'ok',
    };
  });
  const m1 = metrics.total_return;
  return {
    title: 'quantlab strategy report: walk-forward of the surviving blueprints',
    generated: {
      run_id: '20250601T120000Z-fixture', data_source: 'synthetic (seed 7, 8 symbols)', synthetic: true, timeframe: '5m',
      start_ms: start, end_ms: oosStart + n * TF, n_instruments: 8, bars_per_year: bpy,
    },
    plan_hash: 'a3f1c9e07b5d2486f0e1d3c5b7a9e2f4c6d8b0a1e3f5c7d9b2a4c6e8f0d1b3a5',
    cost_digest: '5e0c2f8a1b3d7e9c4a6f8b0d2e4c6a8f1b3d5e7c9a0b2d4f6e8c1a3b5d7f9e0c',
    cost_lines: [
      'binance um perp: taker fee 5.0 bps, maker fee 2.0 bps, slippage 1.0 bps per side',
      'impact: sqrt model, coefficient 0.5 x daily vol x sqrt(Q / V24h), max participation 2% of bar volume',
      'funding: charged at settlements within the hold (longs pay positive rates)',
      'spot borrow: 10.0% per year on shorted notional',
    ],
    funnel: [
      { step: 'hypotheses expanded', count: 9120, note: 'templates x events x instruments x horizons' },
      { step: 'candidates planned', count: 2400, note: 'feasible within budgets' },
      { step: 'pass discovery gates', count: 85, note: 'min_n, min_ess, min_mean_bps, max_q (BH)' },
      { step: 'pass the cost bridge', count: 9, note: 'net of fees, slippage, impact, funding; CI > 0' },
      { step: 'blueprints', count: names.length, note: '5 from the bridge + 4 template variants' },
      { step: 'selected out of sample', count: blueprints.filter((x) => x.times_selected > 0).length },
      { step: 'profitable out of sample', count: blueprints.filter((x) => x.oos_return !== null && x.oos_return > 0).length },
    ],
    gate_failures: [
      { gate: 'min_n', count: 1204 }, { gate: 'min_ess', count: 388 }, { gate: 'min_mean_bps', count: 511 },
      { gate: 'max_q', count: 212 },
    ],
    oos: {
      ts_ms: ts, equity: eq,
      benchmark: { label: 'equal-weight buy and hold', equity: bench, metrics: benchMetrics },
      metrics,
    },
    windows,
    blueprints,
    cost_sensitivity: [
      { label: 'no trading costs', multiplier: 0, total_return: m1 + 0.041, sharpe: metrics.sharpe + 0.9 },
      { label: 'spec/costs.yaml', multiplier: 1, total_return: m1, sharpe: metrics.sharpe },
      { label: '1.5x fees, slippage, impact', multiplier: 1.5, total_return: m1 - 0.021, sharpe: metrics.sharpe - 0.45 },
      { label: '2x fees, slippage, impact', multiplier: 2, total_return: m1 - 0.042, sharpe: metrics.sharpe - 0.9 },
      { label: '3x fees, slippage, impact', multiplier: 3, total_return: m1 - 0.085, sharpe: metrics.sharpe - 1.8 },
    ],
    overfitting: {
      trials, sr0_annual: sr0 * Math.sqrt(bpy), psr, dsr, pbo: 0.31, pbo_splits: 70,
      rank_convention: 'logit of the relative out-of-sample rank of the in-sample best configuration; rank 1 = worst, PBO = share of splits with logit <= 0',
      notes: [
        'trials = 2,400 plan candidates tested by discovery + 12 template variants',
        'variance of the trial Sharpe ratios taken as that of skill-less trials, 1 / (n - 1)',
        'windows: rolling, train 8,640 bars, embargo 288 bars, test 3,456 bars; top 3 by train Sharpe',
      ],
    },
    warnings: ['SYNTHETIC DATA: the seeded synthetic market (with planted edges), not a real exchange'],
    stages: [
      { stage: 'ingest', seconds: 2.31, rows: 207_360 }, { stage: 'clean', seconds: 3.02, rows: 207_360 },
      { stage: 'features', seconds: 4.48, rows: 207_360 }, { stage: 'events', seconds: 0.62, rows: 5_912 },
      { stage: 'templates', seconds: 0.04, rows: 38 }, { stage: 'plan', seconds: 0.41, rows: 2_400 },
      { stage: 'discovery', seconds: 1.87, rows: 2_400 }, { stage: 'bridge', seconds: 0.93, rows: 85 },
      { stage: 'blueprint', seconds: 0.71, rows: 9 }, { stage: 'walkforward', seconds: 6.12, rows: n },
      { stage: 'report', seconds: 0.18 },
    ],
  };
}

/** Everything empty or NaN: the renderers must say "none" / "n/a" and not crash. */
export function emptyFixture(): ReportData {
  return {
    title: 'empty report',
    generated: {
      run_id: 'empty', data_source: 'csv', synthetic: false, timeframe: '1h', start_ms: NaN, end_ms: NaN,
      n_instruments: 0, bars_per_year: NaN,
    },
    plan_hash: '', cost_digest: '', cost_lines: [], funnel: [], gate_failures: [],
    oos: { ts_ms: [], equity: [], metrics: null },
    windows: [], blueprints: [], cost_sensitivity: [],
    overfitting: { trials: NaN, rank_convention: '', notes: [] },
    warnings: [], stages: [],
  };
}
