import {
  DuckDBDataChunk, DuckDBTableFunction, DuckDBTypeId, BIGINT, DOUBLE, INTEGER, UTINYINT, VARCHAR, rawVectors, type DuckDBTableFunctionInfo, type DuckDBType,
} from './duckdb_api.js';
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

/**
 * Dictionary-encoded strings travel to DuckDB without a join (a join does not keep the staged row order, and the
 * COPY would need ORDER BY rowid): a dictionary of up to DICT_LITERAL_MAX entries (and DICT_LITERAL_CHARS characters)
 * is staged as INTEGER indexes and turned back into strings by a list literal in the SELECT (a projection); a larger
 * one (JSON attributes, nearly one value per row) is staged as the strings themselves (VARCHAR). Both give the
 * column as VARCHAR, the same values as the dictionary join did, so the same Parquet bytes.
 */
const DICT_LITERAL_MAX = 256;
const DICT_LITERAL_CHARS = 16_384;

/** Whether a dictionary column is staged as indexes (and decoded by a list literal) rather than as its strings. */
function dictAsLiteral(dict: readonly string[]): boolean {
  if (dict.length > DICT_LITERAL_MAX) return false;
  let chars = 0;
  for (const v of dict) chars += v.length;
  return chars <= DICT_LITERAL_CHARS;
}

/**
 * How a column is staged in a temp table: ts as DOUBLE (cast to BIGINT on write), strings as INTEGER indexes or, for
 * a large dictionary, as VARCHAR (dictAsLiteral).
 */
