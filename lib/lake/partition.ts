import { mkdir, rename, rm } from 'node:fs/promises';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LakeDb, sqlString, sqlIdent } from './db.js';
import { stageColumns, storedSelect, scanSelect, withColumnScan, readExpr, queryColumns, releaseResults, numericOf, type ColumnBuffers, type ColumnSet, type NumericArray } from './columns.js';
import type { TableSchema, ColumnType } from './schema.js';
import { fileSizeAndDigest } from '../hash.js';
import { readJson, tempPathFor, writeJsonAtomic } from '../fsx.js';
import { monthKey, nextMonthStartMs } from '../timeframe.js';

/**
 * The time span one partition file holds. 'month' (key 'YYYY-MM'): intraday series. 'year' (key 'YYYY', same
 * 'month=' path segment, so every reader, glob and listing works unchanged on both layouts): daily-or-coarser series
 * (1d bars, daily market caps), where a monthly file holds at most 31 rows and the per-file cost (open, footer,
 * manifest) dominates every read. Readers never parse the key: they window by the manifests' min/max ts_ms.
 */
export type PartitionPeriod = 'month' | 'year';

/** Key and end (exclusive, ms) of the partition of `period` that holds ts. */
function periodOf(tsMs: number, period: PartitionPeriod): { key: string; endMs: number } {
  if (period === 'year') {
    const y = new Date(tsMs).getUTCFullYear();
    return { key: String(y), endMs: Date.UTC(y + 1, 0, 1) };
  }
  const key = monthKey(tsMs);
  return { key, endMs: nextMonthStartMs(key) };
}
import { resolveInside } from '../paths.js';

/** What every partition directory records beside its data file, so nothing re-reads data to know it is unchanged. */
export interface PartitionManifest {
  file: string; // path relative to the lake root
  rows: number;
  bytes: number;
  sha256: string;
  min_ts_ms: number;
  max_ts_ms: number;
}

export const PARTITION_FILE = 'part.parquet';
export const PARTITION_MANIFEST = '_manifest.json';
/** zstd level 1: the same size as level 3 on this data (float columns barely compress) at ~25% less write time. */
export const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880';

/** Hive path of a partition: <root>/<table.dir>/k1=v1/.../month=YYYY-MM, checked to stay inside root (lib/paths.ts). */
export function partitionDir(root: string, table: TableSchema, keys: Record<string, string>): string {
  const parts = table.partitionBy.map((k) => {
    const v = keys[k];
    if (v === undefined || v === '') throw new Error(`partition key ${k} missing for ${table.dir}`);
    if (/[/=\\]/.test(v)) throw new Error(`partition value ${JSON.stringify(v)} for ${k} contains a path character`);
    return `${k}=${v}`;
  });
  return resolveInside(root, table.dir, ...parts);
}

/**
 * Write one instrument's rows into monthly (or, `period: 'year'`, yearly) partitions of `table` (the last partition
 * key is 'month'), or daily ones when the last key is 'day' (YYYY-MM-DD of ts_ms, UTC: dense tables such as
 * raw/agg_trades; `period` does not apply to them).
 * Rows are put in order once in JS (by ts_ms, then `tieBreak` columns); each month is one COPY of its range of rows,
 * in order (no PARTITION_BY, whose parallel writer does not keep row order). Numeric tables are scanned from the
 * arrays themselves (withColumnScan); tables with string columns are staged once in a temp table (stageColumns) and
 * each month is a plain projection of a range of the staged rows (storedSelect, no join). Both give the same bytes.
 * Each file is written to a temp path, then hashed, renamed into place and its manifest written while DuckDB writes
 * the next one; every one of those is awaited before returning or throwing. Returns the manifests in month order.
 */
