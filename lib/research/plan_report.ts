/**
 * What the plan stage writes besides candidate_plan.jsonl: plan.json (hash, counts, budgets, provenance),
 * feasibility.json (every expanded candidate with its numbers and fate, the cuts with reasons, totals) and
 * feasibility.md (the same for people). Pure: no clock, no paths, so reruns give identical bytes.
 */
import { instrumentKey, cmp, type Instrument, type PlannedCandidate } from './plan.js';
import type { Cut, CutReason, PlanGates, PlanSpec } from './budget.js';
import type { Template } from './templates.js';
import { conceptPlanFunnel, cutsText, type ConceptPlanFunnel, type UnusedEventFamily } from './concept_funnel.js';
import type { CandidateFeasibility, TemplateFeasibility } from './feasibility.js';

export interface PlanCounts {
  templates: number;
  templates_ready: number;
  templates_blocked: number;
  instruments: number;
  expanded: number;
  infeasible: number;
  cut_infeasible: number;
  cut_per_template: number;
  cut_per_symbol: number;
  planned: number;
  /** Planned candidates that fail a gate on the events lake (only with drop_infeasible: false). */
  planned_infeasible: number;
}

export interface PlanJson {
  plan_hash: string;
  timeframe: string;
  counts: PlanCounts;
  budgets: PlanSpec['budgets'];
  drop_infeasible: boolean;
  gates: PlanGates;
  generated_from: { templates: string };
}

/** One event (variant) the plan expands over, with what its cooldown kept and removed on the plan's instruments. */
export interface VariantFeasibility {
  event: string;
  /** The spec entry it was generated from (itself for an event without variants). */
  variant_of: string;
  direction: 'both' | 'up' | 'down';
  cooldown_bars: number | null;
  threshold: { feature: string; value: number } | null;
  templates: string[];
  /** Occurrences kept by the cooldown and condition bars it removed, summed over the plan's instruments (null: not known). */
  kept: number | null;
  removed: number | null;
}

/** What the plan reads of lake/events/_events.json (both parts absent for a lake from before they existed). */
export interface EventsCooldownInfo {
  cooldown?: Record<string, Record<string, { kept: number; removed: number }>>;
  variants?: Record<string, { of: string; direction: 'both' | 'up' | 'down'; cooldown_bars: number; threshold?: { feature: string; value: number } }>;
}

export interface FeasibilityJson {
  timeframe: string;
  gates: PlanGates;
  budgets: PlanSpec['budgets'];
  drop_infeasible: boolean;
  totals: PlanCounts & { occurrences: number };
  templates: TemplateFeasibility[];
  instruments: { instrument: string; bars: number; first_ts_ms: number; last_ts_ms: number; expanded: number; planned: number }[];
  candidates: CandidateFeasibility[];
  /** Every event of the ready templates, sorted by name: variant dimensions, occurrences kept and removed by the cooldown. */
  variants: VariantFeasibility[];
  cuts: Cut[];
  /** Per concept: expanded, cut infeasible by reason, cut by budget, planned (lib/research/concept_funnel.ts). */
  concepts: ConceptPlanFunnel[];
  /** spec/events families no concept names (from research/templates/unused_events.json; [] when none or unknown). */
  unused_event_families: UnusedEventFamily[];
  warnings: string[];
}

export interface PlanOutcome {
  timeframe: string;
  templates: readonly Template[];
  instruments: readonly Instrument[];
  expanded: readonly PlannedCandidate[];
  kept: readonly PlannedCandidate[];
  cuts: readonly Cut[];
  spec: PlanSpec;
  gates: PlanGates;
  warnings: readonly string[];
  /** Cooldown counts and variant dimensions from lake/events/_events.json (absent: unknown). */
  events?: EventsCooldownInfo;
  unusedEventFamilies?: readonly UnusedEventFamily[];
}

export function planCounts(o: PlanOutcome): PlanCounts {
  const ready = o.templates.filter((t) => t.status === 'ready').length;
  const cutBy = (r: CutReason) => o.cuts.filter((c) => c.reason === r).length;
  return {
    templates: o.templates.length,
    templates_ready: ready,
    templates_blocked: o.templates.length - ready,
    instruments: o.instruments.length,
    expanded: o.expanded.length,
    infeasible: o.expanded.filter((c) => !c.feasibility.feasible).length,
    cut_infeasible: cutBy('infeasible'),
    cut_per_template: cutBy('per_template'),
    cut_per_symbol: cutBy('per_symbol'),
    planned: o.kept.length,
    planned_infeasible: o.kept.filter((c) => !c.feasibility.feasible).length,
  };
}

