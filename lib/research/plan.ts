/**
 * The candidate plan: every ready template expanded over the events of its family (parameter variants), the
 * instruments of its universe that have cleaned bars at the timeframe, and its horizons; then each candidate's
 * feasibility from the events lake (how many occurrences have a complete forward window, and their expected ESS).
 * Pure functions: the plan stage reads and writes, these compute.
 */
import { canonicalJson, sha256Hex } from '../hash.js';
import { inUniverse } from './concepts.js';
import { templateHorizonBars, type Template } from './templates.js';
import type { Timeframe } from '../timeframe.js';
import { essOverlap } from '../stats/ess.js';
import { assignBuckets, type BucketInputs } from './buckets.js';

/** An instrument with cleaned bars at the plan's timeframe (from the partition manifests only). */
export interface Instrument {
  exchange: string;
  market: string;
  symbol: string;
  /** Rows of cleaned bars (the complete UTC grid, missing slots included). */
  bars: number;
  /** OPEN time of the first and last bar, UTC ms. */
  first_ts_ms: number;
  last_ts_ms: number;
}

export { POOLED_SYMBOL, isPooled, memberInstruments, type Candidate } from './candidate.js';
import { POOLED_SYMBOL, isPooled, type Candidate } from './candidate.js';

export type GateName = 'min_n' | 'min_ess';

export interface Feasibility {
  /** Occurrences of the event on the instrument in lake/events. */
  events: number;
  /** Occurrences whose forward window [t+1, t+1+h] lies inside the instrument's bars (an upper bound of discovery's n). */
  usable_events: number;
  /** essOverlap of the usable occurrences' bar indices with h, rounded to 1e-6. */
  expected_ess: number;
  feasible: boolean;
  /** Gates the candidate cannot pass on these numbers, in gate order. */
  failing: GateName[];
}

export interface PlannedCandidate extends Candidate {
  feasibility: Feasibility;
}

/**
 * `c-` + 16 hex of SHA-256(canonical JSON of {template_id, event, exchange, market, symbol, timeframe, horizon_bars}),
 * plus {pooling, members} for a pooled candidate (its scope is part of the hypothesis).
 */
export function candidateIdOf(
  c: Pick<Candidate, 'template_id' | 'event' | 'exchange' | 'market' | 'symbol' | 'timeframe' | 'horizon_bars' | 'pooling' | 'members' | 'bucket'>,
): string {
  const key = {
    template_id: c.template_id, event: c.event, exchange: c.exchange, market: c.market, symbol: c.symbol,
    timeframe: c.timeframe, horizon_bars: c.horizon_bars,
    ...(isPooled(c) ? { pooling: c.pooling, members: [...(c.members ?? [])].sort(cmp) } : {}),
    ...(c.bucket !== undefined ? { bucket: c.bucket } : {}),
  };
  return 'c-' + sha256Hex(canonicalJson(key)).slice(0, 16);
}

export function instrumentKey(i: { exchange: string; market: string; symbol: string }): string {
  return `${i.exchange}/${i.market}/${i.symbol}`;
}

/**
 * Every candidate of the ready templates: events of the family x instruments in the universe x horizons (converted
 * to bars of the timeframe: a duration that is not a whole number of bars is a located SpecError), sorted by
 * candidate_id. A pooled template (`pooling: universe`) gives one candidate per event, exchange/market of its
 * universe's instruments and horizon instead, with symbol POOLED_SYMBOL and the instruments' symbols as members.
 * Blocked templates give none.
 */
