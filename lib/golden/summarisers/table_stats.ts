import { groupPartitions, listPartitions, readPartitions, type LakeDb, type TableSchema } from '../../lake/index.js';
import { approx, countSet, exact, seriesStats } from '../checks.js';
import type { Check } from '../types.js';

export interface TableStatsSpec {
  /** partition keys that split the table into the summarised groups, e.g. exchange, market, symbol, timeframe */
  groupBy: readonly string[];
  /** columns summarised by mean, min and max of their finite values */
  stats?: readonly string[];
  /** columns summarised by their sum */
  sums?: readonly string[];
  /** flag columns summarised by how many rows have them set */
  flags?: readonly string[];
}

const INSTRUMENT = ['exchange', 'market', 'symbol'];

/** "cleaned/bars synthetic/um/SYN01USDT 5m": the table, the instrument, then the other group keys. */
export function groupLabel(table: TableSchema, keys: Record<string, string>, groupBy: readonly string[]): string {
  const inst = INSTRUMENT.filter((k) => groupBy.includes(k)).map((k) => keys[k]).join('/');
  const rest = groupBy.filter((k) => !INSTRUMENT.includes(k)).map((k) => keys[k]);
  return [table.dir, inst, ...rest].filter(Boolean).join(' ');
}

/**
 * Per group of a lake table: its row count, first and last bar time (exact), mean/min/max of `stats` columns
 * and the sum of `sums` columns (within REL_TOL), and the count of each flag (exact). Rows are read through
 * lib/lake ordered by time, so sums are taken in the same order every run.
 */
export async function tableChecks(
  db: LakeDb, lakeRoot: string, table: TableSchema, spec: TableStatsSpec,
): Promise<{ rows: Record<string, Check>; numbers: Record<string, Check> }> {
  const rows: Record<string, Check> = {};
  const numbers: Record<string, Check> = {};
  const columns = ['ts_ms', ...(spec.stats ?? []), ...(spec.sums ?? []), ...(spec.flags ?? [])];
  const groups = groupPartitions(await listPartitions(lakeRoot, table), spec.groupBy);
  for (const parts of [...groups.values()]) {
    const label = groupLabel(table, parts[0]!.keys, spec.groupBy);
    const cols = await readPartitions(db, lakeRoot, table, parts, [...new Set(columns)]);
    const ts = cols.ts_ms!;
    rows[label] = exact(ts.length);
    numbers[`${label} first_ts`] = exact(ts.length ? new Date(ts[0]!).toISOString() : null);
    numbers[`${label} last_ts`] = exact(ts.length ? new Date(ts[ts.length - 1]!).toISOString() : null);
    for (const c of spec.stats ?? []) {
      const s = seriesStats(cols[c]!);
      numbers[`${label} ${c}_mean`] = approx(s.mean);
      numbers[`${label} ${c}_min`] = approx(s.min);
      numbers[`${label} ${c}_max`] = approx(s.max);
    }
    for (const c of spec.sums ?? []) numbers[`${label} ${c}_sum`] = approx(seriesStats(cols[c]!).sum);
    for (const f of spec.flags ?? []) numbers[`${label} ${f}_count`] = exact(countSet(cols[f]!));
  }
  return { rows, numbers };
}
