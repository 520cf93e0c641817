/**
 * lib/engine/exposure.ts: every rule of the exposure on hand-made bars, with the decision, the bar and the numbers
 * it records; post-only limits in the engine.
 */
import { describe, expect, test } from '@jest/globals';
import type { CostConfig } from '../../lib/costs/schema.js';
import {
  Engine, guardStrategy, meanTrueRange, runEngine, settleLedger, violationCounts, type EngineContext, type EngineInput, type ExposurePolicy,
  type ExposureRules, type Strategy,
} from '../../lib/engine/index.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

const COSTS: CostConfig = {
  venues: { binance: { um: { maker_fee_bps: 2, taker_fee_bps: 5 } } },
  slippage_bps: 1,
  impact: { model: 'linear', coefficient_bps: 100, max_participation: 1 },
  funding: { enabled: false },
  borrow: { spot_short_bps_per_year: 0 },
} as CostConfig;

interface Bar { o: number; h: number; l: number; c: number }
const flat = (n: number): Bar[] => Array.from({ length: n }, () => ({ o: 100, h: 100.5, l: 99.5, c: 100 }));

function input(bars: Bar[]): EngineInput {
  const n = bars.length;
  const col = (f: keyof Bar) => Float64Array.from(bars, (b) => b[f]);
  return {
    instruments: [{ exchange: 'binance', market: 'um', symbol: 'BTCUSDT' }],
    ts_ms: Float64Array.from({ length: n }, (_, t) => T0 + t * H), tfMs: H,
    bars: [{ open: col('o'), high: col('h'), low: col('l'), close: col('c'), volume: new Float64Array(n).fill(1000) }],
    costs: COSTS, initialCash: 100_000,
    volume24h: [new Float64Array(n).fill(1000)], dailyVolBps: [new Float64Array(n).fill(300)],
  };
}

const RULES: ExposureRules = {
  maxHoldMs: 3 * H, maxTradesPerDay: 2, stopDistancePct: 1, maxNotionalUsd: 1000, maxSlippageBps: 25, allowShort: false, entryStyle: 'taker',
};

function script(actions: Record<number, (ctx: EngineContext) => void>): Strategy {
  return (t, _ts, ctx) => actions[t]?.(ctx);
}

function run(bars: Bar[], actions: Record<number, (ctx: EngineContext) => void>, rules: Partial<ExposureRules> = {}, regime?: ExposurePolicy['regime']) {
  const inp = input(bars);
  const policy: ExposurePolicy = { rules: { ...RULES, ...rules }, ...(regime ? { regime } : {}) };
  const g = guardStrategy(inp, script(actions), policy);
  const result = new Engine(inp).run(g.strategy);
  const ledger = settleLedger(g.ledger, result.orderLog);
  return { result, ledger, counts: violationCounts(ledger), fills: result.orderLog.filter((e) => e.event === 'filled') };
}

describe('max hold', () => {
  test('a position reaching max_hold_minutes is closed at the next open: held exactly 3h, counted once', () => {
    const { ledger, counts, result } = run(flat(8), { 0: (c) => c.submitMarket(0, 1) });
    expect(ledger.blocks).toEqual([
      { bar: 3, ts_ms: T0 + 3 * H, instrument: 0, rule: 'max_hold', action: 'forced_exit', qty: -1, detail: { held_minutes: 180, max_hold_minutes: 180 } },
    ]);
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]!.entryBar).toBe(1);
    expect(result.trades[0]!.exitBar).toBe(4);
    expect(result.trades[0]!.exitTs - result.trades[0]!.entryTs).toBe(3 * H);
    expect(counts.hold_time_exceeded_count).toBe(1);
  });
});