export async function writeMonthlyPartitions(
  db: LakeDb,
  root: string,
  table: TableSchema,
  keys: Record<string, string>,
  data: ColumnSet,
  opts: { tieBreak?: readonly string[]; period?: PartitionPeriod } = {},
): Promise<PartitionManifest[]> {
  const period = table.partitionBy[table.partitionBy.length - 1];
  if (period !== 'month' && period !== 'day') throw new Error(`${table.dir} is not month- or day-partitioned`);
  const sorted = sortRows(data, opts.tieBreak ?? []);
  const ts = sorted.ts_ms as Float64Array;
  if (ts.length === 0) return [];
  // One COPY per partition of rows [start, end), in order; each file is finished (hashed, renamed, its manifest
  // written) while DuckDB writes the next one, and every finish is awaited before returning or throwing.
  const writeAll = async (copySql: (start: number, end: number, hi: number) => string): Promise<PartitionManifest[]> => {
    const finishing: Promise<PartitionManifest>[] = [];
    let start = 0;
    try {
      while (start < ts.length) {
        const { key, endMs: hi } = period === 'month'
          ? periodOf(ts[start]!, opts.period ?? 'month')
          : { key: dayKey(ts[start]!), endMs: Date.parse(`${dayKey(ts[start]!)}T00:00:00Z`) + 86_400_000 };
        const end = periodEnd(ts, start, hi);
        const dir = partitionDir(root, table, { ...keys, [period]: key });
        await mkdir(dir, { recursive: true });
        const file = join(dir, PARTITION_FILE);
        const tmp = tempPathFor(file);
        try {
          await db.run(`COPY (${copySql(start, end, hi)}) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`);
        } catch (e) {
          await rm(tmp, { force: true });
          throw e;
        }
        finishing.push(finishPartition(root, dir, file, tmp, end - start, ts[start]!, ts[end - 1]!));
        start = end;
      }
    } catch (e) {
      await Promise.allSettled(finishing);
      throw e;
    }
    const settled = await Promise.allSettled(finishing);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<PartitionManifest>).value);
  };
  if (table.columns.every((c) => c.type !== 'str')) {
    // numeric tables: scanned straight from the arrays (withColumnScan: NaN already NULL, a plain scan)
    const select = scanSelect(table.columns);
    return withColumnScan(db, table.columns, sorted, (from) => writeAll((start, end) => `SELECT ${select} FROM ${from(start, end)}`));
  }
  const staging = `stage_${table.dir.replace(/\W/g, '_')}`;
  await stageColumns(db, staging, table.columns, sorted);
  // a projection of the staged table (no join): a plain scan keeps the staged (sorted) row order
  const { select, from } = storedSelect(staging, table.columns, dictsOf(sorted));
  return writeAll((start, _end, hi) => `SELECT ${select} FROM ${from} WHERE t.ts_ms >= ${ts[start]!} AND t.ts_ms < ${hi}`);
}

/**
 * The first row at or after `start` whose ts_ms is not below `hi` (or the row count): the end of one partition's rows.
 * A function of its own: as a loop inside `writeAll` it made V8 optimize that whole closure on stack replacement
 * (~0.15 s of compiler time on a background thread in an events run, for a loop of microseconds).
 */
function periodEnd(ts: Float64Array, start: number, hi: number): number {
  let end = start;
  while (end < ts.length && ts[end]! < hi) end++;
  return end;
}

