/**
 * The plan stage on a constructed lake: expansion counts, feasibility numbers (usable events and expected ESS,
 * checked against a brute-force O(n^2) evaluation of docs/research.md's ESS formula and hand-computed values),
 * budget cuts with reasons, the over-budget and impossible-gate errors (located, exit code 3), and determinism.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templatesStage } from '../../../lib/stages/templates/definition.js';
import { planStage } from '../../../lib/stages/plan/definition.js';
import { parseTemplatesJsonl, type Template } from '../../../lib/research/templates.js';
import { candidateIdOf, expandCandidates, feasibilityOf, type Instrument, type PlannedCandidate } from '../../../lib/research/plan.js';
import { essOverlap } from '../../../lib/stats/ess.js';
import { SpecError, DataError, exitCodeOf } from '../../../lib/errors.js';
import type { FeasibilityJson, PlanJson } from '../../../lib/research/plan_report.js';
import { runStage, writeCleanedLake, writeEventsLake, writeSpec, type FixtureInstrument } from './fixtures.js';
import { templateWarnings } from '../../../lib/stages/plan/run.js';

const TF = '1h';
// 2025-01-20: 500 hourly bars run into February, so an instrument spans two monthly partitions.
const START = Date.UTC(2025, 0, 20);
const AAA: FixtureInstrument = { exchange: 'x', market: 'um', symbol: 'AAA', bars: 500, start_ms: START };
const BBB: FixtureInstrument = { exchange: 'x', market: 'um', symbol: 'BBB', bars: 500, start_ms: START };
const CCC: FixtureInstrument = { exchange: 'x', market: 'spot', symbol: 'CCC', bars: 300, start_ms: START };

const SPEC = {
  'events/e.yaml': `events:
  - {name: spike_a, family: spike}
  - {name: spike_b, family: spike}
  - {name: drop_a, family: drop}
`,
  'concepts/c.yaml': `concepts:
  - {id: spike-follow, claim: spikes continue, event_family: spike, expected: follow, horizons_bars: [4, 8], universe: all}
  - {id: drop-fade, claim: drops revert, event_family: drop, expected: fade, horizons_bars: [6], universe: {markets: [um]}}
  - {id: basis, claim: basis converges, event_family: basis_blowout, expected: fade, horizons_bars: [12], universe: all}
`,
  'gates.yaml': `discovery:
  min_n: 3
  min_ess: 2.5
  min_mean_bps: 5
  max_q: 0.05
bridge: {min_net_bps: 2, ci_level: 0.95, bootstrap_reps: 2000, notional_usd: 10000, min_capacity_usd: 10000}
`,
};
const planYaml = (total: number, perSymbol: number, perTemplate: number, drop = true) =>
  `budgets:\n  total: ${total}\n  per_symbol: ${perSymbol}\n  per_template: ${perTemplate}\ndrop_infeasible: ${drop}\n`;

// Bar indices of the events. lastIdx is 499 for AAA/BBB and 299 for CCC.
const EVENTS = [
  { inst: AAA, events: { spike_a: ['spike', [10, 12, 40, 495, 497]], spike_b: ['spike', [0, 50, 100, 150, 200]], drop_a: ['drop', [30, 60, 90, 120]] } },
  { inst: BBB, events: { spike_b: ['spike', [20, 21, 22, 23]], drop_a: ['drop', [30, 31]] } },
  { inst: CCC, events: { spike_a: ['spike', [5, 100, 200, 290, 295]] } },
] as const;

let root: string;
let base: string; // data dir with templates, cleaned and events in place (no plan yet)
let specDir: string;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-plan-'));
  specDir = join(root, 'spec');
  await writeSpec(specDir, { ...SPEC, 'plan.yaml': planYaml(100, 100, 100) });
  base = join(root, 'base');
  await runStage(templatesStage, base, specDir, {});
  await writeCleanedLake(base, TF, [AAA, BBB, CCC]);
  await writeEventsLake(base, TF, EVENTS.map((e) => ({ inst: e.inst, events: e.events as never })));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A copy of the base data dir and a spec dir with the given plan.yaml / gates.yaml; runs the plan stage. */
