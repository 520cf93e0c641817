/**
 * Discovery statistics per candidate, FDR over the whole plan, and the gates (docs/research.md "Discovery
 * statistics"). Pure: the stage loads one instrument at a time and calls `evaluateInstrument`, then `finalizeDiscovery`
 * once over every candidate of the plan.
 *
 * Definitions (returns are natural-log returns; "bps" = x 1e4):
 *   y_i      = s_i * ln(open[t_i+1+h] / open[t_i+1])                               (lib/research/forward.ts)
 *   drift    = mean h-bar forward log return of the instrument over every bar of the loaded period
 *   x_i      = y_i - s_i * drift; excess = mean(x)   (positive = in the expected direction)
 *   m        = max_i #{j > i : t_j - t_i < h}   (later occurrences starting within h bars: overlapping windows)
 *   L        = max(floor(4 (n/100)^(2/9)), m)    Newey-West (Bartlett) lag on x in time order (the lag USED)
 *   bw94     = Newey & West (1994) plug-in bandwidth on x - mean(x) (Bartlett, no prewhitening, as computed):
 *              reported beside L for review, not used by the test
 *   ESS      = n^2 / sum_ij max(0, 1 - |t_i - t_j| / h)   (essOverlap's 'exact' convention, not n / h)
 *   p        = two-sided Student t of the HAC t with max(1, floor(ESS) - 1) df; p = 1 when n < 2 or the HAC
 *              standard error is 0 or not finite (no test is possible)
 *   q        = BH (or BY) adjusted p over every candidate of the plan
 *   gates    = min_n, min_ess, min_mean_bps (on the excess), max_q, in this order
 *
 * Pooled candidates (`pooling: universe`, docs/research.md "Pooled candidates"): the occurrences of every member
 * symbol, each x_i demeaned by ITS symbol's drift, are placed on the common calendar T_i = ts / tf (bars since the
 * epoch) and stacked into one sample of N:
 *   excess   = mean of all x (every occurrence weighs the same)
 *   L        = max(h - 1, floor(4 (T/100)^(2/9))), T = calendar span of the occurrences in bars (the Newey-West
 *              rule on the length of the Driscoll-Kraay time series; h - 1 makes the Bartlett weight of two
 *              occurrences d < h bars apart 1 - d/h, the overlap of their windows)
 *   hac_t    = excess / Driscoll-Kraay (1998) standard error with lag L (lib/stats/hac.ts driscollKraayMean):
 *              robust to correlation across symbols at the same time and to overlapping windows
 *   m, ESS   = overlapCount and essOverlap of the sorted calendar times of all occurrences: windows of different
 *              symbols that overlap in time count as overlapping (as if the symbols were perfectly correlated:
 *              conservative), the same bar on k symbols counts once
 *   p, q     = as above; pooled and per-symbol candidates share one BH/BY family (the whole plan)
 */
import type { Candidate } from './candidate.js';
// the modules themselves, not stats/index.js: the stage would load every statistic of the library (bootstrap,
// cointegration, PBO, ...) to use these
import { mean, median, std } from '../stats/descriptive.js';
import { studentTTwoSidedP } from '../stats/distributions.js';
import { essOverlap } from '../stats/ess.js';
import { driscollKraayMean, neweyWestBandwidth, neweyWestLag, neweyWestMean } from '../stats/hac.js';
import { pAdjust } from '../stats/multiple_testing.js';
import { forwardOccurrences, unconditionalDrift, type OpenSeries, type Occurrences } from './forward.js';
import type { DiscoveryGates, FdrMethod } from './gates.js';

const BPS = 1e4;

/** One line of research/plan/candidate_plan.jsonl: the plan stage's candidate and what its feasibility counted. */
export interface PlanCandidate extends Candidate {
  /** events of this candidate the plan counted (feasibility); NaN when the plan does not say */
  events: number;
  /** ESS the plan expected; NaN when the plan does not say */
  expected_ess: number;
}

