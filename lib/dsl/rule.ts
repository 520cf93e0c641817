/**
 * Per-bar interpreter of rule blueprints, one independent state machine per instrument (one position each, no
 * pyramiding). At the close of bar d (all orders are eligible from d+1, engine convention):
 *
 *   FLAT     entry signal at d and d in [entryFrom, entryUntil): market order for the sized quantity, live for bar
 *            d+1 only -> PENDING (unsizable: recorded, stays FLAT).
 *   PENDING  the entry filled in bar d -> OPEN (fill bar e = d); nothing filled -> FLAT, recorded.
 *   OPEN     flat again (a stop or take-profit filled) -> the other leg is cancelled (OCO), FLAT. Otherwise exit by
 *            market order when d - e + 1 >= horizon_bars, the exit condition is TRUE at d, or d >= entryUntil
 *            (protective orders cancelled first) -> EXITING. Otherwise keep the protective orders: one stop at the
 *            tighter of the stop-loss and the trailing level, then the take-profit limit, for the whole position.
 *   EXITING  market order for the rest of the position each bar (live one bar) until flat.
 *
 * Levels are bps of the average entry price (reference, before costs). The trailing level follows the best high
 * (long) or low (short) of the bars since the entry fill, the entry bar included. The stop is submitted before the
 * take-profit (re-submitting both when the stop moves), so when one bar reaches both levels the engine fills the
 * stop first (the conservative reading). The engine has no OCO group: if that bar then also fills the take-profit,
 * the position is reversed; the interpreter records it and flattens at the next open. Protective orders are live
 * from the bar after the entry fill: the fill bar's own range cannot trigger them (an order fills no earlier than
 * the bar after its submission).
 */
import type { EngineContext, Strategy } from '../engine/index.js';
import type { MarketSlice, RunWindow } from './slice.js';
import { R_IN_POSITION, R_NOT_FILLED, R_OCO, R_OUTSIDE_SPAN, type DecisionLog } from './decisions.js';
import { annualisedVolatility, ruleSignals } from './signals.js';
import { entryNotional, quantity, sizingPrice } from './sizing.js';
import type { Blueprint, RuleStrategy } from './types.js';

const FLAT = 0;
const PENDING = 1;
const OPEN = 2;
const EXITING = 3;

