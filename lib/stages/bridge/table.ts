/**
 * lake/bridge/results.parquet: one row per discovery survivor, in plan order. Costs and returns are means over the
 * candidate's trades, in bps of the notional (simple returns, not log); NULL where undefined (no trades).
 */
import { dictColumn, type ColumnSchema, type ColumnSet } from '../../lake/index.js';
import type { BridgeStats } from '../../research/bridge.js';
import type { PlanCandidate } from '../../research/discovery.js';

export const BRIDGE_RESULTS_FILE = 'results.parquet';

/** A survivor's bridge row: its candidate, where it was priced, and its statistics. */
export interface BridgeRow {
  candidate: PlanCandidate;
  venue: string;
  taker_fee_bps: number;
  notional_usd: number;
  n_occurrences: number;
  dropped_outside: number;
  dropped_missing_open: number;
  /** The candidate passed every discovery gate (always true with scope: survivors). */
  discovery_pass: boolean;
  stats: BridgeStats;
}

const s = (name: string, description: string): ColumnSchema => ({ name, type: 'str', description });
const f = (name: string, description: string): ColumnSchema => ({ name, type: 'f64', description });
const i = (name: string, description: string): ColumnSchema => ({ name, type: 'i32', description });

export const BRIDGE_COLUMNS: readonly ColumnSchema[] = [
  s('candidate_id', 'discovery survivor'),
  s('template_id', 'template'),
  s('concept_id', 'concept'),
  s('event', 'event name'),
  s('exchange', 'exchange in the lake'),
  s('market', 'spot, um or cm'),
  s('symbol', 'symbol'),
  s('timeframe', 'bar timeframe'),
  i('horizon_bars', 'hold: open[t+1] to open[t+1+h]'),
  s('expected', 'follow or fade'),
  s('venue', 'fee venue in spec/costs.yaml (venue_for maps lake exchanges)'),
  f('taker_fee_bps', 'taker fee per side, bps'),
  f('notional_usd', 'notional of every trade, USD'),
  i('n_occurrences', 'occurrences with a complete forward window (discovery n)'),
  i('dropped_outside', 'events whose window leaves the bars'),
  i('dropped_missing_open', 'events whose window has a missing open'),
  i('dropped_short_history', 'occurrences without 24h of history before the entry (impact unknown)'),
  i('dropped_zero_volume', 'occurrences with zero base volume over the trailing 24h'),
  i('dropped_funding_span', 'occurrences whose hold leaves the span the funding series covers (perpetuals): not priced'),
  i('n_trades', 'trades priced'),
  f('gross_bps', 'mean simple return of the trade, bps'),
  f('fees_bps', 'mean fees, both fills, bps'),
  f('slippage_bps', 'mean slippage, both fills, bps'),
  f('impact_bps', 'mean impact, both fills, bps'),
  f('funding_bps', 'mean funding paid (negative: received), bps'),
  f('borrow_bps', 'mean borrow on spot shorts, bps'),
  f('net_bps', 'mean net edge per trade, bps'),
  f('net_median_bps', 'median net edge per trade, bps'),
  f('ci_lo_bps', 'stationary-bootstrap CI of the mean net edge, lower bound, bps'),
  f('ci_hi_bps', 'upper bound, bps'),
  f('ci_level', 'two-sided CI level'),
  i('bootstrap_block', 'mean block length = discovery HAC lag + 1, in trades (time order): the block used'),
  f('pw_block', 'Politis-White (2004/2009) stationary-bootstrap block length of the net series as computed (unclamped; for review, not used; NULL below 4 trades)'),
  i('bootstrap_reps', 'bootstrap replicates'),
  f('bootstrap_seed', 'seed = first 48 bits of SHA-256(candidate_id)'),
  f('participation_mean', 'mean Q / V24h (fraction)'),
  f('participation_max', 'max Q / V24h (fraction)'),
  i('participation_breaches', 'fills (entry and exit) above max_participation of their bar volume'),
  f('capacity_usd', 'median of max_participation x entry-bar quote volume, USD'),
  f('round_trips_per_year', 'trades per year of bars loaded'),
  f('notional_turnover_usd_per_year', '2 x notional x round trips per year, USD'),
  { name: 'discovery_pass', type: 'u8', description: '1: the candidate passed every discovery gate (scope: all prices the others too)' },
  { name: 'pass', type: 'u8', description: '1: survived discovery, ci_lo > 0, net >= min_net_bps, capacity >= min_capacity_usd' },
  s('failed_gate', 'first failing gate (discovery, ci_lo, min_net_bps, min_capacity_usd), empty when pass'),
  s('failed_gates', 'every failing gate, comma-separated'),
  s('cost_digest', 'SHA-256 of the resolved cost config'),
  s('plan_hash', 'SHA-256 of candidate_plan.jsonl'),
];

