import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { LakeDb, readCsvColumns, type CsvColumnRequest } from '../../lib/lake/index.js';
import { DataError } from '../../lib/errors.js';
import { withTempDir } from '../helpers/tmp.js';

const COLS: CsvColumnRequest[] = [
  { name: 'ts', source: 0 }, { name: 'open', source: 1 }, { name: 'close', source: 4 },
];
const GOOD = 'open_time,open,high,low,close,volume\r\n1000,1.5,2,1,1.75,10\r\n\r\n2000,1.75,2,1,1.5,11\r\n';

describe('readCsvColumns', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open(); });
  afterAll(() => db.close());

  async function read(dir: string, name: string, body: string | Buffer, fieldCounts = [6]) {
    const file = join(dir, name);
    await writeFile(file, body);
    return readCsvColumns(db, { file, display: name, columns: COLS, fieldCounts, header: 'auto' });
  }

  test('reads header, CRLF and blank lines, keeping physical line numbers', async () => {
    await withTempDir(async (dir) => {
      const r = await read(dir, 'a.csv', GOOD);
      expect(r.header).toEqual(['open_time', 'open', 'high', 'low', 'close', 'volume']);
      expect(Array.from(r.columns.ts!)).toEqual([1000, 2000]);
      expect(Array.from(r.columns.close!)).toEqual([1.75, 1.5]);
      expect(Array.from(r.lines)).toEqual([2, 4]);
    });
  });

  test('gzip files are read; a truncated gzip is a located error', async () => {
    await withTempDir(async (dir) => {
      const gz = gzipSync(Buffer.from(GOOD.repeat(200)));
      await expect(read(dir, 'ok.csv.gz', gz)).rejects.toThrow('ok.csv.gz:5 ts: is not a finite number, was "open_time"');
      const one = gzipSync(Buffer.from(GOOD));
      expect((await read(dir, 'one.csv.gz', one)).columns.open![1]).toBe(1.75);
      const cut = one.subarray(0, one.length - 12);
      await expect(read(dir, 'cut.csv.gz', cut)).rejects.toThrow(/cut\.csv\.gz: cannot read/);
    });
  });

  test('wrong field count names file, line and the row', async () => {
    await withTempDir(async (dir) => {
      const err = await read(dir, 'b.csv', '1000,1,2,1,1,10\n2000,1,2,1,1\n').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).message).toBe('b.csv:2 row: has 5 fields, expected 6, was "2000,1,2,1,1"');
    });
  });

  test('a non-numeric value names file, line, field and value', async () => {
    await withTempDir(async (dir) => {
      const err = await read(dir, 'c.csv', '1000,1,2,1,1,10\n2000,1,2,1,abc,10\n').catch((e: unknown) => e);
      expect((err as DataError).message).toBe('c.csv:2 close: is not a finite number, was "abc"');
    });
  });

  // Issue 12: each field is cast untrimmed first and trimmed only where that fails; the values and errors must be
  // those of casting the trimmed text (DuckDB's trim also strips Unicode spaces such as U+00A0, its cast does not).
  test('spaces around numbers (ASCII and U+00A0) read as the trimmed value; a blank optional field is NaN', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'ws.csv');
      await writeFile(file, 'ts,a,b\n1000, 1.5 ,\t2\n2000,\u00a03\u00a0,   \n3000,1e3,\n');
      const r = await readCsvColumns(db, {
        file, display: 'ws.csv', header: 'auto',
        columns: [{ name: 'ts', source: 0 }, { name: 'a', source: 1 }, { name: 'b', source: 2, optional: true }],
      });
      expect(Array.from(r.columns.a!)).toEqual([1.5, 3, 1000]);
      expect(Array.from(r.columns.b!, (v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([2, 'NaN', 'NaN']);
      const bad = join(dir, 'bad.csv');
      await writeFile(bad, 'ts,a,b\n1000,1,2\n2000,   ,2\n');
      await expect(readCsvColumns(db, { file: bad, display: 'bad.csv', header: 'auto', columns: [{ name: 'ts', source: 0 }, { name: 'a', source: 1 }] }))
        .rejects.toThrow('bad.csv:3 a: is empty');
      const opt = join(dir, 'opt.csv');
      await writeFile(opt, '1000,1,x\n');
      await expect(readCsvColumns(db, { file: opt, display: 'opt.csv', header: 'no', columns: [{ name: 'ts', source: 0 }, { name: 'b', source: 2, optional: true }] }))
        .rejects.toThrow('opt.csv:1 b: is not a finite number, was "x"');
    });
  });

  test('a header after more than 64 blank lines is still found, and line numbers stay physical', async () => {
    await withTempDir(async (dir) => {
      const r = await read(dir, 'blank.csv', '\r\n'.repeat(70) + GOOD);
      expect(r.header).toEqual(['open_time', 'open', 'high', 'low', 'close', 'volume']);
      expect(Array.from(r.lines)).toEqual([72, 74]);
      expect(Array.from(r.columns.close!)).toEqual([1.75, 1.5]);
    });
  });
});
