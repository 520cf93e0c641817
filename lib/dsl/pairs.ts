/**
 * Per-bar interpreter of pairs blueprints (instrument 0 = A, 1 = B). At the close of bar d:
 *
 *   FLAT     z_d > entry_z: short the spread (short A, long beta_d-weighted B); z_d < -entry_z: the reverse; only
 *            while |z_d| < stop_z when a stop is set. Leg A's notional comes from the sizing, leg B's is beta_d times
 *            it (quantities fixed at entry, never rebalanced). Both market orders live for bar d+1 only -> PENDING.
 *   PENDING  both legs filled -> OPEN (fill bar e = d); none -> FLAT, recorded; one -> recorded, closed -> EXITING.
 *   OPEN     exit by market orders on both legs when the spread has come back (long spread: z_d > -exit_z; short:
 *            z_d < exit_z, i.e. |z| < exit_z or beyond toward the other side), when it moved on to the stop (long:
 *            z_d < -stop_z; short: z_d > stop_z), when d - e + 1 >= max_hold_bars, or when d >= entryUntil. A
 *            missing z holds the position.
 *   EXITING  market orders for what is left of each leg, every bar until both are flat.
 *
 * vol_target sizes leg A so that the hedged portfolio (1 of A, beta of B) has the target annualised volatility:
 * std of rA - beta_d rB over vol_window_bars 1-bar log returns, capped so that (1 + |beta|) x notional <=
 * max_leverage x equity.
 */
import type { EngineContext, Strategy } from '../engine/index.js';
import { DataError } from '../errors.js';
import { logReturn } from '../stats/rolling.js';
import type { MarketSlice, RunWindow } from './slice.js';
import { R_IN_POSITION, R_LEG, R_NOT_FILLED, R_OUTSIDE_SPAN, R_UNSIZABLE_HEDGE, type DecisionLog } from './decisions.js';
import { logOf } from './indicators.js';
import { hedgedVolatility, pairsSeries } from './pairs_math.js';
import { entryNotional, quantity, sizingPrice } from './sizing.js';
import type { Blueprint, PairsStrategy } from './types.js';

const YEAR_MS = 365.25 * 86_400_000;
const { abs, sqrt } = Math;
const FLAT = 0;
const PENDING = 1;
const OPEN = 2;
const EXITING = 3;

/** What a pairs blueprint precomputes over the whole slice (hedge ratio, z-score, vol_target volatility), window-free. */
export interface PairsPrepared {
  beta: Float64Array;
  z: Float64Array;
  vol: Float64Array | undefined;
}

export function preparePairs(bp: Blueprint, s: PairsStrategy, data: MarketSlice): PairsPrepared {
  if (data.instruments.length !== 2) {
    throw new DataError(`a pairs strategy needs 2 instruments`, { file: `blueprint ${bp.id}`, field: 'instruments', value: data.instruments.length });
  }
  const closeA = data.bars[0]!.close;
  const closeB = data.bars[1]!.close;
  const { beta, z } = pairsSeries(logOf(closeA), logOf(closeB), s.hedge_window_bars, s.z_window_bars, s.hedge_ratio);
  let vol: Float64Array | undefined;
  if (bp.sizing.method === 'vol_target') {
    vol = hedgedVolatility(logReturn(closeA, 1), logReturn(closeB, 1), beta, bp.sizing.vol_window_bars);
    const k = sqrt(YEAR_MS / data.tfMs);
    for (let t = 0; t < vol.length; t++) vol[t] = vol[t]! * k;
  }
  return { beta, z, vol };
}

