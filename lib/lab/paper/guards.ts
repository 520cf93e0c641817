/**
 * Risk guards of a paper (or live) session: pure decisions over the session's numbers, one structured event per
 * decision. Not wired to a command yet (docs/lab.md "Status"); the session loop will call them.
 *
 * Guards are evaluated in this fixed order, the first denial wins:
 *   1. caps: max order notional, max position notional (all symbols together: gross)
 *   2. per-symbol caps: max position notional and max |qty| of that symbol
 *   3. session drawdown breaker: equity below the session's peak by more than max_dd_bps -> REDUCING (latched)
 *   4. consecutive-reject breaker: max_consecutive_rejects broker rejects in a row -> HALTED (latched)
 *   5. stale data: the last bar closed more than stale_after_ms before now -> the order is denied (not latched: the
 *      condition clears with the next fresh bar)
 *   6. kill-switch file present -> HALTED (latched)
 *
 * Session states only escalate, ACTIVE -> REDUCING -> HALTED: in REDUCING only risk-reducing orders pass (exits,
 * stops, take-profits: an order that shrinks |position| without flipping it); in HALTED nothing passes. Risk-reducing
 * orders are never blocked by a cap (1, 2) or by stale data; breakers (3, 4, 6) trip whatever the order. A tripped
 * breaker stays latched until `resetSession` with a reason (the next evaluation re-trips it if its cause is still
 * there).
 */
import { UsageError } from '../../errors.js';
import { digestJson } from '../../hash.js';

export const SESSION_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
export type SessionState = (typeof SESSION_STATES)[number];
const RANK: Record<SessionState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export const GUARD_RULES = ['max_notional', 'per_symbol', 'drawdown', 'consecutive_rejects', 'stale_data', 'kill_switch'] as const;
export type GuardRule = (typeof GUARD_RULES)[number];

export interface RiskLimits {
  max_order_notional: number;
  /** Gross: sum over symbols of |position| * mark after the order. */
  max_position_notional: number;
  per_symbol: Record<string, { max_position_notional?: number; max_qty?: number }>;
  max_dd_bps: number;
  max_consecutive_rejects: number;
  stale_after_ms: number;
  kill_switch_file: string | null;
}

/** The digest a live acknowledgement is bound to (changing any limit asks again). */
export function riskDigest(l: RiskLimits): string {
  return digestJson(l);
}

export interface GuardOrder {
  symbol: string;
  /** Signed quantity (+ buy). */
  qty: number;
  /** Price the notional is measured at (the order's limit/stop, else the mark). */
  price: number;
  reduceOnly?: boolean;
}

/** What the guards read: positions and marks by symbol, equity and its session peak, counters, clock, kill switch. */
export interface GuardContext {
  positions: Record<string, number>;
  marks: Record<string, number>;
  equity: number;
  peakEquity: number;
  consecutiveRejects: number;
  lastBarCloseMs: number;
  nowMs: number;
  killSwitchPresent: boolean;
}

export interface GuardEvent {
  type: 'guard';
  rule: GuardRule | 'state';
  decision: 'allow' | 'deny' | 'trip';
  state_before: SessionState;
  state_after: SessionState;
  message: string;
  numbers: Record<string, number | string | boolean>;
  order?: GuardOrder;
}

export interface Latch {
  state: SessionState;
  /** The breakers tripped and latched (rule -> message). */
  tripped: Partial<Record<GuardRule, string>>;
}

export function initialLatch(): Latch {
  return { state: 'ACTIVE', tripped: {} };
}

/** An order that shrinks |position| of its symbol without flipping it (or a reduce-only order: clipped to it). */
export function isRiskReducing(o: GuardOrder, position: number): boolean {
  // a reduce-only order never adds risk: the broker clips it to the position it finds at fill time, or cancels it
  // (a bracket stop sent with its entry finds the position the entry opened)
  if (o.reduceOnly === true) return true;
  if (position === 0 || Math.sign(o.qty) === Math.sign(position)) return false;
  return Math.abs(o.qty) <= Math.abs(position) + 1e-12;
}

function escalate(l: Latch, to: SessionState): void {
  if (RANK[to] > RANK[l.state]) l.state = to;
}

/**
 * The breakers (3, 4, 6) on the session's numbers alone: called every bar, and before every order. Mutates the
 * latch; returns a `trip` event for each breaker newly tripped (an already latched one is not repeated).
 */