describe('stop required', () => {
  test('every entry gets a bracket stop at the stop distance from the decision price; it fills in the entry bar', () => {
    const bars = flat(6);
    bars[1] = { o: 100, h: 100.2, l: 98.5, c: 99 };
    const { ledger, fills, result } = run(bars, { 0: (c) => c.submitMarket(0, 2) });
    expect(ledger.entries).toHaveLength(1);
    expect(ledger.entries[0]).toMatchObject({ bar: 0, side: 1, qty: 2, kind: 'market', decisionPrice: 100, stopPrice: 99, stopDistance: 1 });
    expect(fills.map((f) => [f.bar, f.kind, f.qty, f.price])).toEqual([[1, 'market', 2, 100], [1, 'stop', -2, 99]]);
    expect(result.positions[0]).toBe(0);
  });

  test('stop_distance_atr: no ATR yet = stop_missing (entry refused); with ATR the stop is that many ATRs away', () => {
    const bars = flat(10);
    const { ledger, counts } = run(bars, { 1: (c) => c.submitMarket(0, 1), 4: (c) => c.submitMarket(0, 1) }, { stopDistancePct: undefined, stopDistanceAtr: 2, atrBars: 3, maxHoldMs: 100 * H });
    expect(ledger.blocks).toEqual([{ bar: 1, ts_ms: T0 + H, instrument: 0, rule: 'stop_missing', action: 'blocked', qty: 1, detail: { stop_distance: null, price: 100 } }]);
    expect(counts.stop_missing_count).toBe(1);
    expect(ledger.entries[0]).toMatchObject({ bar: 4, stopDistance: 2, stopPrice: 98 }); // true range 1 each bar, x 2
  });

  test('meanTrueRange reads the previous close (gaps count)', () => {
    const atr = meanTrueRange(Float64Array.of(10, 11, 13), Float64Array.of(9, 10, 12), Float64Array.of(10, 10.5, 12.5), 2);
    expect(Array.from(atr)).toEqual([NaN, NaN, (1 + 2.5) / 2]);
  });
});

describe('trades per day, notional cap, shorts, slippage', () => {
  test('max_trades_per_day refuses the third entry of a UTC day, and the count starts again the next day', () => {
    const { ledger, counts } = run(flat(30), {
      0: (c) => c.submitMarket(0, 1), 1: (c) => c.submitMarket(0, 1), 2: (c) => c.submitMarket(0, 1), 23: (c) => c.submitMarket(0, 1),
    }, { maxHoldMs: 100 * H });
    expect(ledger.blocks.map((b) => [b.bar, b.rule, b.detail])).toEqual([[2, 'max_trades_per_day', { trades_today: 2, max_trades_per_day: 2, utc_day: '2024-01-01' }]]);
    expect(ledger.entries.map((e) => e.bar)).toEqual([0, 1, 23]);
    expect(counts.trades_per_day_block_count).toBe(1);
  });

  test('max_notional_usd: an entry too large is resized to the room left; none left = blocked', () => {
    const { ledger, fills } = run(flat(6), { 0: (c) => c.submitMarket(0, 15), 2: (c) => c.submitMarket(0, 1) }, { maxHoldMs: 100 * H });
    expect(ledger.blocks.map((b) => [b.bar, b.rule, b.action, b.detail])).toEqual([
      [0, 'notional_cap', 'resized', { notional_usd: 1500, max_notional_usd: 1000, qty_after: 10 }],
      [2, 'notional_cap', 'blocked', { notional_usd: 1100, max_notional_usd: 1000 }],
    ]);
    expect(fills.map((f) => f.qty)).toEqual([10]);
  });

  test('allow_short false: a short entry is refused, a sell that reduces a long passes', () => {
    const { ledger, fills } = run(flat(6), { 0: (c) => c.submitMarket(0, 2), 1: (c) => c.submitMarket(0, -1), 3: (c) => c.submitMarket(0, -3) }, { maxHoldMs: 100 * H });
    // bar 3: position 1, sell 3 = close 1 (passes, reduce-only) + open short 2 (refused)
    expect(ledger.blocks.map((b) => [b.bar, b.rule, b.qty])).toEqual([[3, 'allow_short', -2]]);
    expect(fills.filter((f) => f.kind === 'market').map((f) => [f.bar, f.qty])).toEqual([[1, 2], [2, -1], [4, -1]]);
  });

  test('max_slippage_bps: expected slippage 1 bps + linear impact 100 x 1/1000 = 1.1 bps > 1 is blocked', () => {
    const { ledger, counts } = run(flat(4), { 0: (c) => c.submitMarket(0, 1) }, { maxSlippageBps: 1 });
    expect(ledger.blocks).toHaveLength(1);
    expect(ledger.blocks[0]!.rule).toBe('max_slippage');
    expect(ledger.blocks[0]!.detail.expected_slippage_bps).toBeCloseTo(1.1, 12);
    expect(counts.slippage_block_count).toBe(1);
    expect(run(flat(4), { 0: (c) => c.submitMarket(0, 1) }, { maxSlippageBps: 1.2, maxHoldMs: 100 * H }).ledger.blocks).toEqual([]);
  });
});

