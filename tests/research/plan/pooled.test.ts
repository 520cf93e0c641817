import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConcepts } from '../../../lib/research/concepts.js';
import { buildTemplates, templateIdOf } from '../../../lib/research/templates.js';
import { candidateIdOf, expandCandidates, POOLED_SYMBOL, pooledFeasibilityOf, type Instrument } from '../../../lib/research/plan.js';
import { SpecError } from '../../../lib/errors.js';
import { annotateCuts } from '../../../lib/stages/plan/not_evaluated.js';
import { writeSpec } from './fixtures.js';

const H1 = 3_600_000;
const inst = (market: string, symbol: string, start: number): Instrument => ({
  exchange: 'x', market, symbol, bars: 100, first_ts_ms: start, last_ts_ms: start + 99 * H1,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pooled-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const concept = (extra: string) => `concepts:
  - id: fx
    claim: rare
    event_family: fam
    expected: fade
    horizons: [4h]
    universe: {markets: [um, cm]}
${extra}`;

describe('pooling in concepts and templates', () => {
  test('pooling: universe is read; the default is symbol; pooling changes the template id, the default does not', async () => {
    await writeSpec(join(dir, 'a'), { 'concepts/c.yaml': concept('    pooling: universe\n') });
    await writeSpec(join(dir, 'b'), { 'concepts/c.yaml': concept('') });
    const [pooled] = await loadConcepts(join(dir, 'a'));
    const [single] = await loadConcepts(join(dir, 'b'));
    expect(pooled!.pooling).toBe('universe');
    expect(single!.pooling).toBe('symbol');
    expect(templateIdOf(pooled!)).not.toBe(templateIdOf(single!));
    // per-symbol ids are those of the semantics without a pooling key (ids of existing concepts are unchanged)
    expect(templateIdOf(single!)).toBe('tpl-' + createHash('sha256').update(
      '{"event_family":"fam","expected":"fade","horizons":["4h"],"requires_features":[],"universe":{"markets":["cm","um"]}}').digest('hex').slice(0, 12));
  });

  test('an unknown pooling (bucket is not implemented) is a located schema error', async () => {
    await writeSpec(join(dir, 'c'), { 'concepts/c.yaml': concept('    pooling: bucket\n') });
    const err = await loadConcepts(join(dir, 'c')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues.join('\n')).toMatch(/c\.yaml:8.*pooling/);
  });
});

describe('pooled candidates in the plan', () => {
  test('one candidate per exchange/market of the universe, symbol *, members sorted, id over scope and members', async () => {
    await writeSpec(join(dir, 'd'), { 'concepts/c.yaml': concept('    pooling: universe\n') });
    const catalog = { eventFamilies: new Map([['fam', ['e1', 'e2']]]), features: new Set<string>() };
    const { templates } = buildTemplates(await loadConcepts(join(dir, 'd')), catalog as never);
    const insts = [inst('um', 'BBB', 0), inst('um', 'AAA', 0), inst('cm', 'CCC', 0), inst('spot', 'AAA', 0)];
    const cands = expandCandidates(templates, insts, '1h');
    expect(cands).toHaveLength(2 * 2); // events x {um, cm}, horizon 4h = 4 bars
    const um = cands.filter((c) => c.market === 'um');
    expect(um.map((c) => c.members)).toEqual([['AAA', 'BBB'], ['AAA', 'BBB']]);
    expect(cands.every((c) => c.symbol === POOLED_SYMBOL && c.pooling === 'universe' && c.horizon_bars === 4)).toBe(true);
    const c = um[0]!;
    const literal = `{"event":"${c.event}","exchange":"x","horizon_bars":4,"market":"um","members":["AAA","BBB"],"pooling":"universe","symbol":"*","template_id":"${c.template_id}","timeframe":"1h"}`;
    expect(c.candidate_id).toBe('c-' + createHash('sha256').update(literal).digest('hex').slice(0, 16));
    expect(candidateIdOf({ ...c, members: ['AAA'] })).not.toBe(c.candidate_id);
  });

  test('pooled feasibility: usable occurrences of every member, ESS over the common calendar', () => {
    // A starts at calendar 1000, B at 1002; h = 4, lastIdx = 20. A: 0, 5, 30 (30 not usable); B: 3, -1 (not usable)
    const f = pooledFeasibilityOf([
      { barIdx: Float64Array.from([0, 5, 30]), lastIdx: 20, offset: 1000 },
      { barIdx: Float64Array.from([-1, 3]), lastIdx: 20, offset: 1002 },
    ], 4, { min_n: 3, min_ess: 2 });
    expect(f.events).toBe(5);
    expect(f.usable_events).toBe(3);
    // calendar 1000, 1005 (A) and 1005 (B): the two at 1005 overlap fully -> ESS = 9 / (3 + 2) = 1.8
    expect(f.expected_ess).toBeCloseTo(1.8, 6);
    expect(f.failing).toEqual(['min_ess']);
    expect(f.feasible).toBe(false);
  });
});

describe('a pooled candidate cut for an event not evaluated', () => {
  test('annotated only when the event was not evaluated on every member', () => {
    const ne = [{ kind: 'event' as const, name: 'liq', family: 'liquidation_cascade', needs: ['open_interest'], instruments: ['b/um/AAA', 'b/um/BBB'], of: 3 }];
    const pooled = (id: string, members: string[]) => ({
      candidate_id: id, template_id: 't', concept_id: 'c', event: 'liq', event_family: 'liquidation_cascade', exchange: 'b', market: 'um',
      symbol: POOLED_SYMBOL, timeframe: '5m', horizon_bars: 12, expected: 'fade' as const, pooling: 'universe' as const, members,
    });
    const cands = [pooled('p1', ['AAA', 'BBB']), pooled('p2', ['AAA', 'BBB', 'CCC'])];
    const cuts = cands.map((c) => ({ candidate_id: c.candidate_id, reason: 'infeasible' as const, detail: 'usable events 0 < min_n 30' }));
    annotateCuts(cuts, new Map(cands.map((c) => [c.candidate_id, c])), ne);
    expect(cuts.map((c) => c.detail)).toEqual(['not evaluated: needs open_interest; usable events 0 < min_n 30', 'usable events 0 < min_n 30']);
  });
});
