/**
 * A planned candidate and the helpers a stage that only reads the plan needs (discovery, bridge, walk-forward):
 * apart from lib/research/plan.ts, which expands and budgets the plan (concepts, templates, buckets, their spec
 * readers), so that reading a plan does not load what writes one. plan.ts re-exports these.
 */
import type { Expected } from './concepts.js';

export interface Candidate {
  candidate_id: string;
  template_id: string;
  concept_id: string;
  event: string;
  event_family: string;
  exchange: string;
  market: string;
  symbol: string;
  timeframe: string;
  horizon_bars: number;
  expected: Expected;
  /** Present only on a pooled candidate: its `symbol` is POOLED_SYMBOL and `members` lists the pooled symbols. */
  pooling?: 'universe' | 'bucket';
  /** The bucket of a `pooling: bucket` candidate (lib/research/buckets.ts: `liq1of3`, a sector name, `unmapped`). */
  bucket?: string;
  /** Symbols of the exchange and market whose events a pooled candidate stacks, sorted. */
  members?: string[];
}

/** The `symbol` of a pooled candidate (not a symbol name: symbols match `[A-Za-z0-9][A-Za-z0-9_.-]*`). */
export const POOLED_SYMBOL = '*';

/** True for a pooled candidate (one test over the events of several instruments). */
export function isPooled(c: Pick<Candidate, 'pooling'>): boolean {
  return c.pooling === 'universe' || c.pooling === 'bucket';
}

/** The member instruments of a candidate: its own instrument, or each member of a pooled candidate. */
export function memberInstruments(c: Pick<Candidate, 'exchange' | 'market' | 'symbol' | 'pooling' | 'members'>): { exchange: string; market: string; symbol: string }[] {
  if (!isPooled(c)) return [{ exchange: c.exchange, market: c.market, symbol: c.symbol }];
  return (c.members ?? []).map((symbol) => ({ exchange: c.exchange, market: c.market, symbol }));
}
