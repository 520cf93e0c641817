/**
 * reports/discovery: summary.json (counts by gate, q and p distributions, top survivors, the definitions used) and a
 * readable summary.md rendered from it. Pure.
 */
import { DISCOVERY_GATE_ORDER, type DiscoveryResult, type PlanCandidate } from '../../research/discovery.js';
import type { DiscoveryGates } from '../../research/gates.js';
import { isPooled, memberInstruments } from '../../research/candidate.js';
import type { NotEvaluated } from '../../features/availability.js';
import { notEvaluatedMarkdown } from './not_evaluated.js';
import { conceptStageCounts, type ConceptStageCounts } from '../../research/concept_funnel.js';

export const DISCOVERY_DEFINITIONS = {
  forward_return: 'y_i = s_i * ln(open[t_i+1+h] / open[t_i+1]); s_i = direction * (fade ? -1 : +1); entry at the open after the event bar',
  occurrences: 'events whose window [t+1, t+1+h] is inside the bars with no missing open; others dropped and counted',
  drift: 'mean h-bar forward log return of the instrument over every bar of the loaded period (same window rule)',
  excess: 'mean(y_i - s_i * drift), signed in the expected direction',
  hac_lag: 'Newey-West (Bartlett) on y_i - s_i * drift in time order, L = max(floor(4 (n/100)^(2/9)), m), m = most later occurrences starting within h bars of one occurrence; capped at n - 1',
  hac_bandwidth_nw94: 'Newey-West (1994) plug-in bandwidth of the same series (Bartlett, no prewhitening, pilot floor(4 (n/100)^(2/9))), as computed; reported for review, the test uses hac_lag',
  ess: "ESS = n^2 / sum_ij max(0, 1 - |t_i - t_j| / h) (iid bar returns; N/h when every bar is an occurrence): the exact overlap convention, not the simple n/h",
  p: 'two-sided Student t of the HAC t with max(1, floor(ESS) - 1) df; p = 1 when n < 2 or the HAC standard error is 0',
  q: 'Benjamini-Hochberg (BY with fdr: BY) over every candidate of the plan, per-symbol and pooled together (one family)',
  pooled: 'pooling: universe stacks the occurrences of every member symbol (x demeaned by each symbol\'s drift) on the common calendar; HAC t = excess / Driscoll-Kraay (1998) se with lag max(h - 1, floor(4 (T/100)^(2/9))), T the calendar span in bars; m and ESS over the merged calendar times (overlap across symbols counts)',
  gates: `in order ${DISCOVERY_GATE_ORDER.join(', ')}; min_mean_bps applies to the excess`,
} as const;

const Q_BINS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1] as const;

export interface DiscoverySummary {
  stage: 'discovery';
  plan_hash: string;
  timeframe: string;
  gates: DiscoveryGates;
  definitions: typeof DISCOVERY_DEFINITIONS;
  counts: {
    candidates: number;
    instruments: number;
    pass: number;
    tested: number;
    untestable: number;
    occurrences: number;
    dropped_outside: number;
    dropped_missing_open: number;
    first_failed_gate: Record<string, number>;
    failing_gate: Record<string, number>;
  };
  q_distribution: { le: number; count: number }[];
  p_distribution: { le: number; count: number }[];
  top_survivors: {
    candidate_id: string; concept_id: string; event: string; instrument: string; horizon_bars: number; expected: string;
    n: number; ess: number; excess_bps: number; hac_t: number; p: number; q: number;
  }[];
  /** Pooled candidates (plan order) with their per-symbol breakdown; absent when the plan has none. */
  pooled?: {
    candidate_id: string; concept_id: string; event: string; scope: string; horizon_bars: number; expected: string;
    n: number; ess: number; excess_bps: number; hac_t: number; q: number; pass: boolean;
    members: { symbol: string; n: number; mean_bps: number; excess_bps: number }[];
  }[];
  /** Events that cannot fire on some instruments for want of input data (e.g. open interest), with what they need. */
  not_evaluated?: NotEvaluated[];
  /** Per concept: planned candidates, tested (finite HAC t) and passing (the report's per-concept funnel). */
  concepts: ConceptStageCounts[];
}

function bins(values: readonly number[]): { le: number; count: number }[] {
  const out = Q_BINS.map((le) => ({ le, count: 0 }));
  for (const v of values) {
    const b = out.find((x) => v <= x.le);
    if (b) b.count++;
  }
  return out;
}

