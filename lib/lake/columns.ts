import { DuckDBDataChunk, DOUBLE, INTEGER, UTINYINT, type DuckDBType } from './duckdb_api.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LakeDb } from './db.js';
import { sqlIdent, sqlString } from './db.js';
import type { ColumnType } from './schema.js';

/** In-memory column kinds. 'ts' and 'f64' travel as Float64Array (NaN = NULL); strings are dictionary-encoded. */
export type NumericArray = Float64Array | Int32Array | Uint8Array;
export interface DictColumn {
  dict: readonly string[];
  idx: Int32Array;
}
export type ColumnData = NumericArray | DictColumn;
export type ColumnSet = Record<string, ColumnData>;

const CHUNK_ROWS = 2048;

/** How a column is staged in a temp table: ts as DOUBLE (cast to BIGINT on write), strings as INTEGER indexes. */
function stagingType(t: ColumnType): DuckDBType {
  switch (t) {
    case 'ts':
    case 'f64':
      return DOUBLE;
    case 'i32':
    case 'str':
      return INTEGER;
    case 'u8':
      return UTINYINT;
  }
}

export function columnLength(c: ColumnData): number {
  return 'dict' in c ? c.idx.length : c.length;
}

export function numericOf(c: ColumnData): NumericArray {
  return 'dict' in c ? c.idx : c;
}

/**
 * Create (or replace) a temp table and fill it from typed arrays through DuckDB data chunks, copying each
 * chunk's buffer at once (fast path). `fallback` fills the chunk value by value through the generic API;
 * both paths are tested to give the same table. NaN in an 'f64' column is staged as NULL (the chunk's validity
 * mask), the lake's stored form, so the COPY that writes the table reads the column as it is (storedSelect);
 * 'ts' columns are staged as they are (a NaN time is refused by the cast to BIGINT).
 */