export function planJson(o: PlanOutcome, planHash: string, templatesDigest: string): PlanJson {
  return {
    plan_hash: planHash,
    timeframe: o.timeframe,
    counts: planCounts(o),
    budgets: o.spec.budgets,
    drop_infeasible: o.spec.drop_infeasible,
    gates: o.gates,
    generated_from: { templates: templatesDigest },
  };
}

export function feasibilityJson(o: PlanOutcome): FeasibilityJson {
  const fate = new Map<string, Cut>(o.cuts.map((c) => [c.candidate_id, c]));
  const keptIds = new Set(o.kept.map((c) => c.candidate_id));
  const candidates: CandidateFeasibility[] = [...o.expanded]
    .sort((a, b) => cmp(a.candidate_id, b.candidate_id))
    .map((c) => ({
      candidate_id: c.candidate_id,
      template_id: c.template_id,
      event: c.event,
      instrument: instrumentKey(c),
      horizon_bars: c.horizon_bars,
      events: c.feasibility.events,
      usable_events: c.feasibility.usable_events,
      expected_ess: c.feasibility.expected_ess,
      feasible: c.feasibility.feasible,
      status: keptIds.has(c.candidate_id) ? 'planned' : `cut_${fate.get(c.candidate_id)!.reason}`,
      cooldown_removed: o.events?.cooldown?.[c.event]?.[instrumentKey(c)]?.removed ?? null,
    }));
  const templates = o.templates.map((t): TemplateFeasibility => {
    const mine = candidates.filter((c) => c.template_id === t.id);
    const planned = mine.filter((c) => c.status === 'planned');
    return {
      template_id: t.id,
      concept_id: t.concept_id,
      event_family: t.event_family,
      expected: t.expected,
      status: t.status,
      variants: t.events.length,
      instruments: new Set(mine.map((c) => c.instrument)).size,
      expanded: mine.length,
      infeasible: mine.filter((c) => !c.feasible).length,
      cut_infeasible: mine.filter((c) => c.status === 'cut_infeasible').length,
      cut_per_template: mine.filter((c) => c.status === 'cut_per_template').length,
      cut_per_symbol: mine.filter((c) => c.status === 'cut_per_symbol').length,
      planned: planned.length,
      max_expected_ess: mine.length ? Math.max(...mine.map((c) => c.expected_ess)) : null,
    };
  });
  const instruments = o.instruments.map((i) => {
    const key = instrumentKey(i);
    const mine = candidates.filter((c) => c.instrument === key);
    return {
      instrument: key, bars: i.bars, first_ts_ms: i.first_ts_ms, last_ts_ms: i.last_ts_ms,
      expanded: mine.length, planned: mine.filter((c) => c.status === 'planned').length,
    };
  });
  // Occurrences counted once per (event, instrument), not once per horizon.
  const occ = new Map<string, number>();
  for (const c of candidates) occ.set(`${c.event}\0${c.instrument}`, c.events);
  return {
    timeframe: o.timeframe,
    gates: o.gates,
    budgets: o.spec.budgets,
    drop_infeasible: o.spec.drop_infeasible,
    totals: { ...planCounts(o), occurrences: [...occ.values()].reduce((s, x) => s + x, 0) },
    templates,
    instruments,
    candidates,
    variants: variantFeasibility(o),
    cuts: [...o.cuts],
    concepts: conceptPlanFunnel(templates, candidates, o.cuts, o.gates),
    unused_event_families: [...(o.unusedEventFamilies ?? [])],
    warnings: [...o.warnings],
  };
}

/** Per event of the ready templates: its variant dimensions and the cooldown's kept / removed over the plan's instruments. */
function variantFeasibility(o: PlanOutcome): VariantFeasibility[] {
  const byEvent = new Map<string, string[]>();
  for (const t of o.templates) {
    if (t.status !== 'ready') continue;
    for (const e of t.events) byEvent.set(e, [...(byEvent.get(e) ?? []), t.id]);
  }
  const insts = o.instruments.map(instrumentKey);
  return [...byEvent.keys()].sort(cmp).map((event): VariantFeasibility => {
    const v = o.events?.variants?.[event];
    const per = o.events?.cooldown?.[event];
    const known = per !== undefined && insts.every((i) => per[i] !== undefined);
    const sum = (k: 'kept' | 'removed') => (known ? insts.reduce((s, i) => s + per[i]![k], 0) : null);
    return {
      event, variant_of: v?.of ?? event, direction: v?.direction ?? 'both', cooldown_bars: v?.cooldown_bars ?? null,
      threshold: v?.threshold ?? null, templates: byEvent.get(event)!.sort(cmp), kept: sum('kept'), removed: sum('removed'),
    };
  });
}

const MAX_CUT_ROWS = 50;

