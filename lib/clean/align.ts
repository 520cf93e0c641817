/**
 * alignToGrid: raw bars (any order, possibly overlapping source files) -> one row per slot of the full UTC grid
 * from the first to the last bar.
 *
 * Rules:
 * - every raw row is checked (open time on the grid, sane prices: bar_checks.ts); the first bad row is a DataError;
 * - exact duplicates (same ts_ms, every field identical, NaN == NaN) are dropped and counted;
 * - conflicting duplicates (same ts_ms, any field differs) are a DataError naming both file:line locations;
 * - a slot with no source bar becomes a row with NaN OHLCV (and NaN extras) and is_missing = 1: never forward-filled.
 *
 * Cost: O(n + grid rows). Once every open time is known to be on the grid, the slot index (ts - first) / tfMs is a
 * perfect bucket key, so a direct-addressed slot table replaces the sort (no comparator calls, no per-row objects).
 */
import { DataError } from '../errors.js';
import { BAR_FIELDS, type BarColumns } from '../market.js';
import { isoMs, timeframeMs, type Timeframe } from '../timeframe.js';
import { checkBarTime, checkBarValues } from './bar_checks.js';
import {
  checkLengths, emptyFlags, nanBars, locationOrder, rowLocation, sameValue,
  type CleanContext, type CleanFlags, type SourceColumns,
} from './types.js';

/** A grid longer than this is refused as a stray timestamp (10M rows: 19 years of 1m bars, 95 years of 5m). */
export const MAX_GRID_ROWS = 10_000_000;

export interface AlignStats {
  input_rows: number;
  duplicates_dropped: number;
  grid_rows: number;
  present_bars: number;
  missing_bars: number;
}

export interface AlignedBars {
  bars: BarColumns;
  flags: CleanFlags;
  stats: AlignStats;
}

export function alignToGrid(
  raw: BarColumns, src: SourceColumns, tf: Timeframe, ctx: CleanContext,
): AlignedBars {
  const n = raw.ts_ms.length;
  checkLengths(`alignToGrid(${ctx.instrument})`, n, { ...raw, file_idx: src.file_idx, line: src.line });
  const tfMs = timeframeMs(tf);
  if (n === 0) return { bars: nanBars(0), flags: emptyFlags(0), stats: statsOf(0, 0, 0, 0) };

  let iFirst = 0;
  let iLast = 0;
  for (let i = 0; i < n; i++) {
    checkBarTime(raw, src, i, tf, tfMs, ctx);
    checkBarValues(raw, src, i, ctx);
    if (raw.ts_ms[i]! < raw.ts_ms[iFirst]!) iFirst = i;
    if (raw.ts_ms[i]! > raw.ts_ms[iLast]!) iLast = i;
  }
  const t0 = raw.ts_ms[iFirst]!;
  const gridRows = (raw.ts_ms[iLast]! - t0) / tfMs + 1;
  if (gridRows > MAX_GRID_ROWS) throwGridTooLong(src, iFirst, iLast, gridRows, tf, ctx);

  // slot[k] = the raw row kept for grid slot k, or -1.
  const slot = new Int32Array(gridRows).fill(-1);
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const k = (raw.ts_ms[i]! - t0) / tfMs;
    const j = slot[k]!;
    if (j < 0) {
      slot[k] = i;
    } else {
      checkDuplicate(raw, src, j, i, ctx);
      duplicates++;
    }
  }

  const bars = zeroBars(gridRows); // every cell is written below: a value or NaN
  const flags = emptyFlags(gridRows);
  let present = 0;
  for (let k = 0; k < gridRows; k++) {
    bars.ts_ms[k] = t0 + k * tfMs;
    if (slot[k]! < 0) {
      flags.is_missing[k] = 1; // its columns are written as NaN below
    } else {
      present++;
      flags.n_source_bars[k] = 1;
    }
  }
  // Column by column: one pass per column keeps every array access monomorphic.
  for (let f = 1; f < BAR_FIELDS.length; f++) {
    const from = raw[BAR_FIELDS[f]!];
    const to = bars[BAR_FIELDS[f]!];
    for (let k = 0; k < gridRows; k++) {
      const j = slot[k]!;
      to[k] = j >= 0 ? from[j]! : NaN;
    }
  }
  return { bars, flags, stats: statsOf(n, duplicates, gridRows, present) };
}

function zeroBars(n: number): BarColumns {
  const z = () => new Float64Array(n);
  return {
    ts_ms: z(), open: z(), high: z(), low: z(), close: z(), volume: z(),
    quote_volume: z(), trades: z(), taker_buy_base: z(), taker_buy_quote: z(),
  };
}

function statsOf(input: number, duplicates: number, grid: number, present: number): AlignStats {
  return {
    input_rows: input,
    duplicates_dropped: duplicates,
    grid_rows: grid,
    present_bars: present,
    missing_bars: grid - present,
  };
}

/** Same ts_ms: identical rows are fine (dropped by the caller), any difference is a DataError naming both rows. */
function checkDuplicate(raw: BarColumns, src: SourceColumns, a: number, b: number, ctx: CleanContext): void {
  // Explicit fields on the hot path (a loop over field names would make every access megamorphic).
  if (
    sameValue(raw.open[a]!, raw.open[b]!) && sameValue(raw.high[a]!, raw.high[b]!) &&
    sameValue(raw.low[a]!, raw.low[b]!) && sameValue(raw.close[a]!, raw.close[b]!) &&
    sameValue(raw.volume[a]!, raw.volume[b]!) && sameValue(raw.quote_volume[a]!, raw.quote_volume[b]!) &&
    sameValue(raw.trades[a]!, raw.trades[b]!) && sameValue(raw.taker_buy_base[a]!, raw.taker_buy_base[b]!) &&
    sameValue(raw.taker_buy_quote[a]!, raw.taker_buy_quote[b]!)
  ) {
    return;
  }
  throwConflict(raw, src, a, b, ctx);
}

function throwConflict(raw: BarColumns, src: SourceColumns, a: number, b: number, ctx: CleanContext): never {
  const name = BAR_FIELDS.find((f) => !sameValue(raw[f][a]!, raw[f][b]!)) ?? 'ts_ms';
  const [first, second] = locationOrder(src, a, b);
  const other = rowLocation(src, second);
  throw new DataError(
    `${ctx.instrument}: conflicting duplicate bar at ${isoMs(raw.ts_ms[a]!)} (ts_ms ${raw.ts_ms[a]}): ` +
      `${other.file}:${other.line} has ${name} = ${raw[name][second]}`,
    { ...rowLocation(src, first), field: name, value: raw[name][first] },
    {
      hint: 'two source files disagree about the same bar; verify their checksums or re-download them, ' +
        'and keep only one version of that period',
    },
  );
}

function throwGridTooLong(
  src: SourceColumns, iFirst: number, iLast: number, rows: number, tf: Timeframe, ctx: CleanContext,
): never {
  const a = rowLocation(src, iFirst);
  const b = rowLocation(src, iLast);
  throw new DataError(
    `${ctx.instrument}: the ${tf} grid from the first bar to the last (${b.file}:${b.line}) would have ${rows} rows ` +
      `(limit ${MAX_GRID_ROWS})`,
    { ...a, field: 'ts_ms' },
    { hint: 'a stray timestamp far from the rest (wrong unit or corrupt row?); check the first and the last bar' },
  );
}
