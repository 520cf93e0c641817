/**
 * The cost of one fill in basis points of its notional under a cost config (spec/costs.yaml), for simulators that
 * trade target weights rather than orders (the monitor): slippage_bps + impactBps (the engine's own impact function,
 * lib/engine/engine.ts calls it for every fill) + the fee: impact = coefficient * daily_vol_bps * sqrt(participation) (sqrt
 * model) or coefficient_bps * participation (linear); participation = traded notional / the day's traded notional.
 * Unknown participation or daily vol (NaN) adds no impact: callers refuse to trade names without volume first.
 */
import { SpecError } from '../errors.js';
import type { CostConfig, MarketFees } from './schema.js';

/**
 * Market impact of one fill in bps of its notional: the one formula of the project (the engine's fills, its forced
 * exits and the monitor's weight trades call it). sqrt: coefficient * dailyVolBps * sqrt(participation); linear:
 * coefficient_bps * participation. NaN when the sqrt model has no daily volatility (the caller decides: the engine
 * rejects the order, the forced exit and the monitor charge none).
 */
export function impactBps(impact: CostConfig['impact'], dailyVolBps: number, participation: number): number {
  return impact.model === 'sqrt' ? impact.coefficient * dailyVolBps * Math.sqrt(participation) : impact.coefficient_bps * participation;
}

export function fillCostBps(c: CostConfig, feeBps: number, dailyVolBps: number, participation: number): number {
  let bps = feeBps + c.slippage_bps;
  if (Number.isFinite(participation) && participation > 0) {
    const imp = impactBps(c.impact, dailyVolBps, participation);
    if (Number.isFinite(imp)) bps += imp;
  }
  return bps;
}

/** Fees of venue/market, or a located error naming the cost file. */
export function venueFees(c: CostConfig, venue: string, market: string, file: string): MarketFees {
  const f = (c.venues[venue] as Record<string, MarketFees> | undefined)?.[market];
  if (!f) {
    throw new SpecError([`${file} venues.${venue}.${market}: no fees for this venue and market (venues: ${Object.keys(c.venues).join(', ')})`], {
      hint: 'add the fees to the cost config, or point the monitor config costs.exchange at a priced venue',
    });
  }
  return f;
}