export interface CandidateStats {
  candidate_id: string;
  /** events of the candidate's event and instrument found in lake/events */
  n_events: number;
  dropped_outside: number;
  dropped_missing_open: number;
  n: number;
  mean_bps: number;
  median_bps: number;
  std_bps: number;
  hit_rate: number;
  drift_bps: number;
  excess_bps: number;
  hac_t: number;
  hac_lags: number;
  /** Newey-West (1994) automatic bandwidth of x (as computed, not used; NaN when n < 2 or x is constant). */
  hac_bandwidth_nw94: number;
  overlap_m: number;
  ess: number;
  df: number;
  p: number;
  /** `universe` or `bucket` for a pooled candidate, `symbol` otherwise. */
  pooling: 'symbol' | 'universe' | 'bucket';
  /** Per member symbol of a pooled candidate (sorted by symbol); [] for a per-symbol candidate. */
  members: MemberStats[];
}

/** One member symbol's share of a pooled candidate. */
export interface MemberStats {
  symbol: string;
  /** occurrences tested */
  n: number;
  /** mean of y, bps (NaN when n = 0) */
  mean_bps: number;
  /** mean of y - s drift (the symbol's drift), bps (NaN when n = 0) */
  excess_bps: number;
}

/** The occurrences of one member symbol of a pooled candidate and what is needed to stack them. */
export interface MemberOccurrences {
  symbol: string;
  /** Calendar index of the symbol's bar 0: first bar ts_ms / tf ms (an integer on a UTC grid). */
  offset: number;
  occ: Occurrences;
  /** The symbol's unconditional drift at the horizon (log). */
  drift: number;
}

export const DISCOVERY_GATE_ORDER = ['min_n', 'min_ess', 'min_mean_bps', 'max_q'] as const;
export type DiscoveryGateName = (typeof DISCOVERY_GATE_ORDER)[number];

export interface DiscoveryResult extends CandidateStats {
  q: number;
  pass: boolean;
  /** first failing gate in DISCOVERY_GATE_ORDER, '' when pass */
  failed_gate: DiscoveryGateName | '';
  failed_gates: DiscoveryGateName[];
}

/** Events of one event name on one instrument: bar indices (time order) and directions. */
export interface EventSeries {
  t: Int32Array;
  direction: Int8Array;
}

/** One instrument's data for discovery: its opens and its events by name. */
export interface InstrumentData {
  open: OpenSeries;
  events: ReadonlyMap<string, EventSeries>;
}

/** m: the largest number of later occurrences starting within h bars of one occurrence (t sorted ascending). */
export function overlapCount(t: ArrayLike<number>, h: number): number {
  let m = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    if (j < i + 1) j = i + 1;
    while (j < t.length && t[j]! - t[i]! < h) j++;
    m = Math.max(m, j - i - 1);
  }
  return m;
}

/** The HAC lag of the contract: max(floor(4 (n/100)^(2/9)), m). */
export function hacLag(n: number, m: number): number {
  return Math.max(neweyWestLag(n), m);
}

