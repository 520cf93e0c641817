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
import { loadSectors, startLiquidity } from '../../../lib/research/buckets.js';
import { LakeDb, TABLES, listPartitions } from '../../../lib/lake/index.js';
import { writeCleanedLake } from './fixtures.js';

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

  test('pooling: bucket needs bucket and bucket needs pooling: bucket (located); an unknown bucket key is a schema error', async () => {
    await writeSpec(join(dir, 'c'), { 'concepts/c.yaml': concept('    pooling: bucket\n') });
    const err = await loadConcepts(join(dir, 'c')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues.join('\n')).toMatch(/c\.yaml:8:\d+ concepts\[0\]: pooling: bucket needs bucket/);
    await writeSpec(join(dir, 'c2'), { 'concepts/c.yaml': concept('    bucket: {by: sector}\n') });
    const err2 = await loadConcepts(join(dir, 'c2')).catch((e: unknown) => e);
    expect((err2 as SpecError).issues.join('\n')).toMatch(/c\.yaml:8:\d+ concepts\[0\]: bucket needs pooling: bucket \(pooling is symbol\)/);
    await writeSpec(join(dir, 'c3'), { 'concepts/c.yaml': concept('    pooling: bucket\n    bucket: {by: liquidity, count: 1}\n') });
    expect(await loadConcepts(join(dir, 'c3')).catch((e: unknown) => e)).toBeInstanceOf(SpecError);
    await writeSpec(join(dir, 'c4'), { 'concepts/c.yaml': concept('    pooling: bucket\n    bucket: {by: liquidity, count: 3}\n') });
    const [b] = await loadConcepts(join(dir, 'c4'));
    expect(b!.bucket).toEqual({ by: 'liquidity', count: 3 });
    const [u] = await loadConcepts(join(dir, 'a'));
    expect(templateIdOf(b!)).not.toBe(templateIdOf(u!));
    expect(templateIdOf(b!)).not.toBe(templateIdOf({ ...b!, bucket: { by: 'liquidity', count: 2 } }));
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

  test('liquidity buckets: members ranked by liquidity (most liquid first), cut into count groups; bucket in the id', async () => {
    await writeSpec(join(dir, 'e'), { 'concepts/c.yaml': concept('    pooling: bucket\n    bucket: {by: liquidity, count: 3}\n') });
    const catalog = { eventFamilies: new Map([['fam', ['e1']]]), features: new Set<string>() };
    const { templates } = buildTemplates(await loadConcepts(join(dir, 'e')), catalog as never);
    const syms = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG'];
    const insts = syms.map((s) => inst('um', s, 0));
    // liquidity: GGG 70 > FFF 60 > ... > AAA 10; 7 members into 3: ranks 0-2 -> 1, 3-4 -> 2, 5-6 -> 3 (floor(r * 3 / 7))
    const liquidity = new Map(syms.map((s, i) => [`x/um/${s}`, 10 * (i + 1)]));
    const cands = expandCandidates(templates, insts, '1h', { liquidity });
    expect(cands.map((c) => [c.bucket, c.members])).toEqual(expect.arrayContaining([
      ['liq1of3', ['EEE', 'FFF', 'GGG']], ['liq2of3', ['CCC', 'DDD']], ['liq3of3', ['AAA', 'BBB']],
    ]));
    expect(cands).toHaveLength(3);
    expect(cands.every((c) => c.pooling === 'bucket' && c.symbol === POOLED_SYMBOL)).toBe(true);
    const c = cands.find((x) => x.bucket === 'liq2of3')!;
    const literal = `{"bucket":"liq2of3","event":"e1","exchange":"x","horizon_bars":4,"market":"um","members":["CCC","DDD"],"pooling":"bucket","symbol":"*","template_id":"${c.template_id}","timeframe":"1h"}`;
    expect(c.candidate_id).toBe('c-' + createHash('sha256').update(literal).digest('hex').slice(0, 16));
    expect(() => expandCandidates(templates, insts, '1h')).toThrow(/liquidity/);
  });

  test('sector buckets from the map; symbols it does not list form "unmapped"; the map is validated with located errors', async () => {
    await writeSpec(join(dir, 'f'), {
      'concepts/c.yaml': concept('    pooling: bucket\n    bucket: {by: sector}\n'),
      'universe/sectors.yaml': 'version: 1\nsectors:\n  majors: [BTCUSDT, ETHUSDT]\n  meme: [DOGEUSDT]\n',
    });
    const catalog = { eventFamilies: new Map([['fam', ['e1']]]), features: new Set<string>() };
    const { templates } = buildTemplates(await loadConcepts(join(dir, 'f')), catalog as never);
    const sectors = await loadSectors(join(dir, 'f'));
    const insts = ['BTCUSDT', 'DOGEUSDT', 'ETHUSDT', 'SOLUSDT'].map((s) => inst('um', s, 0));
    const cands = expandCandidates(templates, insts, '1h', { sectors });
    expect(cands.map((c) => [c.bucket, c.members]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([['majors', ['BTCUSDT', 'ETHUSDT']], ['meme', ['DOGEUSDT']], ['unmapped', ['SOLUSDT']]]);
    await writeSpec(join(dir, 'g'), { 'universe/sectors.yaml': 'version: 1\nsectors:\n  majors: [BTCUSDT]\n  l1: [SOLUSDT, BTCUSDT]\n' });
    const err = await loadSectors(join(dir, 'g')).catch((e: unknown) => e);
    expect((err as SpecError).issues.join('\n')).toMatch(/sectors\.yaml:4:\d+ sectors\.l1\[1\]: BTCUSDT is already listed under "majors"/);
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

describe('liquidity of an instrument for the buckets', () => {
  test('median daily quote volume over the days within 30 days of its first bar; later days do not count', async () => {
    const data = join(dir, 'liq');
    // 1h bars from 2024-01-01 12:00 for 40 days: day d (0-based) has quote volume (d + 1) per bar in the first 30 days,
    // 1e9 afterwards. Days within 30 days of the first bar: day 0 (12 bars, 12 * 1) .. day 30 (12 bars before 12:00)
    const start = Date.UTC(2024, 0, 1, 12);
    await writeCleanedLake(data, '1h', [{
      exchange: 'x', market: 'um', symbol: 'AAA', bars: 40 * 24, start_ms: start,
      quote_volume: (k) => (k < 30 * 24 ? Math.floor((k + 12) / 24) + 1 : 1e9),
    }]);
    const parts = await listPartitions(join(data, 'lake'), TABLES.cleanBars, { timeframe: '1h' });
    const db = await LakeDb.open({ threads: 1 });
    try {
      const v = await startLiquidity(db, parts.map((p) => join(data, 'lake', p.manifest.file)));
      // independent: daily sums of the bars with ts < start + 30 d, by UTC day
      const sums = new Map<number, number>();
      for (let k = 0; k < 30 * 24; k++) {
        const day = Math.floor((start + k * H1) / 86_400_000);
        sums.set(day, (sums.get(day) ?? 0) + Math.floor((k + 12) / 24) + 1);
      }
      const sorted = [...sums.values()].sort((a, b) => a - b);
      const med = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
      expect(v).toBeCloseTo(med, 9);
      expect(v).toBeLessThan(1e6);
    } finally {
      db.close();
    }
  });
});
