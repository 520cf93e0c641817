/**
 * Issue 12, the events stage's reads: queryColumns copies each chunk's vectors through the bindings' raw views (no
 * vector, validity or logical-type objects per column and chunk) when the result's types are the kinds' own, and a
 * reader may keep its arrays between reads (ColumnBuffers: the events stage reads one instrument after another into
 * the same memory instead of fresh zero-filled arrays each time).
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { LakeDb, ColumnBuffers } from '../../lib/lake/index.js';
import { queryColumns } from '../../lib/lake/columns.js';

const NULLS = (i: string) => `${i} % 37 = 5 OR ${i} BETWEEN 4000 AND 4100`;

function sql(n: number, scale = 1): string {
  return `SELECT CASE WHEN ${NULLS('i')} THEN NULL ELSE CAST(i AS DOUBLE) * ${scale} END AS v,
    CASE WHEN ${NULLS('i')} THEN NULL ELSE CAST(i AS INTEGER) * ${scale} END AS k,
    CASE WHEN ${NULLS('i')} THEN NULL ELSE CAST(i % 200 AS UTINYINT) END AS u FROM range(${n}) r(i)`;
}
const KINDS = [{ name: 'v', type: 'f64' as const }, { name: 'k', type: 'i32' as const }, { name: 'u', type: 'u8' as const }];

function expectRows(got: Record<string, ArrayLike<number>>, n: number, scale = 1): void {
  expect(got.v!.length).toBe(n);
  expect(got.k!.length).toBe(n);
  expect(got.u!.length).toBe(n);
  for (let i = 0; i < n; i++) {
    const isNull = i % 37 === 5 || (i >= 4000 && i <= 4100);
    if (got.v![i] !== (isNull ? NaN : i * scale) && !(isNull && Number.isNaN(got.v![i]))) throw new Error(`v[${i}] = ${got.v![i]}`);
    if (got.k![i] !== (isNull ? 0 : i * scale)) throw new Error(`k[${i}] = ${got.k![i]}`);
    if (got.u![i] !== (isNull ? 0 : i % 200)) throw new Error(`u[${i}] = ${got.u![i]}`);
  }
}

describe('queryColumns: raw vector views and kept buffers', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2 }); });
  afterAll(() => db.close());

  test('the raw path gives the value path\'s numbers and NULLs (NaN, 0) over several chunks, streamed and materialized', async () => {
    const slow = await queryColumns(db, sql(6000), KINDS, { fallback: true });
    for (const materialize of [false, true]) {
      const fast = await queryColumns(db, sql(6000), KINDS, { materialize, rows: 6000 });
      expectRows(fast, 6000);
      for (const k of ['v', 'k', 'u']) expect(Array.from(fast[k]!)).toEqual(Array.from(slow[k]!));
    }
  });

  test('a result whose type is not the kind\'s own (BIGINT for f64) is converted by value, never copied as raw bytes', async () => {
    const got = await queryColumns(db, 'SELECT i AS v, CAST(i AS SMALLINT) AS k FROM range(3000) r(i)', [{ name: 'v', type: 'f64' }, { name: 'k', type: 'i32' }]);
    expect(got.v![2999]).toBe(2999);
    expect(got.v![1234]).toBe(1234);
    expect(got.k![2999]).toBe(2999);
  });

  test('ColumnBuffers: a later read reuses the memory of the earlier one (views of exact length), and grows when it needs more', async () => {
    const buffers = new ColumnBuffers();
    const first = await queryColumns(db, sql(6000), KINDS, { rows: 6000, buffers });
    expectRows(first, 6000);
    const held = buffers.bytes;
    expect(held).toBe(6000 * (8 + 4 + 1));
    const second = await queryColumns(db, sql(5000, 2), KINDS, { rows: 5000, buffers });
    expectRows(second, 5000, 2);
    expect(second.v!.buffer).toBe(first.v!.buffer);
    expect(second.k!.buffer).toBe(first.k!.buffer);
    expect(buffers.bytes).toBe(held);
    // a wrong (too small) hint: the read grows its buffers and keeps every row; the next read fits in them
    const third = await queryColumns(db, sql(9000), KINDS, { rows: 100, buffers });
    expectRows(third, 9000);
    const fourth = await queryColumns(db, sql(8000), KINDS, { rows: 8000, buffers });
    expectRows(fourth, 8000);
    expect(fourth.v!.buffer).toBe(third.v!.buffer);
    // without buffers each read has its own arrays
    const a = await queryColumns(db, sql(100), KINDS, { rows: 100 });
    const b = await queryColumns(db, sql(100), KINDS, { rows: 100 });
    expect(a.v!.buffer).not.toBe(b.v!.buffer);
  });
});
