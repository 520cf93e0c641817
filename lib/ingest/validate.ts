import { DataError } from '../errors.js';
import type { BarColumns, FundingColumns } from '../market.js';
import { TIMEFRAME_MS, type Timeframe } from '../timeframe.js';

/** Where rows came from, for messages: display name of the file and the line of each row. */
export interface RowSource {
  file: string;
  lines: Int32Array | null; // null: generated or API rows, reported by index
}

const where = (src: RowSource, i: number) => ({ file: src.file, ...(src.lines ? { line: src.lines[i]! } : { line: i + 1 }) });

/**
 * Timestamps in a file share one unit. Binance switched spot files to microseconds in 2025; seconds or nanoseconds
 * are refused. Returns the divisor to milliseconds (1 or 1000) from the first row; every row must agree.
 */
export function detectTimestampUnit(ts: Float64Array, src: RowSource, field = 'open_time'): 1 | 1000 {
  const unitOf = (t: number): 1 | 1000 | 0 => (t >= 1e11 && t < 1e14 ? 1 : t >= 1e14 && t < 1e17 ? 1000 : 0);
  if (ts.length === 0) return 1;
  const unit = unitOf(ts[0]!) || 1;
  for (let i = 0; i < ts.length; i++) {
    const u = unitOf(ts[i]!);
    if (u === 0 || u !== unit || (i === 0 && unitOf(ts[0]!) === 0)) {
      throw new DataError(
        u === 0 ? 'timestamp in an unexpected unit (expected milliseconds or microseconds since 1970)' : 'timestamp unit changes within the file',
        { ...where(src, i), field, value: ts[i] },
        { hint: 'check the column mapping and the file; seconds must be converted (csv source: ts_unit)' },
      );
    }
  }
  return unit;
}

export function scaleTimestamps(ts: Float64Array, divisor: number): void {
  if (divisor === 1) return;
  for (let i = 0; i < ts.length; i++) ts[i] = Math.floor(ts[i]! / divisor);
}

/** Timestamps strictly increasing within one source (equal ones are duplicates, left to clean to judge). */
export function checkOrder(ts: Float64Array, src: RowSource, field = 'open_time'): void {
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]! < ts[i - 1]!) {
      throw new DataError(`timestamp out of order: ${ts[i]} after ${ts[i - 1]}`, { ...where(src, i), field, value: ts[i] }, {
        hint: 'the file must be sorted by time; a mixed-up or concatenated file needs fixing at the source',
      });
    }
  }
}

/** Prices positive and finite; low <= open, close <= high; volume finite and >= 0. */
export function checkBars(b: BarColumns, src: RowSource): void {
  const { open, high, low, close, volume } = b;
  for (let i = 0; i < open.length; i++) {
    const o = open[i]!;
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    const v = volume[i]!;
    // Every check of failBar passes (NaN fails each comparison): one chain, no allocation per row.
    if (o > 0 && o < Infinity && h > 0 && h < Infinity && l > 0 && l < Infinity && c > 0 && c < Infinity
      && h >= l && o <= h && c <= h && o >= l && c >= l && v >= 0 && v < Infinity) continue;
    failBar(b, src, i);
  }
}

/** The checks of row i in order; throws the first that fails (checkBars calls it only for a row that fails one). */
function failBar(b: BarColumns, src: RowSource, i: number): void {
  const { open, high, low, close, volume } = b;
  for (const [name, col] of [['open', open], ['high', high], ['low', low], ['close', close]] as const) {
    const v = col[i]!;
    if (!(v > 0) || !Number.isFinite(v)) {
      throw new DataError(v === 0 ? 'price is zero' : 'price must be a positive number', { ...where(src, i), field: name, value: v }, {
        hint: 'a zero or negative price is corrupt data: remove the row at the source',
      });
    }
  }
  const h = high[i]!;
  const l = low[i]!;
  if (h < l) throw new DataError(`high < low (${h} < ${l})`, { ...where(src, i), field: 'high', value: h }, { hint: 'corrupt row: fix the source' });
  if (open[i]! > h || close[i]! > h || open[i]! < l || close[i]! < l) {
    throw new DataError(`open/close outside [low, high] = [${l}, ${h}]`, { ...where(src, i), field: open[i]! > h || open[i]! < l ? 'open' : 'close', value: open[i]! > h || open[i]! < l ? open[i] : close[i] }, {
      hint: 'corrupt row: fix the source',
    });
  }
  const v = volume[i]!;
  if (!(v >= 0) || !Number.isFinite(v)) throw new DataError('volume must be >= 0', { ...where(src, i), field: 'volume', value: v }, { hint: 'corrupt row: fix the source' });
}

/** Funding rates finite; settlement times in order. */
export function checkFunding(f: FundingColumns, src: RowSource): void {
  checkOrder(f.ts_ms, src, 'funding_time');
  for (let i = 0; i < f.funding_rate.length; i++) {
    if (!Number.isFinite(f.funding_rate[i]!)) {
      throw new DataError('funding rate must be a finite number', { ...where(src, i), field: 'funding_rate', value: f.funding_rate[i] }, {
        hint: 'the source sent a settlement without a usable rate: fix or drop the row at the source',
      });
    }
  }
}

/**
 * A source file with a header and no data rows is refused: ingesting it would make its symbol silently disappear from
 * the lake. `what` names the rows ('kline', 'funding'); the location is the line after the header.
 */
export function checkNotEmpty(n: number, src: { file: string; header: boolean }, what: string, hint: string): void {
  if (n > 0) return;
  throw new DataError(`no ${what} rows: the file holds ${src.header ? 'only a header' : 'no rows'}`, { file: src.file, line: src.header ? 2 : 1, field: 'rows', value: 0 }, { hint });
}

/** Human form of a spacing in ms: the timeframe name when it is one, else minutes/hours/seconds. */
export function spacingName(ms: number): string {
  const tf = (Object.entries(TIMEFRAME_MS) as [Timeframe, number][]).find(([, v]) => v === ms);
  if (tf) return tf[0];
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Bars of an `interval` file must mostly be one interval apart: the most common step between consecutive open times
 * (duplicates aside) must be the interval. 1h bars in a `5m` file (every step 12 intervals: accepted on the grid and
 * seen only as 8% coverage later) or 1m bars in a `5m` file are refused at the first row whose step is not the interval.
 * Gaps (a step of several intervals) are normal and allowed as long as whole-interval steps dominate.
 */
export function checkSpacing(ts: Float64Array, interval: Timeframe, src: RowSource, field = 'open_time', setting = 'the interval in the file name'): void {
  const want = TIMEFRAME_MS[interval];
  const counts = new Map<number, number>();
  let steps = 0;
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (d <= 0) continue;
    steps++;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  if (steps === 0) return;
  let mode = 0;
  let modeCount = 0;
  for (const [d, c] of counts) if (c > modeCount || (c === modeCount && d < mode)) [mode, modeCount] = [d, c];
  const atInterval = counts.get(want) ?? 0;
  if (mode === want || atInterval >= modeCount) return;
  let i = 1;
  while (i < ts.length && (ts[i]! - ts[i - 1]! <= 0 || ts[i]! - ts[i - 1]! === want)) i++;
  throw new DataError(
    `bars are ${spacingName(mode)} apart (${modeCount} of ${steps} steps; ${atInterval} at ${interval}) but ${setting} says ${interval}`,
    { ...where(src, i), field, value: ts[i] },
    { hint: `the file holds ${spacingName(mode)} bars: name it for that interval (or fix the mapping), or re-export it at ${interval}` },
  );
}