/** A written partition file (at `tmp`): hashed, renamed into place, then its manifest written beside it. */
async function finishPartition(root: string, dir: string, file: string, tmp: string, rows: number, minTs: number, maxTs: number): Promise<PartitionManifest> {
  try {
    const { bytes, sha256 } = await fileSizeAndDigest(tmp);
    const manifest: PartitionManifest = { file: relative(root, file), rows, bytes, sha256, min_ts_ms: minTs, max_ts_ms: maxTs };
    await rename(tmp, file);
    await writeJsonAtomic(join(dir, PARTITION_MANIFEST), manifest);
    return manifest;
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** 'YYYY-MM-DD' (UTC) of a timestamp in ms. */
function dayKey(tsMs: number): string {
  return new Date(tsMs).toISOString().slice(0, 10);
}

/** Rows ordered by ts_ms then the tie-break columns (stable); returned as they are when already in order. */
function sortRows(data: ColumnSet, tieBreak: readonly string[]): ColumnSet {
  const ts = data.ts_ms as Float64Array;
  const keyCols = tieBreak.map((k) => numericOf(data[k]!));
  const cmp = (a: number, b: number): number => {
    const d = ts[a]! - ts[b]!;
    if (d !== 0) return d;
    for (const c of keyCols) {
      const e = c[a]! - c[b]!;
      if (e !== 0) return e;
    }
    return 0;
  };
  let inOrder = true;
  for (let i = 1; i < ts.length && inOrder; i++) if (cmp(i - 1, i) > 0) inOrder = false;
  if (inOrder) return data;
  const idx = Array.from({ length: ts.length }, (_, i) => i).sort((a, b) => cmp(a, b) || a - b);
  const out: ColumnSet = {};
  for (const [name, col] of Object.entries(data)) {
    if ('dict' in col) {
      out[name] = { dict: col.dict, idx: Int32Array.from(idx, (i) => col.idx[i]!) };
    } else {
      const c = new (col.constructor as new (n: number) => NumericArray)(idx.length);
      for (let i = 0; i < idx.length; i++) c[i] = col[idx[i]!]!;
      out[name] = c;
    }
  }
  return out;
}

function dictsOf(data: ColumnSet): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const [name, col] of Object.entries(data)) if ('dict' in col) out[name] = col.dict;
  return out;
}

/** A partition as found on disk: its key values (from the hive path) and its manifest. */
export interface FoundPartition {
  keys: Record<string, string>;
  dir: string;
  manifest: PartitionManifest;
}

/**
 * List a table's partitions whose keys match `filter` (exact values), sorted by path, by walking the hive
 * directories and reading the small manifests only. Read synchronously: hundreds of small files at a stage's start,
 * for which fs/promises' round trips through the thread pool cost more than the reads (390 manifests of the real
 * 15-symbol lake: ~0.15 s of CPU and 0.2 to 1.3 s wall on the loaded machine, against a few milliseconds).
 */
export async function listPartitions(
  root: string,
  table: TableSchema,
  filter: Record<string, string | readonly string[]> = {},
): Promise<FoundPartition[]> {
  const out: FoundPartition[] = [];
  function walk(dir: string, depth: number, keys: Record<string, string>): void {
    if (depth === table.partitionBy.length) {
      const mpath = join(dir, PARTITION_MANIFEST);
      if (existsSync(mpath)) out.push({ keys, dir, manifest: JSON.parse(readFileSync(mpath, 'utf8')) as PartitionManifest });
      return;
    }
    const key = table.partitionBy[depth]!;
    const want = filter[key];
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      const prefix = `${key}=`;
      if (!e.startsWith(prefix)) continue;
      const v = e.slice(prefix.length);
      if (want !== undefined && (typeof want === 'string' ? v !== want : !want.includes(v))) continue;
      walk(join(dir, e), depth + 1, { ...keys, [key]: v });
    }
  }
  walk(join(root, table.dir), 0, {});
  return out;
}

/** Distinct values of the leading partition keys, e.g. every (exchange, market, symbol, interval) in raw/klines. */
export function groupPartitions(parts: readonly FoundPartition[], keys: readonly string[]): Map<string, FoundPartition[]> {
  const groups = new Map<string, FoundPartition[]>();
  for (const p of parts) {
    const id = keys.map((k) => `${k}=${p.keys[k]}`).join('/');
    const g = groups.get(id);
    if (g) g.push(p);
    else groups.set(id, [p]);
  }
  return groups;
}