export function ruleStrategy(bp: Blueprint, s: RuleStrategy, data: MarketSlice, win: RunWindow, log: DecisionLog): Strategy {
  const { entry, onset, exit } = ruleSignals(bp, s, data);
  const m = data.instruments.length;
  const high = data.bars.map((b) => b.high);
  const low = data.bars.map((b) => b.low);
  const close = data.bars.map((b) => b.close);
  const sizing = bp.sizing;
  const vol = sizing.method === 'vol_target'
    ? data.bars.map((b) => annualisedVolatility(b.close, sizing.vol_window_bars, data.tfMs))
    : undefined;
  const horizon = s.exit.horizon_bars;
  const sl = (s.exit.stop_loss_bps ?? 0) / 1e4;
  const tp = (s.exit.take_profit_bps ?? 0) / 1e4;
  const tr = (s.exit.trailing_stop_bps ?? 0) / 1e4;
  const stopBps = s.exit.stop_loss_bps ?? Number.NaN;
  const protect = sl > 0 || tp > 0 || tr > 0;
  const { entryFrom, entryUntil, offset, holdFirst, holdLast } = win;

  const st = new Int8Array(m);
  const side = new Int8Array(m);
  const enterBar = new Int32Array(m);
  const best = new Float64Array(m); // best high (long) / low (short) since the entry fill
  const slPx = new Float64Array(m);
  const tpPx = new Float64Array(m);
  const stopPx = new Float64Array(m);
  const protQty = new Float64Array(m);
  const stopId = new Int32Array(m).fill(-1);
  const tpId = new Int32Array(m).fill(-1);

  const cancelProtection = (i: number, ctx: EngineContext): void => {
    if (stopId[i]! >= 0) ctx.cancel(stopId[i]!);
    if (tpId[i]! >= 0) ctx.cancel(tpId[i]!);
    stopId[i] = -1;
    tpId[i] = -1;
    protQty[i] = 0;
  };

  const opened = (i: number, d: number, pos: number, avg: number): void => {
    const sd = pos > 0 ? 1 : -1;
    side[i] = sd;
    enterBar[i] = d;
    best[i] = avg;
    slPx[i] = avg * (1 - sd * sl);
    tpPx[i] = avg * (1 + sd * tp);
    protQty[i] = 0;
  };

  const maintain = (i: number, pos: number, ctx: EngineContext): void => {
    const q = -pos;
    if (protQty[i] !== q) {
      cancelProtection(i, ctx); // first bar, or a leg filled only in part
      protQty[i] = q;
    }
    const sd = side[i]!;
    let level = sl > 0 ? slPx[i]! : Number.NaN;
    if (tr > 0) {
      const trail = best[i]! * (1 - sd * tr);
      if (!(level === level) || (sd > 0 ? trail > level : trail < level)) level = trail;
    }
    const needStop = level === level && (stopId[i]! < 0 || level !== stopPx[i]);
    const needTp = tp > 0 && (tpId[i]! < 0 || needStop);
    if (needStop) {
      if (stopId[i]! >= 0) ctx.cancel(stopId[i]!);
      stopId[i] = ctx.submitStop(i, q, level, Infinity, true);
      stopPx[i] = level;
    }
    if (needTp) {
      if (tpId[i]! >= 0) ctx.cancel(tpId[i]!);
      tpId[i] = ctx.submitLimit(i, q, tpPx[i]!, Infinity, true);
    }
  };

  return (t: number, _ts: number, ctx: EngineContext): void => {
    const d = t + offset;
    const canEnter = d >= entryFrom && d < entryUntil;
    for (let i = 0; i < m; i++) {
      let state = st[i]!;
      const g = entry[i]![d]!;
      if (state === FLAT && g === 0) continue; // flat means no position and no live order of ours
      const pos = ctx.position(i);
      if (state === PENDING) {
        if (pos !== 0) {
          state = OPEN;
          opened(i, d, pos, ctx.avgEntry(i));
        } else {
          state = FLAT;
          log.record(d, i, R_NOT_FILLED);
        }
      } else if (state === OPEN) {
        if (pos === 0) {
          cancelProtection(i, ctx);
          state = FLAT;
        } else if ((pos > 0 ? 1 : -1) !== side[i]) {
          cancelProtection(i, ctx);
          ctx.submitMarket(i, -pos, 1, true);
          log.record(d, i, R_OCO, pos);
          state = EXITING;
        }
      } else if (state === EXITING) {
        if (pos === 0) state = FLAT;
        else ctx.submitMarket(i, -pos, 1, true);
      }
      if (state === OPEN) {
        if (side[i]! > 0) {
          const h = high[i]![d]!;
          if (h > best[i]!) best[i] = h;
        } else {
          const l = low[i]![d]!;
          if (l < best[i]!) best[i] = l;
        }
        const ex = exit[i];
        if (d - enterBar[i]! + 1 >= horizon || (ex !== undefined && ex[d] === 1) || d >= entryUntil || d >= holdLast[i]!) {
          cancelProtection(i, ctx);
          ctx.submitMarket(i, -pos, 1, true);
          state = EXITING;
        } else if (protect) {
          maintain(i, pos, ctx);
        }
      }
      if (g !== 0 && canEnter && (d + 1 < holdFirst[i]! || d + 1 > holdLast[i]!)) {
        if (state === FLAT && onset[i]![d] === 1) log.record(d, i, R_OUTSIDE_SPAN); // once per signal onset
      } else if (g !== 0 && canEnter) {
        if (state === FLAT) {
          const notional = entryNotional(sizing, ctx.equity(), vol ? vol[i]![d]! : Number.NaN, stopBps, 1, log, d, i);
          const q = quantity(notional, sizingPrice(close[i]!, d, i, ctx), log, d, i);
          if (q > 0) {
            ctx.submitMarket(i, g * q, 1);
            state = PENDING;
          }
        } else if (onset[i]![d] === 1) {
          log.record(d, i, R_IN_POSITION); // once per signal, not per bar a condition stays true
        }
      }
      st[i] = state;
    }
  };
}