/** feasibility.md: totals, one row per template and per instrument, the first cuts. */
export function feasibilityMarkdown(f: FeasibilityJson, planHash: string): string {
  const t = f.totals;
  const lines: string[] = [
    `# Candidate plan feasibility (${f.timeframe})`,
    '',
    `Plan hash \`${planHash}\`. Gates (spec/gates.yaml): min_n ${f.gates.min_n}, min_ess ${f.gates.min_ess}. ` +
      `Budgets (spec/plan.yaml): total ${f.budgets.total}, per template ${f.budgets.per_template}, per instrument ${f.budgets.per_symbol}; ` +
      `drop_infeasible ${f.drop_infeasible}.`,
    '',
    'Usable events: occurrences whose forward window [t+1, t+1+h] lies inside the instrument\'s bars (an upper bound of ' +
      'discovery\'s n: bars with a missing open are only known there). Expected ESS: n^2 / sum_ij max(0, 1 - |t_i - t_j| / h) of those.',
    '',
    '| templates (ready / blocked) | instruments | expanded | infeasible | cut: infeasible | cut: per template | cut: per instrument | planned |',
    '|---|---|---|---|---|---|---|---|',
    `| ${t.templates} (${t.templates_ready} / ${t.templates_blocked}) | ${t.instruments} | ${t.expanded} | ${t.infeasible} | ${t.cut_infeasible} | ${t.cut_per_template} | ${t.cut_per_symbol} | ${t.planned} |`,
    '',
    '## Templates',
    '',
    '| template | concept | family | expected | status | variants | instruments | expanded | infeasible | cut | planned | max expected ESS |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...f.templates.map(
      (x) =>
        `| ${x.template_id} | ${x.concept_id} | ${x.event_family} | ${x.expected} | ${x.status} | ${x.variants} | ${x.instruments} | ${x.expanded} | ` +
        `${x.infeasible} | ${x.cut_infeasible + x.cut_per_template + x.cut_per_symbol} | ${x.planned} | ${x.max_expected_ess ?? '-'} |`,
    ),
    '',
    '## Concepts',
    '',
    'Per concept: candidates expanded, cut and why (too few events: fewer than min_n usable events; expected ESS too low; ' +
      'missing input data: the event cannot fire for want of input, e.g. open interest), planned.',
    '',
    '| concept | family | status | expanded | planned | cuts |',
    '|---|---|---|---|---|---|',
    ...f.concepts.map((x) => `| ${x.concept_id} | ${x.event_family} | ${x.status} | ${x.expanded} | ${x.planned} | ${cutsText(x)} |`),
    '',
    ...(f.unused_event_families.length ? [
      `Event families defined in spec/events that no concept names (never planned): ${f.unused_event_families.map((u) => `${u.family} (${u.events.join(', ')})`).join('; ')}.`,
      '',
    ] : []),
    '## Instruments',
    '',
    '| instrument | bars | expanded | planned |',
    '|---|---|---|---|',
    ...f.instruments.map((x) => `| ${x.instrument} | ${x.bars} | ${x.expanded} | ${x.planned} |`),
    '',
    '## Event variants',
    '',
    'Each event the templates expand over (spec/events `variants`: threshold, cooldown, direction). Kept: occurrences on ' +
      'the plan\'s instruments; removed by cooldown: bars where the condition held (on the variant\'s side) within ' +
      'cooldown_bars of the previous occurrence. `-`: not known (events lake written before these counts existed).',
    '',
    '| event | variant of | direction | cooldown | threshold | kept | removed by cooldown | templates |',
    '|---|---|---|---|---|---|---|---|',
    ...f.variants.map(
      (x) =>
        `| ${x.event} | ${x.variant_of} | ${x.direction} | ${x.cooldown_bars ?? '-'} | ${x.threshold ? `${x.threshold.feature} ${x.threshold.value}` : '-'} | ` +
        `${x.kept ?? '-'} | ${x.removed ?? '-'} | ${x.templates.length} |`,
    ),
    '',
    '## Cuts',
    '',
  ];
  if (f.cuts.length === 0) lines.push('None.');
  else {
    const byId = new Map(f.candidates.map((c) => [c.candidate_id, c]));
    lines.push('| candidate | event | instrument | h | reason | detail |', '|---|---|---|---|---|---|');
    for (const c of f.cuts.slice(0, MAX_CUT_ROWS)) {
      const x = byId.get(c.candidate_id)!;
      lines.push(`| ${c.candidate_id} | ${x.event} | ${x.instrument} | ${x.horizon_bars} | ${c.reason} | ${c.detail} |`);
    }
    if (f.cuts.length > MAX_CUT_ROWS) lines.push('', `${f.cuts.length - MAX_CUT_ROWS} more in feasibility.json.`);
  }
  if (f.warnings.length) lines.push('', '## Warnings', '', ...f.warnings.map((w) => `- ${w}`));
  return lines.join('\n') + '\n';
}