/** The requested columns with their stored kinds; every one must exist and be numeric. */
function numericKinds(table: TableSchema, columns: readonly string[]): { name: string; type: Exclude<ColumnType, 'str'> }[] {
  return columns.map((name) => {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new Error(`${table.dir} has no column ${name}`);
    if (c.type === 'str') throw new Error(`${table.dir}: ${name} is a string column; only numeric columns are read into typed arrays`);
    return { name, type: c.type };
  });
}

/** The partitions' files as a DuckDB list literal body, in the given (path) order. */
function fileList(root: string, parts: readonly FoundPartition[]): string {
  return parts.map((p) => sqlString(join(root, p.manifest.file))).join(', ');
}

/**
 * Read the numeric columns of the given partitions (in path order, rows ordered by ts_ms) into typed arrays.
 * `materialize`: DuckDB materializes the result first and each array is allocated once and filled in place
 * (queryColumns): ~20 % less CPU than the streamed read, for a caller that can hold the result twice (one
 * instrument's series). `buffers`: the arrays are views of buffers kept between reads (ColumnBuffers), valid until
 * the next read through them.
 */
export async function readPartitions(
  db: LakeDb,
  root: string,
  table: TableSchema,
  parts: readonly FoundPartition[],
  columns: readonly string[],
  opts: { fallback?: boolean; where?: string; materialize?: boolean; buffers?: ColumnBuffers } = {},
): Promise<Record<string, NumericArray>> {
  const kinds = numericKinds(table, columns);
  if (parts.length === 0) return Object.fromEntries(kinds.map((k) => [k.name, new Float64Array(0)]));
  const files = fileList(root, parts);
  const where = opts.where ? ` WHERE ${opts.where}` : '';
  const select = `SELECT ${kinds.map((k) => readExpr(k.name, k.type)).join(', ')} FROM read_parquet([${files}])${where}`;
  // Partitions are written sorted and listed in path (month) order, and DuckDB keeps file order, so no sort is
  // needed; the order is checked here, and only an out-of-order read pays for ORDER BY.
  // Without a filter the manifests give the row count: the output arrays are allocated once and filled in place.
  const rows = opts.where ? undefined : parts.reduce((a, p) => a + p.manifest.rows, 0);
  const q = { fallback: opts.fallback ?? false, materialize: opts.materialize ?? false, rows, ...(opts.buffers ? { buffers: opts.buffers } : {}) };
  const cols = await queryColumns(db, select, kinds, q);
  return isSorted(cols.ts_ms) ? cols : queryColumns(db, `${select} ORDER BY ts_ms`, kinds, q);
}

function isSorted(ts: NumericArray | undefined): boolean {
  if (!ts) return false;
  for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) return false;
  return true;
}

/** Distinct source files of raw partitions (small: one row per file). */
export async function readSourceFiles(db: LakeDb, root: string, parts: readonly FoundPartition[]): Promise<string[]> {
  if (parts.length === 0) return [];
  const files = fileList(root, parts);
  const rows = await db.rows(`SELECT DISTINCT src_file FROM read_parquet([${files}]) ORDER BY 1`);
  return rows.map((r) => String(r[0]));
}


/** Row origins of raw tables: the distinct source files and, per row, the index of its file and its line. */
export interface RowOriginColumns {
  files: string[];
  file_idx: Int32Array;
  line: Int32Array;
}

/**
 * Read numeric columns of raw partitions together with where each row came from (src_file, src_line), rows
 * ordered by (ts_ms, src_file, src_line) so duplicates from several files come out in a stable order. Columns are
 * matched by name: a column a table gained later (open interest's Binance metrics columns) reads as NULL (NaN) in
 * partitions written before it existed (a resumed ccxt lake keeps its old months).
 */
