import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LakeDb, TABLES, listPartitions, groupPartitions, readPartitions } from '../lib/lake/index.js';
import { num, sqlString } from '../lib/lake/db.js';
import { PARQUET_OPTIONS } from '../lib/lake/partition.js';
import { readStageManifest } from '../lib/stage/manifest.js';
import { REGISTRY } from '../orchestrator/registry.js';
import type { RunFigures } from './pipeline_run.js';

export interface CopyFigures {
  files: number;
  rows: number;
  bytes_in: number;
  /** each file read and written again on its own (the lake's layout: one file per partition) */
  per_file_ms: number;
  /** every file read in one query and written as one file (DuckDB's throughput without per-file overhead) */
  one_file_ms: number;
}

/**
 * The yardstick: plain DuckDB passes over the cleaned lake, Parquet read and written again (zstd) into `outDir`,
 * no JS in between. What clean does beyond this is the cost of its own logic.
 */
export async function parquetCopyPass(lakeRoot: string, outDir: string): Promise<CopyFigures> {
  const files = await parquetFiles(join(lakeRoot, 'cleaned'));
  await mkdir(join(outDir, 'per_file'), { recursive: true });
  const db = await LakeDb.open({ threads: 2 });
  let bytes_in = 0;
  for (const f of files) bytes_in += (await stat(f)).size;
  try {
    const t0 = performance.now();
    for (let i = 0; i < files.length; i++) {
      const out = join(outDir, 'per_file', `${i}.parquet`);
      await db.run(`COPY (SELECT * FROM read_parquet(${sqlString(files[i]!)})) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`);
    }
    const per_file_ms = performance.now() - t0;
    const list = `[${files.map(sqlString).join(', ')}]`;
    const t1 = performance.now();
    await db.run(`COPY (SELECT * FROM read_parquet(${list}, union_by_name = true)) TO ${sqlString(join(outDir, 'all.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
    const one_file_ms = performance.now() - t1;
    const rows = num((await db.rows(`SELECT count(*) FROM read_parquet(${sqlString(join(outDir, 'all.parquet'))})`))[0]![0]);
    return { files: files.length, rows, bytes_in, per_file_ms, one_file_ms };
  } finally {
    db.close();
  }
}

async function parquetFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await parquetFiles(p)));
    else if (e.name.endsWith('.parquet') && !e.name.startsWith('.')) out.push(p);
  }
  return out;
}

export interface LoadFigures {
  instruments: number;
  rows: number;
  /** one readPartitions call per instrument (how research code reads), total */
  per_instrument_ms: number;
  /** one readPartitions call over every partition */
  one_query_ms: number;
}

/** Load ts_ms + close of every cleaned 5m bar into Float64Arrays through lib/lake's readPartitions. */
export async function loadCloses(lakeRoot: string): Promise<LoadFigures> {
  const parts = await listPartitions(lakeRoot, TABLES.cleanBars, { timeframe: '5m' });
  const groups = groupPartitions(parts, ['exchange', 'market', 'symbol']);
  const db = await LakeDb.open();
  try {
    let rows = 0;
    let checksum = 0;
    const t0 = performance.now();
    for (const g of groups.values()) {
      const c = await readPartitions(db, lakeRoot, TABLES.cleanBars, g, ['ts_ms', 'close']);
      rows += c.ts_ms!.length;
      checksum += c.close!.length;
    }
    const per_instrument_ms = performance.now() - t0;
    const t1 = performance.now();
    const all = await readPartitions(db, lakeRoot, TABLES.cleanBars, parts, ['ts_ms', 'close']);
    const one_query_ms = performance.now() - t1;
    if (all.ts_ms!.length !== rows || checksum !== rows) throw new Error(`loadCloses: ${all.ts_ms!.length} rows in one query, ${rows} per instrument`);
    return { instruments: groups.size, rows, per_instrument_ms, one_query_ms };
  } finally {
    db.close();
  }
}

/** One stage beside a plain DuckDB pass over the same data. */
export interface StageYardstick {
  stage: string;
  /** what the DuckDB pass did, in words */
  pass: string;
  input_files: number;
  /** rows the stage reads (Parquet metadata; CSV rows for ingest from files) */
  rows_in: number;
  output_files: number;
  /** rows of the stage's Parquet outputs */
  rows_out: number;
  /** the DuckDB pass: read every input file (all columns), then write every output file again (same rows, columns, layout) */
  duckdb_ms: number;
}

/** Inputs of a stage: declared data-dir paths (lake/..., research/...) or, for ingest, its source files. */
export interface YardstickTarget {
  stage: string;
  /** absolute paths of the stage's inputs inside the data dir */
  inputs: string[];
  /** CSV(.gz) source files read by ingest (the binance-vision layout); empty for the synthetic source */
  sourceCsv: string[];
  /** absolute paths of the stage's outputs inside the data dir */
  outputs: string[];
}

/**
 * The per-stage yardstick: what DuckDB alone takes to read exactly the stage's inputs and write outputs of the same
 * shape, no JS in between. Inputs: every Parquet file under the declared inputs, read in one query with every
 * column decoded (`sum(hash(row))`); for ingest, DuckDB's own `read_csv` of each source gzip file written straight
 * to Parquet, one file per month (the raw lake's layout: `PARTITION_BY month`). Outputs: every Parquet file the stage
 * wrote, written again file by file with the lake's Parquet options (PARQUET_OPTIONS). JSON and Markdown files are
 * not timed (kilobytes). `scratch` is emptied before and after.
 */
export async function stageYardstick(t: YardstickTarget, scratch: string): Promise<StageYardstick> {
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const inFiles = (await Promise.all(t.inputs.map((p) => parquetFilesIfAny(p)))).flat();
  const outFiles = (await Promise.all(t.outputs.map((p) => parquetFilesIfAny(p)))).flat();
  const db = await LakeDb.open();
  try {
    const rows_out = await parquetRows(db, outFiles);
    let rows_in = 0;
    const t0 = performance.now();
    if (t.sourceCsv.length) {
      for (let i = 0; i < t.sourceCsv.length; i++) {
        const f = t.sourceCsv[i]!;
        const tsCol = /funding/.test(f) ? 'funding_time' : 'open_time';
        const dir = join(scratch, 'ingest', String(i));
        await mkdir(dir, { recursive: true });
        await db.run(
          `COPY (SELECT *, strftime(make_timestamp(${tsCol} * 1000), '%Y-%m') AS month FROM read_csv(${sqlString(f)})) ` +
            `TO ${sqlString(dir)} (${PARQUET_OPTIONS}, PARTITION_BY (month))`,
        );
      }
    } else if (inFiles.length) {
      const list = `[${inFiles.map(sqlString).join(', ')}]`;
      rows_in = num((await db.rows(`SELECT count(*), sum(hash(t)) FROM read_parquet(${list}, union_by_name = true) t`))[0]![0]);
    }
    for (let i = 0; i < outFiles.length; i++) {
      await db.run(`COPY (SELECT * FROM read_parquet(${sqlString(outFiles[i]!)})) TO ${sqlString(join(scratch, `${i}.parquet`))} (${PARQUET_OPTIONS})`);
    }
    const duckdb_ms = performance.now() - t0;
    if (t.sourceCsv.length) {
      const list = `[${t.sourceCsv.map(sqlString).join(', ')}]`;
      rows_in = num((await db.rows(`SELECT count(*) FROM read_csv(${list}, union_by_name = true)`))[0]![0]);
    }
    const pass = t.sourceCsv.length
      ? `read_csv of ${t.sourceCsv.length} source files -> Parquet by month, + rewrite ${outFiles.length} output files`
      : `read ${inFiles.length} input files (all columns) + rewrite ${outFiles.length} output files`;
    return { stage: t.stage, pass, input_files: t.sourceCsv.length || inFiles.length, rows_in, output_files: outFiles.length, rows_out, duckdb_ms };
  } finally {
    db.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function parquetFilesIfAny(path: string): Promise<string[]> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return [];
  if (!st.isDirectory()) return path.endsWith('.parquet') ? [path] : [];
  return parquetFiles(path);
}

async function parquetRows(db: LakeDb, files: string[]): Promise<number> {
  if (!files.length) return 0;
  const r = await db.rows(`SELECT sum(num_rows) FROM parquet_file_metadata([${files.map(sqlString).join(', ')}])`);
  return num(r[0]![0]);
}

/**
 * Every `.csv` / `.csv.gz` data file in the subfolders of `dir` (the binance-vision layout: klines/, funding/, ...;
 * files at the top, MANIFEST.csv, are provenance, not data), sorted.
 */
export async function sourceCsvFiles(dir: string, depth = 0): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceCsvFiles(p, depth + 1)));
    else if (depth > 0 && /\.csv(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out;
}

/** A stage of a cold run beside its yardstick: the row of the bench table. */
export interface StageVsYardstick extends StageYardstick {
  /** inside the stage process (its manifest) */
  stage_ms: number;
  /** as the orchestrator saw it: process start to exit */
  wall_ms: number;
  /** wall_ms / duckdb_ms; null when the DuckDB pass took under 50 ms (nothing to compare with) */
  ratio: number | null;
  /** max(rows_in, rows_out) per second of stage_ms */
  rows_per_s: number | null;
  peak_rss_mb: number | null;
}

/**
 * The yardstick of every stage that ran in `cold` (in pipeline order), each stage's inputs resolved from the
 * parameters recorded in its manifest. Run after the cold run, one stage at a time, on the committed lake.
 */
export async function yardsticks(dataDir: string, cold: RunFigures, scratch: string): Promise<StageVsYardstick[]> {
  const out: StageVsYardstick[] = [];
  for (const s of cold.stages) {
    if (s.outcome !== 'ran') continue;
    const reg = REGISTRY.find((r) => r.def.name === s.stage);
    const m = await readStageManifest(dataDir, s.stage);
    if (!reg || !m) continue;
    const params = m.params as Record<string, unknown>;
    const bv = params.binance_vision as { path?: string } | undefined;
    const sourceCsv = s.stage === 'ingest' && params.source === 'binance-vision' && bv?.path ? await sourceCsvFiles(bv.path) : [];
    const y = await stageYardstick({
      stage: s.stage,
      inputs: (reg.def.inputs(params) as string[]).map((p) => join(dataDir, p)),
      sourceCsv,
      outputs: reg.def.outputs.map((p: string) => join(dataDir, p)),
    }, scratch);
    const stage_ms = s.duration_ms ?? s.wall_ms;
    const rows = Math.max(y.rows_in, y.rows_out);
    out.push({
      ...y, stage_ms, wall_ms: s.wall_ms,
      ratio: y.duckdb_ms >= 50 ? s.wall_ms / y.duckdb_ms : null,
      rows_per_s: stage_ms > 0 && rows > 0 ? Math.round((rows * 1000) / stage_ms) : null,
      peak_rss_mb: s.peak_rss_mb,
    });
  }
  return out;
}