export function discoverySummary(
  cands: readonly PlanCandidate[], res: readonly DiscoveryResult[],
  o: { plan_hash: string; timeframe: string; gates: DiscoveryGates; top: number; not_evaluated?: readonly NotEvaluated[] },
): DiscoverySummary {
  const { first, any } = gateCounts(DISCOVERY_GATE_ORDER, res);
  const inst = new Set(cands.flatMap((c) => memberInstruments(c).map((m) => `${m.exchange}/${m.market}/${m.symbol}/${c.timeframe}`)));
  const pooled = res.map((r, k) => ({ r, c: cands[k]! })).filter((x) => isPooled(x.c)).map(({ r, c }) => ({
    candidate_id: r.candidate_id, concept_id: c.concept_id, event: c.event,
    scope: `${c.exchange}/${c.market}/${c.symbol}/${c.timeframe}${c.bucket !== undefined ? ` [${c.bucket}]` : ''}`,
    horizon_bars: c.horizon_bars, expected: c.expected, n: r.n, ess: r.ess, excess_bps: r.excess_bps, hac_t: r.hac_t, q: r.q, pass: r.pass,
    members: r.members.map((m) => ({ ...m })),
  }));
  const survivors = res
    .map((r, k) => ({ r, c: cands[k]! }))
    .filter((x) => x.r.pass)
    .sort((a, b) => a.r.q - b.r.q || b.r.excess_bps - a.r.excess_bps || (a.r.candidate_id < b.r.candidate_id ? -1 : 1))
    .slice(0, o.top);
  const sum = (f: (r: DiscoveryResult) => number) => res.reduce((s, r) => s + f(r), 0);
  return {
    stage: 'discovery',
    plan_hash: o.plan_hash,
    timeframe: o.timeframe,
    gates: o.gates,
    definitions: DISCOVERY_DEFINITIONS,
    counts: {
      candidates: res.length,
      instruments: inst.size,
      pass: res.filter((r) => r.pass).length,
      tested: res.filter((r) => Number.isFinite(r.hac_t)).length,
      untestable: res.filter((r) => !Number.isFinite(r.hac_t)).length,
      occurrences: sum((r) => r.n),
      dropped_outside: sum((r) => r.dropped_outside),
      dropped_missing_open: sum((r) => r.dropped_missing_open),
      first_failed_gate: first,
      failing_gate: any,
    },
    q_distribution: bins(res.map((r) => r.q)),
    p_distribution: bins(res.map((r) => r.p)),
    top_survivors: survivors.map(({ r, c }) => ({
      candidate_id: r.candidate_id, concept_id: c.concept_id, event: c.event,
      instrument: `${c.exchange}/${c.market}/${c.symbol}/${c.timeframe}`, horizon_bars: c.horizon_bars, expected: c.expected,
      n: r.n, ess: r.ess, excess_bps: r.excess_bps, hac_t: r.hac_t, p: r.p, q: r.q,
    })),
    ...(pooled.length > 0 ? { pooled } : {}),
    ...(o.not_evaluated && o.not_evaluated.length > 0 ? { not_evaluated: [...o.not_evaluated] } : {}),
    concepts: conceptStageCounts(res.map((r, k) => ({ concept_id: cands[k]!.concept_id, tested: Number.isFinite(r.hac_t), pass: r.pass }))),
  };
}

const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
const fmtP = (x: number): string => (Number.isFinite(x) ? (x < 1e-4 ? x.toExponential(1) : x.toFixed(4)) : '-');

