/**
 * lib/experiments/outcome.ts and rows.ts on hand-made bars: every sample of a run computed by hand (fees, slippage,
 * R multiple, time to fill, fill and post-only reject rates, counters), and the rows a run writes.
 */
import { describe, expect, test } from '@jest/globals';
import type { CostConfig } from '../../lib/costs/schema.js';
import { Engine, guardStrategy, settleLedger, type EngineContext, type EngineInput, type ExposureRules, type Strategy } from '../../lib/engine/index.js';
import { evaluateRun, runSamples } from '../../lib/experiments/outcome.js';
import { runRows } from '../../lib/experiments/rows.js';
import type { ExperimentSpec } from '../../lib/experiments/schema.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const COSTS = {
  venues: { binance: { um: { maker_fee_bps: 2, taker_fee_bps: 5 } } },
  slippage_bps: 1, impact: { model: 'linear', coefficient_bps: 100, max_participation: 1 }, funding: { enabled: false }, borrow: { spot_short_bps_per_year: 0 },
} as CostConfig;

function input(n: number, edit: (t: number) => { o: number; h: number; l: number; c: number } = () => ({ o: 100, h: 100.5, l: 99.5, c: 100 })): EngineInput {
  const b = Array.from({ length: n }, (_, t) => edit(t));
  return {
    instruments: [{ exchange: 'binance', market: 'um', symbol: 'BTCUSDT' }],
    ts_ms: Float64Array.from({ length: n }, (_, t) => T0 + t * H), tfMs: H,
    bars: [{ open: Float64Array.from(b, (x) => x.o), high: Float64Array.from(b, (x) => x.h), low: Float64Array.from(b, (x) => x.l), close: Float64Array.from(b, (x) => x.c), volume: new Float64Array(n).fill(1000) }],
    costs: COSTS, initialCash: 100_000, volume24h: [new Float64Array(n).fill(1000)], dailyVolBps: [new Float64Array(n).fill(300)],
  };
}

const RULES: ExposureRules = { maxHoldMs: 3 * H, maxTradesPerDay: 5, stopDistancePct: 2, maxNotionalUsd: 1000, maxSlippageBps: 25, allowShort: true, entryStyle: 'taker' };
const SPEC = {
  id: 'x', metrics: [
    { name: 'r_multiple', unit: 'ratio', aggregation: 'mean', min_samples: 1, pass_threshold: 0, direction: 'higher_better' },
    { name: 'slippage_bps', unit: 'bps', aggregation: 'mean', min_samples: 3, pass_threshold: 2, direction: 'lower_better' },
  ],
} as unknown as ExperimentSpec;

function run(inp: EngineInput, actions: Record<number, (c: EngineContext) => void>, rules: Partial<ExposureRules> = {}) {
  const strat: Strategy = (t, _ts, c) => actions[t]?.(c);
  const g = guardStrategy(inp, strat, { rules: { ...RULES, ...rules } });
  const result = new Engine(inp).run(g.strategy);
  const ledger = settleLedger(g.ledger, result.orderLog);
  const labels = [Array.from({ length: inp.ts_ms.length }, () => 'range' as const)];
  return { result, ledger, s: runSamples({ bars: inp.bars, tfMs: H, from: 0, to: inp.ts_ms.length, labels, result, ledger }) };
}

