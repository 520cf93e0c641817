#!/usr/bin/env node
/**
 * node dist/bench/dsl_bench.js [--bars N] [--reps K]
 *
 * Figure (never pass/fail): bar-steps per second of runBlueprint on one core, on an in-memory random walk of 5m
 * bars (default 210,240 = 2 years), um perps with 8 h funding, the default-like cost config (sqrt impact):
 *   rule:  1 symbol; entry on an event (about one every 300 bars) AND a feature condition, horizon exit 12 bars,
 *          stop-loss 150 bps and take-profit 300 bps (engine stop/limit orders while in position);
 *   pairs: 2 symbols (cointegrated), hedge window 2016, z window 288, vol_target sizing.
 * bar_steps = bars x instruments. Reported apart: precompute (compileStrategy: conditions, indicators, sizing
 * inputs), prepare (precompute + the engine's trailing 24h volume and daily volatility series) and the simulation
 * loop (new Engine + run), and the same loop with a strategy that never trades (engine_idle_ms: the engine's own
 * floor on this input). Median of --reps runs after 3 warm-up runs, JSON on stdout. Target: 30M bar-steps/s per
 * blueprint.
 */
import { performance } from 'node:perf_hooks';
import type { CostConfig } from '../lib/costs/schema.js';
import { compileStrategy, prepareRun, withId, type Blueprint, type MarketSlice } from '../lib/dsl/index.js';
import { Engine } from '../lib/engine/index.js';
import { Xoshiro128ss } from '../lib/stats/rng.js';

function arg(name: string, def: number): number {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? Number(process.argv[k + 1]) : def;
}
const n = arg('bars', 210_240);
const reps = arg('reps', 5);
const tf = 300_000;
const t0 = Date.UTC(2024, 0, 1);
const rng = Xoshiro128ss.fromSeed(42, 1);
const ts = Float64Array.from({ length: n }, (_, t) => t0 + t * tf);

function barsFrom(lnClose: Float64Array) {
  const o = new Float64Array(n), h = new Float64Array(n), l = new Float64Array(n), c = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    c[t] = Math.exp(lnClose[t]!);
    o[t] = t === 0 ? c[t]! : c[t - 1]!;
    h[t] = Math.max(o[t]!, c[t]!) * (1 + 0.002 * rng.uniform());
    l[t] = Math.min(o[t]!, c[t]!) * (1 - 0.002 * rng.uniform());
  }
  return { open: o, high: h, low: l, close: c, volume: new Float64Array(n).fill(1000) };
}
const lnB = new Float64Array(n);
const lnA = new Float64Array(n);
let b = Math.log(3000), e = 0;
for (let t = 0; t < n; t++) {
  b += 0.003 * rng.normal();
  e = 0.99 * e + 0.001 * rng.normal();
  lnB[t] = b;
  lnA[t] = Math.log(20) + 1.2 * b + e;
}
const barsA = barsFrom(lnA);
const barsB = barsFrom(lnB);
const evT: number[] = [];
const evD: number[] = [];
for (let t = 0; t < n; t++) if (rng.uniform() < 1 / 300) { evT.push(t); evD.push(rng.uniform() < 0.5 ? 1 : -1); }
const feature = Float64Array.from({ length: n }, () => rng.normal());
const k8 = Math.floor((n * tf) / (8 * 3_600_000));
const funding = { ts_ms: Float64Array.from({ length: k8 }, (_, j) => t0 + (j + 1) * 8 * 3_600_000), rate: new Float64Array(k8).fill(1e-4) };
const A = { exchange: 'binance', market: 'um' as const, symbol: 'AAAUSDT' };
const B = { exchange: 'binance', market: 'um' as const, symbol: 'BBBUSDT' };
const events = () => new Map([['ev', { t: Int32Array.from(evT), direction: Int8Array.from(evD) }]]);
const ruleData: MarketSlice = {
  instruments: [A], ts_ms: ts, tfMs: tf, bars: [barsA], features: [{ f: feature }], events: [events()], funding: [funding],
};
const pairsData: MarketSlice = {
  instruments: [A, B], ts_ms: ts, tfMs: tf, bars: [barsA, barsB], features: [{}, {}], events: [new Map(), new Map()],
  funding: [funding, funding],
};
const costs: CostConfig = {
  venues: { binance: { um: { maker_fee_bps: 2, taker_fee_bps: 5 } } }, slippage_bps: 1,
  impact: { model: 'sqrt', coefficient: 1, max_participation: 0.1 }, funding: { enabled: true },
  borrow: { spot_short_bps_per_year: 1000 },
};
const common = { schema_version: 1 as const, timeframe: '5m' as const, cost_digest: 'a'.repeat(64), provenance: { source: 'template' as const, plan_hash: 'b'.repeat(64) } };
const blueprints: Record<string, { bp: Blueprint; data: MarketSlice }> = {
  rule: {
    data: ruleData,
    bp: withId({
      ...common, name: 'bench rule', instruments: [A],
      strategy: {
        type: 'rule', entries: [{ event: 'ev', when: { feature: 'f', op: '>', value: -1 }, side: 'follow' }],
        exit: { horizon_bars: 12, stop_loss_bps: 150, take_profit_bps: 300 },
      },
      sizing: { method: 'fixed_notional', notional_usd: 10_000 },
    }),
  },
  pairs: {
    data: pairsData,
    bp: withId({
      ...common, name: 'bench pairs', instruments: [A, B],
      strategy: { type: 'pairs', hedge_window_bars: 2016, z_window_bars: 288, entry_z: 2, exit_z: 0.5, max_hold_bars: 576, stop_z: 4 },
      sizing: { method: 'vol_target', annual_vol: 0.2, vol_window_bars: 288, max_leverage: 2 },
    }),
  },
};