export function pairsStrategy(
  bp: Blueprint, s: PairsStrategy, data: MarketSlice, win: RunWindow, log: DecisionLog, prep: PairsPrepared = preparePairs(bp, s, data),
): Strategy {
  const closeA = data.bars[0]!.close;
  const closeB = data.bars[1]!.close;
  const { beta, z, vol } = prep;
  const sizing = bp.sizing;
  const entryZ = s.entry_z;
  const exitZ = s.exit_z;
  const stopZ = s.stop_z ?? Infinity;
  const maxHold = s.max_hold_bars;
  const { entryFrom, entryUntil, offset } = win;
  // both legs must be holdable: the pair's span is the intersection of the legs' tradable spans
  const holdFirst = Math.max(win.holdFirst[0]!, win.holdFirst[1]!);
  const holdLast = Math.min(win.holdLast[0]!, win.holdLast[1]!);
  let state = FLAT;
  let side = 0; // +1 long spread (long A), -1 short spread
  let enterBar = 0;

  /** -1 short the spread, +1 long, 0 none (NaN z: none). */
  const signalAt = (zz: number): number => (zz > entryZ && zz < stopZ ? -1 : zz < -entryZ && zz > -stopZ ? 1 : 0);

  const flatten = (ctx: EngineContext, pA: number, pB: number): void => {
    if (pA !== 0) ctx.submitMarket(0, -pA, 1, true);
    if (pB !== 0) ctx.submitMarket(1, -pB, 1, true);
  };

  return (t: number, _ts: number, ctx: EngineContext): void => {
    const d = t + offset;
    const zz = z[d]!;
    if (state === FLAT && !(zz > entryZ || zz < -entryZ)) return; // flat: no position, no live order of ours
    const pA = ctx.position(0);
    const pB = ctx.position(1);
    if (state === PENDING) {
      if (pA !== 0 && pB !== 0) {
        state = OPEN;
        enterBar = d;
      } else if (pA === 0 && pB === 0) {
        state = FLAT;
        log.record(d, 0, R_NOT_FILLED);
      } else {
        log.record(d, pA !== 0 ? 1 : 0, R_LEG, pA !== 0 ? pA : pB);
        flatten(ctx, pA, pB);
        state = EXITING;
      }
    } else if (state === EXITING) {
      if (pA === 0 && pB === 0) state = FLAT;
      else flatten(ctx, pA, pB);
    } else if (state === OPEN && pA === 0 && pB === 0) {
      state = FLAT;
    }
    if (state === OPEN) {
      const back = side > 0 ? zz > -exitZ : zz < exitZ;
      const stopped = side > 0 ? zz < -stopZ : zz > stopZ;
      if (back || stopped || d - enterBar + 1 >= maxHold || d >= entryUntil || d >= holdLast) {
        flatten(ctx, pA, pB);
        state = EXITING;
      }
    }
    const signal = signalAt(zz);
    if (signal === 0 || d < entryFrom || d >= entryUntil) return;
    if (d + 1 < holdFirst || d + 1 > holdLast) {
      if (state === FLAT && (d === 0 || signalAt(z[d - 1]!) !== signal)) log.record(d, 0, R_OUTSIDE_SPAN); // once per signal onset
      return;
    }
    if (state !== FLAT) {
      if (d === 0 || signalAt(z[d - 1]!) !== signal) log.record(d, 0, R_IN_POSITION); // once per signal onset
      return;
    }
    const b = beta[d]!;
    if (!(b !== 0 && abs(b) < Infinity)) {
      log.record(d, 1, R_UNSIZABLE_HEDGE, b);
      return;
    }
    const notional = entryNotional(sizing, ctx.equity(), vol ? vol[d]! : Number.NaN, Number.NaN, 1 + abs(b), log, d, 0);
    const qA = quantity(notional, sizingPrice(closeA, d, 0, ctx), log, d, 0);
    if (qA === 0) return;
    const pxB = sizingPrice(closeB, d, 1, ctx);
    const qB = quantity(abs(b) * notional, pxB, log, d, 1);
    if (qB === 0) return;
    side = signal;
    ctx.submitMarket(0, side * qA, 1);
    ctx.submitMarket(1, -side * (b > 0 ? 1 : -1) * qB, 1);
    state = PENDING;
  };
}
