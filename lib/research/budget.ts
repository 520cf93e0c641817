/**
 * Budgets of the candidate plan (spec/plan.yaml) and the cuts that enforce them, plus the two numbers of
 * spec/gates.yaml the plan needs (discovery.min_n, discovery.min_ess) to judge feasibility.
 *
 * Cuts, in order, each recorded with its reason: `infeasible` (fails min_n or min_ess on the events lake, only with
 * drop_infeasible), `per_template` (more than per_template candidates in one template), `per_symbol` (more than
 * per_symbol in one instrument, exchange/market/symbol). A budget keeps the candidates with the highest expected
 * ESS, ties by candidate_id. More than `total` left after the cuts is an error located at budgets.total.
 */
import { SpecError } from '../errors.js';
import type { SpecSchema } from '../spec/schema.js';
import { where, type LocatedYaml } from './spec_files.js';
import { cmp, instrumentKey, type PlannedCandidate } from './plan.js';

export interface PlanSpec {
  budgets: { total: number; per_symbol: number; per_template: number; variants_per_template?: number };
  drop_infeasible: boolean;
}

const count = (description: string): SpecSchema => ({ type: 'integer', minimum: 1, maximum: 10_000_000, description });

/** JSON Schema of spec/plan.yaml. */
export const PLAN_SPEC_SCHEMA: SpecSchema = {
  type: 'object',
  description: 'budgets and feasibility options of the candidate plan',
  additionalProperties: false,
  required: ['budgets'],
  properties: {
    budgets: {
      type: 'object',
      description: 'candidates at most',
      additionalProperties: false,
      required: ['total', 'per_symbol', 'per_template'],
      properties: {
        total: count('candidates in the whole plan after the cuts; more is an error (the multiple-testing burden)'),
        per_symbol: count('candidates per instrument (exchange/market/symbol); the lowest expected ESS are cut'),
        per_template: count('candidates per template; the lowest expected ESS are cut'),
        variants_per_template: count(
          'events (variants: thresholds, cooldowns, directions) one ready template expands over; more is an error at this line ' +
            '(name the variants to test in the concept\'s `events`, or trim the `variants` of spec/events)',
        ),
      },
    },
    drop_infeasible: {
      type: 'boolean', default: true,
      description: 'cut candidates that cannot pass discovery.min_n / min_ess of spec/gates.yaml on the events lake',
    },
  },
};

export interface PlanGates {
  min_n: number;
  min_ess: number;
}

/** The part of spec/gates.yaml the plan reads; every other key is left to its owner (permissive). */

/**
 * A gate no candidate can pass: min_n (or min_ess, which is at most n) above the bar count of the longest
 * instrument. Located error at the gate in spec/gates.yaml.
 */
export function checkGatesPassable(gates: PlanGates, maxBars: number, gatesYaml: LocatedYaml, timeframe: string): void {
  const issues: string[] = [];
  for (const g of ['min_n', 'min_ess'] as const) {
    if (gates[g] > maxBars) {
      issues.push(
        `${where(gatesYaml, ['discovery', g]).text} discovery.${g}: can never pass: ${gates[g]} > ${maxBars} bars of the ` +
          `longest instrument at ${timeframe}, was ${gates[g]}`,
      );
    }
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'lower the gate, or ingest a longer history' });
}

export type CutReason = 'infeasible' | 'per_template' | 'per_symbol';

export interface Cut {
  candidate_id: string;
  reason: CutReason;
  detail: string;
}

/** Order of preference within a budget: highest expected ESS first, ties by candidate_id. */
export function byPreference(a: PlannedCandidate, b: PlannedCandidate): number {
  return b.feasibility.expected_ess - a.feasibility.expected_ess || cmp(a.candidate_id, b.candidate_id);
}

