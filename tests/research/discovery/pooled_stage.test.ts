/**
 * The discovery and bridge stages on a plan mixing per-symbol and pooled candidates: three perpetuals with a rare
 * event (12 occurrences each, aligned in time, a planted 60 bp fade move), one pooled candidate over the three and
 * per-symbol candidates of the same event.
 */
import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeDb, readTableFile, stringsOf, type DictColumn } from '../../../lib/lake/index.js';
import { discoveryStage } from '../../../lib/stages/discovery/definition.js';
import { bridgeStage } from '../../../lib/stages/bridge/definition.js';
import { DISCOVERY_COLUMNS } from '../../../lib/stages/discovery/table.js';
import { candidateIdOf, POOLED_SYMBOL } from '../../../lib/research/plan.js';
import type { PlanCandidate } from '../../../lib/research/discovery.js';
import { pAdjust } from '../../../lib/stats/index.js';
import { withTempDir } from '../../helpers/tmp.js';
import { M5, T0, TEST_GATES, candidate, randomWalk, runStage, writeLake, writePlan, writeSpecDir } from './fixture.js';

const H = 12;
const N = 8000;
const RARE_T = Array.from({ length: 12 }, (_, k) => 400 + k * 600);
const RARE_DIR = RARE_T.map((_, k) => (k % 2 ? 1 : -1));
const SYMBOLS = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT'];

async function mixedLake(dir: string): Promise<{ dataDir: string; specDir: string; cands: PlanCandidate[] }> {
  const dataDir = join(dir, 'data');
  const specDir = join(dir, 'spec');
  const planted = RARE_T.map((t, k) => ({ t, sign: -RARE_DIR[k]!, bps: 60, h: H }));
  const fundingTs = Array.from({ length: Math.ceil((N * M5) / (8 * 3_600_000)) + 1 }, (_, k) => T0 + k * 8 * 3_600_000);
  await writeLake(dataDir, SYMBOLS.map((symbol, s) => ({
    exchange: 'synthetic', market: 'um', symbol, timeframe: '5m',
    bars: randomWalk(N, { seed: 20 + s, noiseBps: 6, planted }),
    events: { rare: { family: 'rare', t: RARE_T, direction: RARE_DIR } },
    funding: { ts: fundingTs, rate: fundingTs.map(() => 0.0001), interval_hours: 8 },
  })));
  const base = { template_id: 'tpl-r', concept_id: 'rare-fade', event: 'rare', event_family: 'rare', exchange: 'synthetic', market: 'um', timeframe: '5m', horizon_bars: H, expected: 'fade' as const };
  const pooledBase = { ...base, template_id: 'tpl-p', concept_id: 'rare-fade-pooled', symbol: POOLED_SYMBOL, pooling: 'universe' as const, members: SYMBOLS };
  const cands = [
    ...SYMBOLS.map((symbol) => candidate({ ...base, symbol })),
    { ...pooledBase, candidate_id: candidateIdOf(pooledBase), events: 36, expected_ess: 12 },
  ].sort((a, b) => (a.candidate_id < b.candidate_id ? -1 : 1));
  await writePlan(dataDir, cands);
  await writeSpecDir(specDir, {
    gates: TEST_GATES.replace('min_ess: 20', 'min_ess: 10'),
  });
  return { dataDir, specDir, cands };
}

