/**
 * Entry sizes (quote-currency notional -> base quantity) at the close of the signal bar, from the close of that
 * bar (the last finite close if it is missing) and the engine's equity marked at that close. An entry that cannot
 * be sized (price or volatility unknown, equity <= 0, a non-finite result) returns 0 and is recorded as a decision:
 * it is never submitted with a guessed size.
 */
import type { EngineContext } from '../engine/index.js';
import {
  R_UNSIZABLE_EQUITY, R_UNSIZABLE_PRICE, R_UNSIZABLE_SIZE, R_UNSIZABLE_VOL, type DecisionLog,
} from './decisions.js';
import type { Sizing } from './types.js';

const { min } = Math;

/** Price used for sizing instrument i at bar d, or NaN. */
export function sizingPrice(close: Float64Array, d: number, i: number, ctx: EngineContext): number {
  const c = close[d]!;
  return c > 0 ? c : ctx.mark(i);
}

/**
 * Notional in quote currency for one entry (rule strategies, and leg A of pairs), or NaN after recording why not.
 * `vol` is the annualised volatility at d (vol_target); `stopBps` the exit's stop-loss distance (risk_budget);
 * `grossPerUnit` the gross notional per unit of notional (pairs: 1 + |beta|) for the leverage cap.
 */
export function entryNotional(
  sizing: Sizing, equity: number, vol: number, stopBps: number, grossPerUnit: number,
  log: DecisionLog, d: number, i: number,
): number {
  if (!(equity > 0)) {
    log.record(d, i, R_UNSIZABLE_EQUITY, equity);
    return Number.NaN;
  }
  switch (sizing.method) {
    case 'fixed_notional':
      return sizing.notional_usd;
    case 'vol_target':
      if (!(vol > 0 && vol < Infinity)) {
        log.record(d, i, R_UNSIZABLE_VOL, vol);
        return Number.NaN;
      }
      return min((equity * sizing.annual_vol) / vol, (sizing.max_leverage * equity) / grossPerUnit);
    case 'risk_budget':
      return (equity * sizing.risk_bps) / stopBps;
  }
}

/** Base quantity for a notional at a price, or 0 after recording why not. */
export function quantity(notional: number, price: number, log: DecisionLog, d: number, i: number): number {
  if (notional !== notional) return 0; // already recorded
  if (!(price > 0 && price < Infinity)) {
    log.record(d, i, R_UNSIZABLE_PRICE, price);
    return 0;
  }
  const q = notional / price;
  if (!(q > 0 && q < Infinity)) {
    log.record(d, i, R_UNSIZABLE_SIZE, q);
    return 0;
  }
  return q;
}