describe('samples', () => {
  test('taker round trip closed at max hold: slippage per fill, R multiple net of costs, counters', () => {
    const { s, result } = run(input(8), { 0: (c) => c.submitMarket(0, 5) });
    const costBps = 1 + 100 * (5 / 1000); // slippage + linear impact at participation 5/1000
    // two fills (entry at bar 1, forced exit at bar 4), both at 100 with the decision close 100
    expect(s.values.slippage_bps!.map((x) => +x.toFixed(9))).toEqual([costBps, costBps]);
    const exec = (side: number) => 100 * (1 + (side * costBps) / 1e4);
    const fees = (5 * exec(1) * 5) / 1e4 + (5 * exec(-1) * 5) / 1e4;
    const slip = 2 * (5 * 100 * costBps) / 1e4;
    expect(result.trades[0]!.netPnl).toBeCloseTo(-(fees + slip), 10);
    expect(s.values.r_multiple![0]).toBeCloseTo(-(fees + slip) / (5 * 2), 12); // stop distance 2 % of 100 = 2
    expect(s.values.fill_rate).toEqual([1]);
    expect(s.values.time_to_fill_seconds).toEqual([0]);
    expect(s.values.hold_time_exceeded_count).toEqual([1]);
    expect(s.values.post_only_reject_rate).toEqual([]);
    expect(s.regimes.r_multiple).toEqual(['range']);
    const ev = evaluateRun(SPEC, s);
    expect(ev.deciding.map((m) => [m.name, m.n, m.status])).toEqual([['r_multiple', 1, 'fail'], ['slippage_bps', 2, 'insufficient']]);
    expect(ev.byRegime.map((m) => [m.name, m.regime, m.n])).toEqual([['r_multiple', 'range', 1], ['slippage_bps', 'range', 2]]);
  });

  test('post_only: a resting fill takes half a bar; a crossing one is a reject; unfilled entries lower the fill rate', () => {
    const inp = input(10, (t) => (t === 4 ? { o: 99.8, h: 100, l: 99.5, c: 100 } : t === 7 ? { o: 100, h: 100.5, l: 100.2, c: 100.3 } : { o: 100, h: 100.5, l: 99.5, c: 100 }));
    const { s, ledger } = run(inp, { 0: (c) => c.submitMarket(0, 1), 3: (c) => c.submitMarket(0, 1), 6: (c) => c.submitMarket(0, 1) }, { entryStyle: 'post_only', maxHoldMs: 100 * H });
    // bar 1: rests and fills (maker); bar 4: opens under the limit, rejected; bar 7: low above the limit, expires unfilled
    expect(ledger.entries.map((e) => e.bar)).toEqual([0, 3, 6]);
    expect(s.values.fill_rate).toEqual([1, 0, 0]);
    expect(s.values.post_only_reject_rate).toEqual([0, 1, 0]);
    expect(s.values.time_to_fill_seconds).toEqual([1800]);
    expect(s.values.post_only_cross_reject_count).toEqual([1]);
  });
});

describe('rows', () => {
  test('orders (with the bracket stop), fills at the execution price, snapshots, allocations, block keys', () => {
    const inp = input(8);
    const { result, ledger } = run(inp, { 0: (c) => c.submitMarket(0, 5), 1: (c) => c.submitMarket(0, 50) });
    const r = runRows({ experiment_id: 'x', run_id: 'r', symbols: ['BTCUSDT'], ts_ms: inp.ts_ms, tfMs: H, bars: inp.bars, result, ledger });
    expect(r.orders.map((o) => [o.order_id, o.order_type, o.side, o.qty, o.status])).toEqual([
      ['o0', 'market', 'buy', 5, 'filled'], ['o1', 'stop', 'sell', 5, 'cancelled'], ['o2', 'market', 'buy', 5, 'filled'],
      ['o3', 'stop', 'sell', 10, 'cancelled'], ['o4', 'market', 'sell', 10, 'filled'],
    ]);
    const costBps = 1 + 100 * (5 / 1000);
    expect(r.fills[0]).toMatchObject({ fill_id: 'f0', ts_ms: T0 + H, side: 'buy', qty: 5 });
    expect(r.fills[0]!.price).toBeCloseTo(100 * (1 + costBps / 1e4), 12);
    expect(r.snapshots.map((x) => [x.ts_ms, x.qty, x.avg_price])).toEqual([[T0 + 2 * H, 5, 100], [T0 + 3 * H, 10, 100], [T0 + 5 * H, 0, 0]]);
    expect(r.allocations.map((a) => [a.notional_usd, a.risk_usd])).toEqual([[500, 10], [500, 10]]);
    // bar 1 asked 50 with 5 held: resized to the 5 left under the 1000 USD cap
    expect(r.blocks.map((b) => [b.key, b.rule, b.detail.action])).toEqual([['1:BTCUSDT:notional_cap:0', 'notional_cap', 'resized'], ['3:BTCUSDT:max_hold:0', 'max_hold', 'forced_exit']]);
  });
});
