import { rename, rm, stat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LakeDb, sqlIdent, sqlString } from './db.js';
import { stageColumns, storedSelect, readExpr, queryColumns, columnLength, type ColumnSet, type DictColumn } from './columns.js';
import type { ColumnSchema, ColumnType } from './schema.js';
import { sha256File } from '../hash.js';
import { PARQUET_OPTIONS } from './partition.js';
import { tempPathFor } from '../fsx.js';


/** What a single-file table write reports (rows, size and content hash of the committed file). */
export interface TableFileInfo {
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Write a small table (results, plans, events of one timeframe) as ONE Parquet file, rows in the given order.
 * Strings travel dictionary-encoded (DictColumn). The file is written to a temp path, hashed, then renamed.
 */
export async function writeTableFile(
  db: LakeDb, file: string, columns: readonly { name: string; type: ColumnType }[], data: ColumnSet,
): Promise<TableFileInfo> {
  await mkdir(dirname(file), { recursive: true });
  const staging = 'stage_table_file';
  const rows = await stageColumns(db, staging, columns, data);
  const dicts: Record<string, readonly string[]> = {};
  for (const [name, col] of Object.entries(data)) if ('dict' in col) dicts[name] = col.dict;
  // a projection of the staged table (no join): a plain scan keeps the rows in the given order
  const { select, from } = storedSelect(staging, columns, dicts);
  const tmp = tempPathFor(file);
  try {
    await db.run(`COPY (SELECT ${select} FROM ${from}) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`);
    const info = { rows, bytes: (await stat(tmp)).size, sha256: await sha256File(tmp) };
    await rename(tmp, file);
    return info;
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${sqlIdent(staging)}`);
  }
}

/**
 * Read a single-file table back: numeric columns as typed arrays (NULL -> NaN for f64, 0 for integers), string
 * columns as DictColumn (sorted dictionary, NULL -> ''). Rows come back in file order.
 */
export async function readTableFile(
  db: LakeDb, file: string, columns: readonly { name: string; type: ColumnType }[],
): Promise<ColumnSet> {
  const src = `read_parquet(${sqlString(file)})`;
  const dicts: Record<string, string[]> = {};
  for (const c of columns.filter((x) => x.type === 'str')) {
    const rows = await db.rows(`SELECT DISTINCT COALESCE(${sqlIdent(c.name)}, '') FROM ${src} ORDER BY 1`);
    dicts[c.name] = rows.map((r) => String(r[0]));
  }
  const kinds = columns.map((c) => ({ name: c.name, type: (c.type === 'str' ? 'i32' : c.type) as Exclude<ColumnType, 'str'> }));
  const exprs = columns.map((c) =>
    c.type === 'str'
      ? `CAST(list_position([${dicts[c.name]!.map(sqlString).join(', ')}]::VARCHAR[], COALESCE(${sqlIdent(c.name)}, '')) - 1 AS INTEGER) AS ${sqlIdent(c.name)}`
      : readExpr(c.name, c.type),
  );
  const cols = columns.length ? await queryColumns(db, `SELECT ${exprs.join(', ')} FROM ${src}`, kinds) : {};
  const out: ColumnSet = {};
  for (const c of columns) {
    out[c.name] = c.type === 'str' ? ({ dict: dicts[c.name]!, idx: cols[c.name] as Int32Array } satisfies DictColumn) : cols[c.name]!;
  }
  return out;
}

/** Encode strings as a DictColumn (sorted dictionary). */
export function dictColumn(values: readonly string[]): DictColumn {
  const dict = [...new Set(values)].sort();
  const pos = new Map(dict.map((v, i) => [v, i]));
  // a loop, not Int32Array.from with a map function (a call per value through the generic iterator path)
  const idx = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) idx[i] = pos.get(values[i]!)!;
  return { dict, idx };
}

/**
 * Strings as a DictColumn without building a dictionary: each row its own entry (idx = row number). For columns of
 * nearly distinct values (JSON attributes), where sorting and deduplicating cost more than they save; written like
 * any DictColumn (a large one is staged as its strings), but its idx order is row order, not string order, so it is
 * no tie-break key.
 */
export function rowStrings(values: readonly string[]): DictColumn {
  return { dict: values, idx: Int32Array.from({ length: values.length }, (_, i) => i) };
}

/** Decode a DictColumn (or any string column) back to strings. */
export function stringsOf(c: DictColumn): string[] {
  return Array.from(c.idx, (i) => c.dict[i]!);
}

export function rowCount(data: ColumnSet): number {
  const first = Object.values(data)[0];
  return first ? columnLength(first) : 0;
}

export type { ColumnSchema };