export function checkBreakers(l: Latch, limits: RiskLimits, c: GuardContext): GuardEvent[] {
  const out: GuardEvent[] = [];
  const trip = (rule: GuardRule, to: SessionState, message: string, numbers: GuardEvent['numbers']): void => {
    if (l.tripped[rule] !== undefined) return;
    const before = l.state;
    l.tripped[rule] = message;
    escalate(l, to);
    out.push({ type: 'guard', rule, decision: 'trip', state_before: before, state_after: l.state, message, numbers });
  };
  const ddBps = c.peakEquity > 0 ? ((c.peakEquity - c.equity) / c.peakEquity) * 1e4 : 0;
  if (ddBps > limits.max_dd_bps) {
    trip('drawdown', 'REDUCING', `session drawdown ${ddBps.toFixed(1)} bps > max_dd_bps ${limits.max_dd_bps}: only risk-reducing orders until reset`, {
      equity: c.equity, peak_equity: c.peakEquity, drawdown_bps: ddBps, max_dd_bps: limits.max_dd_bps,
    });
  }
  if (c.consecutiveRejects >= limits.max_consecutive_rejects) {
    trip('consecutive_rejects', 'HALTED', `${c.consecutiveRejects} consecutive rejects >= max_consecutive_rejects ${limits.max_consecutive_rejects}: halted until reset`, {
      consecutive_rejects: c.consecutiveRejects, max_consecutive_rejects: limits.max_consecutive_rejects,
    });
  }
  if (c.killSwitchPresent) {
    trip('kill_switch', 'HALTED', `kill-switch file ${limits.kill_switch_file} present: halted until reset`, { kill_switch_file: limits.kill_switch_file ?? '' });
  }
  return out;
}

/**
 * Decide one order: the breakers first (they may trip), then the rules in order. Returns every event written for
 * this order (trips, then exactly one allow or deny) and whether it may be sent.
 */
export function evaluateOrder(l: Latch, limits: RiskLimits, c: GuardContext, o: GuardOrder): { allowed: boolean; events: GuardEvent[] } {
  const events = checkBreakers(l, limits, c);
  const pos = c.positions[o.symbol] ?? 0;
  const reducing = isRiskReducing(o, pos);
  const decide = (allowed: boolean, rule: GuardRule | 'state', message: string, numbers: GuardEvent['numbers']) => {
    events.push({ type: 'guard', rule, decision: allowed ? 'allow' : 'deny', state_before: l.state, state_after: l.state, message, numbers: { ...numbers, risk_reducing: reducing }, order: o });
    return { allowed, events };
  };
  if (l.state === 'HALTED') return decide(false, 'state', `session HALTED (${Object.values(l.tripped).join('; ')}): no order passes until reset`, {});
  if (l.state === 'REDUCING' && !reducing) {
    return decide(false, 'state', `session REDUCING (${Object.values(l.tripped).join('; ')}): only risk-reducing orders`, { position: pos, qty: o.qty });
  }
  if (!reducing) {
    const notional = Math.abs(o.qty) * o.price;
    if (notional > limits.max_order_notional) {
      return decide(false, 'max_notional', `order notional ${notional.toFixed(2)} > max_order_notional ${limits.max_order_notional}`, { order_notional: notional, max_order_notional: limits.max_order_notional });
    }
    let gross = 0;
    for (const [s, q] of Object.entries(c.positions)) if (s !== o.symbol) gross += Math.abs(q) * (c.marks[s] ?? 0);
    const after = Math.abs(pos + o.qty) * o.price;
    if (gross + after > limits.max_position_notional) {
      return decide(false, 'max_notional', `position notional after the order ${(gross + after).toFixed(2)} > max_position_notional ${limits.max_position_notional}`, {
        position_notional_after: gross + after, max_position_notional: limits.max_position_notional,
      });
    }
    const cap = limits.per_symbol[o.symbol];
    if (cap?.max_position_notional !== undefined && after > cap.max_position_notional) {
      return decide(false, 'per_symbol', `${o.symbol} position notional after the order ${after.toFixed(2)} > its cap ${cap.max_position_notional}`, {
        symbol_notional_after: after, symbol_max_position_notional: cap.max_position_notional,
      });
    }
    if (cap?.max_qty !== undefined && Math.abs(pos + o.qty) > cap.max_qty) {
      return decide(false, 'per_symbol', `${o.symbol} |position| after the order ${Math.abs(pos + o.qty)} > its max_qty ${cap.max_qty}`, {
        symbol_qty_after: Math.abs(pos + o.qty), symbol_max_qty: cap.max_qty,
      });
    }
    const age = c.nowMs - c.lastBarCloseMs;
    if (age > limits.stale_after_ms) {
      return decide(false, 'stale_data', `last bar closed ${age} ms ago > stale_after_ms ${limits.stale_after_ms}`, { bar_age_ms: age, stale_after_ms: limits.stale_after_ms });
    }
  }
  return decide(true, 'state', reducing ? 'risk-reducing order: never blocked by caps or stale data' : 'all guards passed', {
    order_notional: Math.abs(o.qty) * o.price, position: pos,
  });
}

/** Clear every latch (a `reset` with its reason); the state goes back to ACTIVE. */
export function resetSession(l: Latch, reason: string): GuardEvent {
  if (reason.trim() === '') throw new UsageError('a reset needs a reason', { hint: 'quantlab live reset --session ID --reason "why it is safe to trade again"' });
  const before = l.state;
  const cleared = Object.keys(l.tripped).join(',');
  l.state = 'ACTIVE';
  l.tripped = {};
  return { type: 'guard', rule: 'state', decision: 'allow', state_before: before, state_after: 'ACTIVE', message: `reset: ${reason}`, numbers: { cleared } };
}
