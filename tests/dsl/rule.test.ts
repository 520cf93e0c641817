/**
 * The rule interpreter on tiny hand-made markets (5m bars, fees taker 5 bps / maker 2 bps, no slippage or impact):
 * every fill, exit and PnL below is computed by hand from the engine's conventions (lib/engine/engine.ts header):
 * a market order submitted at the close of t fills at the open of t+1; a sell stop at S triggers when low <= S and
 * fills at min(open, S); a sell limit at L fills when high > L at max(open, L), maker unless the open crossed.
 */
import { describe, expect, test } from '@jest/globals';
import { runBlueprint, type Blueprint } from '../../lib/dsl/index.js';
import { bar, costs, fills, flat, MISSING, ruleBp, slice1, type Bar } from './helpers.js';

const CASH = 100_000;
const run = (bp: Blueprint, bars: Bar[], o: Parameters<typeof slice1>[1] = {}, extra: { entryUntil?: number } = {}) =>
  runBlueprint(bp, slice1(bars, o), costs(), { initialCash: CASH, ...extra });

/** Bars 0..n-1 flat at 100 except the overrides. */
function market(n: number, over: Record<number, Bar>): Bar[] {
  return Array.from({ length: n }, (_, t) => over[t] ?? flat(100));
}

describe('entries and horizon exits', () => {
  test('event at t: market entry at the open of t+1, horizon exit after horizon_bars bars (PnL by hand)', () => {
    // o_t = 100 + t, c_t = 101 + t
    const bars = Array.from({ length: 20 }, (_, t) => bar(100 + t, 100.5 + t, 99.5 + t, 101 + t));
    const bp = ruleBp({ entries: [{ event: 'ev', side: 'follow' }], exit: { horizon_bars: 3 } });
    const { result: r, decisions } = run(bp, bars, { events: { ev: [[2, 1]] } });
    const f = fills(r);
    const q = 10_000 / 103; // fixed notional / close of the signal bar
    expect(f.map((x) => [x.bar, x.price, x.qty])).toEqual([[3, 103, q], [6, 106, -q]]);
    // held bars 3, 4, 5 (3 bars): exit submitted at the close of 5, filled at the open of 6
    const t = r.trades[0]!;
    expect([t.entryBar, t.exitBar, t.side]).toEqual([3, 6, 1]);
    const fees = q * 103 * 5e-4 + q * 106 * 5e-4;
    expect(t.grossPnl).toBeCloseTo(q * 3, 9);
    expect(t.fees).toBeCloseTo(fees, 9);
    expect(r.equity[19]).toBeCloseTo(CASH + q * 3 - fees, 9);
    expect(decisions).toEqual([]);
  });

  test('fade takes the opposite side of the event direction; long/short ignore it', () => {
    const bars = market(12, {});
    const fade = run(ruleBp({ entries: [{ event: 'ev', side: 'fade' }], exit: { horizon_bars: 2 } }), bars, { events: { ev: [[2, 1], [6, -1]] } });
    expect(fills(fade.result).map((x) => [x.bar, Math.sign(x.qty)])).toEqual([[3, -1], [5, 1], [7, 1], [9, -1]]);
    const short = run(ruleBp({ entries: [{ event: 'ev', side: 'short' }], exit: { horizon_bars: 2 } }), bars, { events: { ev: [[2, 1], [6, -1]] } });
    expect(fills(short.result).map((x) => Math.sign(x.qty))).toEqual([-1, 1, -1, 1]);
  });

  test('an event while in position is skipped and recorded; horizon_bars 1 exits at the next open', () => {
    const bars = market(12, {});
    const { result: r, decisions } = run(ruleBp({ entries: [{ event: 'ev', side: 'follow' }], exit: { horizon_bars: 1 } }), bars, {
      events: { ev: [[2, 1], [3, 1], [4, 1]] },
    });
    // entry 3, exit submitted at the close of 3 (1 bar held) fills at 4; the event at 3 is skipped; at the close of
    // 4 the book is flat again, so the event at 4 enters (fill 5) and exits at 6
    expect(fills(r).map((x) => [x.bar, Math.sign(x.qty)])).toEqual([[3, 1], [4, -1], [5, 1], [6, -1]]);
    expect(decisions.map((d) => [d.bar, d.code, d.reason])).toEqual([[3, 'already_in_position', 'already in position']]);
  });

  test('a level condition skipped while in position is recorded once per onset, not per bar', () => {
    const x = [0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0];
    const bp = ruleBp({ entries: [{ when: { feature: 'x', op: '>', value: 0 }, side: 'long' }], exit: { horizon_bars: 10 } });
    const { result, decisions } = run(bp, market(14, {}), { features: { x } });
    // TRUE from 2: entry (fill 3); still TRUE 3..6 (same signal); TRUE again from 8: one record
    expect(fills(result).map((f) => f.bar)).toEqual([3, 13]);
    expect(decisions.map((d) => [d.bar, d.code])).toEqual([[8, 'already_in_position']]);
  });

  test('event AND condition: entry only where both hold; conditions read features, bar columns and indicators', () => {
    const bars = market(12, {});
    const bp = ruleBp({
      indicators: [{ name: 'x_sma2', kind: 'sma', input: 'x', window: 2 }],
      entries: [{ event: 'ev', when: { all: [{ feature: 'x_sma2', op: '>', value: 0 }, { feature: 'close', op: '>=', value: 100 }] }, side: 'long' }],
      exit: { horizon_bars: 1 },
    });
    // x_sma2 at 2 = (x1 + x2) / 2 = -0.5 (no entry); at 6 = 1.5 (entry); at 8: x missing -> UNKNOWN (no entry)
    const x = [0, 0, -1, 0, 0, 1, 2, 0, NaN, 0, 0, 0];
    const { result } = run(bp, bars, { features: { x }, events: { ev: [[2, 1], [6, 1], [8, 1]] } });
    expect(fills(result).map((f) => f.bar)).toEqual([7, 8]);
  });

  test('an entry whose next bar is missing is not filled, and is recorded', () => {
    const bars = market(10, { 3: MISSING });
    const { result, decisions } = run(ruleBp({ entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 2 } }), bars, { events: { ev: [[2, 1]] } });
    expect(fills(result)).toEqual([]);
    expect(result.orderLog.filter((e) => e.event === 'expired').map((e) => e.bar)).toEqual([3]);
    expect(decisions.map((d) => [d.bar, d.code])).toEqual([[3, 'entry_not_filled']]);
  });
});