/** Statistics of one candidate from its occurrences (time order), horizon h (bars) and the instrument drift (log). */
export function candidateStats(candidateId: string, occ: Occurrences, h: number, drift: number): CandidateStats {
  const n = occ.y.length;
  const x = new Float64Array(n);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    x[i] = occ.y[i]! - occ.s[i]! * drift;
    if (occ.y[i]! > 0) hits++;
  }
  const m = overlapCount(occ.t, h);
  const base = {
    candidate_id: candidateId,
    n_events: occ.t.length + occ.dropped.outside + occ.dropped.missing_open,
    dropped_outside: occ.dropped.outside,
    dropped_missing_open: occ.dropped.missing_open,
    n,
    drift_bps: drift * BPS,
    overlap_m: m,
    pooling: 'symbol' as const,
    members: [] as MemberStats[],
  };
  if (n === 0) {
    return { ...base, mean_bps: NaN, median_bps: NaN, std_bps: NaN, hit_rate: NaN, excess_bps: NaN, hac_t: NaN, hac_lags: 0, hac_bandwidth_nw94: NaN, ess: 0, df: 1, p: 1 };
  }
  const ess = essOverlap(occ.t, h, 'exact');
  const df = Math.max(1, Math.floor(ess) - 1);
  const stats = {
    ...base,
    mean_bps: mean(occ.y) * BPS,
    median_bps: median(occ.y) * BPS,
    std_bps: n >= 2 ? std(occ.y) * BPS : NaN,
    hit_rate: hits / n,
    excess_bps: mean(x) * BPS,
    ess,
    df,
  };
  if (n < 2) return { ...stats, hac_t: NaN, hac_lags: 0, hac_bandwidth_nw94: NaN, p: 1 };
  const lags = Math.min(hacLag(n, m), n - 1);
  const nw = neweyWestMean(x, lags);
  const testable = Number.isFinite(nw.se) && nw.se > 0 && Number.isFinite(nw.t);
  const xm = nw.mean;
  const xc = new Float64Array(n); // x - mean(x): a loop, not Float64Array.from with a map function (same values)
  for (let i = 0; i < n; i++) xc[i] = x[i]! - xm;
  return {
    ...stats,
    hac_t: testable ? nw.t : NaN,
    hac_lags: nw.lags,
    hac_bandwidth_nw94: neweyWestBandwidth([xc]).bandwidth,
    p: testable ? studentTTwoSidedP(nw.t, df) : 1,
  };
}

/** Drifts by horizon, computed once per instrument. */
export type DriftCache = Map<number, number>;

/** The occurrences of candidate `c`'s event on the instrument of `data`, and the instrument's drift at its horizon. */
export function occurrencesOf(
  c: Pick<PlanCandidate, 'event' | 'expected' | 'horizon_bars'>, data: InstrumentData, drifts: DriftCache = new Map(),
): { occ: Occurrences; drift: number } {
  const h = c.horizon_bars;
  let drift = drifts.get(h);
  if (drift === undefined) {
    drift = unconditionalDrift(data.open, h).drift;
    drifts.set(h, drift);
  }
  const ev = data.events.get(c.event) ?? { t: new Int32Array(0), direction: new Int8Array(0) };
  const sign = c.expected === 'fade' ? -1 : 1;
  const s = new Int8Array(ev.direction.length);
  for (let i = 0; i < s.length; i++) s[i] = ev.direction[i]! * sign;
  return { occ: forwardOccurrences(data.open, ev.t, s, h), drift };
}

/**
 * Evaluates every candidate of ONE instrument (all candidates must share the instrument of `data`). The drift is
 * computed once per horizon. A candidate whose event never occurs on the instrument gets n = 0 (p = 1).
 */
export function evaluateInstrument(candidates: readonly Pick<PlanCandidate, 'candidate_id' | 'event' | 'expected' | 'horizon_bars'>[], data: InstrumentData, drifts: DriftCache = new Map()): CandidateStats[] {
  return candidates.map((c) => {
    const { occ, drift } = occurrencesOf(c, data, drifts);
    return candidateStats(c.candidate_id, occ, c.horizon_bars, drift);
  });
}

/** The Driscoll-Kraay lag of a pooled candidate: max(h - 1, floor(4 (T/100)^(2/9))), T the calendar span in bars. */
export function pooledHacLag(h: number, spanBars: number): number {
  return Math.max(h - 1, neweyWestLag(spanBars));
}

/**
 * Statistics of a pooled candidate from the occurrences of its member symbols (module comment: excess over all
 * occurrences, Driscoll-Kraay t on the common calendar, ESS over the merged calendar times), with the per-symbol
 * breakdown. `hac_bandwidth_nw94` is not computed for a pooled candidate (NaN).
 */