const med = (x: number[]): number => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
// --series full: record every per-bar PnL component (the engine's default); equity (default here): equity and gross
// only, what the walk-forward stage asks for.
const SERIES: 'full' | 'equity' = process.argv.includes('--series') && process.argv[process.argv.indexOf('--series') + 1] === 'full' ? 'full' : 'equity';
const out: Record<string, unknown> = { bars: n, reps, series: SERIES };
for (const [name, { bp, data }] of Object.entries(blueprints)) {
  const m = data.instruments.length;
  const opts = { initialCash: 1e6, series: SERIES };
  let res = new Engine(prepareRun(bp, data, costs, opts).input).run(() => {});
  for (let w = 0; w < 3; w++) { // warm-up: let the JIT settle before timing
    const warm = prepareRun(bp, data, costs, opts);
    res = new Engine(warm.input).run(warm.compiled.strategy);
  }
  const pre: number[] = [], prep: number[] = [], loop: number[] = [], idle: number[] = [];
  for (let r = 0; r < reps; r++) {
    let a = performance.now();
    compileStrategy(bp, data);
    pre.push(performance.now() - a);
    a = performance.now();
    const { input, compiled } = prepareRun(bp, data, costs, opts);
    const c = performance.now();
    new Engine(input).run(compiled.strategy);
    loop.push(performance.now() - c);
    prep.push(c - a);
    a = performance.now();
    new Engine(input).run(() => {});
    idle.push(performance.now() - a);
  }
  const steps = n * m;
  const loopMs = med(loop);
  const prepMs = med(prep);
  out[name] = {
    instruments: m,
    bar_steps: steps,
    trades: res.trades.length,
    orders: res.orderLog.length,
    precompute_ms: Math.round(med(pre) * 10) / 10,
    prepare_ms: Math.round(prepMs * 10) / 10,
    loop_ms: Math.round(loopMs * 10) / 10,
    engine_idle_ms: Math.round(med(idle) * 10) / 10,
    bar_steps_per_s_loop: Math.round(steps / (loopMs / 1000)),
    bar_steps_per_s_total: Math.round(steps / ((loopMs + prepMs) / 1000)),
  };
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
