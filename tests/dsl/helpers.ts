import type { CostConfig } from '../../lib/costs/schema.js';
import type { Blueprint, EventSeries, MarketSlice } from '../../lib/dsl/index.js';
import { withId } from '../../lib/dsl/index.js';
import type { EngineResult, OrderEvent } from '../../lib/engine/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import type { InstrumentKey } from '../../lib/market.js';

export { issuesOf } from '../helpers/spec_errors.js';

export const TF = 300_000;
export const T0 = Date.UTC(2024, 0, 1);
export const DIGEST = 'a'.repeat(64);
export const PLAN = 'b'.repeat(64);
export const BTC: InstrumentKey = { exchange: 'binance', market: 'um', symbol: 'BTCUSDT' };
export const ETH: InstrumentKey = { exchange: 'binance', market: 'um', symbol: 'ETHUSDT' };

/**
 * Costs easy to price by hand: taker 5 bps, maker 2 bps, no slippage, no impact, no capacity limit, no funding
 * (so perps need no funding series).
 */
export function costs(over: Partial<CostConfig> = {}): CostConfig {
  return {
    venues: { binance: { um: { maker_fee_bps: 2, taker_fee_bps: 5 }, spot: { maker_fee_bps: 10, taker_fee_bps: 10 } } },
    slippage_bps: 0,
    impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 },
    funding: { enabled: false },
    borrow: { spot_short_bps_per_year: 0 },
    ...over,
  };
}

export interface Bar { o: number; h: number; l: number; c: number; v?: number }
/** A flat bar at p (o = h = l = c). */
export const flat = (p: number): Bar => ({ o: p, h: p, l: p, c: p });
export const bar = (o: number, h: number, l: number, c: number): Bar => ({ o, h, l, c });
export const MISSING: Bar = { o: NaN, h: NaN, l: NaN, c: NaN, v: NaN };

/** One-instrument slice from bars, with feature columns and events {name: [[t, dir], ...]}. */
export function slice1(
  bars: readonly Bar[],
  opts: { features?: Record<string, readonly number[]>; events?: Record<string, readonly [number, number][]>; key?: InstrumentKey } = {},
): MarketSlice {
  return sliceN([bars], { features: [opts.features ?? {}], events: [opts.events ?? {}], keys: [opts.key ?? BTC] });
}

export function sliceN(
  barsPer: readonly (readonly Bar[])[],
  opts: { features?: Record<string, readonly number[]>[]; events?: Record<string, readonly [number, number][]>[]; keys: InstrumentKey[] },
): MarketSlice {
  const n = barsPer[0]!.length;
  return {
    instruments: opts.keys,
    ts_ms: Float64Array.from({ length: n }, (_, t) => T0 + t * TF),
    tfMs: TF,
    bars: barsPer.map((bars) => {
      const col = (f: 'o' | 'h' | 'l' | 'c') => Float64Array.from(bars, (b) => b[f]);
      return { open: col('o'), high: col('h'), low: col('l'), close: col('c'), volume: Float64Array.from(bars, (b) => b.v ?? 1e6) };
    }),
    features: barsPer.map((_, i) => Object.fromEntries(Object.entries(opts.features?.[i] ?? {}).map(([k, v]) => [k, Float64Array.from(v)]))),
    events: barsPer.map((_, i) => eventMap(opts.events?.[i] ?? {})),
  };
}

export function eventMap(ev: Record<string, readonly [number, number][]>): Map<string, EventSeries> {
  return new Map(Object.entries(ev).map(([k, v]) => [k, {
    t: Int32Array.from(v.map((x) => x[0])), direction: Int8Array.from(v.map((x) => x[1])),
  }]));
}

/** A rule blueprint on BTCUSDT 5m with the given strategy parts (id computed). */
export function ruleBp(
  strategy: Omit<Extract<Blueprint['strategy'], { type: 'rule' }>, 'type'>,
  over: Partial<Omit<Blueprint, 'id' | 'strategy'>> = {},
): Blueprint {
  return withId({
    schema_version: 1,
    name: 'test',
    timeframe: '5m',
    instruments: [BTC],
    strategy: { type: 'rule', ...strategy },
    sizing: { method: 'fixed_notional', notional_usd: 10_000 },
    cost_digest: DIGEST,
    provenance: { source: 'template', template: 'momentum', plan_hash: PLAN },
    ...over,
  });
}

export const fills = (r: EngineResult): OrderEvent[] => r.orderLog.filter((e) => e.event === 'filled');

/** Random-walk bars (log steps N(0, sigma)), high/low around open/close, volume 1e6. */
export function randomBars(n: number, seed: number, sigma = 0.004, start = 100): Bar[] {
  const rng = Xoshiro128ss.fromSeed(seed, 1);
  const out: Bar[] = [];
  let p = start;
  for (let t = 0; t < n; t++) {
    const o = p;
    p *= Math.exp(sigma * rng.normal());
    const hi = Math.max(o, p) * (1 + 0.002 * rng.uniform());
    const lo = Math.min(o, p) * (1 - 0.002 * rng.uniform());
    out.push({ o, h: hi, l: lo, c: p });
    // next open = this close (24/7 market)
  }
  return out;
}
