/**
 * reports/bridge: summary.json (counts by gate, the cost breakdown of every survivor, definitions) and summary.md.
 * Pure.
 */
import { conceptStageCounts, type ConceptStageCounts } from '../../research/concept_funnel.js';
import { gateCounts, gateTableMarkdown } from '../discovery/report.js';
import { BRIDGE_GATE_ORDER } from '../../research/bridge.js';
import type { BridgeGates } from '../../research/gates.js';
import type { BridgeRow } from './table.js';
import type { PlanCandidate } from '../../research/discovery.js';
import type { CutInstrument } from '../../costs/funding_span.js';

export const BRIDGE_DEFINITIONS = {
  trade: 'enter at open[t+1] after the event bar t, exit at open[t+1+h]; gross = s (P1/P0 - 1), simple return, bps of notional',
  fees: '2 x taker_fee_bps of venues[venue][market] (spec/costs.yaml)',
  slippage: '2 x slippage_bps',
  impact: '2 x coefficient x daily_vol_bps x sqrt(Q / V24h) (sqrt model) or 2 x coefficient_bps x Q / V24h (linear); Q = notional / P0; daily_vol = sample std of the 1-bar log close returns over the 24h up to the close of t x sqrt(bars per day); V24h = base volume over the same bars',
  funding: 'perpetuals: s x sum of funding rates at settlements T with entry_ts < T <= exit_ts, on the entry notional (longs pay positive rates); an occurrence whose hold leaves the span the funding covers (first settlement - its interval to last settlement + its interval) is not priced (dropped_funding_span); a gap above 24 h inside the span is an error',
  borrow: 'spot shorts: spot_short_bps_per_year x hold / 365.25 days',
  ci: 'stationary bootstrap (Politis & Romano 1994) of the mean net edge, mean block = discovery HAC lag + 1 trades, seed from the candidate id',
  capacity: 'median over trades of max_participation x quote volume of the entry bar, USD; breaches count fills above max_participation of their bar volume',
  turnover: 'round trips per year = trades / years of bars loaded; notional turnover = 2 x notional x round trips per year',
  gates: `in order ${BRIDGE_GATE_ORDER.join(', ')}: ci_lo > 0, net >= min_net_bps, capacity >= min_capacity_usd`,
} as const;

export interface BridgeSummary {
  stage: 'bridge';
  plan_hash: string;
  cost_digest: string;
  timeframe: string;
  gates: BridgeGates;
  venues: Record<string, string>;
  definitions: typeof BRIDGE_DEFINITIONS;
  counts: {
    priced: number;
    survivors: number;
    pass: number;
    trades: number;
    participation_breaches: number;
    first_failed_gate: Record<string, number>;
    failing_gate: Record<string, number>;
  };
  /**
   * Perpetuals whose bars reach outside the span their funding covers, with the occurrences not priced because their
   * hold leaves it (absent when none).
   */
  funding_cuts?: (CutInstrument & { dropped_occurrences: number })[];
  /** Per concept: candidates priced, tested (a finite net), passing every bridge gate. */
  concepts: ConceptStageCounts[];
  candidates: {
    candidate_id: string; concept_id: string; event: string; instrument: string; horizon_bars: number; expected: string;
    /** The pooled symbols of a pooled candidate (instrument symbol `*`), absent otherwise. */
    members?: string[];
    venue: string; n_trades: number; gross_bps: number; fees_bps: number; slippage_bps: number; impact_bps: number;
    funding_bps: number; borrow_bps: number; net_bps: number; ci_lo_bps: number; ci_hi_bps: number; capacity_usd: number;
    round_trips_per_year: number; pass: boolean; failed_gates: string[];
  }[];
}

