/**
 * The batched group reader (listHiveGroups + scanHiveGroups) the monitor's loader uses to keep its memory flat in
 * the number of assets: batches of any size, in any group order, with the native result memory released per batch,
 * give exactly the rows of one scan; groups not passed are never opened; groups without rows in the window are not
 * handed out; materialized query results equal streamed ones. The loader chooses its instruments before reading
 * and still falls back to the next source when the preferred one has no rows in the window.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  LakeDb, TABLES, writeMonthlyPartitions, readHiveGroups, listHiveGroups, scanHiveGroups, type NumericArray,
} from '../../lib/lake/index.js';
import { queryColumns, releaseResults } from '../../lib/lake/columns.js';
import { writeDailyLake } from '../../lib/monitor/synthetic_daily.js';
import { loadPanel } from '../../lib/monitor/load.js';
import { loadMonitorConfig } from '../../lib/monitor/config.js';
import { withTempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
const START = Date.UTC(2019, 6, 1);

function caps(n: number, start: number, base: number) {
  return { ts_ms: Float64Array.from({ length: n }, (_, i) => start + i * DAY), market_cap_usd: Float64Array.from({ length: n }, (_, i) => base + i * 0.5) };
}

async function writeGroups(db: LakeDb, root: string, n: number): Promise<void> {
  for (let k = 0; k < n; k++) {
    const sym = `S${String(k).padStart(2, '0')}USDT`;
    await writeMonthlyPartitions(db, root, TABLES.cleanMarketCap, { exchange: 'cg', market: 'spot', symbol: sym }, caps(700 - k * 20, START + k * 7 * DAY, 1e6 * (k + 1)), { period: k % 2 ? 'month' : 'year' });
  }
}

const plain = (d: Record<string, NumericArray>) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Array.from(v)]));

describe('scanHiveGroups', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2, fileCache: false }); });
  afterAll(() => db.close());

  test('batches of 1, 3 or all, in reversed order, released per batch: the rows of one scan, group by group', async () => {
    await withTempDir(async (root) => {
      await writeGroups(db, root, 7);
      const win = { fromMs: Date.UTC(2019, 9, 3), toMs: Date.UTC(2020, 8, 1) };
      const one = await readHiveGroups(db, root, TABLES.cleanMarketCap, {}, ['ts_ms', 'market_cap_usd'], win);
      expect(one).toHaveLength(7);
      const want = new Map(one.map((g) => [g.keys.symbol!, plain(g.data)]));
      // independent expectation for one group: the rows written, cut to the window
      const src = caps(700 - 3 * 20, START + 3 * 7 * DAY, 4e6);
      const keep = Array.from(src.ts_ms).map((t, i) => [t, i] as const).filter(([t]) => t >= win.fromMs && t < win.toMs);
      expect(want.get('S03USDT')!.ts_ms).toEqual(keep.map(([t]) => t));
      expect(want.get('S03USDT')!.market_cap_usd).toEqual(keep.map(([, i]) => src.market_cap_usd[i]!));
      for (const batchGroups of [1, 3, 100]) {
        const groups = (await listHiveGroups(db, root, TABLES.cleanMarketCap, {}, win)).reverse();
        const seen: string[] = [];
        await scanHiveGroups(db, TABLES.cleanMarketCap, groups, ['ts_ms', 'market_cap_usd'], { ...win, batchGroups, release: true }, (g, data) => {
          seen.push(g.keys.symbol!);
          expect(plain(data)).toEqual(want.get(g.keys.symbol!));
        });
        expect(seen).toEqual([...want.keys()].reverse());
      }
    });
  });

  test('only the groups passed are opened; a group with files in the window but no rows in it is not handed out', async () => {
    await withTempDir(async (root) => {
      await writeGroups(db, root, 3);
      // S09: rows on 2020-01-01 and 2020-12-31 only (one yearly file whose range covers the window, no row inside)
      await writeMonthlyPartitions(db, root, TABLES.cleanMarketCap, { exchange: 'cg', market: 'spot', symbol: 'S09USDT' },
        { ts_ms: Float64Array.of(Date.UTC(2020, 0, 1), Date.UTC(2020, 11, 31)), market_cap_usd: Float64Array.of(1, 2) }, { period: 'year' });
      const win = { fromMs: Date.UTC(2020, 2, 1), toMs: Date.UTC(2020, 3, 1) };
      const groups = await listHiveGroups(db, root, TABLES.cleanMarketCap, {}, win);
      expect(groups.map((g) => g.keys.symbol)).toEqual(['S00USDT', 'S01USDT', 'S02USDT', 'S09USDT']);
      expect(groups.every((g) => Object.keys(g.data).length === 0)).toBe(true);
      // a corrupt file in a group not passed is never opened
      await writeFile(join(groups[1]!.parts[0]!.dir, 'part.parquet'), 'not parquet');
      const seen: string[] = [];
      await scanHiveGroups(db, TABLES.cleanMarketCap, [groups[0]!, groups[3]!, groups[2]!], ['ts_ms'], { ...win, batchGroups: 2, release: true }, (g, d) => {
        seen.push(g.keys.symbol!);
        expect(d.ts_ms!.length).toBe(31);
      });
      expect(seen).toEqual(['S00USDT', 'S02USDT']);
      await expect(scanHiveGroups(db, TABLES.cleanMarketCap, [groups[1]!], ['ts_ms'], win, () => {})).rejects.toThrow();
    });
  });

  test('queryColumns: a materialized result equals the streamed one (several chunks, NULL as NaN, i32 and u8)', async () => {
    const sql = `SELECT CAST(i AS DOUBLE) AS a, CASE WHEN i % 7 = 0 THEN 'NaN'::DOUBLE ELSE i / 3 END AS b, CAST(i % 1000 AS INTEGER) AS c, CAST(i % 2 AS UTINYINT) AS d FROM range(5000) t(i)`;
    const kinds = [{ name: 'a', type: 'ts' as const }, { name: 'b', type: 'f64' as const }, { name: 'c', type: 'i32' as const }, { name: 'd', type: 'u8' as const }];
    const s = await queryColumns(db, sql, kinds);
    const m = await queryColumns(db, sql, kinds, { materialize: true });
    expect(m.a).toBeInstanceOf(Float64Array);
    expect(m.c).toBeInstanceOf(Int32Array);
    expect(m.d).toBeInstanceOf(Uint8Array);
    expect(m.a!.length).toBe(5000);
    expect(Number.isNaN(m.b![7]!)).toBe(true);
    expect(m.b![4999]).toBeCloseTo(4999 / 3, 12);
    expect(plain(m)).toEqual(plain(s));
    const f = await queryColumns(db, sql, kinds, { materialize: true, fallback: true });
    expect(plain(f)).toEqual(plain(s));
    await releaseResults();
  });
});

describe('monitor loader (instruments chosen before reading)', () => {
  test('a preferred cap source with files in the window but no rows in it falls back to the next source', async () => {
    await withTempDir(async (root) => {
      const p = { seed: 5, n_assets: 6, days: 420, start_ms: Date.UTC(2020, 0, 1) };
      const symbols = await writeDailyLake(join(root, 'a'), p);
      await writeDailyLake(join(root, 'b'), p);
      // lake b also has coingecko caps (preferred in cap_exchanges) for the 3rd symbol, outside the window only
      const db = await LakeDb.open({ threads: 1 });
      try {
        await writeMonthlyPartitions(db, join(root, 'b'), TABLES.cleanMarketCap, { exchange: 'coingecko', market: 'spot', symbol: symbols[2]! },
          { ts_ms: Float64Array.of(Date.UTC(2020, 0, 1), Date.UTC(2020, 11, 31)), market_cap_usd: Float64Array.of(1, 2) }, { period: 'year' });
      } finally {
        db.close();
      }
      const cfg = await loadMonitorConfig('spec/monitor/config.yaml');
      const from = Date.UTC(2020, 4, 1);
      const to = Date.UTC(2020, 9, 1);
      const a = await loadPanel(join(root, 'a'), cfg, from, to, new Set());
      const b = await loadPanel(join(root, 'b'), cfg, from, to, new Set());
      expect(b.panel.symbols).toEqual(a.panel.symbols);
      expect(b.panel.mcap[2]!.some((x) => Number.isFinite(x))).toBe(true);
      for (const k of ['close', 'volume_usd', 'mcap'] as const) expect(b.panel[k].map((x) => Array.from(x))).toEqual(a.panel[k].map((x) => Array.from(x)));
      expect(Array.from(b.panel.total_cap!)).toEqual(Array.from(a.panel.total_cap!));
      expect(b.digests).toEqual(a.digests); // the empty coingecko file is not among the partitions read
    });
  });
});
