import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LakeDb } from './db.js';
import { sqlString } from './db.js';
import { queryColumns } from './columns.js';
import { DataError } from '../errors.js';

/**
 * Reading delimited text through DuckDB with full control over errors: each physical line is read as one string
 * with its line number, split in SQL, and every check (field count, numbers) reports the first offending line.
 * Handles plain and gzip files (by extension); CRLF endings; blank lines are skipped.
 */
export interface CsvColumnRequest {
  name: string;
  /**
   * 0-based field index, or a header name, or candidates tried in order (a name matches only when the file has a
   * header; an index always matches). An optional column whose index is beyond the row's fields reads as NaN.
   */
  source: number | string | readonly (number | string)[];
  /** 'number' parses a decimal or integer; 'timestamp' parses ISO-8601 text (UTC unless an offset is given) to ms. */
  parse?: 'number' | 'timestamp';
  /** An empty field is an error unless optional (then NaN). */
  optional?: boolean;
}

export interface CsvReadSpec {
  file: string;
  /** Name used in messages (e.g. the path relative to the source root, or zip!member). */
  display: string;
  columns: readonly CsvColumnRequest[];
  /** Accepted field counts per line (e.g. [6, 12] for Binance klines); empty = any, but all lines equal. */
  fieldCounts?: readonly number[];
  header: 'auto' | 'yes' | 'no';
  delimiter?: string;
}

export interface CsvReadResult {
  columns: Record<string, Float64Array>;
  /** 1-based physical line number of each row in the file. */
  lines: Int32Array;
  header: string[] | null;
  fieldCount: number;
}

export async function readCsvColumns(db: LakeDb, spec: CsvReadSpec): Promise<CsvReadResult> {
  const delim = spec.delimiter ?? ',';
  if (delim.length !== 1) throw new Error(`delimiter must be one character, was ${JSON.stringify(delim)}`);
  await loadLines(db, spec);
  const first = await db.rows(`SELECT line_no, text FROM csv_lines ORDER BY line_no LIMIT 1`);
  if (first.length === 0) throw new DataError('file has no data rows', { file: spec.display }, { hint: 'check the file is complete' });
  const firstText = String(first[0]![1]);
  const firstFields = firstText.split(delim);
  const header = decideHeader(spec, firstFields) ? firstFields.map((s) => s.trim()) : null;
  const firstDataLine = header ? 'line_no > ' + String(first[0]![0]) : 'TRUE';
  await db.run(
    `CREATE OR REPLACE TEMP TABLE csv_rows AS SELECT line_no, string_split(text, ${sqlString(delim)}) AS f FROM csv_lines WHERE ${firstDataLine} ORDER BY line_no`,
  );
  const fieldCount = await checkFieldCounts(db, spec, header ? header.length : firstFields.length);
  const indexes = spec.columns.map((c) => resolveIndex(c, header, spec.display, fieldCount));
  await checkValues(db, spec, indexes);
  const exprs = spec.columns.map((c, i) => `${valueExpr(c, indexes[i]!)} AS c${i}`);
  const kinds = spec.columns.map((_, i) => ({ name: `c${i}`, type: 'f64' as const }));
  const res = await queryColumns(
    db,
    `SELECT CAST(line_no AS DOUBLE) AS line_no, ${exprs.join(', ')} FROM csv_rows ORDER BY line_no`,
    [{ name: 'line_no', type: 'f64' }, ...kinds],
  );
  const columns: Record<string, Float64Array> = {};
  spec.columns.forEach((c, i) => (columns[c.name] = res[`c${i}`] as Float64Array));
  const lines = Int32Array.from(res.line_no as Float64Array);
  await db.run('DROP TABLE IF EXISTS csv_rows; DROP TABLE IF EXISTS csv_lines');
  return { columns, lines, header, fieldCount };
}

/**
 * Gzip files are inflated by zlib first: DuckDB's own gzip reader returns the rows before a truncation without
 * an error, while zlib checks the stream's CRC and length, so a cut file can never pass as a short one.
 */
async function loadLines(db: LakeDb, spec: CsvReadSpec): Promise<void> {
  if (!/\.gz$/i.test(spec.file)) return loadPlainLines(db, spec.file, spec.display);
  const plain = join(tmpdir(), `quantlab-${process.pid}-${randomBytes(6).toString('hex')}.csv`);
  try {
    await pipeline(createReadStream(spec.file), createGunzip(), createWriteStream(plain));
  } catch (e) {
    await rm(plain, { force: true });
    throw new DataError(`cannot read: gzip stream is truncated or corrupt (${firstLine(e)})`, { file: spec.display }, {
      hint: 'download the file again', cause: e,
    });
  }
  try {
    await loadPlainLines(db, plain, spec.display);
  } finally {
    await rm(plain, { force: true });
  }
}

