/**
 * Horizons as durations: a concept's `horizons: [1h, 2h]` is the same template (same id) at every timeframe and
 * becomes 12/24 bars at 5m and 1/2 bars at 1h in the plan; a duration that is not whole bars is a SpecError located
 * at the horizon's line:col (exit 3); `horizons_bars` still counts bars. An empty plan is a run-summary warning
 * with the reason and the settings to change.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templatesStage } from '../../../lib/stages/templates/definition.js';
import { planStage } from '../../../lib/stages/plan/definition.js';
import { parseTemplatesJsonl, templateIdOf, type Template } from '../../../lib/research/templates.js';
import { expandCandidates, type Instrument } from '../../../lib/research/plan.js';
import { SpecError, exitCodeOf } from '../../../lib/errors.js';
import { runStage, writeCleanedLake, writeEventsLake, writeSpec, TINY_GATES, type FixtureInstrument } from './fixtures.js';

const START = Date.UTC(2025, 0, 20);
const AAA: FixtureInstrument = { exchange: 'x', market: 'um', symbol: 'AAA', bars: 200, start_ms: START };
const SPEC = {
  'events/e.yaml': 'events:\n  - {name: spike_a, family: spike}\n',
  'concepts/c.yaml': `concepts:
  - id: spike-follow
    claim: spikes continue
    event_family: spike
    expected: follow
    horizons: [2h, 60m]
    universe: all
  - {id: spike-bars, claim: in bars, event_family: spike, expected: fade, horizons_bars: [3], universe: all}
`,
  'gates.yaml': TINY_GATES,
  'plan.yaml': 'budgets:\n  total: 100\n  per_symbol: 100\n  per_template: 100\ndrop_infeasible: true\n',
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-durations-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function templatesOf(spec: Record<string, string>, name: string): Promise<Template[]> {
  const specDir = join(root, name, 'spec');
  const data = join(root, name, 'data');
  await writeSpec(specDir, spec);
  await runStage(templatesStage, data, specDir, {});
  return parseTemplatesJsonl(await readFile(join(data, 'research', 'templates', 'templates.jsonl'), 'utf8'), 't');
}

const inst = (tfMs: number): Instrument[] => [{ ...AAA, first_ts_ms: START, last_ts_ms: START + (AAA.bars - 1) * tfMs }];

describe('horizons as durations', () => {
  test('the template keeps durations (canonical, shortest first) and its id does not depend on the timeframe', async () => {
    const ts = await templatesOf(SPEC, 'ids');
    const t = ts.find((x) => x.concept_id === 'spike-follow')!;
    expect(t.horizons).toEqual(['1h', '2h']);
    expect(t.horizons_bars).toBeUndefined();
    expect(t.horizons_at).toEqual(['spec/concepts/c.yaml:6:20', 'spec/concepts/c.yaml:6:16']);
    // 60m and 1h are the same duration: the same template
    expect(templateIdOf({ event_family: 'spike', expected: 'follow', horizons: ['1h', '120m'], universe: 'all', requires_features: [] })).toBe(t.id);
    expect(templateIdOf({ event_family: 'spike', expected: 'follow', horizons: ['1h', '3h'], universe: 'all', requires_features: [] })).not.toBe(t.id);
    expect(ts.find((x) => x.concept_id === 'spike-bars')!.horizons_bars).toEqual([3]);
  });

  test('the plan converts durations per timeframe: 1h, 2h = 12, 24 bars at 5m and 1, 2 at 1h; horizons_bars stay bars', async () => {
    const ts = await templatesOf(SPEC, 'expand');
    const id = ts.find((x) => x.concept_id === 'spike-follow')!.id;
    const bars = (tf: '5m' | '1h', ms: number, tid: string) =>
      expandCandidates(ts, inst(ms), tf).filter((c) => c.template_id === tid).map((c) => c.horizon_bars).sort((a, b) => a - b);
    expect(bars('5m', 300_000, id)).toEqual([12, 24]);
    expect(bars('1h', 3_600_000, id)).toEqual([1, 2]);
    const barsId = ts.find((x) => x.concept_id === 'spike-bars')!.id;
    expect(bars('5m', 300_000, barsId)).toEqual([3]);
    expect(bars('1h', 3_600_000, barsId)).toEqual([3]);
  });

  test('a duration that is not whole bars is a SpecError at its line:col (exit 3)', async () => {
    const ts = await templatesOf({ ...SPEC, 'concepts/c.yaml': SPEC['concepts/c.yaml'].replace('[2h, 60m]', '[1h, 90m]') }, 'bad');
    let err: unknown;
    try {
      expandCandidates(ts, inst(3_600_000), '1h');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect(exitCodeOf(err)).toBe(3);
    expect((err as SpecError).issues).toEqual([
      'spec/concepts/c.yaml:6:20 concept spike-follow horizons[1]: 90m is not a whole number of 1h bars (1.5 bars)',
    ]);
    expect((err as SpecError).hint).toContain('run a finer --backtest_timeframe');
    // the same spec is fine at 5m and 15m
    expect(expandCandidates(ts, inst(900_000), '15m').length).toBe(3);
  });

  test('the same duration twice (60m and 1h) is a located error', async () => {
    let err: unknown;
    try {
      await templatesOf({ ...SPEC, 'concepts/c.yaml': SPEC['concepts/c.yaml'].replace('[2h, 60m]', '[1h, 60m]') }, 'twice');
    } catch (e) {
      err = e;
    }
    expect((err as SpecError).issues).toEqual(['spec/concepts/c.yaml:6:20 concepts[0].horizons: 1h appears twice (durations are compared as lengths: 60m = 1h)']);
  });

  test('a concept with both horizons and horizons_bars, or neither, is a located error', async () => {
    const both = '  - {id: two, claim: x, event_family: spike, expected: follow, horizons: [1h], horizons_bars: [2], universe: all}\n';
    const none = '  - {id: zero, claim: x, event_family: spike, expected: follow, universe: all}\n';
    let err: unknown;
    try {
      await templatesOf({ ...SPEC, 'concepts/c.yaml': `concepts:\n${both}${none}` }, 'both');
    } catch (e) {
      err = e;
    }
    expect((err as SpecError).issues).toEqual([
      expect.stringMatching(/^spec\/concepts\/c\.yaml:2:\d+ concepts\[0\]: give horizons .* not both$/),
      expect.stringMatching(/^spec\/concepts\/c\.yaml:3:\d+ concepts\[1\]: give horizons .* neither is there$/),
    ]);
  });
});

describe('empty plan', () => {
  test('a plan with no candidates says why and what to change in the stage summary', async () => {
    const dir = join(root, 'empty');
    const specDir = join(dir, 'spec');
    await writeSpec(specDir, SPEC);
    const data = join(dir, 'data');
    await runStage(templatesStage, data, specDir, {});
    await writeCleanedLake(data, '1h', [AAA]);
    await writeEventsLake(data, '1h', [{ inst: AAA, events: { spike_a: ['spike', [10, 50]] } as never }]); // 2 < min_n 3
    const m = await runStage(planStage, data, specDir, { timeframe: '1h' });
    expect(m.summary.rows).toEqual({ candidates: 0, cuts: 3 });
    const w = m.summary.warnings!.find((x) => x.startsWith('Empty candidate plan'));
    expect(w).toBe('Empty candidate plan at 1h: all 3 expanded candidates were cut (3 infeasible: fewer than min_n 3 usable events or expected ESS below ' +
      'min_ess 2.5; 0 by budgets); discovery and the bridge test nothing. To change: discovery.min_n / min_ess in spec/gates.yaml, the horizons in ' +
      'spec/concepts, budgets or drop_infeasible in spec/plan.yaml, or a longer dataset.');
  });
});
