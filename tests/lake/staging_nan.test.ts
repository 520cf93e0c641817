import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeDb, TABLES, writeMonthlyPartitions, listPartitions, readPartitionsWithOrigins } from '../../lib/lake/index.js';
import { stageColumns, storedSelect } from '../../lib/lake/columns.js';
import { sha256File } from '../../lib/hash.js';
import { withTempDir } from '../helpers/tmp.js';

/** Issue 12: the lake's write path stages NaN as NULL and reuses one chunk; reads skip a sort the data does not need. */
describe('staging and reading the lake (issue 12 fast paths)', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2 }); });
  afterAll(() => db.close());

  // 5000 rows: two full chunks of 2048 (the reused one) and a last one of 904. NaN only in the FIRST chunk of `x`,
  // so a reused chunk that kept its validity mask would turn rows of the second chunk into NULL.
  const n = 5000;
  const cols = [{ name: 'ts_ms', type: 'ts' as const }, { name: 'x', type: 'f64' as const }, { name: 'k', type: 'i32' as const }, { name: 'f', type: 'u8' as const }];
  function data() {
    const x = Float64Array.from({ length: n }, (_, i) => i * 0.5);
    for (const i of [0, 63, 64, 100, 2047]) x[i] = NaN;
    x[4999] = NaN; // and one in the last chunk
    return {
      ts_ms: Float64Array.from({ length: n }, (_, i) => 1_735_689_600_000 + i * 300_000), x,
      k: Int32Array.from({ length: n }, (_, i) => i - 7), f: Uint8Array.from({ length: n }, (_, i) => i % 3),
    };
  }

  test.each([false, true])('stageColumns: NaN in an f64 column is staged as NULL, every other value as given (fallback %s)', async (fallback) => {
    await stageColumns(db, 'st', cols, data(), { fallback });
    const [nulls, nans, sum, rows] = (await db.rows(
      `SELECT count(*) FILTER (WHERE x IS NULL), count(*) FILTER (WHERE isnan(x)), sum(x), count(*) FROM st`))[0]!.map(Number);
    expect([nulls, nans, rows]).toEqual([6, 0, n]);
    const d = data();
    let want = 0;
    for (const v of d.x) if (v === v) want += v;
    expect(sum).toBe(want);
    // the rows after the first chunk are all valid: the reused chunk's mask was reset
    expect(Number((await db.rows(`SELECT count(*) FROM st WHERE rowid >= 2048 AND rowid < 4999 AND x IS NULL`))[0]![0])).toBe(0);
    const back = await db.rows(`SELECT CAST(ts_ms AS BIGINT), k, f FROM st WHERE rowid IN (0, 2048, 4999) ORDER BY rowid`);
    expect(back.map((r) => r.map(Number))).toEqual([0, 2048, 4999].map((i) => [d.ts_ms[i], d.k[i], d.f[i]]));
    // the stored form is read as it is: no NaN -> NULL expression left in the SELECT
    expect(storedSelect('st', cols).select).not.toMatch(/isnan|CASE/);
  });

  test('a partition written from staged NULLs reads back NaN where the input had NaN', async () => {
    await withTempDir(async (root) => {
      const d = data();
      const nanCol = new Float64Array(n).fill(NaN);
      const bars = {
        ts_ms: d.ts_ms, open: d.x, high: d.x, low: d.x, close: d.x, volume: d.x, quote_volume: nanCol, trades: nanCol,
        taker_buy_base: nanCol, taker_buy_quote: nanCol,
        src_file: { dict: ['a.csv', 'b.csv'], idx: Int32Array.from({ length: n }, (_, i) => i % 2) }, src_line: Int32Array.from({ length: n }, (_, i) => i + 2),
      };
      const ms = await writeMonthlyPartitions(db, root, TABLES.rawKlines, { exchange: 'x', market: 'um', symbol: 'S', interval: '5m' }, bars, { tieBreak: ['src_file', 'src_line'] });
      expect(ms.map((m) => m.file.split('/').pop())).toEqual(['part.parquet']);
      for (const m of ms) expect(m.sha256).toBe(await sha256File(join(root, m.file)));
      const parts = await listPartitions(root, TABLES.rawKlines, { symbol: 'S' });
      const r = await readPartitionsWithOrigins(db, root, TABLES.rawKlines, parts, ['ts_ms', 'close', 'quote_volume']);
      expect(Array.from(r.columns.close!, (v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(Array.from(d.x, (v) => (Number.isNaN(v) ? 'NaN' : v)));
      expect(r.columns.quote_volume!.every((v) => Number.isNaN(v))).toBe(true);
      expect(r.origins.files).toEqual(['a.csv', 'b.csv']);
      expect(Array.from(r.origins.file_idx.slice(0, 4))).toEqual([0, 1, 0, 1]);
    });
  });

  test('readPartitionsWithOrigins orders rows by (ts, file, line) when the partitions come out of order', async () => {
    await withTempDir(async (root) => {
      const keys = { exchange: 'x', market: 'um', symbol: 'S', interval: '5m' };
      const t0 = Date.UTC(2025, 0, 31, 23, 0);
      const m = 24; // 12 rows in January, 12 in February
      const ts = Float64Array.from({ length: m }, (_, i) => t0 + i * 300_000);
      const one = new Float64Array(m).fill(1);
      await writeMonthlyPartitions(db, root, TABLES.rawKlines, keys, {
        ts_ms: ts, open: one, high: one, low: one, close: Float64Array.from(ts, (_, i) => i), volume: one,
        quote_volume: one, trades: one, taker_buy_base: one, taker_buy_quote: one,
        src_file: { dict: ['a.csv'], idx: new Int32Array(m) }, src_line: Int32Array.from({ length: m }, (_, i) => i + 2),
      });
      const parts = await listPartitions(root, TABLES.rawKlines, { symbol: 'S' });
      expect(parts).toHaveLength(2);
      for (const order of [parts, [...parts].reverse()]) {
        const r = await readPartitionsWithOrigins(db, root, TABLES.rawKlines, order, ['ts_ms', 'close']);
        expect(Array.from(r.columns.close!)).toEqual(Array.from({ length: m }, (_, i) => i));
        expect(Array.from(r.origins.line)).toEqual(Array.from({ length: m }, (_, i) => i + 2));
      }
    });
  });

  test('sha256File: the same digest for a small file (one read) and a large one (streamed)', async () => {
    await withTempDir(async (dir) => {
      for (const size of [0, 1000, (8 << 20) + 12345]) {
        const buf = Buffer.alloc(size, 7);
        for (let i = 0; i < size; i += 4099) buf[i] = i & 255;
        const f = join(dir, `f${size}`);
        await writeFile(f, buf);
        expect(await sha256File(f)).toBe(createHash('sha256').update(buf).digest('hex'));
      }
    });
  });
});
