import {
  DuckDBDataChunk, DuckDBTableFunction, BIGINT, DOUBLE, INTEGER, UTINYINT, rawVectors, type DuckDBTableFunctionInfo, type DuckDBType,
} from './duckdb_api.js';
import { endianness } from 'node:os';
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
 * both paths are tested to give the same table.
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
  for (let off = 0; off < n; off += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - off);
    const chunk = DuckDBDataChunk.create(types, rows);
    arrays.forEach((arr, ci) => fillVector(chunk, ci, arr.subarray(off, off + rows), opts.fallback ?? false));
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  return n;
}

function fillVector(chunk: DuckDBDataChunk, ci: number, values: NumericArray, fallback: boolean): void {
  const vec = chunk.getColumnVector(ci) as unknown as { items?: unknown; flush?: () => void };
  if (!fallback && isSameKind(vec.items, values) && typeof vec.flush === 'function') {
    (vec.items as NumericArray).set(values as never);
    vec.flush();
    return;
  }
  chunk.setColumnValues(ci, Array.from(values as ArrayLike<number>));
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

/** Columns served by `withColumnScan`: the arrays, their DuckDB types, which ones turn NaN into NULL. */
interface ScanSource {
  columns: readonly { name: string; type: ColumnType }[];
  types: DuckDBType[];
  arrays: NumericArray[];
  /** f64 columns: NaN -> NULL (the stored form); ts stays DOUBLE and is cast by scanSelect, as staged columns are */
  nanIsNull: boolean[];
  rows: number;
  fallback: boolean;
}
interface ScanBind {
  src: ScanSource;
  start: number;
  end: number;
}

/** The table function of withColumnScan: `lake_columns(handle, start, end)`, rows [start, end) of a registered set. */
export const SCAN_FUNCTION = 'lake_columns';
const scans = new Map<number, ScanSource>();
let nextScan = 1;
/** Connections the function was registered through (it lands in the database's catalog; registering again is a no-op). */
const registeredOn = new WeakSet<object>();

/**
 * Serve numeric columns to DuckDB straight from their typed arrays, without staging them in a table: `fn` gets
 * `from(start, end)`, a FROM item (alias `t`) that scans rows [start, end) through a table function, 2048 rows per
 * call on the JS thread, in row order (one scan thread). Columns come as their staging types (ts and f64 as DOUBLE,
 * i32 as INTEGER, u8 as UTINYINT) with NaN already NULL in f64 columns (the vector's validity mask), so
 * `scanSelect` only casts ts: a COPY of it is a plain scan, byte-identical to the staged path (stageColumns +
 * storedSelect) at a fraction of the cost (no appender flush into a temp table, no per-value CASE). No string
 * columns (they need the dictionary tables of stageColumns). The arrays must not change while `fn` runs; the handle
 * is dropped when it settles. `fallback` fills the vectors through the API's generic value path (tested to give
 * the same bytes).
 */
export async function withColumnScan<T>(
  db: LakeDb,
  columns: readonly { name: string; type: ColumnType }[],
  data: ColumnSet,
  fn: (from: (start: number, end: number) => string) => Promise<T>,
  opts: { fallback?: boolean } = {},
): Promise<T> {
  const rows = columns.length ? columnLength(mustGet(data, columns[0]!.name)) : 0;
  const arrays = columns.map((c) => {
    if (c.type === 'str') throw new Error(`withColumnScan: ${c.name} is a string column; stage it with stageColumns`);
    const col = mustGet(data, c.name);
    if ('dict' in col) throw new Error(`withColumnScan: ${c.name} is dictionary-encoded; stage it with stageColumns`);
    if (col.length !== rows) throw new Error(`withColumnScan: column ${c.name} has ${col.length} rows, expected ${rows}`);
    if (!isKind(col, c.type === 'f64' || c.type === 'ts' ? 'f64' : c.type)) throw new Error(`withColumnScan: ${c.name} (${c.type}) is a ${col.constructor.name}`);
    return col;
  });
  ensureScanFunction(db);
  const handle = nextScan++;
  scans.set(handle, {
    columns, types: columns.map((c) => stagingType(c.type)), arrays, nanIsNull: columns.map((c) => c.type === 'f64'), rows, fallback: opts.fallback ?? false,
  });
  try {
    return await fn((start, end) => `${SCAN_FUNCTION}(${handle}, ${start}, ${end}) t`);
  } finally {
    scans.delete(handle);
  }
}

/** The select list that turns a withColumnScan source into the stored types: ts -> BIGINT, the rest as they come. */
export function scanSelect(columns: readonly { name: string; type: ColumnType }[]): string {
  return columns.map((c) => (c.type === 'ts' ? `CAST(t.${sqlIdent(c.name)} AS BIGINT) AS ${sqlIdent(c.name)}` : `t.${sqlIdent(c.name)} AS ${sqlIdent(c.name)}`)).join(', ');
}

function ensureScanFunction(db: LakeDb): void {
  if (registeredOn.has(db.conn)) return;
  db.conn.registerTableFunction(DuckDBTableFunction.create({
    name: SCAN_FUNCTION,
    parameterTypes: [INTEGER, BIGINT, BIGINT],
    bindFunction: (info) => {
      const handle = Number(info.getParameter(0));
      const start = Number(info.getParameter(1));
      const end = Number(info.getParameter(2));
      const src = scans.get(handle);
      if (!src) return info.setError(`${SCAN_FUNCTION}(${handle}): no columns registered under this handle (only valid inside withColumnScan)`);
      if (!(start >= 0 && start <= end && end <= src.rows)) return info.setError(`${SCAN_FUNCTION}(${handle}): rows [${start}, ${end}) outside 0..${src.rows}`);
      src.columns.forEach((c, i) => info.addResultColumn(c.name, src.types[i]!));
      info.setCardinality(end - start, true);
      info.setBindData({ src, start, end } satisfies ScanBind);
    },
    initFunction: (info) => {
      info.setInitData({ next: (info.bindData as ScanBind).start });
      info.setMaxThreads(1);
    },
    mainFunction: (info, output) => fillScanChunk(info, output),
  }));
  registeredOn.add(db.conn);
}

/** The validity words below are written as 32-bit halves of DuckDB's 64-bit entries: low half first on little-endian. */
const LITTLE_ENDIAN = endianness() === 'LE';
/** Validity bits of one chunk (2048 rows = 64 words of 32 bits), reused: chunks are filled one at a time on the JS thread. */
const validityWords = new Uint32Array(CHUNK_ROWS / 32);

function fillScanChunk(info: DuckDBTableFunctionInfo, output: DuckDBDataChunk): void {
  const { src, end } = info.bindData as ScanBind;
  const state = info.initData as { next: number };
  const off = state.next;
  const k = Math.min(CHUNK_ROWS, end - off);
  output.rowCount = k;
  if (k === 0) return;
  const raw = src.fallback || !LITTLE_ENDIAN ? undefined : rawVectors;
  for (let ci = 0; ci < src.arrays.length; ci++) {
    const arr = src.arrays[ci]!;
    const nullable = src.nanIsNull[ci]!;
    if (!raw) {
      const values = Array.from(arr.subarray(off, off + k) as ArrayLike<number>, (v) => (nullable && v !== v ? null : v));
      output.setColumnValues(ci, values);
      continue;
    }
    const vec = raw.data_chunk_get_vector(output.chunk, ci);
    raw.copy_data_to_vector(vec, 0, arr.buffer, arr.byteOffset + off * arr.BYTES_PER_ELEMENT, k * arr.BYTES_PER_ELEMENT);
    if (!nullable) continue;
    let first = -1;
    for (let i = 0; i < k; i++) {
      if (arr[off + i] !== arr[off + i]) {
        first = i;
        break;
      }
    }
    if (first < 0) continue;
    validityWords.fill(0xffffffff, 0, Math.ceil(k / 64) * 2);
    for (let i = first; i < k; i++) if (arr[off + i] !== arr[off + i]) validityWords[i >>> 5]! &= ~(1 << (i & 31));
    raw.vector_ensure_validity_writable(vec);
    // whole 64-bit words (DuckDB's validity entries), little-endian like the machine: two 32-bit words each
    raw.copy_data_to_vector_validity(vec, 0, validityWords.buffer, 0, Math.ceil(k / 64) * 8);
  }
  state.next = off + k;
}

/**
 * The SQL that turns a staged table back into its stored types (ts -> BIGINT, NaN -> NULL, dict idx -> string).
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
      case 'f64':
        return `CASE WHEN isnan(${col}) THEN NULL ELSE ${col} END AS ${sqlIdent(c.name)}`;
      case 'str': {
        const only = dicts[c.name];
        if (only && only.length === 1) return `${sqlString(only[0]!)} AS ${sqlIdent(c.name)}`;
        const alias = sqlIdent(`d_${c.name}`);
        joins.push(`LEFT JOIN ${sqlIdent(`${table}__${c.name}__dict`)} ${alias} ON ${col} = ${alias}.idx`);
        return `${alias}.value AS ${sqlIdent(c.name)}`;
      }
      default:
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