/** Apply the cuts in order; returns the kept candidates (sorted by id) and the cuts (sorted by id). */
export function applyCuts(
  cands: readonly PlannedCandidate[], spec: PlanSpec, gates: PlanGates,
): { kept: PlannedCandidate[]; cuts: Cut[] } {
  const cuts: Cut[] = [];
  let kept = [...cands];
  if (spec.drop_infeasible) {
    const next: PlannedCandidate[] = [];
    for (const c of kept) {
      if (c.feasibility.feasible) next.push(c);
      else cuts.push({ candidate_id: c.candidate_id, reason: 'infeasible', detail: infeasibleDetail(c, gates) });
    }
    kept = next;
  }
  kept = capGroups(kept, (c) => c.template_id, spec.budgets.per_template, 'per_template', 'template', cuts);
  kept = capGroups(kept, instrumentKey, spec.budgets.per_symbol, 'per_symbol', 'instrument', cuts);
  kept.sort((a, b) => cmp(a.candidate_id, b.candidate_id));
  cuts.sort((a, b) => cmp(a.candidate_id, b.candidate_id));
  return { kept, cuts };
}

export function infeasibleDetail(c: PlannedCandidate, gates: PlanGates): string {
  const f = c.feasibility;
  const parts: string[] = [];
  if (f.failing.includes('min_n')) parts.push(`usable events ${f.usable_events} < min_n ${gates.min_n}`);
  if (f.failing.includes('min_ess')) parts.push(`expected ESS ${f.expected_ess} < min_ess ${gates.min_ess}`);
  return parts.join('; ');
}

function capGroups(
  cands: PlannedCandidate[], keyOf: (c: PlannedCandidate) => string, cap: number, reason: CutReason, what: string, cuts: Cut[],
): PlannedCandidate[] {
  const groups = new Map<string, PlannedCandidate[]>();
  for (const c of cands) {
    const k = keyOf(c);
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  const out: PlannedCandidate[] = [];
  for (const [k, g] of groups) {
    if (g.length <= cap) {
      out.push(...g);
      continue;
    }
    g.sort(byPreference);
    out.push(...g.slice(0, cap));
    const floor = g[cap - 1]!.feasibility.expected_ess;
    for (const c of g.slice(cap)) {
      cuts.push({
        candidate_id: c.candidate_id, reason,
        detail: `${what} ${k} has ${g.length} candidates > ${reason} ${cap}; kept the ${cap} with the highest expected ESS (>= ${floor})`,
      });
    }
  }
  return out;
}

/**
 * A ready template expanding over more events (variants) than budgets.variants_per_template: a located error at that
 * budget naming each template, its concept and its variant count. No budget given: no limit.
 */
export function checkVariantBudget(
  templates: readonly { id: string; concept_id: string; status: string; events: readonly string[]; source: string }[],
  spec: PlanSpec, planYaml: LocatedYaml,
): void {
  const cap = spec.budgets.variants_per_template;
  if (cap === undefined) return;
  const over = templates.filter((t) => t.status === 'ready' && t.events.length > cap);
  if (over.length === 0) return;
  const at = where(planYaml, ['budgets', 'variants_per_template']).text;
  throw new SpecError(
    over.map((t) => `${at} budgets.variants_per_template: template ${t.id} (concept "${t.concept_id}", ${t.source}) expands over ${t.events.length} event variants > ${cap}: ${t.events.join(', ')}`),
    { hint: 'every variant multiplies the template\'s candidates: name the variants to test in the concept\'s `events`, trim `variants` in spec/events, or raise budgets.variants_per_template' },
  );
}

/** More candidates than budgets.total after the cuts: a located error at budgets.total. */
export function checkTotal(planned: number, spec: PlanSpec, planYaml: LocatedYaml, cutsNote = ''): void {
  if (planned <= spec.budgets.total) return;
  throw new SpecError(
    [`${where(planYaml, ['budgets', 'total']).text} budgets.total: plan over budget: ${planned} candidates > total ${spec.budgets.total}; raise budgets.total or narrow the concepts`],
    { hint: `every planned candidate is a hypothesis tested in discovery (false discovery rate over the whole plan)${cutsNote ? `; ${cutsNote}` : ''}` },
  );
}
