/**
 * The per-concept funnel (issue 11 item 4): for each concept of spec/concepts, how many candidates its template
 * expanded to, how many were cut and why (too few usable events, expected ESS too low, missing input data, budgets),
 * how many discovery tested and passed, and how many passed the cost bridge. The plan stage computes the first part
 * from feasibility.json, discovery and the bridge add their counts, the report shows the whole row. Also: the event
 * families defined in spec/events that no concept names (never planned, so never tested). Pure.
 */
import type { CandidateFeasibility, TemplateFeasibility } from './feasibility.js';
import type { Cut, PlanGates } from './budget.js';

/** Why an infeasible candidate was cut. */
export interface InfeasibleReasons {
  /** Its event was not evaluated on the instrument (a feature it reads has no input data there, e.g. open interest). */
  missing_input: number;
  /** Fewer than min_n usable events. */
  too_few_events: number;
  /** Enough events but expected ESS below min_ess (overlapping windows). */
  low_ess: number;
}

export interface ConceptPlanFunnel {
  concept_id: string;
  template_id: string;
  event_family: string;
  /** 'ready', or 'blocked' (a spec task: missing event family or feature; nothing expanded). */
  status: string;
  expanded: number;
  cut_infeasible: number;
  infeasible_by: InfeasibleReasons;
  /** Cut by the per-template and per-instrument budgets (spec/plan.yaml). */
  cut_budget: number;
  planned: number;
}

/** One concept's discovery / bridge counts (their summary.json `concepts`). */
export interface ConceptStageCounts { concept_id: string; candidates: number; tested: number; pass: number }

export interface ConceptFunnelRow extends ConceptPlanFunnel {
  /** Planned candidates discovery could test (finite HAC t), and those passing its gates; null when discovery did not run. */
  tested: number | null;
  passed_discovery: number | null;
  /** Candidates passing the cost bridge; null when the bridge did not run. */
  passed_bridge: number | null;
}

/** A family of spec/events no concept names: its events are never planned. */
export interface UnusedEventFamily { family: string; events: string[]; sources: string[] }

/** The plan part of the funnel, one row per template (templates are one per concept), from feasibility.json. */
export function conceptPlanFunnel(
  templates: readonly Pick<TemplateFeasibility, 'template_id' | 'concept_id' | 'event_family' | 'status'>[],
  candidates: readonly Pick<CandidateFeasibility, 'candidate_id' | 'template_id' | 'status' | 'usable_events'>[],
  cuts: readonly Cut[], gates: PlanGates,
): ConceptPlanFunnel[] {
  const detail = new Map(cuts.map((c) => [c.candidate_id, c.detail]));
  return templates.map((t) => {
    const mine = candidates.filter((c) => c.template_id === t.template_id);
    const by: InfeasibleReasons = { missing_input: 0, too_few_events: 0, low_ess: 0 };
    let infeasible = 0;
    for (const c of mine) {
      if (c.status !== 'cut_infeasible') continue;
      infeasible++;
      if ((detail.get(c.candidate_id) ?? '').startsWith('not evaluated:')) by.missing_input++;
      else if (c.usable_events < gates.min_n) by.too_few_events++;
      else by.low_ess++;
    }
    return {
      concept_id: t.concept_id, template_id: t.template_id, event_family: t.event_family, status: t.status,
      expanded: mine.length, cut_infeasible: infeasible, infeasible_by: by,
      cut_budget: mine.filter((c) => c.status === 'cut_per_template' || c.status === 'cut_per_symbol').length,
      planned: mine.filter((c) => c.status === 'planned').length,
    };
  });
}

/** Per concept: candidates, tested (finite statistic) and passing, from one stage's per-candidate results. */
export function conceptStageCounts(rows: readonly { concept_id: string; tested: boolean; pass: boolean }[]): ConceptStageCounts[] {
  const by = new Map<string, ConceptStageCounts>();
  for (const r of rows) {
    const c = by.get(r.concept_id) ?? { concept_id: r.concept_id, candidates: 0, tested: 0, pass: 0 };
    c.candidates++;
    if (r.tested) c.tested++;
    if (r.pass) c.pass++;
    by.set(r.concept_id, c);
  }
  return [...by.values()].sort((a, b) => (a.concept_id < b.concept_id ? -1 : a.concept_id > b.concept_id ? 1 : 0));
}