export async function readPartitionsWithOrigins(
  db: LakeDb, root: string, table: TableSchema, parts: readonly FoundPartition[], columns: readonly string[],
): Promise<{ columns: Record<string, NumericArray>; origins: RowOriginColumns }> {
  const files = await readSourceFiles(db, root, parts);
  const kinds = numericKinds(table, columns);
  if (parts.length === 0) {
    return { columns: Object.fromEntries(kinds.map((k) => [k.name, new Float64Array(0)])), origins: { files, file_idx: new Int32Array(0), line: new Int32Array(0) } };
  }
  const list = fileList(root, parts);
  const dict = `[${files.map(sqlString).join(', ')}]`;
  const sql =
    `SELECT ${kinds.map((k) => readExpr(k.name, k.type)).join(', ')}, ` +
    `CAST(list_position(${dict}, src_file) - 1 AS INTEGER) AS file_idx, CAST(src_line AS INTEGER) AS src_line ` +
    `FROM read_parquet([${list}], union_by_name = true)`;
  const colKinds = [...kinds, { name: 'file_idx', type: 'i32' as const }, { name: 'src_line', type: 'i32' as const }];
  // Partitions hold rows sorted by (ts_ms, src_file, src_line) and are listed in month order, and a plain scan keeps
  // file order: checked here (file_idx follows src_file's order: `files` is sorted), and only rows out of that order
  // pay for the sort. Materialized: a few months of one instrument, each array filled once.
  let res = await queryColumns(db, sql, colKinds, { materialize: true });
  if (!res.ts_ms || !originOrdered(res.ts_ms, res.file_idx as Int32Array, res.src_line as Int32Array)) {
    res = await queryColumns(db, `${sql} ORDER BY ts_ms, src_file, src_line`, colKinds, { materialize: true });
  }
  const { file_idx, src_line, ...rest } = res;
  return { columns: rest, origins: { files, file_idx: file_idx as Int32Array, line: src_line as Int32Array } };
}

/** True when rows are in (ts, file, line) order (ties of all three allowed). */
function originOrdered(ts: NumericArray, file: Int32Array, line: Int32Array): boolean {
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (d > 0) continue;
    if (d < 0 || file[i]! < file[i - 1]! || (file[i] === file[i - 1] && line[i]! < line[i - 1]!)) return false;
  }
  return true;
}

/** Column names of every partition's file (path -> names), from the Parquet footers in one query. */
export async function partitionColumns(db: LakeDb, root: string, parts: readonly FoundPartition[]): Promise<Map<string, Set<string>>> {
  const files = parts.map((p) => join(root, p.manifest.file));
  const out = new Map<string, Set<string>>(files.map((f) => [f, new Set<string>()]));
  if (files.length === 0) return out;
  const rows = await db.rows(`SELECT file_name, name FROM parquet_schema([${files.map(sqlString).join(', ')}]) WHERE type IS NOT NULL`);
  for (const [file, name] of rows) out.get(String(file))?.add(String(name));
  return out;
}

export interface HiveGroup {
  /** Partition keys above month (e.g. exchange, market, symbol), from the paths. */
  keys: Record<string, string>;
  /** Partitions of the group read (in the window), in time order, with their manifests (for digests). */
  parts: FoundPartition[];
  data: Record<string, NumericArray>;
}

/**
 * Read a whole partitioned table (or the slice matching `fixed` keys, e.g. timeframe=1d) in ONE DuckDB scan instead
 * of a directory walk plus one query per instrument: for many small series (daily data of hundreds of coins) the
 * per-file cost dominates. Files come from DuckDB's glob() (keys parsed from the Hive path, manifests read
 * concurrently for the lake digests); files whose manifest range misses [fromMs, toMs) are not opened; monthly and
 * yearly partitions (PartitionPeriod) read alike. Data: rows of `fromMs <= ts_ms < toMs`, each tagged with its
 * group's index, ordered by group then ts_ms, cut per group in JS (typed-array views of one buffer per column).
 * `parts` lists only the files read. `dailyLast`: one row per group and UTC day, the last observation of the day
 * (its ts_ms kept): for dense series (hourly open interest) read into a daily panel, so memory follows days x
 * groups, not the raw rows. A missing table folder gives no groups.
 */
