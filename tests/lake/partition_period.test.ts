/**
 * Yearly partitions for daily-or-coarser series (lib/lake PartitionPeriod) and the one-scan reader
 * (readHiveGroups): the same rows come back from a monthly and a yearly lake, files outside the window are not
 * read, and the monitor's panel is identical on both layouts (lakes written before the change stay readable).
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { join } from 'node:path';
import { LakeDb, TABLES, writeMonthlyPartitions, listPartitions, readPartitions, readHiveGroups } from '../../lib/lake/index.js';
import { writeDailyLake } from '../../lib/monitor/synthetic_daily.js';
import { loadPanel } from '../../lib/monitor/load.js';
import { loadMonitorConfig } from '../../lib/monitor/config.js';
import { withTempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;

function caps(n: number, start: number) {
  return { ts_ms: Float64Array.from({ length: n }, (_, i) => start + i * DAY), market_cap_usd: Float64Array.from({ length: n }, (_, i) => 1e9 + i) };
}

describe('yearly partitions', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2 }); });
  afterAll(() => db.close());

  test('a daily series over two calendar years is two files (key YYYY), read back exactly; monthly is 24+ files', async () => {
    await withTempDir(async (root) => {
      const start = Date.UTC(2020, 11, 15); // 2020-12-15 .. 2022-01-09: 3 calendar years
      const data = caps(392, start);
      const ms = await writeMonthlyPartitions(db, root, TABLES.cleanMarketCap, { exchange: 'cg', market: 'spot', symbol: 'AUSDT' }, data, { period: 'year' });
      expect(ms.map((m) => m.file)).toEqual(['2020', '2021', '2022'].map((y) => `cleaned/market_cap/exchange=cg/market=spot/symbol=AUSDT/month=${y}/part.parquet`));
      expect(ms.map((m) => m.rows)).toEqual([17, 365, 10]);
      expect(ms[1]!.min_ts_ms).toBe(Date.UTC(2021, 0, 1));
      expect(ms[1]!.max_ts_ms).toBe(Date.UTC(2021, 11, 31));
      const parts = await listPartitions(root, TABLES.cleanMarketCap);
      expect(parts.map((p) => p.keys.month)).toEqual(['2020', '2021', '2022']);
      const got = await readPartitions(db, root, TABLES.cleanMarketCap, parts, ['ts_ms', 'market_cap_usd']);
      expect(Array.from(got.ts_ms!)).toEqual(Array.from(data.ts_ms));
      expect(Array.from(got.market_cap_usd!)).toEqual(Array.from(data.market_cap_usd));
      const monthly = await writeMonthlyPartitions(db, join(root, 'm'), TABLES.cleanMarketCap, { exchange: 'cg', market: 'spot', symbol: 'AUSDT' }, data);
      expect(monthly).toHaveLength(14);
    });
  });

  test('readHiveGroups: one scan over monthly and yearly groups alike, window-pruned files, exact rows per group', async () => {
    await withTempDir(async (root) => {
      const start = Date.UTC(2019, 6, 1);
      const a = caps(900, start);
      const b = caps(500, start + 200 * DAY);
      await writeMonthlyPartitions(db, root, TABLES.cleanMarketCap, { exchange: 'cg', market: 'spot', symbol: 'AUSDT' }, a, { period: 'year' });
      await writeMonthlyPartitions(db, root, TABLES.cleanMarketCap, { exchange: 'cg', market: 'spot', symbol: 'BUSDT' }, b); // monthly
      const from = Date.UTC(2020, 2, 10);
      const to = Date.UTC(2020, 4, 1);
      const groups = await readHiveGroups(db, root, TABLES.cleanMarketCap, {}, ['ts_ms', 'market_cap_usd'], { fromMs: from, toMs: to });
      expect(groups.map((g) => g.keys.symbol)).toEqual(['AUSDT', 'BUSDT']);
      for (const [g, src] of [[groups[0]!, a], [groups[1]!, b]] as const) {
        const keep = Array.from(src.ts_ms).map((t, i) => [t, i] as const).filter(([t]) => t >= from && t < to);
        expect(Array.from(g.data.ts_ms!)).toEqual(keep.map(([t]) => t));
        expect(Array.from(g.data.market_cap_usd!)).toEqual(keep.map(([, i]) => src.market_cap_usd[i]!));
      }
      // only files overlapping the window are read (and listed for the digests)
      expect(groups[0]!.parts.map((p) => p.keys.month)).toEqual(['2020']);
      expect(groups[1]!.parts.map((p) => p.keys.month)).toEqual(['2020-03', '2020-04']);
      expect(await readHiveGroups(db, root, TABLES.cleanMarketCap, {}, ['ts_ms'], { fromMs: Date.UTC(2030, 0, 1) })).toEqual([]);
    });
  });

  test('the monitor panel is identical on a monthly lake (written before the change) and a yearly one', async () => {
    await withTempDir(async (root) => {
      const start = Date.UTC(2020, 0, 1);
      const p = { seed: 3, n_assets: 9, days: 500, start_ms: start };
      await writeDailyLake(join(root, 'y'), p);
      await writeDailyLake(join(root, 'm'), p, { period: 'month' });
      const cfg = await loadMonitorConfig('spec/monitor/config.yaml');
      const from = Date.UTC(2020, 2, 1);
      const to = Date.UTC(2021, 2, 31);
      const y = await loadPanel(join(root, 'y'), cfg, from, to, new Set());
      const m = await loadPanel(join(root, 'm'), cfg, from, to, new Set());
      expect(y.panel.symbols).toEqual(m.panel.symbols);
      expect(y.panel.symbols).toHaveLength(9);
      for (const k of ['close', 'volume_usd', 'mcap'] as const) expect(y.panel[k].map((x) => Array.from(x))).toEqual(m.panel[k].map((x) => Array.from(x)));
      expect(Array.from(y.panel.total_cap!)).toEqual(Array.from(m.panel.total_cap!));
      expect(y.snapshot).toEqual(m.snapshot);
      expect(y.panel.close[0]!.filter(Number.isFinite)).toHaveLength(396);
    });
  });
});
