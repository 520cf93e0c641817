/**
 * Default exit and sizing policies for bridge survivors, by event family (lib/dsl/README.md has the table), and
 * the compilation of a plan candidate into a blueprint. The horizon always comes from the candidate (it is what
 * discovery and the bridge measured); stops and take-profits are added per family and change the trade, so the
 * walk-forward stage, not the bridge, is where the compiled blueprint is judged.
 */
import type { Market } from '../market.js';
import { withId } from './id.js';
import type { Blueprint, ExitPolicy, Sizing } from './types.js';
import { validateBlueprint } from './validate.js';

export type ExitLevels = Pick<ExitPolicy, 'stop_loss_bps' | 'take_profit_bps' | 'trailing_stop_bps'>;

export interface Policy {
  exit: ExitLevels;
  sizing: Sizing;
  /** Why these levels, in one line. */
  reason: string;
}

/** The bridge prices every trade at gates.yaml bridge.notional_usd (10,000 by default): the same size here. */
export const DEFAULT_SIZING: Sizing = Object.freeze({ method: 'fixed_notional', notional_usd: 10_000 });

const policy = (exit: ExitLevels, reason: string): Policy => Object.freeze({ exit: Object.freeze(exit), sizing: DEFAULT_SIZING, reason });

const SLOW_TREND = policy(
  { stop_loss_bps: 300, trailing_stop_bps: 500 },
  'day-scale trend crossings are slow and noisy: wide stops so ordinary 5m noise does not end the trade',
);
const FUNDING = policy(
  { stop_loss_bps: 300 },
  'crowded funding unwinds over hours to days (settlements every 8 h): a wide catastrophe stop only, no take-profit, the horizon exits',
);

export const DEFAULT_POLICIES: Readonly<Record<string, Policy>> = Object.freeze({
  funding_extreme: FUNDING,
  funding_zscore: FUNDING,
  capitulation: policy(
    { stop_loss_bps: 150, take_profit_bps: 300 },
    'capitulation reversals snap back within the hour or fail: a tight stop cuts the failures, a take-profit banks the snap-back',
  ),
  liquidation_cascade: policy(
    { stop_loss_bps: 150, take_profit_bps: 300 },
    'forced-liquidation overshoots revert fast or keep cascading: tight stop, take-profit at twice the stop',
  ),
  vol_shock: policy(
    { stop_loss_bps: 200, take_profit_bps: 300 },
    'a volatility shock gives part of the move back within hours; post-shock bars are wide, so the stop is wider than capitulation',
  ),
  volume_spike: policy(
    { stop_loss_bps: 150, trailing_stop_bps: 200 },
    'volume-spike continuation is fast: a tight stop for the failures, a trailing stop keeps most of a continuation',
  ),
  breakout: policy(
    { stop_loss_bps: 200, trailing_stop_bps: 300 },
    'failed breakouts fall back into the range quickly; a trailing stop lets a real one trend until the horizon',
  ),
  trend_cross: SLOW_TREND,
  rel_strength_cross: SLOW_TREND,
  basis_blowout: policy(
    { stop_loss_bps: 200 },
    'perp-spot basis converges over hours; the stop guards against a basis that keeps widening',
  ),
});

export const FALLBACK_POLICY: Policy = policy(
  { stop_loss_bps: 300 },
  'family without a tuned policy: a catastrophe stop only, the measured horizon exits',
);

/** The policy of an event family, or the fallback (`fallback: true`) for a family not in DEFAULT_POLICIES. */
export function defaultPolicy(eventFamily: string): Policy & { family: string; fallback: boolean } {
  const p = Object.prototype.hasOwnProperty.call(DEFAULT_POLICIES, eventFamily) ? DEFAULT_POLICIES[eventFamily] : undefined;
  return { ...(p ?? FALLBACK_POLICY), family: eventFamily, fallback: p === undefined };
}

export interface CandidateLike {
  candidate_id: string;
  template_id: string;
  event: string;
  event_family: string;
  expected: 'follow' | 'fade';
  exchange: string;
  market: string;
  symbol: string;
  timeframe: string;
  horizon_bars: number;
}

export interface CandidateExtra {
  cost_digest: string;
  plan_hash: string;
  discovery?: { n: number; mean_bps: number; q: number };
  bridge?: { net_bps: number; ci_low_bps: number; ci_high_bps: number };
  /** Overrides the family policy's sizing. */
  sizing?: Sizing;
}

/**
 * A bridge survivor as a blueprint: enter on the candidate's event, following or fading its direction, on its
 * instrument; exit after its horizon or at the family's stops. Validated (throws SpecError on a bad candidate).
 */
export function blueprintFromCandidate(c: CandidateLike, extra: CandidateExtra): Blueprint {
  const p = defaultPolicy(c.event_family);
  const bp = withId({
    schema_version: 1,
    name: `${c.expected} ${c.event} ${c.symbol} h=${c.horizon_bars}`,
    timeframe: c.timeframe as Blueprint['timeframe'],
    instruments: [{ exchange: c.exchange, market: c.market as Market, symbol: c.symbol }],
    strategy: {
      type: 'rule',
      entries: [{ event: c.event, side: c.expected }],
      exit: { horizon_bars: c.horizon_bars, ...p.exit },
    },
    sizing: extra.sizing ?? p.sizing,
    cost_digest: extra.cost_digest,
    provenance: {
      source: 'bridge',
      candidate_id: c.candidate_id,
      template_id: c.template_id,
      plan_hash: extra.plan_hash,
      ...(extra.discovery ? { discovery: extra.discovery } : {}),
      ...(extra.bridge ? { bridge: extra.bridge } : {}),
    },
  });
  return validateBlueprint(bp, { source: `candidate ${c.candidate_id}`, knownFeatures: new Set(), knownEvents: new Set([c.event]) });
}
