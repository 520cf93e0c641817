import { describe, expect, test } from '@jest/globals';
import {
  checkBreakers, evaluateOrder, initialLatch, isRiskReducing, resetSession, riskDigest, type GuardContext, type RiskLimits,
} from '../../lib/lab/paper/guards.js';

const LIMITS: RiskLimits = {
  max_order_notional: 20_000, max_position_notional: 50_000, per_symbol: { ETHUSDT: { max_position_notional: 8_000, max_qty: 3 } },
  max_dd_bps: 400, max_consecutive_rejects: 3, stale_after_ms: 120_000, kill_switch_file: '/tmp/KILL',
};
const NOW = Date.UTC(2025, 0, 2);
const CTX: GuardContext = {
  positions: { BTCUSDT: 0.1, ETHUSDT: 0 }, marks: { BTCUSDT: 100_000, ETHUSDT: 2_000 }, equity: 100_000, peakEquity: 100_000,
  consecutiveRejects: 0, lastBarCloseMs: NOW, nowMs: NOW, killSwitchPresent: false,
};
const buyBtc = { symbol: 'BTCUSDT', qty: 0.1, price: 100_000 };
const exitBtc = { symbol: 'BTCUSDT', qty: -0.1, price: 100_000 };

describe('ordered risk guards', () => {
  test('an order inside every limit is allowed with one event', () => {
    const l = initialLatch();
    const r = evaluateOrder(l, LIMITS, CTX, buyBtc);
    expect(r.allowed).toBe(true);
    expect(r.events).toEqual([{
      type: 'guard', rule: 'state', decision: 'allow', state_before: 'ACTIVE', state_after: 'ACTIVE', message: 'all guards passed',
      numbers: { order_notional: 10_000, position: 0.1, risk_reducing: false }, order: buyBtc,
    }]);
  });

  test('1. max notional: order and gross position caps, in that order', () => {
    const big = evaluateOrder(initialLatch(), LIMITS, CTX, { symbol: 'BTCUSDT', qty: 0.25, price: 100_000 });
    expect(big.allowed).toBe(false);
    expect(big.events[0]).toMatchObject({ rule: 'max_notional', decision: 'deny', message: 'order notional 25000.00 > max_order_notional 20000' });
    const gross = evaluateOrder(initialLatch(), LIMITS, { ...CTX, positions: { BTCUSDT: 0.45 } }, { symbol: 'BTCUSDT', qty: 0.1, price: 100_000 });
    expect(gross.events[0]).toMatchObject({ rule: 'max_notional', message: 'position notional after the order 55000.00 > max_position_notional 50000', numbers: { max_position_notional: 50_000 } });
    expect(gross.events[0]!.numbers.position_notional_after).toBeCloseTo(55_000, 6);
  });

  test('2. per-symbol caps: notional then quantity', () => {
    const n = evaluateOrder(initialLatch(), LIMITS, CTX, { symbol: 'ETHUSDT', qty: 4.5, price: 2_000 });
    expect(n.events[0]).toMatchObject({ rule: 'per_symbol', decision: 'deny', message: 'ETHUSDT position notional after the order 9000.00 > its cap 8000' });
    const q = evaluateOrder(initialLatch(), LIMITS, { ...CTX, marks: { ...CTX.marks, ETHUSDT: 1_000 } }, { symbol: 'ETHUSDT', qty: 3.5, price: 1_000 });
    expect(q.events[0]).toMatchObject({ rule: 'per_symbol', message: 'ETHUSDT |position| after the order 3.5 > its max_qty 3' });
  });

  test('3. drawdown breaker: trips to REDUCING, exits pass, entries do not, latched until reset', () => {
    const l = initialLatch();
    const down = { ...CTX, equity: 95_900, peakEquity: 100_000 }; // 410 bps
    const entry = evaluateOrder(l, LIMITS, down, buyBtc);
    expect(entry.events[0]).toEqual({
      type: 'guard', rule: 'drawdown', decision: 'trip', state_before: 'ACTIVE', state_after: 'REDUCING',
      message: 'session drawdown 410.0 bps > max_dd_bps 400: only risk-reducing orders until reset',
      numbers: { equity: 95_900, peak_equity: 100_000, drawdown_bps: 410, max_dd_bps: 400 },
    });
    expect(entry.allowed).toBe(false);
    expect(entry.events[1]).toMatchObject({ rule: 'state', decision: 'deny', state_after: 'REDUCING' });
    // an exit larger than a cap still passes while REDUCING
    const exit = evaluateOrder(l, LIMITS, { ...down, positions: { BTCUSDT: 0.3 } }, { symbol: 'BTCUSDT', qty: -0.3, price: 100_000 });
    expect(exit.allowed).toBe(true);
    expect(exit.events).toHaveLength(1); // not re-tripped: latched
    expect(exit.events[0]).toMatchObject({ decision: 'allow', message: 'risk-reducing order: never blocked by caps or stale data' });
    // equity recovered: still latched
    expect(evaluateOrder(l, LIMITS, CTX, buyBtc).allowed).toBe(false);
    const reset = resetSession(l, 'drawdown reviewed');
    expect(reset).toMatchObject({ state_before: 'REDUCING', state_after: 'ACTIVE', message: 'reset: drawdown reviewed', numbers: { cleared: 'drawdown' } });
    expect(evaluateOrder(l, LIMITS, CTX, buyBtc).allowed).toBe(true);
  });

  test('4. consecutive-reject breaker: HALTED, even exits are denied', () => {
    const l = initialLatch();
    const ev = checkBreakers(l, LIMITS, { ...CTX, consecutiveRejects: 3 });
    expect(ev).toEqual([expect.objectContaining({ rule: 'consecutive_rejects', decision: 'trip', state_before: 'ACTIVE', state_after: 'HALTED', numbers: { consecutive_rejects: 3, max_consecutive_rejects: 3 } })]);
    const exit = evaluateOrder(l, LIMITS, CTX, exitBtc);
    expect(exit.allowed).toBe(false);
    expect(exit.events[0]!.message).toMatch(/^session HALTED \(3 consecutive rejects/);
  });

  test('5. stale data denies new risk, never an exit, and does not latch', () => {
    const l = initialLatch();
    const stale = { ...CTX, nowMs: NOW + 180_000 };
    const e = evaluateOrder(l, LIMITS, stale, buyBtc);
    expect(e.events[0]).toMatchObject({ rule: 'stale_data', decision: 'deny', numbers: { bar_age_ms: 180_000, stale_after_ms: 120_000 } });
    expect(evaluateOrder(l, LIMITS, stale, exitBtc).allowed).toBe(true);
    expect(l.state).toBe('ACTIVE');
    expect(evaluateOrder(l, LIMITS, CTX, buyBtc).allowed).toBe(true);
  });

  test('6. kill switch: HALTED, latched after the file is gone, re-trips after a reset while it is still there', () => {
    const l = initialLatch();
    const r = evaluateOrder(l, LIMITS, { ...CTX, killSwitchPresent: true }, exitBtc);
    expect(r.events[0]).toMatchObject({ rule: 'kill_switch', decision: 'trip', state_after: 'HALTED', message: 'kill-switch file /tmp/KILL present: halted until reset' });
    expect(r.allowed).toBe(false);
    expect(evaluateOrder(l, LIMITS, CTX, exitBtc).allowed).toBe(false);
    resetSession(l, 'switch still on');
    expect(checkBreakers(l, LIMITS, { ...CTX, killSwitchPresent: true })[0]).toMatchObject({ rule: 'kill_switch', state_after: 'HALTED' });
    resetSession(l, 'switch removed');
    expect(evaluateOrder(l, LIMITS, CTX, buyBtc).allowed).toBe(true);
  });

  test('the order of evaluation: a breaker trips before a cap denies; a reset needs a reason', () => {
    const l = initialLatch();
    const r = evaluateOrder(l, LIMITS, { ...CTX, killSwitchPresent: true, equity: 90_000 }, { symbol: 'BTCUSDT', qty: 1, price: 100_000 });
    expect(r.events.map((e) => `${e.rule}:${e.decision}:${e.state_after}`)).toEqual(['drawdown:trip:REDUCING', 'kill_switch:trip:HALTED', 'state:deny:HALTED']);
    expect(() => resetSession(l, ' ')).toThrow('a reset needs a reason');
  });

  test('risk-reducing classification and the limits digest', () => {
    expect(isRiskReducing({ symbol: 'X', qty: -1, price: 1 }, 2)).toBe(true);
    expect(isRiskReducing({ symbol: 'X', qty: -3, price: 1 }, 2)).toBe(false); // flips
    expect(isRiskReducing({ symbol: 'X', qty: -3, price: 1, reduceOnly: true }, 2)).toBe(true); // clipped by the broker
    expect(isRiskReducing({ symbol: 'X', qty: 1, price: 1 }, 0)).toBe(false);
    // reduce-only while flat (a bracket stop sent with its entry): cannot open risk, so it is risk-reducing
    expect(isRiskReducing({ symbol: 'X', qty: -1, price: 1, reduceOnly: true }, 0)).toBe(true);
    expect(riskDigest(LIMITS)).toBe(riskDigest({ ...LIMITS }));
    expect(riskDigest({ ...LIMITS, max_dd_bps: 401 })).not.toBe(riskDigest(LIMITS));
  });
});