export async function readHiveGroups(
  db: LakeDb, root: string, table: TableSchema, fixed: Record<string, string>, columns: readonly string[],
  opts: { fromMs?: number; toMs?: number; dailyLast?: boolean } = {},
): Promise<HiveGroup[]> {
  const groups = await listHiveGroups(db, root, table, fixed, opts);
  const out: HiveGroup[] = [];
  await scanHiveGroups(db, table, groups, columns, opts, (g, data) => {
    g.data = data;
    out.push(g);
  });
  return out;
}

/**
 * The groups of a partitioned table (keys from the Hive paths, `parts` = the files whose manifest range meets
 * [fromMs, toMs)), in path order, without reading any data (`data` is empty): the first half of readHiveGroups, so a
 * caller can choose the groups it needs before scanning them (scanHiveGroups).
 */
export async function listHiveGroups(
  db: LakeDb, root: string, table: TableSchema, fixed: Record<string, string>, opts: { fromMs?: number; toMs?: number } = {},
): Promise<HiveGroup[]> {
  if (!existsSync(join(root, table.dir))) return [];
  const keys = table.partitionBy.filter((k) => k !== 'month' && fixed[k] === undefined);
  const glob = join(root, table.dir, ...table.partitionBy.map((k) => `${k}=${fixed[k] ?? '*'}`), PARTITION_FILE);
  const names = (await db.rows(`SELECT file FROM glob(${sqlString(glob)}) ORDER BY file`)).map((r) => String(r[0]));
  if (names.length === 0) return [];
  const manifests = new Map<string, PartitionManifest>();
  for (let i = 0; i < names.length; i += 64) {
    const chunk = names.slice(i, i + 64);
    const read = await Promise.all(chunk.map((f) => readJson<PartitionManifest>(join(f, '..', PARTITION_MANIFEST))));
    chunk.forEach((f, j) => manifests.set(f, read[j]!));
  }
  // files whose manifest range misses the window are not opened at all (a 1-year run on a 5-year lake)
  const inWindow = (m: PartitionManifest) => (opts.fromMs === undefined || m.max_ts_ms >= opts.fromMs) && (opts.toMs === undefined || m.min_ts_ms < opts.toMs);
  const groups = new Map<string, HiveGroup>();
  for (const f of names) {
    if (!inWindow(manifests.get(f)!)) continue;
    const segs = Object.fromEntries(f.split('/').filter((x) => x.includes('=')).map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]));
    const k = Object.fromEntries(keys.map((name) => [name, segs[name] ?? '']));
    const id = keys.map((name) => k[name]).join('/'); // '/' never occurs in a partition value (partitionDir)
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { keys: k, parts: [], data: {} }));
    g.parts.push({ keys: { ...fixed, ...k, month: segs.month ?? '' }, dir: join(f, '..'), manifest: manifests.get(f)! });
  }
  return [...groups.values()];
}

/**
 * Scan the data of `groups` (from listHiveGroups, any subset, any order) and hand each group that has rows in
 * [fromMs, toMs) to `onGroup` once, in the given order, with typed-array views of the rows (ts_ms ascending; valid
 * during the call only if the caller keeps nothing: they are views of one buffer per batch). Groups without rows are
 * not passed. `batchGroups` groups per DuckDB query (default all in one): memory then follows one batch's rows, not
 * the table's, when the caller reduces each group to what it keeps (the monitor's daily panel); with `release`, the
 * native memory of each batch's result is freed before the next batch (releaseResults).
 */
