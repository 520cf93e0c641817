import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeDb, EVENTS_TABLE, writeMonthlyPartitions, writeTableFile, readTableFile, dictColumn, rowStrings, stringsOf, type DictColumn } from '../../lib/lake/index.js';
import { sqlString } from '../../lib/lake/db.js';
import { storedSelect, queryColumns } from '../../lib/lake/columns.js';
import { PARQUET_OPTIONS } from '../../lib/lake/partition.js';
import { sha256File, sha256Hex } from '../../lib/hash.js';
import { writeFile } from 'node:fs/promises';
import { withTempDir } from '../helpers/tmp.js';

const COLUMNS = [
  { name: 'ts_ms', type: 'ts' as const },
  { name: 'small', type: 'str' as const },
  { name: 'large', type: 'str' as const },
  { name: 'one', type: 'str' as const },
  { name: 'x', type: 'f64' as const },
  { name: 'k', type: 'i32' as const },
];

/** n rows over several DuckDB chunks (2048 rows): a small dictionary (3 values), a large one (one value per row, staged as strings). */
function rows(n: number) {
  const small = Array.from({ length: n }, (_, i) => ['b', "it's", 'a'][(i * 7) % 3]!);
  const large = Array.from({ length: n }, (_, i) => `{"v":${(n - i) * 0.25},"s":"row ${i}"}`);
  return {
    ts_ms: Float64Array.from({ length: n }, (_, i) => Date.UTC(2025, 0, 1) + i * 300_000),
    small, large,
    x: Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? NaN : i / 3)),
    k: Int32Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1)),
  };
}

/** The same table written by DuckDB from plain VARCHAR/BIGINT/DOUBLE columns (no staging): the reference bytes. */
async function plainCopy(db: LakeDb, r: ReturnType<typeof rows>, file: string): Promise<Buffer> {
  await db.run('CREATE OR REPLACE TEMP TABLE plain (ts_ms BIGINT, small VARCHAR, large VARCHAR, one VARCHAR, x DOUBLE, k INTEGER)');
  const app = await db.conn.createAppender('plain');
  for (let i = 0; i < r.ts_ms.length; i++) {
    app.appendBigInt(BigInt(r.ts_ms[i]!));
    app.appendVarchar(r.small[i]!);
    app.appendVarchar(r.large[i]!);
    app.appendVarchar('only');
    if (Number.isNaN(r.x[i]!)) app.appendNull();
    else app.appendDouble(r.x[i]!);
    app.appendInteger(r.k[i]!);
    app.endRow();
  }
  app.closeSync();
  await db.run(`COPY (SELECT * FROM plain) TO ${sqlString(file)} (${PARQUET_OPTIONS})`);
  return readFile(file);
}

