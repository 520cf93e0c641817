/**
 * Issue 18: discovery and bridge split by candidate range. On a plan mixing per-symbol candidates, a pooled candidate
 * (its members' data read in its shard) and an untestable one (NaN statistics), the sharded run (the real plan, shard
 * and commit phases of lib/stage/shard_main.ts, in this process) and the unsharded run at any shard size write the
 * same bytes; an unchanged range is reused, and a change to one instrument's events reruns exactly the ranges that
 * read it. Plus the shard results' JSON codec (NaN, Infinity and -0 kept exactly).
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { discoveryStage } from '../../lib/stages/discovery/definition.js';
import { bridgeStage } from '../../lib/stages/bridge/definition.js';
import { candidateRanges } from '../../lib/stages/discovery/shards.js';
import { candidateIdOf, isPooled, POOLED_SYMBOL } from '../../lib/research/plan.js';
import type { PlanCandidate } from '../../lib/research/discovery.js';
import { readShardPlan, runShardPhase, type ShardPlan } from '../../lib/stage/shard_main.js';
import { decodeShardResult, encodeShardResult } from '../../lib/stage/shard.js';
import type { StageDefinition } from '../../lib/stage/definition.js';
import { pino } from 'pino';
import { silentLogger } from '../../lib/log.js';
import { executeStage } from '../../lib/stage/execute.js';
import { withTempDir } from '../helpers/tmp.js';
import { BUILD_ROOT, M5, T0, TEST_GATES, candidate, randomWalk, runStage, writeLake, writePlan, writeSpecDir, type LakeInstrument } from '../research/discovery/fixture.js';
import { outputDigests } from './harness.js';

const N = 8000;
const RARE_T = Array.from({ length: 12 }, (_, k) => 400 + k * 600);
const RARE_DIR = RARE_T.map((_, k) => (k % 2 ? 1 : -1));
const SYMBOLS = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT'];

function instrument(symbol: string, s: number, rareT: readonly number[]): LakeInstrument {
  const planted = RARE_T.map((t, k) => ({ t, sign: -RARE_DIR[k]!, bps: 60, h: 12 }));
  const fundingTs = Array.from({ length: Math.ceil((N * M5) / (8 * 3_600_000)) + 1 }, (_, k) => T0 + k * 8 * 3_600_000);
  return {
    exchange: 'synthetic', market: 'um', symbol, timeframe: '5m',
    bars: randomWalk(N, { seed: 20 + s, noiseBps: 6, planted }),
    events: { rare: { family: 'rare', t: [...rareT], direction: rareT.map((t) => RARE_DIR[RARE_T.indexOf(t)]!) } },
    funding: { ts: fundingTs, rate: fundingTs.map(() => 0.0001), interval_hours: 8 },
  };
}

/** 3 perps, per-symbol candidates (2 horizons x follow/fade), one that never fires (NaN statistics), one pooled. */
async function mixedLake(dir: string): Promise<{ dataDir: string; specDir: string; cands: PlanCandidate[] }> {
  const dataDir = join(dir, 'data');
  const specDir = join(dir, 'spec');
  await writeLake(dataDir, SYMBOLS.map((symbol, s) => instrument(symbol, s, RARE_T)));
  const base = { template_id: 'tpl-r', concept_id: 'rare', event: 'rare', event_family: 'rare', exchange: 'synthetic', market: 'um', timeframe: '5m' };
  const single = SYMBOLS.flatMap((symbol) => [6, 12].flatMap((horizon_bars) => (['follow', 'fade'] as const).map((expected) =>
    candidate({ ...base, template_id: `tpl-${expected}`, symbol, horizon_bars, expected }))));
  const never = candidate({ ...base, template_id: 'tpl-never', event: 'never', symbol: 'AAAUSDT', horizon_bars: 12, expected: 'follow' });
  const pooledBase = { ...base, template_id: 'tpl-p', symbol: POOLED_SYMBOL, horizon_bars: 12, expected: 'fade' as const, pooling: 'universe' as const, members: SYMBOLS };
  const cands = [...single, never, { ...pooledBase, candidate_id: candidateIdOf(pooledBase), events: 36, expected_ess: 12 }]
    .sort((a, b) => (a.candidate_id < b.candidate_id ? -1 : 1));
  await writePlan(dataDir, cands);
  await writeSpecDir(specDir, { gates: TEST_GATES.replace('min_ess: 20', 'min_ess: 10') });
  return { dataDir, specDir, cands };
}