export async function scanHiveGroups(
  db: LakeDb, table: TableSchema, groups: readonly HiveGroup[], columns: readonly string[],
  opts: { fromMs?: number; toMs?: number; dailyLast?: boolean; batchGroups?: number; release?: boolean },
  onGroup: (g: HiveGroup, data: Record<string, NumericArray>) => void,
): Promise<void> {
  const kinds = numericKinds(table, columns);
  const batch = Math.max(1, opts.batchGroups ?? groups.length);
  for (let b0 = 0; b0 < groups.length; b0 += batch) {
    const bg = groups.slice(b0, b0 + batch);
    const files = bg.flatMap((g) => g.parts.map((p) => join(p.dir, PARTITION_FILE)));
    if (files.length === 0) continue;
    const keys = Object.keys(bg[0]!.keys);
    const src = `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true, hive_types_autocast = false)`;
    const conds = [opts.fromMs !== undefined ? `ts_ms >= ${opts.fromMs}` : '', opts.toMs !== undefined ? `ts_ms < ${opts.toMs}` : ''].filter((c) => c !== '');
    const where = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
    const keyList = keys.map(sqlIdent).join(', ');
    const groupBy = keys.length ? `${keyList}, ` : '';
    const inner = opts.dailyLast
      ? `SELECT ${groupBy}max(ts_ms) AS ts_ms, ${kinds.filter((c) => c.name !== 'ts_ms').map((c) => `arg_max(${sqlIdent(c.name)}, ts_ms) AS ${sqlIdent(c.name)}`).join(', ')} FROM ${src}${where} GROUP BY ${groupBy}ts_ms // 86400000`
      : `SELECT ${groupBy}${kinds.map((c) => sqlIdent(c.name)).join(', ')} FROM ${src}${where}`;
    // One scan per batch: each row carries the index of its group (position of its key tuple in the batch), rows come
    // ordered by group then ts_ms, and are cut per group in JS (no second counting scan).
    const ids = bg.map((g) => keys.map((name) => g.keys[name]).join('/'));
    const idExpr = keys.length === 0 ? `''` : keys.map((k) => `CAST(${sqlIdent(k)} AS VARCHAR)`).join(` || '/' || `);
    const gExpr = `CAST(list_position([${ids.map(sqlString).join(', ')}], ${idExpr}) - 1 AS INTEGER)`;
    // Files are listed group by group in path order and DuckDB keeps file order in a plain scan, so the rows already
    // come ordered: checked here, and only an out-of-order read (or the dailyLast aggregate) pays for a sort.
    const sel = `SELECT ${kinds.map((k) => readExpr(k.name, k.type)).join(', ')}, ${gExpr} AS "__group" FROM (${inner})`;
    const colKinds = [...kinds, { name: '__group', type: 'i32' as const }];
    // materialized: a batch is small, and its chunks then come packed instead of one part-filled chunk per file
    let cols = opts.dailyLast ? null : await queryColumns(db, sel, colKinds, { materialize: true });
    if (!cols || !groupOrdered(cols.__group as Int32Array, cols.ts_ms)) cols = await queryColumns(db, `${sel} ORDER BY "__group", ts_ms`, colKinds, { materialize: true });
    const rows = cols;
    const gi = rows.__group as Int32Array;
    for (let off = 0; off < gi.length;) {
      const g = gi[off]!;
      if (g < 0) throw new Error(`${table.dir}: rows of a group no file was found for`);
      let end = off;
      while (end < gi.length && gi[end] === g) end++;
      onGroup(bg[g]!, Object.fromEntries(kinds.map((k) => [k.name, rows[k.name]!.subarray(off, end)])) as Record<string, NumericArray>);
      off = end;
    }
    if (opts.release) await releaseResults();
  }
}

/** True when rows are grouped by ascending group index and, within a group, by strictly ascending ts_ms. */
function groupOrdered(g: Int32Array, ts: NumericArray | undefined): boolean {
  if (!ts) return false;
  for (let i = 1; i < g.length; i++) if (g[i]! < g[i - 1]! || (g[i] === g[i - 1] && ts[i]! <= ts[i - 1]!)) return false;
  return true;
}
