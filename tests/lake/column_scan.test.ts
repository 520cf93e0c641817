import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeDb, TABLES, featuresTable, writeMonthlyPartitions, readPartitions, listPartitions, type TableSchema } from '../../lib/lake/index.js';
import { scanSelect, stageColumns, storedSelect, withColumnScan, type ColumnSet } from '../../lib/lake/columns.js';
import { PARQUET_OPTIONS } from '../../lib/lake/partition.js';
import { sqlString } from '../../lib/lake/db.js';
import { withTempDir } from '../helpers/tmp.js';

const FIVE_MIN = 300_000;
const T0 = Date.UTC(2025, 0, 1);

/**
 * Numeric columns with the cases a scan must carry exactly: NaN only in the first chunk of a file (the next chunk's
 * validity must start clean), NaN runs across chunk boundaries, an all-NaN column, -0, +-Infinity, i32 and u8.
 */
function numericRows(n: number): { table: TableSchema; data: ColumnSet } {
  const ts = new Float64Array(n);
  const early = new Float64Array(n);
  const runs = new Float64Array(n);
  const none = new Float64Array(n).fill(NaN);
  const odd = new Float64Array(n);
  const i32 = new Int32Array(n);
  const u8 = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = T0 + i * FIVE_MIN;
    early[i] = i < 100 ? NaN : Math.sin(i) * 1e3;
    runs[i] = (i % 3000) > 1900 && (i % 3000) < 2300 ? NaN : i * 0.25;
    odd[i] = [0, -0, Infinity, -Infinity, 1e-300, -1.5][i % 6]!;
    i32[i] = (i * 7919) % 100_003 - 50_000;
    u8[i] = i % 256;
  }
  const table: TableSchema = {
    dir: 'scan_test',
    partitionBy: ['symbol', 'month'],
    columns: [
      { name: 'ts_ms', type: 'ts', description: '' },
      { name: 'early', type: 'f64', description: '' },
      { name: 'runs', type: 'f64', description: '' },
      { name: 'none', type: 'f64', description: '' },
      { name: 'odd', type: 'f64', description: '' },
      { name: 'n32', type: 'i32', description: '' },
      { name: 'flags', type: 'u8', description: '' },
    ],
    description: 'test table',
  };
  return { table, data: { ts_ms: ts, early, runs, none, odd, n32: i32, flags: u8 } };
}

/** The staged path (temp table + CASE projection), as writeMonthlyPartitions wrote every table before the scan. */
async function writeStaged(db: LakeDb, table: TableSchema, data: ColumnSet, file: string): Promise<void> {
  await stageColumns(db, 'staged', table.columns, data);
  const { select, from } = storedSelect('staged', table.columns);
  await db.run(`COPY (SELECT ${select} FROM ${from}) TO ${sqlString(file)} (${PARQUET_OPTIONS})`);
}

async function writeScanned(db: LakeDb, table: TableSchema, data: ColumnSet, file: string, fallback = false): Promise<void> {
  const n = (data.ts_ms as Float64Array).length;
  await withColumnScan(db, table.columns, data, (from) => db.run(`COPY (SELECT ${scanSelect(table.columns)} FROM ${from(0, n)}) TO ${sqlString(file)} (${PARQUET_OPTIONS})`), { fallback });
}