async function loadPlainLines(db: LakeDb, file: string, display: string): Promise<void> {
  try {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE csv_lines AS SELECT * FROM (` +
        `SELECT row_number() OVER () AS line_no, rtrim(text, chr(13)) AS text FROM read_csv(${sqlString(file)}, ` +
        `columns={'text': 'VARCHAR'}, header=false, delim=chr(31), quote='', escape='', auto_detect=false, ` +
        `compression='none', strict_mode=false)) WHERE text IS NOT NULL AND trim(text) <> ''`,
    );
  } catch (e) {
    throw new DataError(`cannot read: ${firstLine(e)}`, { file: display }, { hint: 'check the file', cause: e });
  }
}

function decideHeader(spec: CsvReadSpec, firstFields: string[]): boolean {
  if (spec.header === 'yes') return true;
  if (spec.header === 'no') return false;
  const f0 = (firstFields[0] ?? '').trim();
  return f0 === '' || Number.isNaN(Number(f0));
}

async function checkFieldCounts(db: LakeDb, spec: CsvReadSpec, expectedDefault: number): Promise<number> {
  const allowed = spec.fieldCounts && spec.fieldCounts.length ? spec.fieldCounts : [expectedDefault];
  const bad = await db.rows(
    `SELECT line_no, len(f), array_to_string(f, ',') FROM csv_rows WHERE len(f) NOT IN (${allowed.join(', ')}) ORDER BY line_no LIMIT 1`,
  );
  if (bad.length) {
    const [line, n, text] = bad[0]!;
    throw new DataError(`has ${String(n)} fields, expected ${allowed.join(' or ')}`, {
      file: spec.display, line: Number(line), field: 'row', value: truncate(String(text)),
    }, { hint: 'wrong file layout or a truncated line: check the source' });
  }
  const counts = await db.rows(`SELECT DISTINCT len(f) FROM csv_rows`);
  if (counts.length > 1) {
    const first = await db.rows(`SELECT line_no, len(f) FROM csv_rows WHERE len(f) <> (SELECT len(f) FROM csv_rows ORDER BY line_no LIMIT 1) ORDER BY line_no LIMIT 1`);
    throw new DataError(`field count changes within the file to ${String(first[0]![1])}`, { file: spec.display, line: Number(first[0]![0]) });
  }
  return Number(counts[0]?.[0] ?? expectedDefault);
}

function resolveIndex(c: CsvColumnRequest, header: string[] | null, display: string, fieldCount: number): number {
  if (Array.isArray(c.source)) {
    for (const cand of c.source as readonly (number | string)[]) {
      if (typeof cand === 'string' && header && header.includes(cand)) return header.indexOf(cand);
      if (typeof cand === 'number' && (!header || cand < fieldCount)) return resolveIndex({ ...c, source: cand }, header, display, fieldCount);
    }
    throw new DataError(`no column for ${c.name} (looked for ${(c.source as readonly (number | string)[]).join(', ')})`, { file: display, field: c.name }, {
      hint: header ? `header has: ${header.join(', ')}` : 'the file has no header',
    });
  }
  if (typeof c.source === 'number') {
    if (c.optional && c.source >= fieldCount) return -1;
    if (c.source < 0 || c.source >= fieldCount) {
      throw new DataError(`column ${c.name}: field index ${c.source} out of range (rows have ${fieldCount} fields)`, { file: display });
    }
    return c.source;
  }
  const name = c.source as string;
  if (!header) throw new DataError(`column ${c.name} is mapped by name "${name}" but the file has no header`, { file: display });
  const i = header.indexOf(name);
  if (i < 0) {
    throw new DataError(`no column named ${JSON.stringify(name)} for ${c.name}`, { file: display, field: c.name }, {
      hint: `header has: ${header.join(', ')}`,
    });
  }
  return i;
}

function fieldExpr(idx: number): string {
  return `trim(f[${idx + 1}])`;
}

function valueExpr(c: CsvColumnRequest, idx: number): string {
  if (idx < 0) return `'NaN'::DOUBLE`;
  const f = fieldExpr(idx);
  if (c.parse === 'timestamp') return `COALESCE(CAST(epoch_ms(TRY_CAST(${f} AS TIMESTAMPTZ)) AS DOUBLE), 'NaN'::DOUBLE)`;
  return `COALESCE(TRY_CAST(${f} AS DOUBLE), 'NaN'::DOUBLE)`;
}

async function checkValues(db: LakeDb, spec: CsvReadSpec, indexes: number[]): Promise<void> {
  for (let i = 0; i < spec.columns.length; i++) {
    const c = spec.columns[i]!;
    if (indexes[i]! < 0) continue;
    const f = fieldExpr(indexes[i]!);
    const parsed = c.parse === 'timestamp' ? `TRY_CAST(${f} AS TIMESTAMPTZ)` : `TRY_CAST(${f} AS DOUBLE)`;
    const emptyBad = c.optional ? 'FALSE' : `${f} = ''`;
    const bad = await db.rows(
      `SELECT line_no, ${f} FROM csv_rows WHERE (${f} <> '' AND (${parsed} IS NULL ${c.parse === 'timestamp' ? '' : `OR NOT isfinite(${parsed})`})) OR ${emptyBad} ORDER BY line_no LIMIT 1`,
    );
    if (bad.length) {
      const [line, value] = bad[0]!;
      const what = String(value) === '' ? 'is empty' : c.parse === 'timestamp' ? 'is not a timestamp' : 'is not a finite number';
      throw new DataError(what, { file: spec.display, line: Number(line), field: c.name, value: String(value) }, {
        hint: 'fix or remove the row at the source, then rerun',
      });
    }
  }
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