let runs = 0;

/** One sharded run of a stage: plan, every shard not reused, commit (lib/stage/shard_main.ts, as the processes run it). */
async function runSharded<P>(def: StageDefinition<P>, dataDir: string, specDir: string, params: Record<string, unknown>): Promise<ShardPlan> {
  const inv = { dataDir, specDir, runId: `sh-${def.name}-${++runs}`, params, verbose: false, script: join(BUILD_ROOT, 'stages', `${def.name}.js`) };
  const log = silentLogger();
  await runShardPhase(def, { ...inv, shardPhase: 'plan' }, log);
  const plan = await readShardPlan(dataDir, def.name, inv.runId);
  for (const s of plan.shards) if (!s.reuse) await runShardPhase(def, { ...inv, shardPhase: 'shard', shardId: s.id }, log);
  await runShardPhase(def, { ...inv, shardPhase: 'commit' }, log);
  return plan;
}

const DISC = { timeframe: '5m' };
const BRIDGE = { timeframe: '5m', scope: 'all' };

describe('discovery and bridge by candidate range', () => {
  test('sharded and unsharded at any shard size write the same bytes; unchanged ranges are reused; a changed instrument reruns its ranges only', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir, cands } = await mixedLake(dir);
      expect(cands).toHaveLength(14);
      const both = async (sharded: boolean, size?: number) => {
        const extra = size === undefined ? {} : { shard_candidates: size };
        const plans: ShardPlan[] = [];
        for (const [def, params] of [[discoveryStage, DISC], [bridgeStage, BRIDGE]] as const) {
          if (sharded) plans.push(await runSharded(def as StageDefinition<unknown>, dataDir, specDir, { ...params, ...extra }));
          else await runStage(def as StageDefinition<unknown>, dataDir, specDir, { ...params, ...extra });
        }
        return { digests: { discovery: await outputDigests(dataDir, 'discovery'), bridge: await outputDigests(dataDir, 'bridge') }, plans };
      };
      const ref = await both(false); // the default size: one range
      expect((await both(false, 3)).digests).toEqual(ref.digests);

      const four = await both(true, 4);
      expect(four.digests).toEqual(ref.digests);
      for (const p of four.plans) {
        expect(p.by).toBe('candidate range');
        expect(p.shards.map((s) => s.label)).toEqual(['candidates 0-3', 'candidates 4-7', 'candidates 8-11', 'candidates 12-13']);
        expect(p.shards.every((s) => !s.reuse)).toBe(true);
      }

      // one candidate per shard: every range runs once, then a rerun with nothing changed reuses them all
      expect((await both(true, 1)).digests).toEqual(ref.digests);
      const again = await both(true, 1);
      expect(again.digests).toEqual(ref.digests);
      for (const p of again.plans) expect(p.shards.map((s) => s.reuse)).toEqual(cands.map(() => true));

      // CCCUSDT's events change (its last 3 occurrences gone): the ranges reading CCCUSDT (its candidates and the
      // pooled one) rerun, the others are reused; the bytes are those of an unsharded run on the changed lake
      await writeLake(dataDir, [instrument('CCCUSDT', 2, RARE_T.slice(0, 9))]);
      const changed = await both(true, 1);
      const reads = cands.map((c) => c.symbol === 'CCCUSDT' || isPooled(c));
      expect(reads.filter(Boolean)).toHaveLength(5); // CCCUSDT: 2 horizons x follow/fade; the pooled one
      for (const p of changed.plans) expect(p.shards.map((s) => !s.reuse)).toEqual(reads);
      expect(changed.digests.discovery).not.toEqual(ref.digests.discovery);
      expect((await both(false)).digests).toEqual(changed.digests);
    });
  }, 300_000);

  test('bridge: a range with nothing to price is no shard', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir, cands } = await mixedLake(dir);
      await runStage(discoveryStage, dataDir, specDir, DISC);
      const plan = await runSharded(bridgeStage, dataDir, specDir, { timeframe: '5m', shard_candidates: 1 });
      // scope: survivors: only the pooled candidate passes discovery (36 occurrences; the others have 12 < min_n)
      const k = cands.findIndex((c) => isPooled(c));
      expect(plan.shards.map((s) => s.label)).toEqual([`candidates ${k}-${k}`]);
      const viaRun = await outputDigests(dataDir, 'bridge');
      await runStage(bridgeStage, dataDir, specDir, { timeframe: '5m' });
      expect(await outputDigests(dataDir, 'bridge')).toEqual(viaRun);
    });
  }, 120_000);

  test('the unsharded run reads each instrument once, however many ranges (one candidate per range)', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir, cands } = await mixedLake(dir);
      const done = async (def: StageDefinition<unknown>, params: Record<string, unknown>) => {
        const lines: { msg: string; instrument?: string }[] = [];
        const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
        await executeStage(def, { dataDir, specDir, runId: `once-${def.name}-${++runs}`, params, verbose: false, script: join(BUILD_ROOT, 'stages', `${def.name}.js`) }, log);
        return lines.filter((l) => l.msg === 'instrument done').map((l) => l.instrument).sort();
      };
      const all = SYMBOLS.map((s) => `synthetic/um/${s}/5m`);
      // 14 ranges of one candidate each; range by range, the three instruments were prepared 14 + 3 times
      expect(await done(discoveryStage as StageDefinition<unknown>, { ...DISC, shard_candidates: 1 })).toEqual(all);
      expect(await done(bridgeStage as StageDefinition<unknown>, { ...BRIDGE, shard_candidates: 1 })).toEqual(all);
      expect(cands.length).toBeGreaterThan(SYMBOLS.length);
    });
  }, 120_000);
});