describe('numeric columns scanned from typed arrays (withColumnScan)', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2 }); });
  afterAll(() => db.close());

  test.each([1, 2047, 2048, 2049, 9000])('%i rows: the same Parquet bytes as the staged path, raw vectors and the fallback alike', async (n) => {
    await withTempDir(async (dir) => {
      const { table, data } = numericRows(n);
      await writeStaged(db, table, data, join(dir, 'staged.parquet'));
      await writeScanned(db, table, data, join(dir, 'scan.parquet'));
      await writeScanned(db, table, data, join(dir, 'fallback.parquet'), true);
      const staged = await readFile(join(dir, 'staged.parquet'));
      expect((await readFile(join(dir, 'scan.parquet'))).equals(staged)).toBe(true);
      expect((await readFile(join(dir, 'fallback.parquet'))).equals(staged)).toBe(true);
      const [row] = await db.rows(`SELECT count(*), count(early), count(runs), count(none), typeof(min(ts_ms)) FROM read_parquet(${sqlString(join(dir, 'scan.parquet'))})`);
      const runsNaN = Array.from(data.runs as Float64Array).filter((v) => v !== v).length;
      expect(row).toEqual([BigInt(n), BigInt(Math.max(0, n - 100)), BigInt(n - runsNaN), 0n, 'BIGINT']);
    });
  });

  test('more rows than a row group (122,880): the same row groups and bytes as the staged path', async () => {
    await withTempDir(async (dir) => {
      const { table, data } = numericRows(250_001);
      await writeStaged(db, table, data, join(dir, 'staged.parquet'));
      await writeScanned(db, table, data, join(dir, 'scan.parquet'));
      expect((await readFile(join(dir, 'scan.parquet'))).equals(await readFile(join(dir, 'staged.parquet')))).toBe(true);
      const groups = await db.rows(`SELECT row_group_num_rows FROM parquet_metadata(${sqlString(join(dir, 'scan.parquet'))}) WHERE column_id = 0 ORDER BY row_group_id`);
      expect(groups.map((g) => Number(g[0]))).toEqual([122_880, 122_880, 4241]);
    });
  });

  test('a row range scans exactly those rows, and two connections scan their own arrays at once', async () => {
    const { table, data } = numericRows(5000);
    const other = await db.fork();
    try {
      const ranges = [[0, 0], [10, 20], [2040, 2060], [4990, 5000]] as const;
      const sums = await Promise.all([db, other].map((conn, k) => {
        const shifted = { ...data, early: (data.early as Float64Array).map((v) => v + k) };
        return withColumnScan(conn, table.columns, shifted, async (from) => {
          const out: unknown[][] = [];
          for (const [a, b] of ranges) out.push((await conn.rows(`SELECT count(*), min(ts_ms), max(ts_ms), sum(early) FROM ${from(a, b)}`))[0]!);
          return out;
        });
      }));
      for (const [k, rows] of sums.entries()) {
        ranges.forEach(([a, b], j) => {
          const early = Array.from((data.early as Float64Array).subarray(a, b)).filter((v) => v === v).map((v) => v + k);
          expect(Number(rows[j]![0])).toBe(b - a);
          if (b > a) {
            expect(rows[j]![1]).toBe(T0 + a * FIVE_MIN);
            expect(rows[j]![2]).toBe(T0 + (b - 1) * FIVE_MIN);
          }
          if (early.length) expect(rows[j]![3]).toBeCloseTo(early.reduce((s, v) => s + v, 0), 6);
        });
      }
    } finally {
      other.close();
    }
  });

  test('refused: string columns, mismatched lengths, wrong array kinds; a handle outside its scope or range is a located error', async () => {
    const { table, data } = numericRows(10);
    await expect(withColumnScan(db, [{ name: 's', type: 'str' }], { s: { dict: ['a'], idx: new Int32Array(1) } }, async () => 0)).rejects.toThrow('s is a string column');
    await expect(withColumnScan(db, table.columns, { ...data, runs: new Float64Array(3) }, async () => 0)).rejects.toThrow('column runs has 3 rows, expected 10');
    await expect(withColumnScan(db, table.columns, { ...data, flags: new Int32Array(10) }, async () => 0)).rejects.toThrow('flags (u8) is a Int32Array');
    let leaked = '';
    await withColumnScan(db, table.columns, data, async (from) => {
      leaked = from(0, 10);
      await expect(db.rows(`SELECT count(*) FROM ${from(5, 11)}`)).rejects.toThrow('rows [5, 11) outside 0..10');
    });
    await expect(db.rows(`SELECT count(*) FROM ${leaked}`)).rejects.toThrow('no columns registered under this handle');
  });

  test('writeMonthlyPartitions: numeric tables (features) give the same files as the staged path; tables with strings still stage', async () => {
    await withTempDir(async (root) => {
      const n = 3 * 8928 + 17; // three months and a bit of 5m bars
      const { data } = numericRows(n);
      const names = ['early', 'runs', 'none', 'odd'];
      const table = featuresTable(names);
      const keys = { exchange: 'binance', market: 'um', symbol: 'X', timeframe: '5m' };
      const ms = await writeMonthlyPartitions(db, root, table, keys, data);
      expect(ms.map((m) => m.rows)).toEqual([8928, 8064, 8928, 8928 * 3 + 17 - 8928 - 8064 - 8928]);
      let start = 0;
      for (const m of ms) {
        const slice = Object.fromEntries(['ts_ms', ...names].map((c) => [c, (data[c] as Float64Array).subarray(start, start + m.rows)]));
        await writeStaged(db, table, slice, join(root, 'staged.parquet'));
        expect((await readFile(join(root, m.file))).equals(await readFile(join(root, 'staged.parquet')))).toBe(true);
        start += m.rows;
      }
      const back = await readPartitions(db, root, table, await listPartitions(root, table, { symbol: 'X' }), ['ts_ms', ...names]);
      // (the reader's COALESCE returns -0 as 0, as it always did; the files hold -0: same bytes as the staged path)
      const plusZero = (a: ArrayLike<number>) => Array.from(a, (v) => (v === 0 ? 0 : v));
      for (const c of ['ts_ms', ...names]) expect(plusZero(back[c]!)).toEqual(plusZero(data[c] as Float64Array));
      // raw klines carry src_file (a string): the staged path, still readable
      const raw = await writeMonthlyPartitions(db, root, TABLES.rawKlines, { exchange: 'b', market: 'um', symbol: 'S', interval: '5m' }, {
        ts_ms: (data.ts_ms as Float64Array).subarray(0, 50), open: (data.early as Float64Array).subarray(0, 50), high: (data.runs as Float64Array).subarray(0, 50),
        low: (data.runs as Float64Array).subarray(0, 50), close: (data.runs as Float64Array).subarray(0, 50), volume: (data.odd as Float64Array).subarray(0, 50),
        quote_volume: (data.none as Float64Array).subarray(0, 50), trades: (data.none as Float64Array).subarray(0, 50),
        taker_buy_base: (data.none as Float64Array).subarray(0, 50), taker_buy_quote: (data.none as Float64Array).subarray(0, 50),
        src_file: { dict: ['a.csv', 'b.csv'], idx: Int32Array.from({ length: 50 }, (_, i) => i % 2) }, src_line: Int32Array.from({ length: 50 }, (_, i) => i + 2),
      });
      const [row] = await db.rows(`SELECT count(*), count(DISTINCT src_file), count(open) FROM read_parquet(${sqlString(join(root, raw[0]!.file))})`);
      expect(row).toEqual([50n, 2n, 0n]);
    });
  });
});
