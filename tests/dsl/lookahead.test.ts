/**
 * No look-ahead: a run on the data truncated after bar k must submit, fill, cancel and record exactly what the run
 * on the full data did up to bar k. Anything the interpreter read after the close of k (an indicator, a condition,
 * a sizing input, the engine's trailing series) would make the two differ.
 */
import { describe, expect, test } from '@jest/globals';
import { runBlueprint, withId, type Blueprint, type MarketSlice } from '../../lib/dsl/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { BTC, DIGEST, ETH, PLAN, costs, randomBars, ruleBp, sliceN } from './helpers.js';

function truncate(d: MarketSlice, k: number): MarketSlice {
  const cut = (a: Float64Array): Float64Array => a.slice(0, k + 1);
  return {
    instruments: d.instruments,
    ts_ms: cut(d.ts_ms),
    tfMs: d.tfMs,
    bars: d.bars.map((b) => ({ open: cut(b.open), high: cut(b.high), low: cut(b.low), close: cut(b.close), volume: cut(b.volume) })),
    features: d.features.map((f) => Object.fromEntries(Object.entries(f).map(([n, v]) => [n, cut(v)]))),
    events: d.events.map((m) => new Map([...m].map(([n, s]) => {
      const keep = Array.from(s.t, (t, j) => [t, j] as const).filter(([t]) => t <= k).map(([, j]) => j);
      return [n, { t: Int32Array.from(keep, (j) => s.t[j]!), direction: Int8Array.from(keep, (j) => s.direction[j]!) }];
    }))),
  };
}

function market(n: number, seed: number, m = 1): MarketSlice {
  const rng = Xoshiro128ss.fromSeed(seed, 3);
  const bars = Array.from({ length: m }, (_, i) => randomBars(n, seed * 10 + i));
  const features = bars.map(() => ({
    f1: Array.from({ length: n }, () => rng.normal()),
    f2: Array.from({ length: n }, () => (rng.uniform() < 0.05 ? NaN : rng.normal())),
  }));
  const events = bars.map(() => {
    const occ: [number, number][] = [];
    for (let t = 0; t < n; t++) if (rng.uniform() < 0.04) occ.push([t, rng.uniform() < 0.5 ? 1 : -1]);
    return { ev: occ };
  });
  return sliceN(bars, { features, events, keys: [BTC, ETH].slice(0, m) });
}

/** Runs on the data cut after every bar k of `ks` and lists the cuts whose run differs from the full run up to k. */
function expectSamePrefix(bp: Blueprint, data: MarketSlice, ks: Iterable<number>): void {
  const full = runBlueprint(bp, data, costs(), { initialCash: 1e6 });
  expect(full.result.trades.length).toBeGreaterThan(5); // the strategy does trade
  const differs: number[] = [];
  for (const k of ks) {
    const part = runBlueprint(bp, truncate(data, k), costs(), { initialCash: 1e6 });
    const same = JSON.stringify(part.result.orderLog) === JSON.stringify(full.result.orderLog.filter((e) => e.bar <= k)) &&
      JSON.stringify(part.decisions) === JSON.stringify(full.decisions.filter((d) => d.bar <= k)) &&
      part.result.equity.every((v, t) => Object.is(v, full.result.equity[t]));
    if (!same) differs.push(k);
  }
  expect(differs).toEqual([]);
}

/** Every cut from `from` to the last bar: a decision at bar k that read bar k+1 shows up at cut k. */
const cuts = (from: number, n: number): number[] => Array.from({ length: n - from }, (_, j) => from + j);

describe('no look-ahead (truncation)', () => {
  test('rule blueprint: indicators, event + condition entries, stops, trailing, exit condition, vol_target', () => {
    const bp = ruleBp({
      indicators: [
        { name: 'lc', kind: 'log_price', input: 'close' },
        { name: 'z_lc', kind: 'zscore', input: 'lc', window: 24 },
        { name: 'f1_ema', kind: 'ema', input: 'f1', window: 10 },
        { name: 'sd_f2', kind: 'rolling_std', input: 'f2', window: 5 },
      ],
      entries: [
        { event: 'ev', when: { any: [{ feature: 'f1_ema', op: '>', value: -0.2 }, { feature: 'sd_f2', op: '<', value: 1 }] }, side: 'fade' },
        { when: { cross_below: { feature: 'z_lc', value: -2 } }, side: 'long' },
      ],
      exit: {
        horizon_bars: 24, stop_loss_bps: 60, take_profit_bps: 90, trailing_stop_bps: 50,
        when: { abs_gt: { feature: 'f2', value: 2.5 } },
      },
    }, { sizing: { method: 'vol_target', annual_vol: 0.3, vol_window_bars: 48, max_leverage: 3 } });
    expectSamePrefix(bp, market(700, 1), cuts(60, 700));
  });

  test('pairs blueprint', () => {
    const bp = withId({
      schema_version: 1, name: 'p', timeframe: '5m', instruments: [BTC, ETH],
      strategy: { type: 'pairs', hedge_window_bars: 60, z_window_bars: 40, entry_z: 1.5, exit_z: 0.3, max_hold_bars: 40, stop_z: 3.5 },
      sizing: { method: 'vol_target', annual_vol: 0.2, vol_window_bars: 30, max_leverage: 2 },
      cost_digest: DIGEST, provenance: { source: 'template', plan_hash: PLAN },
    });
    expectSamePrefix(bp, market(700, 2, 2), cuts(140, 700));
  });
});
