/**
 * Cost configs derived from the resolved one for a simulation: venue aliases (a lake exchange priced as another
 * venue) and the cost-sensitivity scaling of trading costs. The digest of the config a blueprint is bound to is
 * always taken from the resolved file, never from these.
 */
import type { CostConfig } from './schema.js';

/**
 * Fees are looked up by the instrument's exchange: a lake exchange that is not itself a priced venue (the synthetic
 * market) is priced as the venue venue_for names, as in the bridge. Only adds entries; never overrides a venue.
 */
export function withVenueAliases(c: CostConfig, venueFor: Readonly<Record<string, string>>): CostConfig {
  const venues = { ...c.venues };
  for (const [exchange, venue] of Object.entries(venueFor)) {
    if (!(exchange in venues) && c.venues[venue]) venues[exchange] = c.venues[venue]!;
  }
  return { ...c, venues };
}

/** Fees, slippage and impact scaled by m; funding and borrow unchanged. */
export function scaleCosts(c: CostConfig, m: number): CostConfig {
  if (m === 1) return c;
  const venues: CostConfig['venues'] = {};
  for (const [v, mk] of Object.entries(c.venues)) {
    venues[v] = Object.fromEntries(Object.entries(mk).map(([k, f]) => [k, { ...f!, maker_fee_bps: f!.maker_fee_bps * m, taker_fee_bps: f!.taker_fee_bps * m }]));
  }
  const impact = c.impact.model === 'sqrt'
    ? { ...c.impact, coefficient: c.impact.coefficient * m }
    : { ...c.impact, coefficient_bps: c.impact.coefficient_bps * m };
  return { ...c, venues, slippage_bps: c.slippage_bps * m, impact };
}

