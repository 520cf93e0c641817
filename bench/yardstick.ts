import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LakeDb, TABLES, listPartitions, groupPartitions, readPartitions } from '../lib/lake/index.js';
import { num, sqlString } from '../lib/lake/db.js';

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
