/**
 * Event variants in the plan: concepts may name variants, the plan expands them like any event, a budget caps the
 * variants per template (located error), and feasibility shows per variant what the cooldown kept and removed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templatesStage } from '../../../lib/stages/templates/definition.js';
import { planStage } from '../../../lib/stages/plan/definition.js';
import { parseTemplatesJsonl } from '../../../lib/research/templates.js';
import { SpecError, exitCodeOf } from '../../../lib/errors.js';
import type { FeasibilityJson } from '../../../lib/research/plan_report.js';
import { runStage, writeCleanedLake, writeEventsLake, writeSpec, TINY_GATES, type FixtureInstrument } from './fixtures.js';

const TF = '1h';
const START = Date.UTC(2025, 0, 20);
const AAA: FixtureInstrument = { exchange: 'x', market: 'um', symbol: 'AAA', bars: 500, start_ms: START };
const BBB: FixtureInstrument = { exchange: 'x', market: 'um', symbol: 'BBB', bars: 500, start_ms: START };

/** One spec entry with direction and cooldown variants: spike, spike_cd12, spike_cd12_down, spike_down. */
const EVENTS_YAML = `events:
  - name: spike
    family: spike
    condition: {abs_gt: {feature: z, value: 4}}
    direction: {sign_of: ret_1}
    cooldown_bars: 3
    variants: {direction: [both, down], cooldown_bars: [3, 12]}
`;
const concepts = (events = '') => `concepts:
  - {id: spike-fade, claim: spikes revert, event_family: spike, expected: fade, horizons_bars: [4], universe: all${events}}
`;
const planYaml = (variants?: number) =>
  `budgets:\n  total: 100\n  per_symbol: 100\n  per_template: 100\n${variants !== undefined ? `  variants_per_template: ${variants}\n` : ''}drop_infeasible: false\n`;

/** What the events stage would have recorded: kept = occurrences written, removed by the cooldown. */
const INFO = {
  timeframe: TF, instruments: 2, counts: {}, not_evaluated: [],
  cooldown: {
    spike: { 'x/um/AAA': { kept: 4, removed: 3 }, 'x/um/BBB': { kept: 3, removed: 1 } },
    spike_down: { 'x/um/AAA': { kept: 2, removed: 1 }, 'x/um/BBB': { kept: 1, removed: 0 } },
    spike_cd12: { 'x/um/AAA': { kept: 3, removed: 4 }, 'x/um/BBB': { kept: 2, removed: 2 } },
    spike_cd12_down: { 'x/um/AAA': { kept: 2, removed: 1 }, 'x/um/BBB': { kept: 1, removed: 0 } },
  },
  variants: {
    spike: { of: 'spike', direction: 'both', cooldown_bars: 3 },
    spike_down: { of: 'spike', direction: 'down', cooldown_bars: 3 },
    spike_cd12: { of: 'spike', direction: 'both', cooldown_bars: 12 },
    spike_cd12_down: { of: 'spike', direction: 'down', cooldown_bars: 12 },
  },
};

