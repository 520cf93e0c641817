/**
 * lake/discovery/results.parquet: one row per candidate of the plan, in plan order (sorted by candidate_id).
 * Returns in bps of log return; NULL where a statistic is undefined (n = 0, or n < 2 for std and the t statistic).
 */
import { dictColumn, stringsOf, type ColumnSchema, type ColumnSet, type DictColumn } from '../../lake/index.js';
import type { DiscoveryResult, PlanCandidate } from '../../research/discovery.js';

export const DISCOVERY_RESULTS_FILE = 'results.parquet';

const s = (name: string, description: string): ColumnSchema => ({ name, type: 'str', description });
const f = (name: string, description: string): ColumnSchema => ({ name, type: 'f64', description });
const i = (name: string, description: string): ColumnSchema => ({ name, type: 'i32', description });

export const DISCOVERY_COLUMNS: readonly ColumnSchema[] = [
  s('candidate_id', 'c- + 16 hex (docs/research.md)'),
  s('template_id', 'template of the candidate'),
  s('concept_id', 'concept of the template'),
  s('event', 'event name'),
  s('event_family', 'event family'),
  s('exchange', 'exchange'),
  s('market', 'spot, um or cm'),
  s('symbol', 'symbol'),
  s('timeframe', 'bar timeframe'),
  i('horizon_bars', 'h: forward window [t+1, t+1+h] in bars'),
  s('expected', 'follow or fade'),
  s('pooling', 'symbol: one instrument; universe: pooled over the member symbols of the exchange and market (symbol = *); bucket: pooled over one bucket of them (liquidity or sector, symbol = *)'),
  i('members', 'member symbols of a pooled candidate (1 for a per-symbol candidate)'),
  s('member_breakdown', 'pooled: JSON array [{symbol, n, mean_bps, excess_bps}] by symbol (null when n = 0); empty for a per-symbol candidate'),
  f('planned_events', 'events the plan counted (NULL when the plan did not say)'),
  f('expected_ess', 'ESS the plan expected'),
  i('n_events', 'events of the candidate found in lake/events'),
  i('dropped_outside', 'occurrences whose window leaves the bars'),
  i('dropped_missing_open', 'occurrences whose window has a missing open'),
  i('n', 'occurrences tested'),
  f('mean_bps', 'mean of y = s ln(open[t+1+h]/open[t+1]), bps'),
  f('median_bps', 'median of y, bps'),
  f('std_bps', 'sample standard deviation of y (n-1), bps'),
  f('hit_rate', 'fraction of y > 0'),
  f('drift_bps', 'unconditional mean h-bar forward log return of the instrument, bps'),
  f('excess_bps', 'mean of y - s drift, bps (positive = expected direction)'),
  f('hac_t', 'Newey-West (Bartlett) t of the excess; pooled: Driscoll-Kraay t on the common calendar'),
  i('hac_lags', 'L = max(floor(4 (n/100)^(2/9)), m), at most n-1: the lag used by hac_t; pooled: max(h - 1, floor(4 (T/100)^(2/9))) calendar bars'),
  f('hac_bandwidth_nw94', 'Newey-West (1994) plug-in bandwidth of the excess series (Bartlett, no prewhitening), as computed; for review, not used (NULL when n < 2 or constant)'),
  i('overlap_m', 'm: most later occurrences starting within h bars of one occurrence'),
  f('ess', "n^2 / sum_ij max(0, 1 - |t_i - t_j| / h) (the exact overlap convention, not n/h); pooled: over the calendar times of all members"),
  i('df', 'max(1, floor(ESS) - 1)'),
  f('p', 'two-sided Student-t p of hac_t with df degrees of freedom; 1 when untestable'),
  f('q', 'BH (or BY) adjusted p over the whole plan'),
  s('fdr', 'BH or BY'),
  { name: 'pass', type: 'u8', description: '1: every gate passed' },
  s('failed_gate', 'first failing gate (min_n, min_ess, min_mean_bps, max_q), empty when pass'),
  s('failed_gates', 'every failing gate, comma-separated in gate order'),
  s('plan_hash', 'SHA-256 of candidate_plan.jsonl'),
];

