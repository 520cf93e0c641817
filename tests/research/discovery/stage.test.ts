import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../../lib/errors.js';
import { LakeDb, readTableFile, stringsOf, type DictColumn } from '../../../lib/lake/index.js';
import { discoveryStage } from '../../../lib/stages/discovery/definition.js';
import { DISCOVERY_COLUMNS } from '../../../lib/stages/discovery/table.js';
import { withTempDir } from '../../helpers/tmp.js';
import { execa } from 'execa';
import { BUILD_ROOT, runStage, standardLake } from './fixture.js';

async function readResults(dataDir: string) {
  const db = await LakeDb.open({ threads: 1 });
  try {
    return await readTableFile(db, join(dataDir, 'lake', 'discovery', 'results.parquet'), DISCOVERY_COLUMNS);
  } finally {
    db.close();
  }
}

describe('discovery stage on a tiny lake', () => {
  test('one row per candidate in plan order; the planted effect passes, the rest fail with their gate; reports written', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir, cands, planHash } = await standardLake(dir);
      const m = await runStage(discoveryStage, dataDir, specDir, { timeframe: '5m' });
      expect(m.summary.rows).toEqual({ 'discovery/results': 4 });
      const r = await readResults(dataDir);
      const ids = stringsOf(r.candidate_id as DictColumn);
      expect(ids).toEqual(cands.map((c) => c.candidate_id));
      const byKey = new Map(cands.map((c, k) => [`${c.symbol}/${c.event}/${c.expected}`, k]));
      const pass = r.pass as Uint8Array;
      const failed = stringsOf(r.failed_gate as DictColumn);
      const n = r.n as Int32Array;
      const k = (key: string) => byKey.get(key)!;
      expect(pass[k('AAAUSDT/spike/follow')]).toBe(1);
      expect(pass[k('BBBUSDT/spike/follow')]).toBe(1);
      expect(failed[k('AAAUSDT/spike/fade')]).toBe('min_mean_bps');
      expect(pass[k('AAAUSDT/noise/follow')]).toBe(0);
      expect(n[k('AAAUSDT/spike/follow')]).toBe(120);
      expect(new Set(stringsOf(r.plan_hash as DictColumn))).toEqual(new Set([planHash]));
      expect((r.planned_events as Float64Array)[k('AAAUSDT/spike/follow')]).toBe(120);
      // every p and q a probability, q >= p
      const p = r.p as Float64Array;
      const q = r.q as Float64Array;
      for (let i = 0; i < 4; i++) expect(q[i]! >= p[i]! && q[i]! <= 1).toBe(true);

      const summary = JSON.parse(await readFile(join(dataDir, 'reports', 'discovery', 'summary.json'), 'utf8'));
      expect(summary.counts).toMatchObject({ candidates: 4, pass: 2, instruments: 2 });
      expect(summary.top_survivors).toHaveLength(2);
      const md = await readFile(join(dataDir, 'reports', 'discovery', 'summary.md'), 'utf8');
      expect(md).toContain('**2 of 4 candidates pass**');
      expect(md).toContain('L = max(floor(4 (n/100)^(2/9)), m)');
      expect(md).toContain('ESS = n^2 / sum_ij max(0, 1 - |t_i - t_j| / h)');
    });
  });

  test('deterministic: two runs on equal lakes commit byte-identical outputs', async () => {
    await withTempDir(async (dir) => {
      const a = await standardLake(join(dir, 'a'));
      const b = await standardLake(join(dir, 'b'));
      const ma = await runStage(discoveryStage, a.dataDir, a.specDir, { timeframe: '5m' });
      const mb = await runStage(discoveryStage, b.dataDir, b.specDir, { timeframe: '5m' });
      expect(ma.outputs).toEqual(mb.outputs);
    });
  });

  test('bad inputs are located DataErrors: an off-grid event, an edited plan, a plan for another timeframe', async () => {
    await withTempDir(async (dir) => {
      const off = await standardLake(join(dir, 'off'), { offGrid: true });
      await expect(runStage(discoveryStage, off.dataDir, off.specDir, { timeframe: '5m' })).rejects.toThrow(
        /^lake\/events\/exchange=synthetic\/market=um\/symbol=AAAUSDT\/timeframe=5m ts_ms: event time is not on the 300000 ms bar grid/,
      );

      const ed = await standardLake(join(dir, 'edited'));
      const planFile = join(ed.dataDir, 'research', 'plan', 'candidate_plan.jsonl');
      await writeFile(planFile, (await readFile(planFile, 'utf8')).replace('"horizon_bars":6', '"horizon_bars":7'));
      const err = await runStage(discoveryStage, ed.dataDir, ed.specDir, { timeframe: '5m' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).message).toMatch(/^research\/plan\/plan\.json plan_hash: plan_hash does not match/);

      const tf = await standardLake(join(dir, 'tf'));
      await expect(runStage(discoveryStage, tf.dataDir, tf.specDir, { timeframe: '1h' })).rejects.toThrow(
        /^research\/plan\/candidate_plan\.jsonl:1 timeframe: candidate c-[0-9a-f]{16} is for timeframe 5m, the pipeline runs 1h, was "5m"$/,
      );
    });
  });

  test('an instrument without bars, the first one or one read ahead while the previous is computed: exit 3, located, nothing written', async () => {
    await withTempDir(async (dir) => {
      for (const symbol of ['AAAUSDT', 'BBBUSDT']) {
        const { dataDir, specDir } = await standardLake(join(dir, symbol));
        const market = symbol === 'AAAUSDT' ? 'um' : 'spot';
        await rm(join(dataDir, 'lake', 'cleaned', 'bars', 'exchange=synthetic', `market=${market}`, `symbol=${symbol}`), { recursive: true });
        const res = await execa('node', [join(BUILD_ROOT, 'stages', 'discovery.js'), '--data_dir', dataDir, '--spec_dir', specDir, '--run_id', 't',
          '--params_json', '{"timeframe":"5m"}'], { reject: false });
        expect(res.exitCode).toBe(3);
        expect(String(res.stderr)).toContain(`lake/cleaned/bars/exchange=synthetic/market=${market}/symbol=${symbol}/timeframe=5m instrument: no cleaned bars for an instrument of the plan`);
        expect(String(res.stderr)).not.toContain('nhandled');
        expect(existsSync(join(dataDir, 'lake', 'discovery'))).toBe(false);
      }
    });
  });

  test('a malformed plan line names the line and field', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir } = await standardLake(dir);
      const planDir = join(dataDir, 'research', 'plan');
      const lines = (await readFile(join(planDir, 'candidate_plan.jsonl'), 'utf8')).split('\n');
      lines[2] = lines[2]!.replace('"expected":"follow"', '"expected":"buy"').replace('"expected":"fade"', '"expected":"buy"');
      const text = lines.join('\n');
      await writeFile(join(planDir, 'candidate_plan.jsonl'), text);
      const { sha256Hex } = await import('../../../lib/hash.js');
      await writeFile(join(planDir, 'plan.json'), JSON.stringify({ plan_hash: sha256Hex(text) }));
      await expect(runStage(discoveryStage, dataDir, specDir, { timeframe: '5m' })).rejects.toThrow(
        /^research\/plan\/candidate_plan\.jsonl:3 expected: must be "follow" or "fade", was "buy"/,
      );
    });
  });
});