describe('stops, take-profit and trailing stop', () => {
  const entry = ruleBp({ entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 10, stop_loss_bps: 200, take_profit_bps: 300 } });
  const ev = { events: { ev: [[2, 1]] as [number, number][] } };

  test('stop-loss: sell stop at entry - 200 bps fills at the stop; the take-profit leg is cancelled (OCO)', () => {
    // entry fills at the open of 3 at 100 (q = 100): stop 98, take-profit 103, both submitted at the close of 3
    const bars = market(10, { 4: bar(99, 99, 97.5, 97.8), 5: flat(97.8), 6: flat(97.8), 7: flat(97.8), 8: flat(97.8), 9: flat(97.8) });
    const { result: r } = run(entry, bars, ev);
    const sub = r.orderLog.filter((e) => e.event === 'submitted');
    expect(sub.map((e) => [e.bar, e.kind, e.qty, e.price])).toEqual([
      [2, 'market', 100, undefined], [3, 'stop', -100, 98], [3, 'limit', -100, 103],
    ]);
    expect(fills(r).map((f) => [f.bar, f.kind, f.price])).toEqual([[3, 'market', 100], [4, 'stop', 98]]);
    expect(r.orderLog.filter((e) => e.event === 'cancelled').map((e) => [e.bar, e.kind])).toEqual([[4, 'limit']]);
    const t = r.trades[0]!;
    expect(t.grossPnl).toBeCloseTo(100 * (98 - 100), 9);
    expect(t.fees).toBeCloseTo(100 * 100 * 5e-4 + 100 * 98 * 5e-4, 9); // both taker
    expect(r.positions[0]).toBe(0);
  });

  test('a gap through the stop fills at the open', () => {
    const bars = market(10, { 4: bar(96, 96.5, 95, 96) });
    const { result: r } = run(entry, bars, ev);
    expect(fills(r).map((f) => [f.bar, f.kind, f.price])).toEqual([[3, 'market', 100], [4, 'stop', 96]]);
  });

  test('take-profit: sell limit at entry + 300 bps fills at the limit as maker; the stop is cancelled', () => {
    const bars = market(10, { 4: bar(101, 103.5, 100.5, 103.2) });
    const { result: r } = run(entry, bars, ev);
    const f = fills(r);
    expect(f.map((x) => [x.bar, x.kind, x.price, x.liquidity])).toEqual([[3, 'market', 100, 'taker'], [4, 'limit', 103, 'maker']]);
    expect(r.orderLog.filter((e) => e.event === 'cancelled').map((e) => [e.bar, e.kind])).toEqual([[4, 'stop']]);
    const t = r.trades[0]!;
    expect(t.netPnl).toBeCloseTo(100 * 3 - 100 * 100 * 5e-4 - 100 * 103 * 2e-4, 9);
  });

  test('trailing stop follows the best high since the entry fill and fills at the trailed level', () => {
    const bp = ruleBp({ entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 10, trailing_stop_bps: 200 } });
    const bars = market(10, {
      3: bar(100, 101, 99.5, 100.5), // best 101 -> level 98.98
      4: bar(101, 104, 100.9, 103.5), // not hit (low 100.9); best 104 -> level 101.92
      5: bar(103, 103.2, 101.5, 101.8), // low 101.5 <= 101.92: filled at 101.92 (open above the level)
    });
    const { result: r } = run(bp, bars, ev);
    const stops = r.orderLog.filter((e) => e.event === 'submitted' && e.kind === 'stop');
    expect(stops.map((e) => e.bar)).toEqual([3, 4]);
    expect(stops[0]!.price).toBeCloseTo(101 * 0.98, 12);
    expect(stops[1]!.price).toBeCloseTo(104 * 0.98, 12);
    const f = fills(r);
    expect(f.map((x) => [x.bar, x.kind])).toEqual([[3, 'market'], [5, 'stop']]);
    expect(f[1]!.price).toBeCloseTo(101.92, 12);
    expect(r.trades[0]!.grossPnl).toBeCloseTo(100 * (101.92 - 100), 9);
  });

  test('short: stop above the entry, trailing from the best low; the tighter of stop-loss and trail is used', () => {
    const bp = ruleBp({ entries: [{ event: 'ev', side: 'short' }], exit: { horizon_bars: 10, stop_loss_bps: 300, trailing_stop_bps: 200 } });
    const bars = market(10, {
      3: bar(100, 100.2, 99, 99.5), // best low 99 -> trail 100.98 < stop-loss 103: stop at 100.98
      4: bar(99.5, 100.5, 98, 98.5), // high 100.5 < 100.98; best low 98 -> 99.96
      5: bar(98.5, 100.5, 98.4, 100), // high 100.5 >= 99.96: bought back at 99.96
    });
    const { result: r } = run(bp, bars, ev);
    const stops = r.orderLog.filter((e) => e.event === 'submitted' && e.kind === 'stop');
    expect(stops.map((e) => [e.bar, e.qty])).toEqual([[3, 100], [4, 100]]);
    expect(stops[0]!.price).toBeCloseTo(100.98, 12);
    expect(stops[1]!.price).toBeCloseTo(99.96, 12);
    expect(fills(r)[1]!.price).toBeCloseTo(99.96, 12);
    expect(r.trades[0]!.side).toBe(-1);
    expect(r.trades[0]!.grossPnl).toBeCloseTo(-100 * (99.96 - 100), 9);
  });

  test('a bar through both levels fills the stop first; the reduce-only take-profit then finds no position and cancels itself (OCO)', () => {
    const bars = market(10, { 4: bar(100, 104, 97, 100), 5: flat(100.5) });
    const { result: r, decisions } = run(entry, bars, ev);
    expect(fills(r).map((f) => [f.bar, f.kind, f.qty, f.price])).toEqual([[3, 'market', 100, 100], [4, 'stop', -100, 98]]);
    const tp = r.orderLog.filter((e) => e.kind === 'limit' && e.event === 'cancelled' && e.bar === 4);
    expect(tp.map((e) => e.reason)).toEqual(['reduce-only: no opposite position to reduce']);
    expect(decisions).toEqual([]);
    expect(r.positions[0]).toBe(0);
    expect(r.trades.length).toBe(1);
  });
});

