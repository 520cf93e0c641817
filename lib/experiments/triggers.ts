/**
 * The entry triggers of `experiment run`: one detector per trigger category, read from the bars at the close of bar
 * t only (point in time), and the strategy that turns them into orders for the engine. The strategy only enters;
 * the exposure (lib/engine/exposure.ts) adds the stop, forces the exit at max_hold_minutes and refuses what the spec
 * does not allow. Pure.
 *
 *   volume_breakout   volume[t] > 3 x median volume of the 24h before t and high - low > 2 x ATR(14) at t-1;
 *                     market entry in the bar's direction (close vs open; none on a doji)
 *   pullback          close[t] / close[t - 1h] - 1 <= -0.5 %; a long limit 0.3 % under close[t], live 1h
 *   range_reversion   z = (close - mean) / std of the last 20 closes; z <= -2 long, z >= 2 short; market entry
 *
 * Size: max_notional_usd at close[t]. One entry order at a time per instrument; none while a position is open.
 * New entries stop at `entryUntil` (slice index); a position still open at the close of entryUntil is closed by a
 * reduce-only market order at the next open (the lab's and the walk-forward's convention).
 */
import { median } from '../stats/descriptive.js';
import { meanTrueRange, type EngineBars, type Strategy } from '../engine/index.js';
import type { ExperimentSpec } from './schema.js';

const HOUR_MS = 3_600_000;

export const TRIGGER_PARAMS = {
  volume_breakout: { volume_multiple: 3, lookback_ms: 24 * HOUR_MS, range_atr: 2, atr_bars: 14 },
  pullback: { lookback_ms: HOUR_MS, drop_pct: 0.5, limit_below_pct: 0.3, ttl_ms: HOUR_MS },
  range_reversion: { window_bars: 20, z: 2 },
} as const;

export const TRIGGER_CATEGORIES = Object.keys(TRIGGER_PARAMS) as (keyof typeof TRIGGER_PARAMS)[];

export interface Signal {
  side: 1 | -1;
  /** Limit price, or undefined for a market order. */
  limit?: number;
  ttlBars: number;
}

type Detector = (t: number) => Signal | null;

/** The detectors of `categories` for one instrument's bars (slice-indexed). Unknown categories: RangeError. */
export function detectors(categories: readonly string[], bars: EngineBars, tfMs: number): Detector[] {
  return categories.map((c): Detector => {
    if (c === 'volume_breakout') {
      const p = TRIGGER_PARAMS.volume_breakout;
      const look = Math.max(1, Math.round(p.lookback_ms / tfMs));
      const atr = meanTrueRange(bars.high, bars.low, bars.close, p.atr_bars);
      return (t) => {
        if (t < look || !(bars.high[t]! - bars.low[t]! > p.range_atr * atr[t - 1]!)) return null;
        const med = median(bars.volume.subarray(t - look, t));
        if (!(bars.volume[t]! > p.volume_multiple * med)) return null;
        const d = bars.close[t]! - bars.open[t]!;
        return d > 0 ? { side: 1, ttlBars: 1 } : d < 0 ? { side: -1, ttlBars: 1 } : null;
      };
    }
    if (c === 'pullback') {
      const p = TRIGGER_PARAMS.pullback;
      const look = Math.max(1, Math.round(p.lookback_ms / tfMs));
      const ttl = Math.max(1, Math.round(p.ttl_ms / tfMs));
      return (t) => {
        if (t < look) return null;
        const r = (bars.close[t]! / bars.close[t - look]! - 1) * 100;
        return r <= -p.drop_pct ? { side: 1, limit: bars.close[t]! * (1 - p.limit_below_pct / 100), ttlBars: ttl } : null;
      };
    }
    if (c === 'range_reversion') {
      const p = TRIGGER_PARAMS.range_reversion;
      return (t) => {
        if (t < p.window_bars - 1) return null;
        let s = 0;
        let ss = 0;
        for (let k = t - p.window_bars + 1; k <= t; k++) { const x = bars.close[k]!; s += x; ss += x * x; }
        const m = s / p.window_bars;
        const sd = Math.sqrt(Math.max(0, (ss - p.window_bars * m * m) / (p.window_bars - 1)));
        if (!(sd > 0)) return null;
        const z = (bars.close[t]! - m) / sd;
        return z <= -p.z ? { side: 1, ttlBars: 1 } : z >= p.z ? { side: -1, ttlBars: 1 } : null;
      };
    }
    throw new RangeError(`no entry trigger for category "${c}" (known: ${TRIGGER_CATEGORIES.join(', ')})`);
  });
}

/**
 * The experiment's entry strategy over slice bars; the engine runs on the window [from, to) of the slice, so
 * engine bar t is slice bar from + t.
 */
export function triggerStrategy(spec: ExperimentSpec, slice: { bars: EngineBars[]; tfMs: number }, from: number, entryUntil: number): Strategy {
  const det = slice.bars.map((b) => detectors(spec.trigger_categories, b, slice.tfMs));
  const live = new Int32Array(slice.bars.length).fill(-1);
  const notional = spec.exposure.max_notional_usd;
  return (t, _ts, ctx) => {
    const s = from + t;
    for (let i = 0; i < det.length; i++) {
      const pos = ctx.position(i);
      if (s >= entryUntil) {
        if (pos !== 0 && s === entryUntil) ctx.submitMarket(i, -pos, 1, true);
        continue;
      }
      if (pos !== 0 || ctx.orderLive(live[i]!)) continue;
      const c = slice.bars[i]!.close[s]!;
      if (!(c > 0)) continue;
      for (const d of det[i]!) {
        const sig = d(s);
        if (!sig) continue;
        const qty = (sig.side * notional) / (sig.limit ?? c);
        live[i] = sig.limit !== undefined ? ctx.submitLimit(i, qty, sig.limit, sig.ttlBars) : ctx.submitMarket(i, qty, sig.ttlBars);
        break;
      }
    }
  };
}