export function pooledStats(candidateId: string, members: readonly MemberOccurrences[], h: number, pooling: 'universe' | 'bucket' = 'universe'): CandidateStats {
  const sorted = [...members].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const T: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  let nEvents = 0;
  let outside = 0;
  let missing = 0;
  let hits = 0;
  let driftSum = 0;
  const breakdown: MemberStats[] = [];
  for (const mb of sorted) {
    const { occ } = mb;
    nEvents += occ.t.length + occ.dropped.outside + occ.dropped.missing_open;
    outside += occ.dropped.outside;
    missing += occ.dropped.missing_open;
    let sy = 0;
    let sx = 0;
    for (let i = 0; i < occ.y.length; i++) {
      const xi = occ.y[i]! - occ.s[i]! * mb.drift;
      T.push(mb.offset + occ.t[i]!);
      x.push(xi);
      y.push(occ.y[i]!);
      sy += occ.y[i]!;
      sx += xi;
      if (occ.y[i]! > 0) hits++;
      driftSum += mb.drift;
    }
    const k = occ.y.length;
    breakdown.push({ symbol: mb.symbol, n: k, mean_bps: k ? (sy / k) * BPS : NaN, excess_bps: k ? (sx / k) * BPS : NaN });
  }
  const n = x.length;
  const cal = Float64Array.from(T).sort();
  const m = overlapCount(cal, h);
  const base = {
    candidate_id: candidateId, n_events: nEvents, dropped_outside: outside, dropped_missing_open: missing, n,
    drift_bps: n ? (driftSum / n) * BPS : NaN, overlap_m: m, pooling, members: breakdown,
    hac_bandwidth_nw94: NaN,
  };
  if (n === 0) {
    return { ...base, mean_bps: NaN, median_bps: NaN, std_bps: NaN, hit_rate: NaN, excess_bps: NaN, hac_t: NaN, hac_lags: 0, ess: 0, df: 1, p: 1 };
  }
  const ess = essOverlap(cal, h, 'exact');
  const df = Math.max(1, Math.floor(ess) - 1);
  const stats = {
    ...base, mean_bps: mean(y) * BPS, median_bps: median(y) * BPS, std_bps: n >= 2 ? std(y) * BPS : NaN,
    hit_rate: hits / n, excess_bps: mean(x) * BPS, ess, df,
  };
  if (n < 2) return { ...stats, hac_t: NaN, hac_lags: 0, p: 1 };
  const lags = pooledHacLag(h, cal[n - 1]! - cal[0]! + 1);
  const dk = driscollKraayMean(T, x, lags);
  const testable = Number.isFinite(dk.se) && dk.se > 0 && Number.isFinite(dk.t);
  return { ...stats, hac_t: testable ? dk.t : NaN, hac_lags: lags, p: testable ? studentTTwoSidedP(dk.t, df) : 1 };
}

/** The gates a candidate fails, in DISCOVERY_GATE_ORDER. NaN statistics fail their gate. */
export function failedGates(r: Pick<CandidateStats, 'n' | 'ess' | 'excess_bps'> & { q: number }, g: DiscoveryGates): DiscoveryGateName[] {
  const out: DiscoveryGateName[] = [];
  if (!(r.n >= g.min_n)) out.push('min_n');
  if (!(r.ess >= g.min_ess)) out.push('min_ess');
  if (!(r.excess_bps >= g.min_mean_bps)) out.push('min_mean_bps');
  if (!(r.q <= g.max_q)) out.push('max_q');
  return out;
}

/** q-values over the whole plan (input order kept). */
export function qValues(p: Float64Array, method: FdrMethod): Float64Array {
  return Float64Array.from(pAdjust(p, method));
}

/** Adds q (over every row given: the whole plan), pass and the failing gates. Rows keep their order. */
export function finalizeDiscovery(rows: readonly CandidateStats[], g: DiscoveryGates): DiscoveryResult[] {
  const q = qValues(Float64Array.from(rows, (r) => r.p), g.fdr);
  return rows.map((r, i) => {
    const withQ = { ...r, q: q[i]! };
    const failed = failedGates(withQ, g);
    return { ...withQ, pass: failed.length === 0, failed_gate: failed[0] ?? '', failed_gates: failed };
  });
}