export function bridgeColumns(rows: readonly BridgeRow[], costDigest: string, planHash: string): ColumnSet {
  const str = (get: (r: BridgeRow) => string) => dictColumn(rows.map(get));
  const num = (get: (r: BridgeRow) => number) => Float64Array.from(rows, get);
  const int = (get: (r: BridgeRow) => number) => Int32Array.from(rows, get);
  return {
    candidate_id: str((r) => r.candidate.candidate_id),
    template_id: str((r) => r.candidate.template_id),
    concept_id: str((r) => r.candidate.concept_id),
    event: str((r) => r.candidate.event),
    exchange: str((r) => r.candidate.exchange),
    market: str((r) => r.candidate.market),
    symbol: str((r) => r.candidate.symbol),
    timeframe: str((r) => r.candidate.timeframe),
    horizon_bars: int((r) => r.candidate.horizon_bars),
    expected: str((r) => r.candidate.expected),
    venue: str((r) => r.venue),
    taker_fee_bps: num((r) => r.taker_fee_bps),
    notional_usd: num((r) => r.notional_usd),
    n_occurrences: int((r) => r.n_occurrences),
    dropped_outside: int((r) => r.dropped_outside),
    dropped_missing_open: int((r) => r.dropped_missing_open),
    dropped_short_history: int((r) => r.stats.dropped_short_history),
    dropped_zero_volume: int((r) => r.stats.dropped_zero_volume),
    dropped_funding_span: int((r) => r.stats.dropped_funding_span),
    n_trades: int((r) => r.stats.n_trades),
    gross_bps: num((r) => r.stats.gross_bps),
    fees_bps: num((r) => r.stats.fees_bps),
    slippage_bps: num((r) => r.stats.slippage_bps),
    impact_bps: num((r) => r.stats.impact_bps),
    funding_bps: num((r) => r.stats.funding_bps),
    borrow_bps: num((r) => r.stats.borrow_bps),
    net_bps: num((r) => r.stats.net_bps),
    net_median_bps: num((r) => r.stats.net_median_bps),
    ci_lo_bps: num((r) => r.stats.ci_lo_bps),
    ci_hi_bps: num((r) => r.stats.ci_hi_bps),
    ci_level: num((r) => r.stats.ci_level),
    bootstrap_block: int((r) => r.stats.bootstrap_block),
    pw_block: num((r) => r.stats.pw_block),
    bootstrap_reps: int((r) => r.stats.bootstrap_reps),
    bootstrap_seed: num((r) => r.stats.bootstrap_seed),
    participation_mean: num((r) => r.stats.participation_mean),
    participation_max: num((r) => r.stats.participation_max),
    participation_breaches: int((r) => r.stats.participation_breaches),
    capacity_usd: num((r) => r.stats.capacity_usd),
    round_trips_per_year: num((r) => r.stats.round_trips_per_year),
    notional_turnover_usd_per_year: num((r) => r.stats.notional_turnover_usd_per_year),
    discovery_pass: Uint8Array.from(rows, (r) => (r.discovery_pass ? 1 : 0)),
    pass: Uint8Array.from(rows, (r) => (r.stats.pass ? 1 : 0)),
    failed_gate: str((r) => r.stats.failed_gate),
    failed_gates: str((r) => r.stats.failed_gates.join(',')),
    cost_digest: str(() => costDigest),
    plan_hash: str(() => planHash),
  };
}
