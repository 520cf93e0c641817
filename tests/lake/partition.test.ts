import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeDb, TABLES, writeMonthlyPartitions, listPartitions, readPartitions } from '../../lib/lake/index.js';
import { withTempDir } from '../helpers/tmp.js';

const FIVE_MIN = 300_000;
const JAN31_2300 = Date.UTC(2025, 0, 31, 23, 0);

function bars(n: number) {
  const ts = new Float64Array(n);
  const close = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = JAN31_2300 + i * FIVE_MIN;
    close[i] = 100 + i;
  }
  const nan = () => new Float64Array(n).fill(NaN);
  return {
    ts_ms: ts, open: close.slice(), high: close.map((c) => c + 1), low: close.map((c) => c - 1), close,
    volume: new Float64Array(n).fill(5), quote_volume: nan(), trades: nan(), taker_buy_base: nan(), taker_buy_quote: nan(),
    src_file: { dict: ['a.csv'], idx: new Int32Array(n) }, src_line: Int32Array.from({ length: n }, (_, i) => i + 2),
  };
}

describe('monthly partitions', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2 }); });
  afterAll(() => db.close());

  test('rows crossing a month boundary land in two hive partitions with manifests, and read back exactly', async () => {
    await withTempDir(async (root) => {
      const keys = { exchange: 'binance', market: 'um', symbol: 'BTCUSDT', interval: '5m' };
      const ms = await writeMonthlyPartitions(db, root, TABLES.rawKlines, keys, bars(24));
      expect(ms.map((m) => m.file)).toEqual([
        'raw/klines/exchange=binance/market=um/symbol=BTCUSDT/interval=5m/month=2025-01/part.parquet',
        'raw/klines/exchange=binance/market=um/symbol=BTCUSDT/interval=5m/month=2025-02/part.parquet',
      ]);
      expect(ms.map((m) => m.rows)).toEqual([12, 12]);
      expect(ms[1]!.min_ts_ms).toBe(Date.UTC(2025, 1, 1));
      const parts = await listPartitions(root, TABLES.rawKlines, { symbol: 'BTCUSDT' });
      expect(parts.map((p) => p.keys.month)).toEqual(['2025-01', '2025-02']);
      for (const [fallback, materialize] of [[false, false], [true, false], [false, true], [true, true]]) {
        const got = await readPartitions(db, root, TABLES.rawKlines, parts, ['ts_ms', 'close', 'quote_volume', 'src_line'], { fallback, materialize });
        expect(Array.from(got.close!)).toEqual(Array.from(bars(24).close));
        expect(got.ts_ms![23]).toBe(JAN31_2300 + 23 * FIVE_MIN);
        expect(Number.isNaN(got.quote_volume![0]!)).toBe(true);
        expect(got.src_line![3]).toBe(5);
      }
      const rows = await db.rows(`SELECT count(*), count(quote_volume), min(src_file), typeof(min(ts_ms)) FROM read_parquet('${root}/raw/klines/**/*.parquet', hive_partitioning=true) WHERE symbol='BTCUSDT'`);
      expect(rows[0]).toEqual([24n, 0n, 'a.csv', 'BIGINT']);
    });
  });

  test('rows given out of order are written sorted by ts_ms, then by source file and line', async () => {
    await withTempDir(async (root) => {
      const b = bars(300_000 / 10);
      const n = b.ts_ms.length;
      const perm = Array.from({ length: n }, (_, i) => (i * 7919) % n); // a fixed shuffle (7919 is prime)
      const shuffled = Object.fromEntries(Object.entries(b).map(([k, v]) => [k, 'dict' in v ? { dict: v.dict, idx: Int32Array.from(perm, (i) => v.idx[i]!) } : (v as Float64Array).map((_, j) => (v as Float64Array)[perm[j]!]!)]));
      const ms = await writeMonthlyPartitions(db, root, TABLES.rawKlines, { exchange: 'b', market: 'um', symbol: 'S', interval: '5m' }, shuffled as never, { tieBreak: ['src_file', 'src_line'] });
      for (const m of ms) {
        const rows = await db.rows(`SELECT ts_ms FROM read_parquet('${join(root, m.file)}', hive_partitioning = false)`);
        const ts = rows.map((r) => Number(r[0]));
        expect(ts.every((t, i) => i === 0 || t > ts[i - 1]!)).toBe(true);
        expect(ts.length).toBe(m.rows);
      }
    });
  });

  test('the same rows written twice give byte-identical files', async () => {
    await withTempDir(async (root) => {
      const keys = { exchange: 'binance', market: 'um', symbol: 'X', interval: '5m' };
      const a = await writeMonthlyPartitions(db, join(root, 'a'), TABLES.rawKlines, keys, bars(5000));
      const b = await writeMonthlyPartitions(db, join(root, 'b'), TABLES.rawKlines, keys, bars(5000));
      expect(a.map((m) => m.sha256)).toEqual(b.map((m) => m.sha256));
      const fa = await readFile(join(root, 'a', a[0]!.file));
      const fb = await readFile(join(root, 'b', b[0]!.file));
      expect(fa.equals(fb)).toBe(true);
    });
  });
});
