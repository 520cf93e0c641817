/**
 * Issue 10.2: a perpetual is traded only inside the span its funding covers (lib/costs/funding_span.ts). The span's
 * arithmetic, the engine's enforcement (no entry outside, an open position closed at the last covered bar) and the
 * DSL's (entries refused and recorded, the exit sent at the close of the last covered bar).
 */
import { describe, expect, test } from '@jest/globals';
import type { CostConfig } from '../../lib/costs/schema.js';
import { fundingSpan, holdCovered, holdableRange, spanCut } from '../../lib/costs/funding_span.js';
import { runEngine, type EngineContext, type EngineInput, type Strategy } from '../../lib/engine/index.js';
import { runBlueprint, type MarketSlice } from '../../lib/dsl/index.js';
import { eventMap, ruleBp } from '../dsl/helpers.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 1, 19); // 2026-02-19 00:00

function costs(): CostConfig {
  return {
    venues: { binance: { spot: { maker_fee_bps: 10, taker_fee_bps: 10 }, um: { maker_fee_bps: 2, taker_fee_bps: 5 } } },
    slippage_bps: 1,
    impact: { model: 'linear', coefficient_bps: 100, max_participation: 1 },
    funding: { enabled: true },
    borrow: { spot_short_bps_per_year: 1000 },
  };
}

/** Settlements every 8 h at 00:00 and 08:00 (the 16:00 one missing: the download ended), 1% each. */
const FUND = { ts_ms: Float64Array.of(T0, T0 + 8 * H), funding_rate: Float64Array.of(0.01, 0.01), interval_hours: Float64Array.of(8, 8) };

describe('the tradable span of a funding series', () => {
  test('from the first settlement minus its interval to the last plus its interval; bars held inside it are holdable', () => {
    const span = fundingSpan(FUND)!;
    expect(span).toEqual({ start_ms: T0 - 8 * H, end_ms: T0 + 16 * H });
    // a hold (a, b] is covered iff start <= a and b < end (the settlement due at end is not in the data)
    expect(holdCovered(span, T0 - 8 * H, T0 + 15 * H)).toBe(true);
    expect(holdCovered(span, T0 + 15 * H, T0 + 16 * H)).toBe(false);
    expect(holdCovered(span, T0 - 9 * H, T0)).toBe(false);
    // 1h bars 00:00 .. 16:00 (close 17:00): bars 0..14 are holdable (bar 15 closes at 16:00, the unknown settlement)
    const ts = Float64Array.from({ length: 17 }, (_, t) => T0 + t * H);
    expect(holdableRange(span, ts, H)).toEqual({ first: 0, last: 14 });
    expect(fundingSpan({ ts_ms: new Float64Array(0), interval_hours: new Float64Array(0) })).toBeUndefined();
    // no known interval: only the settlements themselves are known
    expect(fundingSpan({ ts_ms: Float64Array.of(T0), interval_hours: Float64Array.of(NaN) })).toEqual({ start_ms: T0, end_ms: T0 });
  });

  test('the cut: funding ending at 08:00 with bars until 17:00 cuts the bars after 16:00 (the final bar is never held)', () => {
    const span = fundingSpan(FUND)!;
    const cut = spanCut('binance/um/XUSDT/1h', span, T0, T0 + 17 * H, H)!;
    expect(cut).toMatchObject({ instrument: 'binance/um/XUSDT/1h', tradable_start_ms: T0 - 8 * H, tradable_end_ms: T0 + 16 * H, bars_start_ms: T0, bars_end_ms: T0 + 17 * H, cut_bars: 1 });
    expect(cut.reason).toBe('funding ends before the bars (covered until 2026-02-19T16:00:00.000Z, bars until 2026-02-19T17:00:00.000Z): 1 bars after it not traded, positions closed at 2026-02-19T15:00:00.000Z');
    // a span ending at the final bar's close (the usual: the next settlement is due then) cuts nothing
    expect(spanCut('x', span, T0, T0 + 16 * H, H)).toBeUndefined();
    expect(spanCut('x', span, T0 + 20 * H, T0 + 30 * H, H)!.reason).toMatch(/^its funding covers .* no bar of /);
  });
});

/** 1h bars at open = close = 100 (+ t / 100), volume 1000, on T0 + t h. */
function input(n: number, over: Partial<EngineInput> = {}): EngineInput {
  const px = Float64Array.from({ length: n }, (_, t) => 100 + t / 100);
  return {
    instruments: [{ exchange: 'binance', market: 'um', symbol: 'XUSDT' }],
    ts_ms: Float64Array.from({ length: n }, (_, t) => T0 + t * H), tfMs: H,
    bars: [{ open: px, high: px.map((x) => x + 0.5), low: px.map((x) => x - 0.5), close: px, volume: new Float64Array(n).fill(1000) }],
    funding: [{ ts_ms: FUND.ts_ms, rate: FUND.funding_rate }],
    tradable: [fundingSpan(FUND)],
    costs: costs(), initialCash: 10_000,
    volume24h: [new Float64Array(n).fill(1000)], dailyVolBps: [new Float64Array(n).fill(300)],
    ...over,
  };
}