let root: string;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-plan-variants-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Templates + a constructed cleaned/events lake + the plan stage, in a fresh data dir. */
async function run(conceptEvents: string, plan: string) {
  const dir = join(root, `run${++n}`);
  const spec = join(dir, 'spec');
  const data = join(dir, 'data');
  await writeSpec(spec, { 'events/e.yaml': EVENTS_YAML, 'concepts/c.yaml': concepts(conceptEvents), 'gates.yaml': TINY_GATES, 'plan.yaml': plan });
  await runStage(templatesStage, data, spec, {});
  await writeCleanedLake(data, TF, [AAA, BBB]);
  await writeEventsLake(data, TF, [
    { inst: AAA, events: { spike: ['spike', [10, 50, 90, 130]], spike_down: ['spike', [50, 130]], spike_cd12: ['spike', [10, 50, 130]], spike_cd12_down: ['spike', [50, 130]] } },
    { inst: BBB, events: { spike: ['spike', [20, 60, 100]], spike_down: ['spike', [60]], spike_cd12: ['spike', [20, 100]], spike_cd12_down: ['spike', [60]] } },
  ]);
  await writeFile(join(data, 'lake', 'events', '_events.json'), JSON.stringify(INFO));
  const templates = parseTemplatesJsonl(await readFile(join(data, 'research', 'templates', 'templates.jsonl'), 'utf8'), 't');
  await runStage(planStage, data, spec, { timeframe: TF });
  const out = join(data, 'research', 'plan');
  return {
    templates,
    feas: JSON.parse(await readFile(join(out, 'feasibility.json'), 'utf8')) as FeasibilityJson,
    md: await readFile(join(out, 'feasibility.md'), 'utf8'),
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('event variants in the plan', () => {
  test('every variant of the family is expanded; feasibility shows per variant the cooldown\'s kept and removed', async () => {
    const r = await run('', planYaml(4));
    expect(r.templates[0]!.events).toEqual(['spike', 'spike_cd12', 'spike_cd12_down', 'spike_down']);
    expect(r.feas.totals.expanded).toBe(4 * 2); // 4 variants x 2 instruments x 1 horizon
    expect(r.feas.variants).toEqual([
      { event: 'spike', variant_of: 'spike', direction: 'both', cooldown_bars: 3, threshold: null, templates: [r.templates[0]!.id], kept: 7, removed: 4 },
      { event: 'spike_cd12', variant_of: 'spike', direction: 'both', cooldown_bars: 12, threshold: null, templates: [r.templates[0]!.id], kept: 5, removed: 6 },
      { event: 'spike_cd12_down', variant_of: 'spike', direction: 'down', cooldown_bars: 12, threshold: null, templates: [r.templates[0]!.id], kept: 3, removed: 1 },
      { event: 'spike_down', variant_of: 'spike', direction: 'down', cooldown_bars: 3, threshold: null, templates: [r.templates[0]!.id], kept: 3, removed: 1 },
    ]);
    const c = r.feas.candidates.find((x) => x.event === 'spike_cd12' && x.instrument === 'x/um/AAA')!;
    expect([c.events, c.cooldown_removed]).toEqual([3, 4]);
    expect(r.md).toContain('## Event variants');
    expect(r.md).toContain('| spike_cd12 | spike | both | 12 | - | 5 | 6 | 1 |');
  });

  test('a concept may name the variants it tests: only those are planned', async () => {
    const r = await run(', events: [spike_down]', planYaml(4));
    expect(r.templates[0]!.events).toEqual(['spike_down']);
    expect(new Set(r.feas.candidates.map((c) => c.event))).toEqual(new Set(['spike_down']));
    expect(r.feas.variants.map((v) => v.event)).toEqual(['spike_down']);
  });

  test('a variant the family does not have is a located error at the concept, with a suggestion', async () => {
    const err = await failure(run(', events: [spike_dwn]', planYaml(4)));
    expect(err).toBeInstanceOf(SpecError);
    expect(exitCodeOf(err)).toBe(3);
    expect(err.message).toMatch(/concepts\/c\.yaml:2:\d+ concept "spike-fade" events\[0\]: "spike_dwn" is not an event of family spike \(did you mean "spike_down"\? its events: spike, spike_cd12, spike_cd12_down, spike_down\)/);
  });

  test('more variants than budgets.variants_per_template is a located error naming the template and its variants', async () => {
    const err = await failure(run('', planYaml(3)));
    expect(err).toBeInstanceOf(SpecError);
    expect(exitCodeOf(err)).toBe(3);
    expect(err.message).toMatch(/plan\.yaml:5:26 budgets\.variants_per_template: template tpl-[0-9a-f]{12} \(concept "spike-fade", .*c\.yaml:2\) expands over 4 event variants > 3: spike, spike_cd12, spike_cd12_down, spike_down/);
  });
});
