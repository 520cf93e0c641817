#!/usr/bin/env node
/**
 * node build-engine/bench/engine_bench.js [--symbols N] [--bars M] [--reps K]
 *
 * Figure (never pass/fail): bar-steps per second (bars x symbols / wall time of runEngine, data generation excluded)
 * for two trivial strategies on an in-memory random walk, 5m bars, every symbol a um perp with 8h funding:
 *   idle: never trades (the bare per-bar loop: marks, funding pointers, equity);
 *   hold: buys 1 unit of every symbol at bar 1 and holds (adds MAE/MFE, unrealized, funding payments).
 * Reported apart: setup (new Engine: default trailing 24h volume and daily volatility series, one log per bar)
 * and the simulation loop (Engine.run). Median of --reps runs, JSON on stdout. Target: 30M bar-steps/s per strategy on one core.
 */
import { performance } from 'node:perf_hooks';
import { Engine, runEngine, type EngineInput, type Strategy } from '../lib/engine/index.js';
import { Xoshiro128ss } from '../lib/stats/rng.js';

function arg(name: string, def: number): number {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? Number(process.argv[k + 1]) : def;
}
const m = arg('symbols', 50);
const n = arg('bars', 200_000);
const reps = arg('reps', 5);
const tf = 300_000;
const t0 = Date.UTC(2024, 0, 1);
const rng = Xoshiro128ss.fromSeed(1, 1);
const ts = Float64Array.from({ length: n }, (_, t) => t0 + t * tf);
const bars = [];
const funding = [];
for (let i = 0; i < m; i++) {
  const o = new Float64Array(n), h = new Float64Array(n), l = new Float64Array(n), c = new Float64Array(n);
  const v = new Float64Array(n);
  let p = 100;
  for (let t = 0; t < n; t++) {
    o[t] = p;
    p *= Math.exp(0.004 * (rng.uniform() - 0.5));
    c[t] = p;
    h[t] = Math.max(o[t]!, p) * 1.001;
    l[t] = Math.min(o[t]!, p) * 0.999;
    v[t] = 1000;
  }
  bars.push({ open: o, high: h, low: l, close: c, volume: v });
  const k = Math.floor((n * tf) / (8 * 3_600_000));
  funding.push({ ts_ms: Float64Array.from({ length: k }, (_, j) => t0 + (j + 1) * 8 * 3_600_000), rate: new Float64Array(k).fill(1e-4) });
}
const input: EngineInput = {
  instruments: Array.from({ length: m }, (_, i) => ({ exchange: 'binance', market: 'um' as const, symbol: `S${i}` })),
  ts_ms: ts, tfMs: tf, bars, funding,
  costs: {
    venues: { binance: { um: { maker_fee_bps: 2, taker_fee_bps: 5 } } }, slippage_bps: 1,
    impact: { model: 'sqrt', coefficient: 1, max_participation: 0.1 }, funding: { enabled: true },
    borrow: { spot_short_bps_per_year: 1000 },
  },
  initialCash: 1e9,
};
const strategies: Record<string, Strategy> = {
  idle: () => {},
  hold: (t, _ts, ctx) => { if (t === 1) for (let i = 0; i < m; i++) ctx.submitMarket(i, 1); },
};
const out: Record<string, unknown> = { symbols: m, bars: n, bar_steps: m * n, reps };
for (const [name, s] of Object.entries(strategies)) {
  runEngine(input, s); // warm-up (also builds the default trailing volume/volatility series, timed below too)
  const setup: number[] = [];
  const loop: number[] = [];
  for (let r = 0; r < reps; r++) {
    const a = performance.now();
    const e = new Engine(input);
    const b = performance.now();
    e.run(s);
    loop.push(performance.now() - b);
    setup.push(b - a);
  }
  const med = (x: number[]) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
  const ms = med(loop);
  out[name] = {
    setup_ms: Math.round(med(setup)), loop_ms: Math.round(ms), bar_steps_per_s: Math.round((m * n) / (ms / 1000)),
  };
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
