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
  /**
   * 'number' parses a decimal or integer; 'timestamp' parses ISO-8601 text (UTC unless an offset is given) to ms;
   * 'bool' reads true/false (any case) or 1/0 as 1/0.
   */
  parse?: 'number' | 'timestamp' | 'bool';
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

/** Blank lines (and a trailing newline) are not rows. */
const NOT_BLANK = `text IS NOT NULL AND text <> '' AND text <> chr(13)`;

export async function readCsvColumns(db: LakeDb, spec: CsvReadSpec): Promise<CsvReadResult> {
  const delim = spec.delimiter ?? ',';
  if (delim.length !== 1) throw new Error(`delimiter must be one character, was ${JSON.stringify(delim)}`);
  return withPlainFile(spec, async (plain) => {
    // Every query reads the lines straight from the file (no table of lines is kept): only when a check fails is a
    // line read again, to quote it in the message (lineText).
    const first = await firstDataLine(db, plain, spec.display);
    if (!first) throw new DataError('file has no data rows', { file: spec.display }, { hint: 'check the file is complete' });
    const crlf = first.text.endsWith('\r');
    const text = crlf ? 'rtrim(text, chr(13))' : 'text';
    const firstFields = first.text.replace(/\r$/, '').split(delim);
    const header = decideHeader(spec, firstFields) ? firstFields.map((s) => s.trim()) : null;
    const fieldCount = header ? header.length : firstFields.length;
    const indexes = spec.columns.map((c) => resolveIndex(c, header, spec.display, fieldCount));
    // One pass: every value, the field count and a bit per column whose text is not a valid value. Each field is
    // split out once (r<i>) and parsed once (v<i>); its value and its validity bit are read off that parse.
    const used = spec.columns.map((_, i) => i).filter((i) => indexes[i]! >= 0);
    const fields = `SELECT line_no, len(f) AS nf${used.map((i) => `, f[${indexes[i]! + 1}] AS r${i}`).join('')} ` +
      `FROM (SELECT line_no, string_split(${text}, ${sqlString(delim)}) AS f FROM ${linesOf(plain)} ` +
      `WHERE line_no > ${header ? first.line : 0} AND ${NOT_BLANK})`;
    const parsed = `SELECT line_no, nf${used.map((i) => `, r${i}, ${parseExpr(spec.columns[i]!, `r${i}`)} AS v${i}`).join('')} FROM (${fields})`;
    const bad = used.map((i) => `(CASE WHEN ${invalidExpr(spec.columns[i]!, `r${i}`, `v${i}`)} THEN ${2 ** i} ELSE 0 END)`);
    const res = await readOrFail(spec.display, () => queryColumns(
      db,
      `SELECT CAST(line_no AS DOUBLE) AS line_no, CAST(nf AS DOUBLE) AS nf, CAST(${bad.join(' + ') || '0'} AS DOUBLE) AS bad, ` +
        `${spec.columns.map((_, i) => `${indexes[i]! < 0 ? `'NaN'::DOUBLE` : `COALESCE(v${i}, 'NaN'::DOUBLE)`} AS c${i}`).join(', ')} ` +
        `FROM (${parsed}) ORDER BY line_no`,
      [{ name: 'line_no', type: 'f64' }, { name: 'nf', type: 'f64' }, { name: 'bad', type: 'f64' }, ...spec.columns.map((_, i) => ({ name: `c${i}`, type: 'f64' as const }))],
      { materialize: true }, // each column allocated once and filled in place (no per-chunk copies to collect)
    ));
    const lines = Int32Array.from(res.line_no as Float64Array);
    await checkFieldCounts(db, plain, spec, res.nf as Float64Array, lines, fieldCount);
    await checkValues(db, plain, spec, res.bad as Float64Array, lines, indexes);
    const columns: Record<string, Float64Array> = {};
    spec.columns.forEach((c, i) => (columns[c.name] = res[`c${i}`] as Float64Array));
    return { columns, lines, header, fieldCount };
  });
}

/** A DuckDB error while reading the file (e.g. text that is not UTF-8) as a located DataError. */
async function readOrFail<T>(display: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw new DataError(`cannot read: ${firstLine(e)}`, { file: display }, { hint: 'check the file', cause: e });
  }
}

/** The file's physical lines, each one VARCHAR (no delimiter, quote or escape), in file order. */
function readLines(plain: string): string {
  return `read_csv(${sqlString(plain)}, columns={'text': 'VARCHAR'}, header=false, delim=chr(31), quote='', escape='', ` +
    `auto_detect=false, compression='none', strict_mode=false)`;
}

/** The lines with their 1-based numbers (row_number over the scan: DuckDB keeps insertion order, LakeDb.open). */
function linesOf(plain: string): string {
  return `(SELECT row_number() OVER () AS line_no, text FROM ${readLines(plain)})`;
}

/** The first non-blank line and its number: looked for in the first 64 lines (one buffer), then in the whole file. */
async function firstDataLine(db: LakeDb, plain: string, display: string): Promise<{ line: number; text: string } | undefined> {
  return readOrFail(display, async () => {
    const head = await db.rows(`SELECT text FROM ${readLines(plain)} LIMIT 64`);
    const i = head.findIndex((r) => r[0] !== null && r[0] !== '' && r[0] !== '\r');
    if (i >= 0) return { line: i + 1, text: String(head[i]![0]) };
    const r = (await db.rows(`SELECT line_no, text FROM ${linesOf(plain)} WHERE ${NOT_BLANK} ORDER BY line_no LIMIT 1`)).at(0);
    return r ? { line: Number(r[0]), text: String(r[1]) } : undefined;
  });
}