/** The whole row: the plan part with the discovery and bridge counts (a concept absent from a stage's list: 0). */
export function conceptFunnel(
  plan: readonly ConceptPlanFunnel[], discovery: readonly ConceptStageCounts[] | undefined, bridge: readonly ConceptStageCounts[] | undefined,
): ConceptFunnelRow[] {
  const d = new Map((discovery ?? []).map((x) => [x.concept_id, x]));
  const b = new Map((bridge ?? []).map((x) => [x.concept_id, x]));
  return plan.map((p) => ({
    ...p,
    tested: discovery ? d.get(p.concept_id)?.tested ?? 0 : null,
    passed_discovery: discovery ? d.get(p.concept_id)?.pass ?? 0 : null,
    passed_bridge: bridge ? b.get(p.concept_id)?.pass ?? 0 : null,
  }));
}

/** 'cut 30 infeasible (24 too few events, 6 missing input), 4 by budget' or 'nothing cut'. */
export function cutsText(p: Pick<ConceptPlanFunnel, 'cut_infeasible' | 'infeasible_by' | 'cut_budget'>): string {
  const why = [
    p.infeasible_by.too_few_events ? `${p.infeasible_by.too_few_events} too few events` : '',
    p.infeasible_by.low_ess ? `${p.infeasible_by.low_ess} expected ESS too low` : '',
    p.infeasible_by.missing_input ? `${p.infeasible_by.missing_input} missing input data` : '',
  ].filter(Boolean).join(', ');
  const parts = [p.cut_infeasible ? `${p.cut_infeasible} cut infeasible (${why})` : '', p.cut_budget ? `${p.cut_budget} cut by budget` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing cut';
}

/** One line of a run summary for a concept: `concept X (family f): 48 expanded, 12 planned, 36 cut infeasible (...)`. */
export function conceptLine(r: ConceptPlanFunnel & Partial<Pick<ConceptFunnelRow, 'tested' | 'passed_discovery' | 'passed_bridge'>>): string {
  if (r.status !== 'ready') return `concept ${r.concept_id} (family ${r.event_family}): ${r.status}, nothing expanded`;
  const after = [
    r.tested != null ? `${r.tested} tested` : '', r.passed_discovery != null ? `${r.passed_discovery} passed discovery` : '',
    r.passed_bridge != null ? `${r.passed_bridge} passed the bridge` : '',
  ].filter(Boolean);
  return `concept ${r.concept_id} (family ${r.event_family}): ${r.expanded} expanded, ${r.planned} planned, ${cutsText(r)}` + (after.length ? `; ${after.join(', ')}` : '');
}

/** The warning for a concept whose candidates were cut as infeasible (null when none was): what was cut, why, and the way out. */
export function conceptCutWarning(r: ConceptPlanFunnel, gates: PlanGates): string | null {
  if (r.cut_infeasible === 0) return null;
  const all = r.planned === 0 ? ' (all of them: the concept is not tested at all)' : '';
  const b = r.infeasible_by;
  const ways = [
    b.too_few_events || b.low_ess
      ? `too few events: fewer than min_n ${gates.min_n} usable events or expected ESS below min_ess ${gates.min_ess} (spec/gates.yaml; a longer dataset or more instruments)` : '',
    b.missing_input ? 'missing input: ingest the data the event needs' : '',
  ].filter(Boolean);
  return `${conceptLine(r)}${all}. To change: ${ways.join('; ')}. research/plan/feasibility.md lists every cut`;
}

/** The families of spec/events that no concept names, with their events and where they are defined. */
export function unusedEventFamilies(
  families: ReadonlyMap<string, readonly string[]>, sources: ReadonlyMap<string, readonly string[]>, usedFamilies: Iterable<string>,
): UnusedEventFamily[] {
  const used = new Set(usedFamilies);
  return [...families].filter(([f]) => !used.has(f)).map(([family, events]) => ({ family, events: [...events], sources: [...(sources.get(family) ?? [])] }));
}

/** One warning listing them (null when every family is used). */
export function unusedEventsWarning(unused: readonly UnusedEventFamily[]): string | null {
  if (unused.length === 0) return null;
  const n = unused.reduce((s, u) => s + u.events.length, 0);
  return `${n} event(s) defined in spec/events are used by no concept, so they are never planned nor tested: ` +
    unused.map((u) => `family ${u.family} (${u.events.join(', ')}; ${u.sources.join(', ')})`).join('; ') +
    '. Add a concept with that event_family to spec/concepts, or remove the events';
}