export function renderDiscoveryMarkdown(s: DiscoverySummary): string {
  const g = s.gates;
  const L: string[] = [
    '# Discovery',
    '',
    `Plan \`${s.plan_hash.slice(0, 16)}\`, timeframe ${s.timeframe}: **${s.counts.pass} of ${s.counts.candidates} candidates pass** ` +
      `(${s.counts.instruments} instruments, ${s.counts.occurrences} occurrences tested; ${s.counts.dropped_outside} dropped outside the data, ` +
      `${s.counts.dropped_missing_open} with a missing open; ${s.counts.untestable} candidates untestable, p = 1).`,
    '',
    ...notEvaluatedMarkdown(s.not_evaluated ?? []),
    `Gates (in order): n >= ${g.min_n}, ESS >= ${g.min_ess}, excess >= ${g.min_mean_bps} bps, q <= ${g.max_q} (${g.fdr} over the whole plan).`,
    '',
    ...gateTableMarkdown(s.counts),
    '',
    '## By concept',
    '',
    '| concept | candidates | tested | pass |',
    '|---|---:|---:|---:|',
    ...s.concepts.map((c) => `| ${c.concept_id} | ${c.candidates} | ${c.tested} | ${c.pass} |`),
    '',
    '## q and p distribution',
    '',
    'Under no effect at all, p is uniform: about 5% of candidates below 0.05 by chance.',
    '',
    '| range | candidates by q | by p |',
    '|---|---:|---:|',
    ...s.q_distribution.map((b, k) => `| ${k === 0 ? `[0, ${b.le}]` : `(${s.q_distribution[k - 1]!.le}, ${b.le}]`} | ${b.count} | ${s.p_distribution[k]!.count} |`),
    '',
    `## Top survivors (${s.top_survivors.length} shown)`,
    '',
  ];
  if (s.top_survivors.length === 0) L.push('None.', '');
  else {
    L.push('| candidate | concept | event | instrument | h | exp | n | ESS | excess bps | HAC t | p | q |', '|---|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const x of s.top_survivors) {
      L.push(`| ${x.candidate_id} | ${x.concept_id} | ${x.event} | ${x.instrument} | ${x.horizon_bars} | ${x.expected} | ${x.n} | ${fmt(x.ess, 1)} | ${fmt(x.excess_bps)} | ${fmt(x.hac_t)} | ${fmtP(x.p)} | ${fmtP(x.q)} |`);
    }
    L.push('');
  }
  if (s.pooled && s.pooled.length > 0) {
    L.push(`## Pooled candidates (${s.pooled.length})`, '',
      'One test per pooled candidate over the occurrences of every member symbol (Driscoll-Kraay t; ESS counts overlap across symbols); per symbol: occurrences and mean excess (bps).', '',
      '| candidate | concept | event | scope | h | exp | n | ESS | excess bps | HAC t | q | pass | by symbol (n, excess bps) |',
      '|---|---|---|---|---:|---|---:|---:|---:|---:|---:|---|---|');
    for (const x of s.pooled) {
      const by = x.members.map((m) => `${m.symbol} ${m.n}${m.n ? ` ${fmt(m.excess_bps, 1)}` : ''}`).join('; ');
      L.push(`| ${x.candidate_id} | ${x.concept_id} | ${x.event} | ${x.scope} | ${x.horizon_bars} | ${x.expected} | ${x.n} | ${fmt(x.ess, 1)} | ${fmt(x.excess_bps)} | ${fmt(x.hac_t)} | ${fmtP(x.q)} | ${x.pass ? 'yes' : 'no'} | ${by} |`);
    }
    L.push('');
  }
  L.push('## Definitions', '');
  for (const [k, v] of Object.entries(s.definitions)) L.push(`- **${k}**: ${v}`);
  L.push('');
  return L.join('\n');
}

/** Per gate (in order): rows it failed first, and rows failing it at all. */
export function gateCounts(
  order: readonly string[], rows: Iterable<{ failed_gate: string; failed_gates: readonly string[] }>,
): { first: Record<string, number>; any: Record<string, number> } {
  const first: Record<string, number> = Object.fromEntries(order.map((g) => [g, 0]));
  const any: Record<string, number> = { ...first };
  for (const r of rows) {
    if (r.failed_gate) first[r.failed_gate]!++;
    for (const g of r.failed_gates) any[g]!++;
  }
  return { first, any };
}

/** The "## Gates" section of a funnel report: per gate, candidates it failed first and candidates failing it at all. */
export function gateTableMarkdown(c: { first_failed_gate: Record<string, number>; failing_gate: Record<string, number>; pass: number }): string[] {
  return [
    '## Gates',
    '',
    '| gate | first failing | failing (any) |',
    '|---|---:|---:|',
    ...Object.keys(c.first_failed_gate).map((k) => `| ${k} | ${c.first_failed_gate[k]} | ${c.failing_gate[k]} |`),
    `| (pass) | ${c.pass} | |`,
  ];
}