/**
 * Run `fn` on the file as plain text. Gzip files are inflated by zlib first, into a temp file removed afterwards:
 * DuckDB's own gzip reader returns the rows before a truncation without an error, while zlib checks the stream's CRC
 * and length, so a cut file can never pass as a short one.
 */
async function withPlainFile<T>(spec: CsvReadSpec, fn: (plain: string) => Promise<T>): Promise<T> {
  if (!/\.gz$/i.test(spec.file)) return fn(spec.file);
  const plain = join(tmpdir(), `quantlab-${process.pid}-${randomBytes(6).toString('hex')}.csv`);
  try {
    try {
      await pipeline(
        createReadStream(spec.file, { highWaterMark: GZIP_CHUNK }), createGunzip({ chunkSize: GZIP_CHUNK }),
        createWriteStream(plain, { highWaterMark: GZIP_CHUNK }),
      );
    } catch (e) {
      throw new DataError(`cannot read: gzip stream is truncated or corrupt (${firstLine(e)})`, { file: spec.display }, {
        hint: 'download the file again', cause: e,
      });
    }
    return await fn(plain);
  } finally {
    await rm(plain, { force: true });
  }
}

/** 1 MB reads and inflate chunks: a quarter of the CPU of the 64 kB / 16 kB stream defaults on a 5 MB kline file. */
const GZIP_CHUNK = 1 << 20;

function decideHeader(spec: CsvReadSpec, firstFields: string[]): boolean {
  if (spec.header === 'yes') return true;
  if (spec.header === 'no') return false;
  const f0 = (firstFields[0] ?? '').trim();
  return f0 === '' || Number.isNaN(Number(f0));
}

async function checkFieldCounts(db: LakeDb, plain: string, spec: CsvReadSpec, nf: Float64Array, lines: Int32Array, expected: number): Promise<void> {
  const allowed = spec.fieldCounts && spec.fieldCounts.length ? spec.fieldCounts : [expected];
  for (let i = 0; i < nf.length; i++) {
    const n = nf[i]!;
    if (allowed.includes(n) && n === (nf[0] ?? n)) continue;
    const text = await lineText(db, plain, lines[i]!);
    throw new DataError(
      allowed.includes(n) ? `field count changes within the file from ${nf[0]} to ${n}` : `has ${n} fields, expected ${allowed.join(' or ')}`,
      { file: spec.display, line: lines[i]!, field: 'row', value: truncate(text) },
      { hint: 'wrong file layout or a truncated line: check the source' },
    );
  }
}

async function lineText(db: LakeDb, plain: string, line: number): Promise<string> {
  const r = await db.rows(`SELECT rtrim(text, chr(13)) FROM ${linesOf(plain)} WHERE line_no = ${line}`);
  return String(r[0]?.[0] ?? '');
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

/**
 * The parse of one field `r` (its raw text): a DOUBLE, NULL when the text is not a value of the column's kind.
 * Numbers: DuckDB's cast already skips ASCII whitespace around a number, so the untrimmed text is cast first and
 * trim() (Unicode spaces too, costly) runs only where that cast failed: the same value as casting the trimmed text.
 */
function parseExpr(c: CsvColumnRequest, r: string): string {
  const t = `trim(${r})`;
  if (c.parse === 'timestamp') return `COALESCE(CAST(epoch_ms(TRY_CAST(${t} AS TIMESTAMPTZ)) AS DOUBLE), 'NaN'::DOUBLE)`;
  if (c.parse === 'bool') return `(CASE lower(${t}) WHEN 'true' THEN 1.0 WHEN '1' THEN 1.0 WHEN 'false' THEN 0.0 WHEN '0' THEN 0.0 ELSE 'NaN'::DOUBLE END)`;
  return `COALESCE(TRY_CAST(${r} AS DOUBLE), TRY_CAST(${t} AS DOUBLE))`;
}

/**
 * True when field `r` (parsed as `v` by parseExpr) is not valid: empty (after trim) unless the column is optional,
 * or not a value of its kind. A number's text that cast to NULL is empty or invalid; one that cast is not empty.
 */
function invalidExpr(c: CsvColumnRequest, r: string, v: string): string {
  const t = `trim(${r})`;
  const empty = `COALESCE(${t}, '') = ''`;
  if (c.parse === 'timestamp' || c.parse === 'bool') {
    const badValue = c.parse === 'timestamp' ? `TRY_CAST(${t} AS TIMESTAMPTZ) IS NULL` : `lower(${t}) NOT IN ('true', 'false', '1', '0')`;
    return c.optional ? `(NOT ${empty} AND ${badValue})` : `(${empty} OR ${badValue})`;
  }
  return c.optional ? `(CASE WHEN ${v} IS NULL THEN NOT ${empty} ELSE NOT isfinite(${v}) END)` : `(${v} IS NULL OR NOT isfinite(${v}))`;
}

async function checkValues(db: LakeDb, plain: string, spec: CsvReadSpec, bad: Float64Array, lines: Int32Array, indexes: number[]): Promise<void> {
  for (let r = 0; r < bad.length; r++) {
    const mask = bad[r]!;
    if (mask === 0) continue;
    const ci = spec.columns.findIndex((_, i) => Math.floor(mask / 2 ** i) % 2 === 1);
    const c = spec.columns[ci]!;
    const value = (await lineText(db, plain, lines[r]!)).split(spec.delimiter ?? ',')[indexes[ci]!]?.trim() ?? '';
    const what = value === '' ? 'is empty' : c.parse === 'timestamp' ? 'is not a timestamp' : c.parse === 'bool' ? 'is not a boolean (true/false)' : 'is not a finite number';
    throw new DataError(what, { file: spec.display, line: lines[r]!, field: c.name, value }, {
      hint: 'fix or remove the row at the source, then rerun',
    });
  }
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
