import { describe, expect, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../../lib/errors.js';
import { loadCosts } from '../../../lib/costs/digest.js';
import { LakeDb, readTableFile, stringsOf, type DictColumn } from '../../../lib/lake/index.js';
import { bridgeStage } from '../../../lib/stages/bridge/definition.js';
import { BRIDGE_COLUMNS } from '../../../lib/stages/bridge/table.js';
import { discoveryStage } from '../../../lib/stages/discovery/definition.js';
import { withTempDir } from '../../helpers/tmp.js';
import { runStage, standardLake, SPIKE_T, H } from '../discovery/fixture.js';

async function readBridge(dataDir: string) {
  const db = await LakeDb.open({ threads: 1 });
  try {
    return await readTableFile(db, join(dataDir, 'lake', 'bridge', 'results.parquet'), BRIDGE_COLUMNS);
  } finally {
    db.close();
  }
}

describe('bridge stage on a tiny lake', () => {
  test('one row per discovery survivor, every cost component, cost digest on every row, reports', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir, cands } = await standardLake(dir);
      await runStage(discoveryStage, dataDir, specDir, { timeframe: '5m' });
      const m = await runStage(bridgeStage, dataDir, specDir, { timeframe: '5m' });
      expect(m.summary.rows).toEqual({ 'bridge/results': 2 });
      const r = await readBridge(dataDir);
      const ids = stringsOf(r.candidate_id as DictColumn);
      const survivors = cands.filter((c) => c.event === 'spike' && c.expected === 'follow').map((c) => c.candidate_id);
      expect(ids).toEqual(survivors); // plan order
      const { digest } = await loadCosts(join(specDir, 'costs.yaml'));
      expect(stringsOf(r.cost_digest as DictColumn)).toEqual([digest, digest]);
      expect(stringsOf(r.venue as DictColumn)).toEqual(['binance', 'binance']);
      const market = stringsOf(r.market as DictColumn);
      const fees = r.fees_bps as Float64Array;
      const borrow = r.borrow_bps as Float64Array;
      const funding = r.funding_bps as Float64Array;
      for (let k = 0; k < 2; k++) {
        // repository costs: binance um taker 5, spot taker 10; slippage 1 per side
        expect(fees[k]).toBe(market[k] === 'um' ? 10 : 20);
        expect((r.slippage_bps as Float64Array)[k]).toBe(2);
        expect((r.impact_bps as Float64Array)[k]).toBeGreaterThan(0);
        expect((r.n_trades as Int32Array)[k]).toBe(SPIKE_T.length);
        const parts = ['gross_bps', 'fees_bps', 'slippage_bps', 'impact_bps', 'funding_bps', 'borrow_bps'].map((c) => (r[c] as Float64Array)[k]!);
        expect((r.net_bps as Float64Array)[k]).toBeCloseTo(parts[0]! - parts.slice(1).reduce((a, b) => a + b, 0), 9);
        if (market[k] === 'spot') {
          // half the spot trades are shorts: mean borrow = 1/2 x 1000 bps/yr x 6 x 5 min
          expect(borrow[k]).toBeCloseTo(0.5 * (1000 * H * 300_000) / (365.25 * 86_400_000), 12);
          expect(funding[k]).toBe(0);
        } else {
          expect(borrow[k]).toBe(0);
        }
      }
      // perp: +1 bp every 8h; longs pay, shorts receive. Trades alternate long/short: the settlements inside each
      // 30-minute hold are counted by hand from the event times (entry_ts < T <= exit_ts).
      const um = market.indexOf('um');
      const M5 = 300_000;
      let expected = 0;
      SPIKE_T.forEach((t, k) => {
        const entry = (t + 1) * M5;
        const exit = (t + 1 + H) * M5;
        const settle = Math.floor(exit / (8 * 3_600_000)) * 8 * 3_600_000;
        if (settle > entry) expected += (k % 2 ? -1 : 1) * 1; // 1 bp, sign of the trade
      });
      expect(funding[um]).toBeCloseTo(expected / SPIKE_T.length, 12);
      expect(Array.from(r.pass as Uint8Array)).toEqual([1, 1]);
      const summary = JSON.parse(await readFile(join(dataDir, 'reports', 'bridge', 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ cost_digest: digest, counts: { survivors: 2, pass: 2 }, venues: { synthetic: 'binance' } });
      expect(await readFile(join(dataDir, 'reports', 'bridge', 'summary.md'), 'utf8')).toContain('synthetic priced as binance');
    });
  });

  test('deterministic: equal lakes give byte-identical outputs', async () => {
    await withTempDir(async (dir) => {
      const out = [];
      for (const d of ['a', 'b']) {
        const l = await standardLake(join(dir, d));
        await runStage(discoveryStage, l.dataDir, l.specDir, { timeframe: '5m' });
        out.push((await runStage(bridgeStage, l.dataDir, l.specDir, { timeframe: '5m' })).outputs);
      }
      expect(out[0]).toEqual(out[1]);
    });
  });

  test('a perpetual survivor without funding rows is a DataError naming the instrument', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir } = await standardLake(dir, { funding: false });
      await runStage(discoveryStage, dataDir, specDir, { timeframe: '5m' });
      const err = await runStage(bridgeStage, dataDir, specDir, { timeframe: '5m' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).message).toBe(
        'lake/cleaned/funding/exchange=synthetic/market=um/symbol=AAAUSDT funding_rate: synthetic/um/AAAUSDT/5m: no funding rows for a perpetual while funding is enabled',
      );
    });
  });

  test('a venue or market the cost config does not price is a DataError naming it and the costs file', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir } = await standardLake(dir);
      await runStage(discoveryStage, dataDir, specDir, { timeframe: '5m' });
      await expect(runStage(bridgeStage, dataDir, specDir, { timeframe: '5m', venue_for: {} })).rejects.toThrow(
        `${join(specDir, 'costs.yaml')} venues: venue synthetic is not priced in the cost config, was "synthetic"`,
      );
      const costs = await readFile(join(specDir, 'costs.yaml'), 'utf8');
      await writeFile(join(specDir, 'costs.yaml'), costs.replace(/ {4}um:\n.*\n.*\n/, ''));
      await expect(runStage(bridgeStage, dataDir, specDir, { timeframe: '5m' })).rejects.toThrow(
        `${join(specDir, 'costs.yaml')} venues.binance.um: market um of venue binance (exchange synthetic mapped by venue_for) is not priced in the cost config`,
      );
    });
  });

  test('discovery results of another plan are refused', async () => {
    await withTempDir(async (dir) => {
      const { dataDir, specDir } = await standardLake(dir);
      await runStage(discoveryStage, dataDir, specDir, { timeframe: '5m' });
      const planDir = join(dataDir, 'research', 'plan');
      const text = (await readFile(join(planDir, 'candidate_plan.jsonl'), 'utf8')).split('\n').slice(1).join('\n');
      await writeFile(join(planDir, 'candidate_plan.jsonl'), text);
      const { sha256Hex } = await import('../../../lib/hash.js');
      await writeFile(join(planDir, 'plan.json'), JSON.stringify({ plan_hash: sha256Hex(text) }));
      await expect(runStage(bridgeStage, dataDir, specDir, { timeframe: '5m' })).rejects.toThrow(
        /^lake\/discovery\/results\.parquet plan_hash: discovery results were computed on another plan/,
      );
    });
  });
});
