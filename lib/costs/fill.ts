/**
 * The cost of one fill in basis points of its notional under a cost config (spec/costs.yaml), for simulators that
 * trade target weights rather than orders (the monitor). The same formula as the engine's (lib/engine/engine.ts:
 * slippage_bps + impact, plus the taker fee): impact = coefficient * daily_vol_bps * sqrt(participation) (sqrt
 * model) or coefficient_bps * participation (linear); participation = traded notional / the day's traded notional.
 * Unknown participation or daily vol (NaN) adds no impact: callers refuse to trade names without volume first.
 */
import { SpecError } from '../errors.js';
import type { CostConfig, MarketFees } from './schema.js';

export function fillCostBps(c: CostConfig, feeBps: number, dailyVolBps: number, participation: number): number {
  let bps = feeBps + c.slippage_bps;
  if (Number.isFinite(participation) && participation > 0) {
    if (c.impact.model === 'sqrt') { if (Number.isFinite(dailyVolBps)) bps += c.impact.coefficient * dailyVolBps * Math.sqrt(participation); }
    else bps += c.impact.coefficient_bps * participation;
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