/** Typed columns of the results, rows in the given order. */
export function discoveryColumns(
  cands: readonly PlanCandidate[], res: readonly DiscoveryResult[], fdr: string, planHash: string,
): ColumnSet {
  const str = (get: (k: number) => string): DictColumn => dictColumn(cands.map((_, k) => get(k)));
  const num = (get: (k: number) => number): Float64Array => Float64Array.from(cands, (_, k) => get(k));
  const int = (get: (k: number) => number): Int32Array => Int32Array.from(cands, (_, k) => get(k));
  const c = (k: number) => cands[k]!;
  const r = (k: number) => res[k]!;
  return {
    candidate_id: str((k) => c(k).candidate_id),
    template_id: str((k) => c(k).template_id),
    concept_id: str((k) => c(k).concept_id),
    event: str((k) => c(k).event),
    event_family: str((k) => c(k).event_family),
    exchange: str((k) => c(k).exchange),
    market: str((k) => c(k).market),
    symbol: str((k) => c(k).symbol),
    timeframe: str((k) => c(k).timeframe),
    horizon_bars: int((k) => c(k).horizon_bars),
    expected: str((k) => c(k).expected),
    pooling: str((k) => r(k).pooling),
    members: int((k) => (r(k).pooling !== 'symbol' ? r(k).members.length : 1)),
    member_breakdown: str((k) => (r(k).pooling !== 'symbol' ? JSON.stringify(r(k).members) : '')),
    planned_events: num((k) => c(k).events),
    expected_ess: num((k) => c(k).expected_ess),
    n_events: int((k) => r(k).n_events),
    dropped_outside: int((k) => r(k).dropped_outside),
    dropped_missing_open: int((k) => r(k).dropped_missing_open),
    n: int((k) => r(k).n),
    mean_bps: num((k) => r(k).mean_bps),
    median_bps: num((k) => r(k).median_bps),
    std_bps: num((k) => r(k).std_bps),
    hit_rate: num((k) => r(k).hit_rate),
    drift_bps: num((k) => r(k).drift_bps),
    excess_bps: num((k) => r(k).excess_bps),
    hac_t: num((k) => r(k).hac_t),
    hac_lags: int((k) => r(k).hac_lags),
    hac_bandwidth_nw94: num((k) => r(k).hac_bandwidth_nw94),
    overlap_m: int((k) => r(k).overlap_m),
    ess: num((k) => r(k).ess),
    df: int((k) => r(k).df),
    p: num((k) => r(k).p),
    q: num((k) => r(k).q),
    fdr: str(() => fdr),
    pass: Uint8Array.from(res, (x) => (x.pass ? 1 : 0)),
    failed_gate: str((k) => r(k).failed_gate),
    failed_gates: str((k) => r(k).failed_gates.join(',')),
    plan_hash: str(() => planHash),
  };
}

/** What bridge reads back from results.parquet. */
export interface DiscoveryRow {
  candidate_id: string;
  pass: boolean;
  hac_lags: number;
  n: number;
  excess_bps: number;
  q: number;
  plan_hash: string;
}

export const DISCOVERY_READ_COLUMNS = [
  { name: 'candidate_id', type: 'str' }, { name: 'pass', type: 'u8' }, { name: 'hac_lags', type: 'i32' }, { name: 'n', type: 'i32' },
  { name: 'excess_bps', type: 'f64' }, { name: 'q', type: 'f64' }, { name: 'plan_hash', type: 'str' },
] as const;

export function discoveryRows(cols: ColumnSet): DiscoveryRow[] {
  const id = stringsOf(cols.candidate_id as DictColumn);
  const hash = stringsOf(cols.plan_hash as DictColumn);
  const pass = cols.pass as Uint8Array;
  const lags = cols.hac_lags as Int32Array;
  const n = cols.n as Int32Array;
  const ex = cols.excess_bps as Float64Array;
  const q = cols.q as Float64Array;
  return id.map((candidate_id, k) => ({
    candidate_id, pass: pass[k] === 1, hac_lags: lags[k]!, n: n[k]!, excess_bps: ex[k]!, q: q[k]!, plan_hash: hash[k]!,
  }));
}