describe('exit condition and the entry window', () => {
  test('exit.when TRUE at the close of t exits at the open of t+1, before the horizon', () => {
    const x = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    const bp = ruleBp({ entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 8, when: { feature: 'x', op: '>', value: 0 } } });
    const { result } = run(bp, market(12, {}), { features: { x }, events: { ev: [[2, 1]] } });
    expect(fills(result).map((f) => f.bar)).toEqual([3, 6]);
  });

  test('no new entries at or after entryUntil; a position open at entryUntil is closed at its close', () => {
    const bp = ruleBp({ entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 10 } });
    const { result, decisions } = run(bp, market(14, {}), { events: { ev: [[2, 1], [5, 1], [6, 1], [9, 1]] } }, { entryUntil: 6 });
    // in at 3; the event at 5 is skipped (in position); at the close of 6 the position is closed (fill 7); the events
    // at 6 and 9 are outside the entry range and not recorded
    expect(fills(result).map((f) => [f.bar, Math.sign(f.qty)])).toEqual([[3, 1], [7, -1]]);
    expect(decisions.map((d) => [d.bar, d.code])).toEqual([[5, 'already_in_position']]);
  });
});

describe('sizing', () => {
  /** Closes alternate 100, 100 e^a so every 1-bar log return is +a or -a; opens = previous close. */
  function zigzag(n: number, a: number): Bar[] {
    const c = Array.from({ length: n }, (_, t) => (t % 2 === 1 ? 100 * Math.exp(a) : 100));
    return c.map((x, t) => {
      const o = t === 0 ? x : c[t - 1]!;
      return bar(o, Math.max(o, x), Math.min(o, x), x);
    });
  }
  const vt = (maxLev: number) => ruleBp(
    { entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 2 } },
    { sizing: { method: 'vol_target', annual_vol: 0.2, vol_window_bars: 4, max_leverage: maxLev } },
  );
  const BARS_PER_YEAR = (365.25 * 86_400_000) / 300_000; // 105,192 five-minute bars

  test('vol_target: notional = equity * target / (population std of the last 4 returns x sqrt(bars per year))', () => {
    // returns r3..r6 = +a, -a, +a, -a: mean 0, population std exactly a
    const a = 0.01;
    const { result } = run(vt(2), zigzag(12, a), { events: { ev: [[6, 1]] } });
    const sub = result.orderLog.find((e) => e.event === 'submitted')!;
    const notional = (CASH * 0.2) / (a * Math.sqrt(BARS_PER_YEAR)); // 6,166.5 USD, below 2 x equity
    expect(sub.bar).toBe(6);
    expect(sub.qty).toBeCloseTo(notional / 100, 9); // close of bar 6 = 100
  });

  test('vol_target: capped at max_leverage x equity', () => {
    const { result } = run(vt(2), zigzag(12, 0.0001), { events: { ev: [[6, 1]] } });
    expect(result.orderLog.find((e) => e.event === 'submitted')!.qty).toBeCloseTo((2 * CASH) / 100, 9);
  });

  test('risk_budget: notional = equity * risk_bps / stop_loss_bps', () => {
    const bp = ruleBp(
      { entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 2, stop_loss_bps: 150 } },
      { sizing: { method: 'risk_budget', risk_bps: 50 } },
    );
    const { result } = run(bp, market(8, { 2: flat(125) }), { events: { ev: [[2, 1]] } });
    expect(result.orderLog.find((e) => e.event === 'submitted')!.qty).toBeCloseTo((CASH * 50) / 150 / 125, 9);
  });

  test('an unsizable entry (volatility unknown: window not complete) is recorded and never submitted', () => {
    const { result, decisions } = run(vt(2), zigzag(12, 0.01), { events: { ev: [[3, 1], [8, 1]] } });
    // at 3 only returns r1..r3 exist (window 4): NaN volatility; at 8 the window is complete
    expect(decisions.map((d) => [d.bar, d.code])).toEqual([[3, 'unsizable']]);
    expect(decisions[0]!.reason).toMatch(/^unsizable: volatility unknown/);
    expect(result.orderLog.filter((e) => e.event === 'submitted').map((e) => e.bar)).toEqual([8, 10]);
  });

  test('no entry without positive equity', () => {
    const bp = ruleBp({ entries: [{ event: 'ev', side: 'long' }], exit: { horizon_bars: 2 } });
    const { result, decisions } = runBlueprint(bp, slice1(market(6, {}), { events: { ev: [[2, 1]] } }), costs(), { initialCash: 0 });
    expect(decisions.map((d) => [d.bar, d.code, d.reason])).toEqual([[2, 'unsizable', 'unsizable: equity <= 0 (was 0)']]);
    expect(result.orderLog).toEqual([]);
  });
});