describe('entry style', () => {
  test('maker: a market entry becomes a limit at the last close, filled as maker when traded through', () => {
    const { fills, ledger } = run(flat(4), { 0: (c) => c.submitMarket(0, 1) }, { entryStyle: 'maker' });
    expect(ledger.entries[0]).toMatchObject({ kind: 'limit', postOnly: false, limitPrice: 100 });
    expect(fills[0]).toMatchObject({ bar: 1, kind: 'limit', price: 100, liquidity: 'maker' });
  });

  test('post_only: a limit that would cross at the open is rejected by the engine and counted', () => {
    const bars = flat(4);
    bars[1] = { o: 99.8, h: 100, l: 99.5, c: 99.9 }; // opens under the buy limit at 100: a taker fill, so rejected
    const { fills, ledger, counts } = run(bars, { 0: (c) => c.submitMarket(0, 1) }, { entryStyle: 'post_only' });
    expect(fills.filter((f) => f.kind === 'limit')).toEqual([]);
    expect(ledger.blocks).toEqual([{
      bar: 1, ts_ms: T0 + H, instrument: 0, rule: 'post_only_cross', action: 'rejected', qty: 1,
      detail: { order_id: 0, reason: 'post_only: would cross (open 99.8 through limit 100)' },
    }]);
    expect(counts.post_only_cross_reject_count).toBe(1);
  });

  test('engine: a post-only limit that rests fills as maker; without the flag a crossing limit fills as taker', () => {
    const bars = flat(3);
    bars[1] = { o: 99.8, h: 100, l: 99.5, c: 99.9 };
    const inp = input(bars);
    const plain = runEngine(inp, script({ 0: (c) => c.submitLimit(0, 1, 100) }));
    expect(plain.orderLog.find((e) => e.event === 'filled')).toMatchObject({ liquidity: 'taker', price: 99.8 });
    const rest = runEngine(input(flat(3)), script({ 0: (c) => c.submitLimit(0, 1, 100, Infinity, false, true) }));
    expect(rest.orderLog.find((e) => e.event === 'filled')).toMatchObject({ liquidity: 'maker', price: 100 });
  });
});

describe('regime filter', () => {
  test('entries outside the allowed regimes are blocked with the label; exits always pass', () => {
    const regime = (_i: number, bar: number) => (bar < 3 ? { label: 'bear', allowed: false } : { label: 'range', allowed: true });
    const { ledger, counts, fills } = run(flat(8), {
      1: (c) => c.submitMarket(0, 1), 3: (c) => c.submitMarket(0, 1), 5: (c) => c.submitMarket(0, -1, 1, true),
    }, { maxHoldMs: 100 * H }, regime);
    expect(ledger.blocks.map((b) => [b.bar, b.rule, b.detail])).toEqual([[1, 'regime_filter', { regime: 'bear' }]]);
    expect(ledger.entries.map((e) => [e.bar, e.regime])).toEqual([[3, 'range']]);
    expect(counts.no_learn_zone_block_count).toBe(1);
    expect(fills.filter((f) => f.kind === 'market').map((f) => [f.bar, f.qty])).toEqual([[4, 1], [6, -1]]);
  });
});