export function bridgeSummary(
  rows: readonly BridgeRow[], o: { plan_hash: string; cost_digest: string; timeframe: string; gates: BridgeGates; top: number },
  cuts: readonly CutInstrument[] = [],
): BridgeSummary {
  const { first, any } = gateCounts(BRIDGE_GATE_ORDER, rows.map((r) => r.stats));
  const venues: Record<string, string> = {};
  for (const r of rows) venues[r.candidate.exchange] = r.venue;
  const listed = [...rows]
    .sort((a, b) => Number(b.stats.pass) - Number(a.stats.pass) || nanLast(b.stats.net_bps) - nanLast(a.stats.net_bps) ||
      (a.candidate.candidate_id < b.candidate.candidate_id ? -1 : 1))
    .slice(0, o.top);
  return {
    stage: 'bridge',
    plan_hash: o.plan_hash,
    cost_digest: o.cost_digest,
    timeframe: o.timeframe,
    gates: o.gates,
    venues,
    definitions: BRIDGE_DEFINITIONS,
    counts: {
      priced: rows.length,
      survivors: rows.filter((r) => r.discovery_pass).length,
      pass: rows.filter((r) => r.stats.pass).length,
      trades: rows.reduce((s, r) => s + r.stats.n_trades, 0),
      participation_breaches: rows.reduce((s, r) => s + r.stats.participation_breaches, 0),
      first_failed_gate: first,
      failing_gate: any,
    },
    ...(cuts.length > 0 ? {
      funding_cuts: cuts.map((c) => ({
        ...c,
        dropped_occurrences: rows.filter((r) => `${r.candidate.exchange}/${r.candidate.market}/${r.candidate.symbol}/${r.candidate.timeframe}` === c.instrument)
          .reduce((s, r) => s + r.stats.dropped_funding_span, 0),
      })),
    } : {}),
    concepts: conceptStageCounts(rows.map((r) => ({ concept_id: r.candidate.concept_id, tested: Number.isFinite(r.stats.net_bps), pass: r.stats.pass }))),
    candidates: listed.map((r) => ({
      candidate_id: r.candidate.candidate_id, concept_id: r.candidate.concept_id, event: r.candidate.event,
      instrument: `${r.candidate.exchange}/${r.candidate.market}/${r.candidate.symbol}/${r.candidate.timeframe}`,
      horizon_bars: r.candidate.horizon_bars, expected: r.candidate.expected, ...(r.candidate.members ? { members: [...r.candidate.members] } : {}),
      venue: r.venue, n_trades: r.stats.n_trades,
      gross_bps: r.stats.gross_bps, fees_bps: r.stats.fees_bps, slippage_bps: r.stats.slippage_bps, impact_bps: r.stats.impact_bps,
      funding_bps: r.stats.funding_bps, borrow_bps: r.stats.borrow_bps, net_bps: r.stats.net_bps, ci_lo_bps: r.stats.ci_lo_bps,
      ci_hi_bps: r.stats.ci_hi_bps, capacity_usd: r.stats.capacity_usd, round_trips_per_year: r.stats.round_trips_per_year,
      pass: r.stats.pass, failed_gates: r.stats.failed_gates,
    })),
  };
}

/** The perpetuals cut to their funding span, as a Markdown list (nothing when none). */
function fundingCutsMarkdown(s: BridgeSummary): string[] {
  const cuts = s.funding_cuts ?? [];
  if (cuts.length === 0) return [];
  return [
    `## Instruments cut to their funding span (${cuts.length})`,
    '',
    ...cuts.map((c) => `- ${c.instrument}: ${c.dropped_occurrences} occurrence(s) not priced; ${c.reason}`),
    '',
  ];
}

function nanLast(x: number): number {
  return Number.isFinite(x) ? x : -Infinity;
}

const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

export function renderBridgeMarkdown(s: BridgeSummary): string {
  const g = s.gates;
  const L: string[] = [
    '# Bridge',
    '',
    `Plan \`${s.plan_hash.slice(0, 16)}\`, costs \`${s.cost_digest.slice(0, 16)}\`, timeframe ${s.timeframe}: ` +
      `**${s.counts.pass} of ${s.counts.survivors} discovery survivors pass** after costs (${s.counts.priced} candidates priced) (${s.counts.trades} trades of ` +
      `${g.notional_usd} USD; ${s.counts.participation_breaches} fills above max_participation).`,
    '',
    `Gates (in order): bootstrap ${g.ci_level} CI lower bound > 0 (${g.bootstrap_reps} replicates), net >= ${g.min_net_bps} bps, ` +
      `capacity >= ${g.min_capacity_usd} USD.`,
    '',
    `Fee venues: ${Object.entries(s.venues).map(([e, v]) => (e === v ? e : `${e} priced as ${v}`)).join(', ') || '(none)'}.`,
    '',
    ...gateTableMarkdown(s.counts),
    '',
    ...fundingCutsMarkdown(s),
    `## Candidates (${s.candidates.length} shown; passing first, then by net edge)`,
    '',
  ];
  if (s.candidates.length === 0) L.push('None.', '');
  else {
    L.push(
      '| candidate | event | instrument | h | exp | trades | gross | fees | slip | impact | funding | borrow | net | CI | capacity USD | trips/yr | result |',
      '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
    );
    for (const c of s.candidates) {
      L.push(`| ${c.candidate_id} | ${c.event} | ${c.instrument} | ${c.horizon_bars} | ${c.expected} | ${c.n_trades} | ${fmt(c.gross_bps)} | ` +
        `${fmt(c.fees_bps)} | ${fmt(c.slippage_bps)} | ${fmt(c.impact_bps)} | ${fmt(c.funding_bps)} | ${fmt(c.borrow_bps)} | ${fmt(c.net_bps)} | ` +
        `[${fmt(c.ci_lo_bps)}, ${fmt(c.ci_hi_bps)}] | ${fmt(c.capacity_usd, 0)} | ${fmt(c.round_trips_per_year, 1)} | ${c.pass ? 'pass' : c.failed_gates.join(', ')} |`);
    }
    L.push('', 'All figures in bps of notional per trade (means) unless named otherwise.', '');
  }
  L.push('## Definitions', '');
  for (const [k, v] of Object.entries(s.definitions)) L.push(`- **${k}**: ${v}`);
  L.push('');
  return L.join('\n');
}