export async function stageColumns(
  db: LakeDb,
  table: string,
  columns: readonly { name: string; type: ColumnType }[],
  data: ColumnSet,
  opts: { fallback?: boolean } = {},
): Promise<number> {
  const n = columns.length ? columnLength(mustGet(data, columns[0]!.name)) : 0;
  for (const c of columns) {
    const len = columnLength(mustGet(data, c.name));
    if (len !== n) throw new Error(`stageColumns(${table}): column ${c.name} has ${len} rows, expected ${n}`);
  }
  const types = columns.map((c) => stagingType(c.type));
  const ddl = columns.map((c, i) => `${sqlIdent(c.name)} ${types[i]!.toString()}`).join(', ');
  await db.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} (${ddl})`);
  for (const c of columns) {
    const col = mustGet(data, c.name);
    if ('dict' in col) await stageDict(db, table, c.name, col.dict);
  }
  const appender = await db.conn.createAppender(table);
  const arrays = columns.map((c) => numericOf(mustGet(data, c.name)));
  const nullNaN = columns.map((c) => c.type === 'f64');
  const mask = new Uint32Array(CHUNK_ROWS / 32);
  // One chunk for every full block of rows (the appender copies what it is given), a fresh one for the last block.
  let full: DuckDBDataChunk | undefined;
  for (let off = 0; off < n; off += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - off);
    const chunk = rows === CHUNK_ROWS ? (full ??= DuckDBDataChunk.create(types, rows)) : DuckDBDataChunk.create(types, rows);
    arrays.forEach((arr, ci) => fillVector(chunk, ci, arr.subarray(off, off + rows), nullNaN[ci]!, mask, opts.fallback ?? false));
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  return n;
}

/** What the fast path uses of a vector of @duckdb/node-api (its fields are private in the typings). */
interface RawVector {
  items?: unknown;
  validity?: { data?: unknown };
  flush?: () => void;
}

/**
 * Copy `values` into column `ci` of a chunk (fresh, or reused: every value and validity bit is written again). With
 * `nullNaN`, a NaN becomes NULL: the fast path writes the validity bits itself (one 32-bit word per 32 rows, cleared
 * bits for NaN) when the rows have NaN, or when an earlier use of the chunk left a mask (then all valid again).
 */
function fillVector(chunk: DuckDBDataChunk, ci: number, values: NumericArray, nullNaN: boolean, mask: Uint32Array, fallback: boolean): void {
  const vec = chunk.getColumnVector(ci) as unknown as RawVector;
  const v = vec.validity;
  if (!fallback && isSameKind(vec.items, values) && typeof vec.flush === 'function' && v && 'data' in v && (v.data === null || v.data instanceof BigUint64Array)) {
    (vec.items as NumericArray).set(values as never);
    if (v.data !== null || (nullNaN && hasNaN(values))) {
      if (!LITTLE_ENDIAN) return fillValues(chunk, ci, values, nullNaN);
      const words = Math.ceil(values.length / 64) * 2;
      mask.fill(0xffffffff, 0, words);
      if (nullNaN) for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) mask[i >>> 5] = mask[i >>> 5]! & ~(1 << (i & 31));
      v.data = new BigUint64Array(mask.slice(0, words).buffer); // little-endian: bit i of the mask is row i
    }
    vec.flush();
    return;
  }
  fillValues(chunk, ci, values, nullNaN);
}

/** The generic path: value by value (NaN as null when `nullNaN`). */
function fillValues(chunk: DuckDBDataChunk, ci: number, values: NumericArray, nullNaN: boolean): void {
  chunk.setColumnValues(ci, Array.from(values as ArrayLike<number>, (x) => (nullNaN && x !== x ? null : x)));
}

/** The validity words are built as 32-bit halves of DuckDB's 64-bit words: right on little-endian machines only. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function hasNaN(values: NumericArray): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] !== values[i]) return true;
  return false;
}

function isSameKind(items: unknown, values: NumericArray): boolean {
  return (
    (items instanceof Float64Array && values instanceof Float64Array) ||
    (items instanceof Int32Array && values instanceof Int32Array) ||
    (items instanceof Uint8Array && values instanceof Uint8Array)
  );
}

async function stageDict(db: LakeDb, table: string, column: string, dict: readonly string[]): Promise<void> {
  const t = sqlIdent(`${table}__${column}__dict`);
  await db.run(`CREATE OR REPLACE TEMP TABLE ${t} (idx INTEGER, value VARCHAR)`);
  if (dict.length === 0) return;
  const appender = await db.conn.createAppender(`${table}__${column}__dict`);
  dict.forEach((v, i) => {
    appender.appendInteger(i);
    appender.appendVarchar(v);
    appender.endRow();
  });
  appender.closeSync();
}

/**
 * The SQL that turns a staged table back into its stored types (ts -> BIGINT, dict idx -> string; f64 is staged in
 * its stored form, NaN as NULL).
 * A dictionary of one value becomes a literal (no join).
 */
export function storedSelect(
  table: string, columns: readonly { name: string; type: ColumnType }[], dicts: Record<string, readonly string[]> = {},
): { select: string; from: string; joined: boolean } {
  const joins: string[] = [];
  const sel = columns.map((c) => {
    const col = `t.${sqlIdent(c.name)}`;
    switch (c.type) {
      case 'ts':
        return `CAST(${col} AS BIGINT) AS ${sqlIdent(c.name)}`;
      case 'str': {
        const only = dicts[c.name];
        if (only && only.length === 1) return `${sqlString(only[0]!)} AS ${sqlIdent(c.name)}`;
        const alias = sqlIdent(`d_${c.name}`);
        joins.push(`LEFT JOIN ${sqlIdent(`${table}__${c.name}__dict`)} ${alias} ON ${col} = ${alias}.idx`);
        return `${alias}.value AS ${sqlIdent(c.name)}`;
      }
      default: // f64 is staged with NULL for NaN (stageColumns); i32 and u8 as they are
        return `${col} AS ${sqlIdent(c.name)}`;
    }
  });
  return { select: sel.join(', '), from: `${sqlIdent(table)} t ${joins.join(' ')}`, joined: joins.length > 0 };
}

/** Expression that reads a stored column back into its in-memory kind without NULLs reaching JS. */
export function readExpr(name: string, type: ColumnType): string {
  const c = sqlIdent(name);
  switch (type) {
    case 'ts':
      return `CAST(${c} AS DOUBLE) AS ${c}`;
    case 'f64':
      return `COALESCE(CAST(${c} AS DOUBLE), 'NaN'::DOUBLE) AS ${c}`;
    case 'i32':
      return `COALESCE(CAST(${c} AS INTEGER), 0) AS ${c}`;
    case 'u8':
      return `COALESCE(CAST(${c} AS UTINYINT), 0) AS ${c}`;
    case 'str':
      return `${c}`;
  }
}

/**
 * Run a query whose columns are all numeric and collect them into typed arrays. Fast path: copy each chunk's
 * native buffer; fallback: the generic value API (used when a vector exposes no typed buffer, or when forced).
 * `materialize`: DuckDB materializes the result first (for results small enough to hold twice): its chunks come
 * packed (2048 rows; a streamed scan of many small files yields one part-filled chunk per file, each a native
 * allocation freed only when V8 collects its wrapper) and the row count is known, so each output array is allocated
 * once and filled in place (no per-chunk copies).
 */
export async function queryColumns(
  db: LakeDb,
  sql: string,
  kinds: readonly { name: string; type: Exclude<ColumnType, 'str'> }[],
  opts: { fallback?: boolean; materialize?: boolean } = {},
): Promise<Record<string, NumericArray>> {
  const fallback = opts.fallback ?? false;
  if (opts.materialize) {
    const result = await db.conn.run(sql);
    const arrays = kinds.map((k) => allocate(k.type, result.rowCount));
    let off = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      kinds.forEach((k, ci) => {
        const items = (chunk.getColumnVector(ci) as unknown as { items?: unknown }).items;
        if (!fallback && isKind(items, k.type)) arrays[ci]!.set((items as NumericArray).subarray(0, rows) as never, off);
        else arrays[ci]!.set(copyVector(chunk, ci, k.type, true) as never, off);
      });
      off += rows;
    }
    if (off !== result.rowCount) throw new Error(`queryColumns: ${off} rows fetched, the result has ${result.rowCount}`);
    return Object.fromEntries(kinds.map((k, ci) => [k.name, arrays[ci]!]));
  }
  const result = await db.conn.stream(sql);
  const parts: NumericArray[][] = kinds.map(() => []);
  let total = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    kinds.forEach((k, ci) => parts[ci]!.push(copyVector(chunk, ci, k.type, fallback)));
    total += chunk.rowCount;
  }
  const out: Record<string, NumericArray> = {};
  kinds.forEach((k, ci) => {
    const arr = allocate(k.type, total);
    let off = 0;
    for (const p of parts[ci]!) {
      arr.set(p as never, off);
      off += p.length;
    }
    out[k.name] = arr;
  });
  return out;
}

let collect: (() => void) | undefined;

/**
 * Free the native memory of DuckDB results and chunks already dropped by JS. The node bindings have no explicit
 * destroy for them: each is freed by its wrapper's finalizer, and V8 does not count that memory, so with a small JS
 * heap it never collects and the memory grows with every result read (0.3 MB per 5-year daily asset in the monitor).
 * Runs a full V8 collection (the gc function, enabled at run time if the process was not started with --expose-gc),
 * then yields one turn so the finalizers run. For readers that loop over many results (scanHiveGroups batches).
 */
export async function releaseResults(): Promise<void> {
  if (!collect) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') collect = g;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
  await new Promise((r) => setImmediate(r));
}

function isKind(items: unknown, type: Exclude<ColumnType, 'str'>): boolean {
  return type === 'i32' ? items instanceof Int32Array : type === 'u8' ? items instanceof Uint8Array : items instanceof Float64Array;
}

function allocate(type: Exclude<ColumnType, 'str'>, n: number): NumericArray {
  if (type === 'i32') return new Int32Array(n);
  if (type === 'u8') return new Uint8Array(n);
  return new Float64Array(n);
}

function copyVector(chunk: DuckDBDataChunk, ci: number, type: Exclude<ColumnType, 'str'>, fallback: boolean): NumericArray {
  const items = (chunk.getColumnVector(ci) as unknown as { items?: unknown }).items;
  if (!fallback) {
    if ((type === 'ts' || type === 'f64') && items instanceof Float64Array) return items.slice();
    if (type === 'i32' && items instanceof Int32Array) return items.slice();
    if (type === 'u8' && items instanceof Uint8Array) return items.slice();
  }
  const values = chunk.getColumnValues(ci);
  const out = allocate(type, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? (type === 'f64' || type === 'ts' ? NaN : 0) : Number(v as number | bigint);
  }
  return out;
}

function mustGet(data: ColumnSet, name: string): ColumnData {
  const c = data[name];
  if (!c) throw new Error(`missing column ${name}`);
  return c;
}