describe('candidate ranges and shard results', () => {
  test('ranges are contiguous, in plan order, labelled with inclusive positions', () => {
    expect(candidateRanges(0, 100)).toEqual([]);
    expect(candidateRanges(5, 2).map((r) => [r.from, r.to, r.label])).toEqual([[0, 2, 'candidates 0-1'], [2, 4, 'candidates 2-3'], [4, 5, 'candidates 4-4']]);
    expect(candidateRanges(339, 100).map((r) => r.label)).toEqual(['candidates 0-99', 'candidates 100-199', 'candidates 200-299', 'candidates 300-338']);
    expect(() => candidateRanges(5, 0)).toThrow(/>= 1/);
  });

  test('NaN, Infinity and -0 survive JSON exactly; what JSON cannot carry is refused with its path', () => {
    const v = { a: NaN, b: [Infinity, -Infinity, -0, 0, 1.5e-300], c: { d: null, e: 'x', f: true }, g: undefined };
    const back = decodeShardResult(JSON.parse(JSON.stringify(encodeShardResult(v)))) as typeof v;
    expect(back.a).toBeNaN();
    expect(back.b).toEqual([Infinity, -Infinity, -0, 0, 1.5e-300]);
    expect(Object.is(back.b[2], -0)).toBe(true);
    expect(Object.is(back.b[3], 0)).toBe(true);
    expect(back.c).toEqual({ d: null, e: 'x', f: true });
    expect('g' in back).toBe(false);
    // plain JSON (an index written before the codec) decodes to itself
    expect(decodeShardResult({ rows: 3, q: [0.5, null] })).toEqual({ rows: 3, q: [0.5, null] });
    expect(() => encodeShardResult({ stats: [{ t: new Float64Array(2) }] })).toThrow('a shard result must be JSON data: result.stats[0].t is a Float64Array');
    expect(() => encodeShardResult({ m: new Map() })).toThrow(/result\.m is a Map/);
    expect(() => encodeShardResult({ x: { $num: 'NaN' } })).toThrow(/must not use the key \$num \(result\.x\)/);
  });
});