describe('discovery and bridge on a mixed plan', () => {
  test('pooled row with member breakdown, one BH family, summary lists it; the bridge prices it member by member', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir, cands } = await mixedLake(dir);
      await runStage(discoveryStage, dataDir, specDir, { timeframe: '5m' });
      const db = await LakeDb.open({ threads: 1 });
      let r;
      try {
        r = await readTableFile(db, join(dataDir, 'lake', 'discovery', 'results.parquet'), DISCOVERY_COLUMNS);
      } finally {
        db.close();
      }
      const ids = stringsOf(r.candidate_id as DictColumn);
      expect(ids).toEqual(cands.map((c) => c.candidate_id));
      const k = cands.findIndex((c) => c.symbol === POOLED_SYMBOL);
      const pooling = stringsOf(r.pooling as DictColumn);
      expect(pooling[k]).toBe('universe');
      expect(pooling.filter((x) => x === 'symbol')).toHaveLength(3);
      expect((r.members as Int32Array)[k]).toBe(3);
      const n = r.n as Int32Array;
      expect(n[k]).toBe(36);
      const breakdown = JSON.parse(stringsOf(r.member_breakdown as DictColumn)[k]!) as { symbol: string; n: number; excess_bps: number }[];
      expect(breakdown.map((b) => [b.symbol, b.n])).toEqual(SYMBOLS.map((s) => [s, 12]));
      // the pooled excess is the mean of the members' excess weighted by n
      const ex = (r.excess_bps as Float64Array)[k]!;
      expect(ex).toBeCloseTo(breakdown.reduce((a, b) => a + b.excess_bps * b.n, 0) / 36, 8);
      expect(ex).toBeGreaterThan(40);
      // ESS: the 3 symbols fire on the same 12 bars (600 bars apart, h = 12) -> 12
      expect((r.ess as Float64Array)[k]).toBeCloseTo(12, 10);
      const pass = r.pass as Uint8Array;
      expect(pass[k]).toBe(1);
      expect(cands.every((c, i) => c.symbol === POOLED_SYMBOL || stringsOf(r.failed_gate as DictColumn)[i] === 'min_n')).toBe(true);
      // q over the whole mixed plan
      const q = r.q as Float64Array;
      const joint = pAdjust(r.p as Float64Array, 'BH');
      for (let i = 0; i < ids.length; i++) expect(q[i]).toBeCloseTo(joint[i]!, 14);
      const md = await readFile(join(dataDir, 'reports', 'discovery', 'summary.md'), 'utf8');
      expect(md).toContain('## Pooled candidates (1)');
      expect(md).toMatch(/\| synthetic\/um\/\*\/5m \| 12 \| fade \| 36 \| 12\.0 \|.*\| yes \| AAAUSDT 12 [-\d.]+; BBBUSDT 12 [-\d.]+; CCCUSDT 12 [-\d.]+ \|/);
      const summary = JSON.parse(await readFile(join(dataDir, 'reports', 'discovery', 'summary.json'), 'utf8'));
      expect(summary.counts.instruments).toBe(3);

      // the bridge prices every member on its own bars and funding and stacks the trades: with scope all the
      // per-symbol rows are the independent computation (same events, same costs, one instrument each)
      const m = await runStage(bridgeStage, dataDir, specDir, { timeframe: '5m', scope: 'all' });
      expect(m.summary.warnings ?? []).not.toContainEqual(expect.stringContaining('not priced'));
      const bs = JSON.parse(await readFile(join(dataDir, 'reports', 'bridge', 'summary.json'), 'utf8'));
      const rows = bs.candidates as { candidate_id: string; instrument: string; members?: string[]; n_trades: number; gross_bps: number; funding_bps: number; net_bps: number }[];
      expect(rows).toHaveLength(4);
      const pooledRow = rows.find((x) => x.candidate_id === ids[k])!;
      const single = rows.filter((x) => x.candidate_id !== ids[k]);
      expect(pooledRow.instrument).toBe('synthetic/um/*/5m');
      expect(pooledRow.members).toEqual(SYMBOLS);
      const nSum = single.reduce((a, x) => a + x.n_trades, 0);
      expect(pooledRow.n_trades).toBe(nSum);
      expect(pooledRow.n_trades).toBeGreaterThan(30);
      for (const f of ['gross_bps', 'funding_bps', 'net_bps'] as const) {
        expect(pooledRow[f]).toBeCloseTo(single.reduce((a, x) => a + x[f] * x.n_trades, 0) / nSum, 9);
      }
      expect(pooledRow.net_bps).toBeGreaterThan(20);
    });
  });
});