function stagingType(t: ColumnType, col: ColumnData): DuckDBType {
  switch (t) {
    case 'ts':
    case 'f64':
      return DOUBLE;
    case 'i32':
      return INTEGER;
    case 'str':
      return 'dict' in col && !dictAsLiteral(col.dict) ? VARCHAR : INTEGER;
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
  const cols = columns.map((c) => mustGet(data, c.name));
  const types = columns.map((c, i) => stagingType(c.type, cols[i]!));
  const ddl = columns.map((c, i) => `${sqlIdent(c.name)} ${types[i]!.toString()}`).join(', ');
  await db.run(`CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} (${ddl})`);
  const appender = await db.conn.createAppender(table);
  const nullNaN = columns.map((c) => c.type === 'f64');
  const mask = new Uint32Array(CHUNK_ROWS / 32);
  // One chunk for every full block of rows (the appender copies what it is given), a fresh one for the last block.
  let full: DuckDBDataChunk | undefined;
  for (let off = 0; off < n; off += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - off);
    const chunk = rows === CHUNK_ROWS ? (full ??= DuckDBDataChunk.create(types, rows)) : DuckDBDataChunk.create(types, rows);
    cols.forEach((col, ci) => {
      if (types[ci] === VARCHAR) {
        const { dict, idx } = col as DictColumn;
        chunk.setColumnValues(ci, Array.from(idx.subarray(off, off + rows), (i) => dict[i] ?? null));
      } else fillVector(chunk, ci, numericOf(col).subarray(off, off + rows), nullNaN[ci]!, mask, opts.fallback ?? false);
    });
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
    const nanWords = nullNaN ? nanValidity(values, 0, values.length, mask) : 0;
    if (v.data !== null || nanWords > 0) {
      if (!LITTLE_ENDIAN) return fillValues(chunk, ci, values, nullNaN);
      const words = Math.ceil(values.length / 64) * 2;
      if (nanWords === 0) mask.fill(0xffffffff, 0, words); // a reused chunk's mask: all valid again
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

/**
 * The validity mask of values[off, off + k) with NaN as NULL, in `words` (32-bit halves of DuckDB's 64-bit entries,
 * bit i = row i, little-endian): returns the number of 32-bit words written (whole 64-bit entries), or 0 without
 * writing when no value is NaN (every row valid). Shared by the staged path (fillVector) and the scan (fillScanChunk).
 */
function nanValidity(values: ArrayLike<number>, off: number, k: number, words: Uint32Array): number {
  let first = 0;
  while (first < k && values[off + first] === values[off + first]) first++;
  if (first === k) return 0;
  const n = Math.ceil(k / 64) * 2;
  words.fill(0xffffffff, 0, n);
  for (let i = first; i < k; i++) if (values[off + i] !== values[off + i]) words[i >>> 5]! &= ~(1 << (i & 31));
  return n;
}

function isSameKind(items: unknown, values: NumericArray): boolean {
  return (
    (items instanceof Float64Array && values instanceof Float64Array) ||
    (items instanceof Int32Array && values instanceof Int32Array) ||
    (items instanceof Uint8Array && values instanceof Uint8Array)
  );
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
 * columns (stageColumns stages them). The arrays must not change while `fn` runs; the handle
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
    columns, types: columns.map((c, i) => stagingType(c.type, arrays[i]!)), arrays, nanIsNull: columns.map((c) => c.type === 'f64'), rows, fallback: opts.fallback ?? false,
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
    const words = nanValidity(arr, off, k, validityWords);
    if (words === 0) continue;
    raw.vector_ensure_validity_writable(vec);
    raw.copy_data_to_vector_validity(vec, 0, validityWords.buffer, 0, words * 4);
  }
  state.next = off + k;
}

/**
 * The SQL that turns a staged table back into its stored types (ts -> BIGINT, dict idx -> string; f64 is staged in
 * its stored form, NaN as NULL): a projection of the staged table, no join, so a plain scan keeps the staged row
 * order. A dictionary of one value becomes a string literal; a small one a list literal indexed by the staged index;
 * a large one was staged as its strings (dictAsLiteral). `dicts`: the dictionaries of the staged string columns.
 */
export function storedSelect(
  table: string, columns: readonly { name: string; type: ColumnType }[], dicts: Record<string, readonly string[]> = {},
): { select: string; from: string } {
  const sel = columns.map((c) => {
    const col = `t.${sqlIdent(c.name)}`;
    switch (c.type) {
      case 'ts':
        return `CAST(${col} AS BIGINT) AS ${sqlIdent(c.name)}`;
      case 'str': {
        const dict = dicts[c.name] ?? [];
        if (dict.length === 1) return `${sqlString(dict[0]!)} AS ${sqlIdent(c.name)}`;
        if (!dictAsLiteral(dict)) return `${col} AS ${sqlIdent(c.name)}`;
        return `(${`[${dict.map(sqlString).join(', ')}]`}::VARCHAR[])[${col} + 1] AS ${sqlIdent(c.name)}`;
      }
      default: // f64 is staged with NULL for NaN (stageColumns); i32 and u8 as they are
        return `${col} AS ${sqlIdent(c.name)}`;
    }
  });
  return { select: sel.join(', '), from: `${sqlIdent(table)} t` };
}

/** Expression that reads a stored column back into its in-memory kind (queryColumns turns NULL into NaN or 0). */
export function readExpr(name: string, type: ColumnType): string {
  const c = sqlIdent(name);
  switch (type) {
    case 'ts':
      return `CAST(${c} AS DOUBLE) AS ${c}`;
    case 'f64':
      return `CAST(${c} AS DOUBLE) AS ${c}`;
    case 'i32':
      return `CAST(${c} AS INTEGER) AS ${c}`;
    case 'u8':
      return `CAST(${c} AS UTINYINT) AS ${c}`;
    case 'str':
      return `${c}`;
  }
}

/**
 * One chunk's columns copied through the bindings' raw views into `arrays` at `off`, NULLs made missing. A function
 * of its own: as a loop inside the async queryColumns it made V8 compile that whole function on stack replacement,
 * twice a run (~0.1 s of compiler time per events run), for a loop this small.
 */
function copyRawChunk(
  raw: NonNullable<typeof rawVectors>, chunk: unknown, kinds: readonly { type: Exclude<ColumnType, 'str'> }[], arrays: readonly NumericArray[], rows: number, off: number,
): void {
  for (let ci = 0; ci < kinds.length; ci++) {
    const dst = arrays[ci]!;
    const vec = raw.data_chunk_get_vector(chunk, ci);
    const bytes = raw.vector_get_data(vec, rows * dst.BYTES_PER_ELEMENT);
    dst.set(new (dst.constructor as new (b: ArrayBufferLike, o: number, n: number) => NumericArray)(bytes.buffer, bytes.byteOffset, rows) as never, off);
    const mask = raw.vector_get_validity(vec, Math.ceil(rows / 64) * 8);
    if (mask) nullWordsToMissing(dst, off, rows, new Uint32Array(mask.buffer, mask.byteOffset, Math.ceil(rows / 32)), missingOf(kinds[ci]!.type));
  }
}

/**
 * Run a query whose columns are all numeric and collect them into typed arrays. Fast path: copy each chunk's
 * native buffer straight into the output arrays; fallback: the generic value API (used when a vector exposes no
 * typed buffer, or when forced). `rows`: the expected row count (e.g. from partition manifests): the output arrays
 * are allocated once at that size and each chunk is copied into place (a wrong hint costs copies, never rows).
 * `materialize`: DuckDB materializes the result first (for results small enough to hold twice): its chunks come
 * packed (2048 rows; a streamed scan of many small files yields one part-filled chunk per file, each a native
 * allocation freed only when V8 collects its wrapper) and the row count is known.
 */
export async function queryColumns(
  db: LakeDb,
  sql: string,
  kinds: readonly { name: string; type: Exclude<ColumnType, 'str'> }[],
  opts: { fallback?: boolean; materialize?: boolean; rows?: number; buffers?: ColumnBuffers } = {},
): Promise<Record<string, NumericArray>> {
  const fallback = opts.fallback ?? false;
  const materialized = opts.materialize ? await db.conn.run(sql) : undefined;
  const result = materialized ?? (await db.conn.stream(sql));
  let cap = materialized ? materialized.rowCount : Math.max(0, opts.rows ?? 16 * CHUNK_ROWS);
  const buffers = opts.buffers;
  const allocate = buffers ? (type: Exclude<ColumnType, 'str'>, n: number, ci: number) => buffers.take(ci, type, n) : allocateArray;
  let arrays = kinds.map((k, ci) => allocate(k.type, cap, ci));
  // Raw path: when every result column has the kind's native type, each chunk's vectors are viewed through the
  // bindings (no vector, validity or logical-type objects per column and chunk) and copied into place.
  const raw = !fallback && LITTLE_ENDIAN && rawVectors && kinds.every((k, ci) => result.columnTypeId(ci) === TYPE_ID[k.type]) ? rawVectors : undefined;
  let off = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk) break;
    const rows = chunk.rowCount;
    if (rows === 0) break;
    if (off + rows > cap) {
      cap = Math.max(2 * cap, off + rows);
      arrays = arrays.map((a, ci) => {
        const grown = allocate(kinds[ci]!.type, cap, ci);
        if (grown.buffer !== a.buffer) grown.set(a.subarray(0, off) as never);
        return grown;
      });
    }
    if (raw) {
      copyRawChunk(raw, chunk.chunk, kinds, arrays, rows, off);
      off += rows;
      continue;
    }
    kinds.forEach((k, ci) => {
      const vec = chunk.getColumnVector(ci) as unknown as { items?: unknown; validity?: { data?: unknown } };
      const mask = vec.validity?.data;
      if (!fallback && isKind(vec.items, k.type) && (mask === null || (mask instanceof BigUint64Array && LITTLE_ENDIAN))) {
        const dst = arrays[ci]!;
        dst.set((vec.items as NumericArray).subarray(0, rows) as never, off);
        if (mask) nullsToMissing(dst, off, rows, mask, missingOf(k.type));
      } else arrays[ci]!.set(vectorValues(chunk, ci, k.type) as never, off);
    });
    off += rows;
  }
  if (materialized && off !== materialized.rowCount) throw new Error(`queryColumns: ${off} rows fetched, the result has ${materialized.rowCount}`);
  return Object.fromEntries(kinds.map((k, ci) => [k.name, off === cap ? arrays[ci]! : buffers ? arrays[ci]!.subarray(0, off) : arrays[ci]!.slice(0, off)]));
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

/** DuckDB's type of each in-memory kind, as readExpr casts it (the raw read path copies these types only). */
const TYPE_ID: Record<Exclude<ColumnType, 'str'>, number> = {
  ts: DuckDBTypeId.DOUBLE, f64: DuckDBTypeId.DOUBLE, i32: DuckDBTypeId.INTEGER, u8: DuckDBTypeId.UTINYINT,
};

/** What a NULL reads as in memory: NaN in ts/f64 columns, 0 in integer ones. */
function missingOf(type: Exclude<ColumnType, 'str'>): number {
  return type === 'f64' || type === 'ts' ? NaN : 0;
}

function isKind(items: unknown, type: Exclude<ColumnType, 'str'>): boolean {
  return type === 'i32' ? items instanceof Int32Array : type === 'u8' ? items instanceof Uint8Array : items instanceof Float64Array;
}

/**
 * Arrays kept between reads (queryColumns' and readPartitions' `buffers`): each column of a read is a view of a
 * buffer kept here for its position and kind, grown when a read needs more rows, so a caller that reads many series
 * of similar length one after the other (the events stage: one instrument's features per read) allocates and
 * zero-fills that memory once instead of per read (fresh pages and V8 collections driven by the external memory).
 * A read's arrays are valid until the next read through the same buffers; one reader at a time.
 */
export class ColumnBuffers {
  private readonly kept = new Map<string, NumericArray>();

  /** A view of n elements of the kept buffer for (column position, kind), grown (a new buffer) when too small. */
  take(ci: number, type: Exclude<ColumnType, 'str'>, n: number): NumericArray {
    const key = `${ci}:${type}`;
    let b = this.kept.get(key);
    if (!b || b.length < n) this.kept.set(key, (b = allocateArray(type, n)));
    return b.length === n ? b : b.subarray(0, n);
  }

  /** Bytes held. */
  get bytes(): number {
    let n = 0;
    for (const b of this.kept.values()) n += b.byteLength;
    return n;
  }
}

function allocateArray(type: Exclude<ColumnType, 'str'>, n: number): NumericArray {
  if (type === 'i32') return new Int32Array(n);
  if (type === 'u8') return new Uint8Array(n);
  return new Float64Array(n);
}

/**
 * NULL rows of a chunk (unset bits of its validity mask, 64 rows a word) become `missing` in dst[off ..]: a vector's
 * buffer holds undefined values there. The fast path's equivalent of vectorValues' NULL handling.
 */
function nullsToMissing(dst: NumericArray, off: number, rows: number, mask: BigUint64Array, missing: number): void {
  nullWordsToMissing(dst, off, rows, new Uint32Array(mask.buffer, mask.byteOffset, Math.ceil(rows / 32)), missing); // little-endian: low half first
}

/** nullsToMissing over the mask's 32-bit words (bit b of word w = row 32w + b). */
function nullWordsToMissing(dst: NumericArray, off: number, rows: number, words: Uint32Array, missing: number): void {
  for (let w = 0; w < words.length; w++) {
    const bits = words[w]!;
    if (bits === 0xffffffff) continue;
    const end = Math.min(32, rows - w * 32);
    for (let b = 0; b < end; b++) if (((bits >>> b) & 1) === 0) dst[off + w * 32 + b] = missing;
  }
}

/** A chunk's column through the generic value API (NULL -> NaN for ts/f64, 0 for integers). */
function vectorValues(chunk: DuckDBDataChunk, ci: number, type: Exclude<ColumnType, 'str'>): NumericArray {
  const values = chunk.getColumnValues(ci);
  const out = allocateArray(type, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? missingOf(type) : Number(v as number | bigint);
  }
  return out;
}

function mustGet(data: ColumnSet, name: string): ColumnData {
  const c = data[name];
  if (!c) throw new Error(`missing column ${name}`);
  return c;
}