async function plan(planText: string, gates = SPEC['gates.yaml']) {
  const dir = join(root, `run${++n}`);
  await cp(base, join(dir, 'data'), { recursive: true });
  const spec = join(dir, 'spec');
  await writeSpec(spec, { ...SPEC, 'plan.yaml': planText, 'gates.yaml': gates });
  const manifest = await runStage(planStage, join(dir, 'data'), spec, { timeframe: TF });
  const out = join(dir, 'data', 'research', 'plan');
  const read = (f: string) => readFile(join(out, f), 'utf8');
  const lines = (await read('candidate_plan.jsonl')).split('\n').filter(Boolean);
  return {
    manifest, out, read,
    candidates: lines.map((l) => JSON.parse(l) as PlannedCandidate),
    planJson: JSON.parse(await read('plan.json')) as PlanJson,
    feas: JSON.parse(await read('feasibility.json')) as FeasibilityJson,
  };
}

async function planError(planText: string, gates?: string): Promise<Error> {
  try {
    await plan(planText, gates);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the plan stage to fail');
}

/** ESS by the definition, every ordered pair (docs/research.md): n^2 / sum_ij max(0, 1 - |t_i - t_j| / h). */
function essBrute(t: readonly number[], h: number): number {
  let s = 0;
  for (const a of t) for (const b of t) s += Math.max(0, 1 - Math.abs(a - b) / h);
  return t.length === 0 ? 0 : (t.length * t.length) / s;
}

async function templates(): Promise<Template[]> {
  return parseTemplatesJsonl(await readFile(join(base, 'research', 'templates', 'templates.jsonl'), 'utf8'), 't');
}

describe('ESS and feasibility (pure)', () => {
  test('essOverlap equals the brute-force definition and the closed forms', () => {
    // Hand computation: [10, 12, 40], h = 4: one close pair, weight 1 - 2/4 = 0.5 -> 9 / (3 + 2 * 0.5) = 2.25.
    expect(essOverlap([10, 12, 40], 4)).toBeCloseTo(2.25, 12);
    // Occurrences at least h apart: no overlap, ESS = n.
    expect(essOverlap([0, 50, 100, 150, 200], 8)).toBe(5);
    // Every bar an occurrence: sum = N + 2 sum_{d<h} (N - d)(1 - d/h); for N = 1000, h = 10 that is 9967 -> ESS 100.33 ~ N/h.
    const all = Array.from({ length: 1000 }, (_, i) => i);
    expect(essOverlap(all, 10)).toBeCloseTo(1e6 / 9967, 9);
    for (const [t, h] of [[[20, 21, 22, 23], 4], [[3, 5, 6, 30, 31, 33, 60], 7], [[1], 3], [[], 5]] as const) {
      expect(essOverlap(t, h)).toBeCloseTo(essBrute(t, h), 12);
    }
  });

  test('usable occurrences need the forward window inside the bars (t + 1 + h <= lastIdx)', () => {
    const g = { min_n: 3, min_ess: 2.5 };
    expect(feasibilityOf(Float64Array.from([5, 100, 200, 290, 295]), 299, 8, g)).toEqual({
      events: 5, usable_events: 4, expected_ess: 4, feasible: true, failing: [],
    });
    expect(feasibilityOf(Float64Array.from([10, 12, 40, 495, 497]), 499, 4, g)).toEqual({
      events: 5, usable_events: 3, expected_ess: 2.25, feasible: false, failing: ['min_ess'],
    });
    expect(feasibilityOf(Float64Array.from([30, 31]), 499, 6, g).failing).toEqual(['min_n', 'min_ess']);
  });

  test('candidate ids are the SHA-256 of the canonical key (computed independently)', () => {
    const literal = '{"event":"spike_a","exchange":"x","horizon_bars":4,"market":"um","symbol":"AAA","template_id":"tpl-0123456789ab","timeframe":"1h"}';
    expect(candidateIdOf({ template_id: 'tpl-0123456789ab', event: 'spike_a', exchange: 'x', market: 'um', symbol: 'AAA', timeframe: '1h', horizon_bars: 4 }))
      .toBe('c-' + createHash('sha256').update(literal).digest('hex').slice(0, 16));
  });

  test('expansion: events x instruments in the universe x horizons; blocked templates give none', async () => {
    const ts = await templates();
    const insts: Instrument[] = [AAA, BBB, CCC].map((i) => ({ ...i, first_ts_ms: i.start_ms, last_ts_ms: i.start_ms + (i.bars - 1) * 3_600_000 }));
    const cands = expandCandidates(ts, insts, TF);
    const spike = ts.find((t) => t.concept_id === 'spike-follow')!;
    const drop = ts.find((t) => t.concept_id === 'drop-fade')!;
    expect(cands.filter((c) => c.template_id === spike.id)).toHaveLength(2 * 3 * 2);
    expect(cands.filter((c) => c.template_id === drop.id)).toHaveLength(1 * 2 * 1);
    expect(cands).toHaveLength(14);
    expect(new Set(cands.map((c) => c.candidate_id)).size).toBe(14);
    expect(cands.map((c) => c.candidate_id)).toEqual([...cands.map((c) => c.candidate_id)].sort());
  });
});

describe('plan stage', () => {
  test('feasibility numbers on the constructed lake', async () => {
    const r = await plan(planYaml(100, 100, 100, false));
    expect(r.candidates).toHaveLength(14);
    const f = (sym: string, event: string, h: number) => r.candidates.find((c) => c.symbol === sym && c.event === event && c.horizon_bars === h)!.feasibility;
    // Hand-computed (see the EVENTS comment): usable = occurrences with t + 1 + h <= lastIdx.
    expect(f('AAA', 'spike_a', 4)).toEqual({ events: 5, usable_events: 3, expected_ess: 2.25, feasible: false, failing: ['min_ess'] });
    expect(f('AAA', 'spike_a', 8)).toEqual({ events: 5, usable_events: 3, expected_ess: 2, feasible: false, failing: ['min_ess'] });
    expect(f('AAA', 'spike_b', 8)).toEqual({ events: 5, usable_events: 5, expected_ess: 5, feasible: true, failing: [] });
    expect(f('BBB', 'spike_b', 4).expected_ess).toBeCloseTo(essBrute([20, 21, 22, 23], 4), 6); // 16 / 11
    expect(f('BBB', 'spike_a', 4)).toEqual({ events: 0, usable_events: 0, expected_ess: 0, feasible: false, failing: ['min_n', 'min_ess'] });
    expect(f('CCC', 'spike_a', 8)).toEqual({ events: 5, usable_events: 4, expected_ess: 4, feasible: true, failing: [] });
    expect(f('AAA', 'drop_a', 6)).toEqual({ events: 4, usable_events: 4, expected_ess: 4, feasible: true, failing: [] });
    expect(r.candidates.some((c) => c.symbol === 'CCC' && c.event === 'drop_a')).toBe(false); // spot is outside {markets: [um]}
    expect(r.planJson.counts).toMatchObject({ templates: 3, templates_ready: 2, templates_blocked: 1, instruments: 3, expanded: 14, infeasible: 9, planned: 14, planned_infeasible: 9 });
    expect(r.feas.totals.occurrences).toBe(5 + 5 + 4 + 4 + 2 + 5);
    expect(r.feas.instruments.map((i) => [i.instrument, i.bars])).toEqual([['x/spot/CCC', 300], ['x/um/AAA', 500], ['x/um/BBB', 500]]);
    const c0 = r.candidates[0]!;
    expect(Object.keys(c0).sort()).toEqual(['candidate_id', 'concept_id', 'event', 'event_family', 'exchange', 'expected', 'feasibility', 'horizon_bars', 'market', 'symbol', 'template_id', 'timeframe']);
    expect(c0.candidate_id).toBe(candidateIdOf(c0));
  });

  test('cuts: infeasible, then per_template, then per_symbol, highest expected ESS kept, ties by id', async () => {
    const r = await plan(planYaml(3, 2, 3));
    const feasible = r.feas.candidates.filter((c) => c.feasible);
    expect(feasible).toHaveLength(5);
    expect(r.feas.cuts.filter((c) => c.reason === 'infeasible')).toHaveLength(9);
    // Template spike-follow has 4 feasible (AAA spike_b h4/h8 at ESS 5, CCC spike_a h4/h8 at ESS 4): the CCC one with the larger id goes.
    const ccc = feasible.filter((c) => c.instrument === 'x/spot/CCC').map((c) => c.candidate_id).sort();
    const perTemplate = r.feas.cuts.filter((c) => c.reason === 'per_template');
    expect(perTemplate.map((c) => c.candidate_id)).toEqual([ccc[1]]);
    expect(perTemplate[0]!.detail).toMatch(/^template tpl-[0-9a-f]{12} has 4 candidates > per_template 3; kept the 3 with the highest expected ESS \(>= 4\)$/);
    // Instrument AAA keeps spike_b h4/h8 (ESS 5) and loses drop_a h6 (ESS 4).
    const perSymbol = r.feas.cuts.filter((c) => c.reason === 'per_symbol');
    expect(perSymbol.map((c) => r.feas.candidates.find((x) => x.candidate_id === c.candidate_id)!.event)).toEqual(['drop_a']);
    expect(perSymbol[0]!.detail).toBe('instrument x/um/AAA has 3 candidates > per_symbol 2; kept the 2 with the highest expected ESS (>= 5)');
    expect(r.candidates.map((c) => `${c.symbol} ${c.event} ${c.horizon_bars}`).sort()).toEqual(['AAA spike_b 4', 'AAA spike_b 8', `CCC spike_a ${r.candidates.find((c) => c.symbol === 'CCC')!.horizon_bars}`]);
    expect(r.candidates.find((c) => c.symbol === 'CCC')!.candidate_id).toBe(ccc[0]);
    expect(r.planJson.counts).toMatchObject({ expanded: 14, cut_infeasible: 9, cut_per_template: 1, cut_per_symbol: 1, planned: 3 });
    const infeasible = r.feas.cuts.find((c) => c.reason === 'infeasible' && r.feas.candidates.find((x) => x.candidate_id === c.candidate_id)!.instrument === 'x/um/BBB' && r.feas.candidates.find((x) => x.candidate_id === c.candidate_id)!.event === 'drop_a')!;
    // [30, 31], h = 6: 4 / (2 + 2 * 5/6) = 12/11, rounded to 1e-6.
    expect(infeasible.detail).toBe('usable events 2 < min_n 3; expected ESS 1.090909 < min_ess 2.5');
    const md = await r.read('feasibility.md');
    expect(md).toContain('| 3 (2 / 1) | 3 | 14 | 9 | 9 | 1 | 1 | 3 |');
  });

  test('over budget after the cuts: located error at budgets.total, exit code 3', async () => {
    const err = await planError(planYaml(2, 2, 3));
    expect(err).toBeInstanceOf(SpecError);
    expect(exitCodeOf(err)).toBe(3);
    expect(err.message).toMatch(/spec\/plan\.yaml:2:10 budgets\.total: plan over budget: 3 candidates > total 2; raise budgets\.total or narrow the concepts$/);
  });

  test('a gate that can never pass is a located error at spec/gates.yaml', async () => {
    const err = await planError(planYaml(100, 100, 100), SPEC['gates.yaml']!.replace('min_n: 3', 'min_n: 501').replace('min_ess: 2.5', 'min_ess: 2'));
    expect(exitCodeOf(err)).toBe(3);
    // The spec dir is outside the working directory here, so the path is absolute (spec/gates.yaml when run from the repo).
    expect(err.message).toMatch(/\/spec\/gates\.yaml:2:10 discovery\.min_n: can never pass: 501 > 500 bars of the longest instrument at 1h, was 501$/);
  });

  test('gates.yaml is read with the one gates schema (as discovery reads it): a partial file is a located error', async () => {
    const err = await planError(planYaml(100, 100, 100), 'discovery:\n  min_n: 3\n  min_ess: 2\n');
    expect(err).toBeInstanceOf(SpecError);
    expect(err.message).toMatch(/gates\.yaml:1:1 discovery: missing required key "min_mean_bps"|min_mean_bps/);
  });

  test('a malformed plan.yaml is a located schema error', async () => {
    const err = await planError('budgets:\n  total: 0\n  per_symbol: 1\n  per_template: 1\n');
    expect(err).toBeInstanceOf(SpecError);
    expect(err.message).toContain('spec/plan.yaml:2:10 budgets.total: must be >= 1, was 0');
  });

  test('no cleaned bars at the timeframe is a data error', async () => {
    const dir = join(root, 'no-bars');
    await cp(join(base, 'research'), join(dir, 'research'), { recursive: true });
    await cp(join(base, 'lake'), join(dir, 'lake'), { recursive: true });
    await rm(join(dir, 'lake', 'cleaned', 'bars'), { recursive: true });
    const err = await runStage(planStage, dir, specDir, { timeframe: TF }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain('no instrument has cleaned bars at 1h');
  });

  test('byte-identical outputs across reruns and data dirs; plan_hash is the SHA-256 of candidate_plan.jsonl', async () => {
    const a = await plan(planYaml(100, 100, 100));
    const b = await plan(planYaml(100, 100, 100));
    for (const f of ['candidate_plan.jsonl', 'plan.json', 'feasibility.json', 'feasibility.md']) expect(await b.read(f)).toBe(await a.read(f));
    const text = await a.read('candidate_plan.jsonl');
    expect(a.planJson.plan_hash).toBe(createHash('sha256').update(text).digest('hex'));
    const tpl = await readFile(join(base, 'research', 'templates', 'templates.jsonl'));
    expect(a.planJson.generated_from.templates).toBe(createHash('sha256').update(tpl).digest('hex'));
    expect(a.candidates).toHaveLength(5);
    expect(text.endsWith('\n')).toBe(true);
  });

  test('rewording claims and reordering the concepts leaves the plan byte-identical', async () => {
    const a = await plan(planYaml(100, 100, 100));
    const dir = join(root, 'reworded');
    const spec = join(dir, 'spec');
    await writeSpec(spec, {
      ...SPEC, 'plan.yaml': planYaml(100, 100, 100),
      'concepts/c.yaml': `concepts:
  - {id: basis, claim: the basis closes, event_family: basis_blowout, expected: fade, horizons_bars: [12], universe: all}
  - {id: drop-fade, claim: falls bounce back, universe: {markets: [um]}, horizons_bars: [6], expected: fade, event_family: drop}
  - {id: spike-follow, claim: a spike is followed by more, event_family: spike, expected: follow, horizons_bars: [8, 4], universe: all}
`,
    });
    const data = join(dir, 'data');
    await cp(join(base, 'lake'), join(data, 'lake'), { recursive: true });
    await runStage(templatesStage, data, spec, {});
    expect(await readFile(join(data, 'research', 'templates', 'templates.jsonl'), 'utf8'))
      .not.toBe(await readFile(join(base, 'research', 'templates', 'templates.jsonl'), 'utf8'));
    await runStage(planStage, data, spec, { timeframe: TF });
    expect(await readFile(join(data, 'research', 'plan', 'candidate_plan.jsonl'), 'utf8')).toBe(await a.read('candidate_plan.jsonl'));
  });

  test('an event off the bar grid is a data error naming the partition and the value', async () => {
    const data = join(root, 'offgrid');
    await cp(join(base, 'research'), join(data, 'research'), { recursive: true });
    await writeCleanedLake(data, TF, [AAA]);
    await writeEventsLake(data, TF, [{ inst: { ...AAA, start_ms: START + 60_000 }, events: { spike_a: ['spike', [3]] } }]);
    const err = await runStage(planStage, data, specDir, { timeframe: TF }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(`events/exchange=x/market=um/symbol=AAA/timeframe=1h ts_ms: event spike_a is not on the 1h bar grid of the cleaned bars (first bar ${START}), was ${START + 60_000 + 3 * 3_600_000}`);
  });
});

describe('warnings for templates that cannot be researched (actionable)', () => {
  const tpl = { id: 'tpl-liq', status: 'ready', concept_id: 'liq-fade', source: 'spec/concepts/default.yaml:51', event_family: 'liquidation_cascade', events: ['liq_1', 'liq_2'] };
  const cand = (symbol: string, events: number) => ({ template_id: 'tpl-liq', exchange: 'x', market: 'um', symbol, feasibility: { events } });
  // lake/events/_events.json's not-evaluated entries (lib/features/availability.ts)
  const liq = (name: string, instruments: string[]) => ({ kind: 'event' as const, name, family: 'liquidation_cascade', needs: ['open_interest'], instruments, of: 2, via: ['oi_change_12'] });
  const why = [liq('liq_1', ['x/um/AAA', 'x/um/BBB']), liq('liq_2', ['x/um/AAA', 'x/um/BBB'])];

  test('events that read a feature none of the instruments has: the feature, the reason, and the way out', () => {
    const w = templateWarnings({ timeframe: '5m', templates: [tpl] as never, expanded: [cand('AAA', 0), cand('BBB', 0)] as never }, why);
    expect(w).toEqual([
      'template tpl-liq (concept liq-fade, spec/concepts/default.yaml:51): no liquidation_cascade event occurs on any of its 2 instruments: ' +
      'not evaluated: liq_1: not evaluated on 2 of 2 instruments: needs open_interest for AAA, BBB (via oi_change_12); ' +
      'liq_2: not evaluated on 2 of 2 instruments: needs open_interest for AAA, BBB (via oi_change_12). Provide that data to ingest, ' +
      'or remove the concept from spec/concepts/default.yaml (it is skipped until then)',
    ]);
  });

  test('data missing on one instrument only is not the whole cause: the thresholds are; a template with events is not warned about', () => {
    const partial = [liq('liq_1', ['x/um/AAA'])];
    expect(templateWarnings({ timeframe: '5m', templates: [tpl] as never, expanded: [cand('AAA', 0), cand('BBB', 0)] as never }, partial)).toEqual([
      'template tpl-liq (concept liq-fade, spec/concepts/default.yaml:51): no liquidation_cascade event occurs on any of its 2 instruments: ' +
      'not evaluated: liq_1: not evaluated on 1 of 2 instruments: needs open_interest for AAA (via oi_change_12); elsewhere ' +
      'their conditions never held on this data. Loosen the liquidation_cascade events in spec/events, or remove the concept from spec/concepts/default.yaml (it is skipped until then)',
    ]);
    expect(templateWarnings({ timeframe: '5m', templates: [tpl] as never, expanded: [cand('AAA', 3), cand('BBB', 0)] as never }, why)).toEqual([]);
    expect(templateWarnings({ timeframe: '5m', templates: [tpl] as never, expanded: [] }, why)[0]).toContain('its universe matches no instrument with 5m bars: widen its universe or remove the concept');
  });
});