const script = (actions: Record<number, (ctx: EngineContext) => void>): Strategy => (t, _ts, ctx) => actions[t]?.(ctx);

describe('the engine keeps a perpetual inside its tradable span', () => {
  test('a position still open after the last covered bar is closed by the engine at the next open (taker, hand computed)', () => {
    // buy 2 at the close of bar 0 (fills at bar 1's open), never sells: the span's last holdable bar is 14
    const r = runEngine(input(20), script({ 0: (c) => c.submitMarket(0, 2) }));
    const forced = r.orderLog.filter((e) => e.reason?.startsWith('funding span ended'));
    expect(forced.map((e) => [e.event, e.bar, e.qty, e.price, e.liquidity])).toEqual([['filled', 15, -2, 100.15, 'taker']]);
    // 1 bp slippage + linear impact 100 bps x 2/1000 = 1.2 bps; fee 5 bps of the execution price
    expect(forced[0]!.costBps).toBeCloseTo(1.2, 12);
    expect(forced[0]!.fee).toBeCloseTo(2 * 100.15 * (1 - 1.2e-4) * 5e-4, 12);
    expect(r.positions[0]).toBe(0);
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ entryBar: 1, exitBar: 15, exitPrice: 100.15 });
    // funding: the 08:00 settlement only (held at bar 7's close), 2 x close(7) x 1%
    expect(r.trades[0]!.funding).toBeCloseTo(2 * 100.07 * 0.01, 12);
    // nothing is held after the span: gross exposure is 0 from bar 15 on
    expect(Array.from(r.gross.subarray(15))).toEqual([0, 0, 0, 0, 0]);
    // the accounting identity still holds at the end
    const fees = r.fees[19]!, cost = r.slippageImpact[19]!, fund = r.funding[19]!;
    expect(r.equity[19]).toBeCloseTo(10_000 + r.realized[19]! - fees - cost - fund, 9);
  });

  test('an entry that would fill outside the span is rejected; one at the last covered bar is allowed; a flip is clipped to the close', () => {
    const r = runEngine(input(20), script({
      13: (c) => c.submitMarket(0, 1), // fills at bar 14 (covered)
      14: (c) => c.submitMarket(0, -3), // would fill at bar 15 (outside): the flip is clipped to the close of 1
      16: (c) => c.submitMarket(0, 1), // outside: rejected
    }));
    const ev = r.orderLog.filter((e) => e.event !== 'submitted').map((e) => [e.bar, e.event, e.qty]);
    expect(ev).toEqual([[14, 'filled', 1], [15, 'resized', -2], [15, 'filled', -1], [17, 'rejected', 1]]);
    expect(r.orderLog.find((e) => e.event === 'rejected')!.reason).toBe('outside the tradable span (funding covers 2026-02-18T16:00:00.000Z to 2026-02-19T16:00:00.000Z; bar 17 not covered)');
    expect(r.positions[0]).toBe(0);
  });

  test('without a span (spot, or no limit) nothing changes: the same orders fill', () => {
    const r = runEngine(input(20, { tradable: [undefined] }), script({ 0: (c) => c.submitMarket(0, 2), 16: (c) => c.submitMarket(0, 1) }));
    expect(r.orderLog.filter((e) => e.event === 'filled').map((e) => e.bar)).toEqual([1, 17]);
    expect(r.positions[0]).toBe(3);
  });
});

describe('the DSL interpreter', () => {
  test('enters only while the hold is covered, exits at the close of the last covered bar, records the refused entry', () => {
    const n = 24;
    const e = input(n);
    const bp = ruleBp({ entries: [{ event: 'ev', side: 'follow' }], exit: { horizon_bars: 100 } }, { timeframe: '1h', instruments: e.instruments });
    const slice: MarketSlice = {
      instruments: e.instruments, ts_ms: e.ts_ms, tfMs: H, bars: e.bars, funding: e.funding!, tradable: e.tradable!,
      features: [{}], events: [eventMap({ ev: [[2, 1], [17, 1]] })],
    };
    const run = runBlueprint(bp, slice, costs(), { initialCash: 10_000 });
    // the entry at bar 2's close fills at bar 3; the exit is sent at the close of bar 14 (the last covered) and fills at 15
    expect(run.result.trades.map((t) => [t.entryBar, t.exitBar])).toEqual([[3, 15]]);
    expect(run.result.orderLog.some((x) => x.reason?.startsWith('funding span ended'))).toBe(false); // the DSL closed it itself
    // the signal at bar 17 is outside the span: no order, a recorded decision
    expect(run.result.orderLog.filter((x) => x.event === 'submitted' && x.bar > 14)).toEqual([]);
    expect(run.decisions.map((d) => [d.bar, d.code])).toEqual([[17, 'outside_tradable_span']]);
    // the same run without the span holds the position to the end (horizon 100) and takes nothing at bar 17 (in position)
    const free = runBlueprint(bp, { ...slice, tradable: [undefined] }, costs(), { initialCash: 10_000 });
    expect(free.result.trades.map((t) => [t.entryBar, t.exitBar])).toEqual([[3, -1]]);
  });
});
