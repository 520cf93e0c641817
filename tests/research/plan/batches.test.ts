/**
 * The plan stage reads the events of a few instruments per query (lib/stages/plan/run.ts eventTimes: 8 at a time,
 * each query filtered to the events its instruments' candidates need, its result chunks released before the next).
 * With 11 instruments (two queries) whose events differ, every candidate must count exactly its own instrument's
 * occurrences of its own event: nothing from a neighbour in the same query, nothing lost at the batch edge, and an
 * event no candidate of an instrument needs (drop_a on spot: outside its concept's universe) is not planned there.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { templatesStage } from '../../../lib/stages/templates/definition.js';
import { planStage } from '../../../lib/stages/plan/definition.js';
import type { PlannedCandidate } from '../../../lib/research/plan.js';
import { TINY_GATES, runStage, writeCleanedLake, writeEventsLake, writeSpec, type FixtureInstrument } from './fixtures.js';

const TF = '1h';
const START = Date.UTC(2025, 0, 20); // 500 hourly bars: two monthly partitions per instrument
const SPEC = {
  'events/e.yaml': `events:
  - {name: spike_a, family: spike}
  - {name: spike_b, family: spike}
  - {name: drop_a, family: drop}
`,
  'concepts/c.yaml': `concepts:
  - {id: spike-follow, claim: spikes continue, event_family: spike, expected: follow, horizons_bars: [4], universe: all}
  - {id: drop-fade, claim: drops revert, event_family: drop, expected: fade, horizons_bars: [6], universe: {markets: [um]}}
`,
  'gates.yaml': TINY_GATES,
  'plan.yaml': 'budgets:\n  total: 1000\n  per_symbol: 100\n  per_template: 1000\ndrop_infeasible: false\n',
};

// Instrument j (0..10): spike_a at j + 1 bars, spike_b at 2j + 1 bars, drop_a at 3 bars (written on spot too).
const INSTS: FixtureInstrument[] = Array.from({ length: 11 }, (_, j) => ({
  exchange: 'x', market: j % 4 === 3 ? 'spot' : 'um', symbol: `S${String(j).padStart(2, '0')}`, bars: 500, start_ms: START,
}));
const bars = (n: number, step: number, from: number) => Array.from({ length: n }, (_, k) => from + k * step);
const COUNTS = (j: number) => ({ spike_a: j + 1, spike_b: 2 * j + 1, drop_a: 3 });

let root: string;
let candidates: PlannedCandidate[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-plan-batches-'));
  const spec = join(root, 'spec');
  const data = join(root, 'data');
  await writeSpec(spec, SPEC);
  await runStage(templatesStage, data, spec, {});
  await writeCleanedLake(data, TF, INSTS);
  await writeEventsLake(data, TF, INSTS.map((inst, j) => ({
    inst,
    events: {
      spike_a: ['spike', bars(COUNTS(j).spike_a, 13, 5)],
      spike_b: ['spike', bars(COUNTS(j).spike_b, 11, 7 + j)],
      drop_a: ['drop', bars(3, 50, 100 + j)],
    },
  })));
  await runStage(planStage, data, spec, { timeframe: TF });
  candidates = (await readFile(join(data, 'research', 'plan', 'candidate_plan.jsonl'), 'utf8'))
    .split('\n').filter(Boolean).map((l) => JSON.parse(l) as PlannedCandidate);
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('every candidate counts its own instrument and event across two event queries', () => {
  const seen = new Set<string>();
  INSTS.forEach((inst, j) => {
    const mine = candidates.filter((c) => c.symbol === inst.symbol);
    const expected = inst.market === 'spot' ? ['spike_a', 'spike_b'] : ['drop_a', 'spike_a', 'spike_b'];
    expect(mine.map((c) => c.event).sort()).toEqual(expected);
    for (const c of mine) {
      expect([inst.symbol, c.event, c.feasibility.events]).toEqual([inst.symbol, c.event, COUNTS(j)[c.event as 'spike_a']]);
      seen.add(c.symbol);
    }
  });
  expect(seen.size).toBe(11);
});