export function expandCandidates(templates: readonly Template[], instruments: readonly Instrument[], timeframe: Timeframe, bucketInputs: BucketInputs = {}): Candidate[] {
  const out: Candidate[] = [];
  const horizons = templateHorizonBars(templates, timeframe);
  for (const t of templates) {
    if (t.status !== 'ready') continue;
    const insts = instruments.filter((i) => inUniverse(t.universe, i));
    if (t.pooling === 'universe' || t.pooling === 'bucket') {
      const scopes = new Map<string, { exchange: string; market: string; insts: Instrument[] }>();
      for (const i of insts) {
        const k = `${i.exchange}/${i.market}`;
        const sc = scopes.get(k) ?? { exchange: i.exchange, market: i.market, insts: [] };
        sc.insts.push(i);
        scopes.set(k, sc);
      }
      for (const event of t.events) {
        for (const sc of scopes.values()) {
          const groups: [string | undefined, string[]][] = t.pooling === 'bucket'
            ? assignBuckets(t.bucket!, sc.insts.map((i) => ({ key: instrumentKey(i), symbol: i.symbol })), bucketInputs)
            : [[undefined, sc.insts.map((i) => i.symbol)]];
          for (const [bucket, members] of groups) {
            for (const h of horizons.get(t.id)!) {
              const base = {
                template_id: t.id, concept_id: t.concept_id, event, event_family: t.event_family,
                exchange: sc.exchange, market: sc.market, symbol: POOLED_SYMBOL, timeframe, horizon_bars: h, expected: t.expected,
                pooling: t.pooling, members: [...members].sort(cmp), ...(bucket !== undefined ? { bucket } : {}),
              };
              out.push({ candidate_id: candidateIdOf(base), ...base });
            }
          }
        }
      }
      continue;
    }
    for (const event of t.events) {
      for (const inst of insts) {
        for (const h of horizons.get(t.id)!) {
          const base = {
            template_id: t.id, concept_id: t.concept_id, event, event_family: t.event_family,
            exchange: inst.exchange, market: inst.market, symbol: inst.symbol, timeframe, horizon_bars: h, expected: t.expected,
          };
          out.push({ candidate_id: candidateIdOf(base), ...base });
        }
      }
    }
  }
  out.sort((a, b) => cmp(a.candidate_id, b.candidate_id));
  return out;
}

/**
 * Feasibility of one candidate. `barIdx`: bar indices (ts - first bar ts) / tf of the event's occurrences on the
 * instrument, ascending; `lastIdx`: index of the instrument's last bar. An occurrence at t is usable when
 * t >= 0 and t + 1 + h <= lastIdx (entry at the open of t+1, exit at the open of t+1+h).
 */
export function feasibilityOf(
  barIdx: Float64Array, lastIdx: number, h: number, gates: { min_n: number; min_ess: number },
): Feasibility {
  const usable = usableRange(barIdx, lastIdx, h);
  const ess = Math.round(essOverlap(usable, h) * 1e6) / 1e6;
  const failing: GateName[] = [];
  if (usable.length < gates.min_n) failing.push('min_n');
  if (ess < gates.min_ess) failing.push('min_ess');
  return { events: barIdx.length, usable_events: usable.length, expected_ess: ess, feasible: failing.length === 0, failing };
}

/** Usable occurrences (bar indices) of one instrument: t >= 0 and t + 1 + h <= lastIdx (as in feasibilityOf). */
function usableRange(barIdx: Float64Array, lastIdx: number, h: number): Float64Array {
  let lo = 0;
  while (lo < barIdx.length && barIdx[lo]! < 0) lo++;
  let hi = lo;
  while (hi < barIdx.length && barIdx[hi]! + 1 + h <= lastIdx) hi++;
  return barIdx.subarray(lo, hi);
}

/**
 * Feasibility of a pooled candidate. Per member: `barIdx` (ascending bar indices of its occurrences, as for
 * feasibilityOf), `lastIdx`, and `offset` = its first bar's index on the common calendar (first_ts_ms / tf). The
 * usable occurrences of every member are placed on the calendar and the ESS is the pooled ESS of discovery:
 * essOverlap of all of them together, so windows of different symbols that overlap in time count as overlapping.
 */
export function pooledFeasibilityOf(
  members: readonly { barIdx: Float64Array; lastIdx: number; offset: number }[], h: number, gates: { min_n: number; min_ess: number },
): Feasibility {
  let events = 0;
  const all: number[] = [];
  for (const m of members) {
    events += m.barIdx.length;
    for (const t of usableRange(m.barIdx, m.lastIdx, h)) all.push(m.offset + t);
  }
  all.sort((a, b) => a - b);
  const ess = Math.round(essOverlap(all, h) * 1e6) / 1e6;
  const failing: GateName[] = [];
  if (all.length < gates.min_n) failing.push('min_n');
  if (ess < gates.min_ess) failing.push('min_ess');
  return { events, usable_events: all.length, expected_ess: ess, feasible: failing.length === 0, failing };
}

/** candidate_plan.jsonl: canonical JSON per candidate, sorted by candidate_id, newline-terminated lines. */
export function candidatePlanJsonl(cands: readonly PlannedCandidate[]): string {
  return [...cands].sort((a, b) => cmp(a.candidate_id, b.candidate_id)).map((c) => canonicalJson(c) + '\n').join('');
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