describe('staging dictionary columns without joins', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2 }); });
  afterAll(() => db.close());

  test('the stored SELECT is a projection (no join, so no ORDER BY): small dictionaries by a list literal, large ones staged as strings', () => {
    const s = storedSelect('t', COLUMNS, { small: ['a', 'b', "it's"], large: Array.from({ length: 300 }, (_, i) => `v${i}`), one: ['only'] });
    expect(s.from).toBe('"t" t');
    expect(s.select).not.toMatch(/JOIN/i);
    expect(s.select).toContain(`(['a', 'b', 'it''s']::VARCHAR[])[t."small" + 1] AS "small"`);
    expect(s.select).toContain('t."large" AS "large"');
    expect(s.select).toContain(`'only' AS "one"`);
  });

  test('writeTableFile gives the bytes of a plain DuckDB COPY of the same values, rows in the given order', async () => {
    await withTempDir(async (dir) => {
      const n = 5000;
      const r = rows(n);
      const data = { ts_ms: r.ts_ms, small: dictColumn(r.small), large: dictColumn(r.large), one: dictColumn(r.large.map(() => 'only')), x: r.x, k: r.k };
      expect((data.large as DictColumn).dict.length).toBe(n);
      const info = await writeTableFile(db, join(dir, 'staged.parquet'), COLUMNS, data);
      const ref = await plainCopy(db, r, join(dir, 'plain.parquet'));
      expect(info.sha256).toBe(sha256Hex(ref));
      const back = await readTableFile(db, join(dir, 'staged.parquet'), COLUMNS);
      expect(stringsOf(back.small as DictColumn)).toEqual(r.small);
      expect(stringsOf(back.large as DictColumn)).toEqual(r.large);
      expect(Array.from(back.ts_ms as Float64Array)).toEqual(Array.from(r.ts_ms));
    });
  });

  // 3000 rows: large dictionaries (staged as strings); 40 rows: every dictionary small (list literals), the rowStrings
  // one with repeated values
  test.each([[3000, 'dictColumn'], [3000, 'rowStrings'], [40, 'dictColumn'], [40, 'rowStrings']] as const)(
    'monthly partitions of the events table (%i rows, attributes by %s): each file the bytes of a plain COPY of its rows',
    async (n, attributesAs) => {
      await withTempDir(async (dir) => {
        const r = rows(n);
        const ts = Float64Array.from({ length: n }, (_, i) => Date.UTC(2025, 0, 31, 23, 0) - (n / 2) * 900_000 + i * 900_000); // crosses into February
        const attrs = r.large.map((a, i) => (i % 3 === 1 ? r.large[i - 1]! : a)); // consecutive rows may repeat one
        const names = r.small.map((s) => `ev_${s.replace("'", '')}`);
        const ms = await writeMonthlyPartitions(db, dir, EVENTS_TABLE, { exchange: 'e', market: 'm', symbol: 'S', timeframe: '5m' }, {
          ts_ms: ts, event: dictColumn(names), family: dictColumn(names.map(() => 'fam')), direction: r.k,
          attributes: attributesAs === 'rowStrings' ? rowStrings(attrs) : dictColumn(attrs),
        });
        expect(ms.map((m) => m.rows).reduce((a, b) => a + b)).toBe(n);
        expect(ms.length).toBe(2);
        let off = 0;
        for (const m of ms) {
          await db.run('CREATE OR REPLACE TEMP TABLE plain (ts_ms BIGINT, event VARCHAR, family VARCHAR, direction INTEGER, attributes VARCHAR)');
          const app = await db.conn.createAppender('plain');
          for (let i = off; i < off + m.rows; i++) {
            app.appendBigInt(BigInt(ts[i]!));
            app.appendVarchar(names[i]!);
            app.appendVarchar('fam');
            app.appendInteger(r.k[i]!);
            app.appendVarchar(attrs[i]!);
            app.endRow();
          }
          app.closeSync();
          const ref = join(dir, `plain_${off}.parquet`);
          await db.run(`COPY (SELECT * FROM plain) TO ${sqlString(ref)} (${PARQUET_OPTIONS})`);
          expect(m.sha256).toBe(sha256Hex(await readFile(ref)));
          off += m.rows;
        }
      });
    },
  );

  test('queryColumns with a row-count hint: exact, too small and too large hints all give every row once', async () => {
    const sql = 'SELECT CAST(i AS DOUBLE) AS v, CAST(i % 7 AS INTEGER) AS m FROM range(10000) r(i)';
    const kinds = [{ name: 'v', type: 'f64' as const }, { name: 'm', type: 'i32' as const }];
    for (const hint of [undefined, 0, 10, 10000, 50000]) {
      const got = await queryColumns(db, sql, kinds, { rows: hint });
      expect(got.v!.length).toBe(10000);
      expect(got.m!.length).toBe(10000);
      let sum = 0;
      for (const x of got.v!) sum += x;
      expect(sum).toBe((9999 * 10000) / 2);
      expect(got.m![9999]).toBe(9999 % 7);
    }
  });

  test('queryColumns: NULLs read as NaN (f64, ts) and 0 (integers) on the buffer-copy path and the value path alike', async () => {
    // NULL every 37th row (and the whole of rows 4000..4100): masks in several chunks, words partly and wholly unset
    const sql = `SELECT CASE WHEN i % 37 = 5 OR i BETWEEN 4000 AND 4100 THEN NULL ELSE CAST(i AS DOUBLE) / 4 END AS v,
      CASE WHEN i % 37 = 5 OR i BETWEEN 4000 AND 4100 THEN NULL ELSE CAST(i AS INTEGER) END AS k,
      CASE WHEN i % 37 = 5 OR i BETWEEN 4000 AND 4100 THEN NULL ELSE CAST(i % 200 AS UTINYINT) END AS u FROM range(6000) r(i)`;
    const kinds = [{ name: 'v', type: 'f64' as const }, { name: 'k', type: 'i32' as const }, { name: 'u', type: 'u8' as const }];
    const fast = await queryColumns(db, sql, kinds, { rows: 6000 });
    const slow = await queryColumns(db, sql, kinds, { fallback: true });
    for (let i = 0; i < 6000; i++) {
      const isNull = i % 37 === 5 || (i >= 4000 && i <= 4100);
      expect(fast.v![i]).toBe(isNull ? NaN : i / 4);
      expect(fast.k![i]).toBe(isNull ? 0 : i);
      expect(fast.u![i]).toBe(isNull ? 0 : i % 200);
    }
    expect(Array.from(fast.v!)).toEqual(Array.from(slow.v!));
    expect(Array.from(fast.k!)).toEqual(Array.from(slow.k!));
  });

  test('sha256File: the digest of the bytes, for a small file (one read), an empty one and one over 8 MB (streamed)', async () => {
    await withTempDir(async (dir) => {
      for (const size of [0, 1000, 9 * 1024 * 1024 + 17]) {
        const bytes = Buffer.alloc(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 11)) & 255;
        const f = join(dir, `f${size}`);
        await writeFile(f, bytes);
        expect(await sha256File(f)).toBe(sha256Hex(bytes));
      }
    });
  });
});
