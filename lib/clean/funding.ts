/**
 * alignFunding: raw funding settlements (any order, possibly several overlapping files) -> one row per settlement,
 * sorted by settlement time.
 *
 * - Snap: a time within FUNDING_SNAP_MS of a whole UTC hour is set to that hour (Binance fundingTime carries a few ms
 *   of offset, e.g. 1738454400001); any other time is kept as is and flagged is_off_schedule = 1.
 * - Duplicates (same snapped time): identical rates are one settlement (dropped and counted). A NaN mark price is
 *   "unknown", not a different value: the known mark price is kept. Different rates, or two different known mark
 *   prices, are a DataError naming both file:line locations.
 * - interval_hours: hours since the previous settlement; the first row takes the spacing to the next one (NaN when
 *   there is a single row). A missing settlement in the data lengthens the spacing of the row after it: fundingGaps
 *   finds those rows so the quality report can list them.
 * - Checks: integer ts_ms, finite rate with |rate| <= MAX_ABS_FUNDING_RATE, mark price NaN or finite > 0.
 */
import { DataError } from '../errors.js';
import type { FundingColumns } from '../market.js';
import { isoMs } from '../timeframe.js';
import { checkLengths, rowLocation, type CleanContext, type SourceColumns } from './types.js';

export const HOUR_MS = 3_600_000;
export const FUNDING_SNAP_MS = 60_000;
/** Rates are decimals per interval; exchanges cap them far below 5 % per interval. */
export const MAX_ABS_FUNDING_RATE = 0.05;
/** A spacing longer than this many times both neighbouring spacings is a gap (a settlement missing in the data). */
export const FUNDING_GAP_FACTOR = 1.5;

export interface AlignedFunding {
  ts_ms: Float64Array;
  funding_rate: Float64Array;
  mark_price: Float64Array;
  interval_hours: Float64Array;
  is_off_schedule: Uint8Array;
}

export interface FundingStats {
  input_rows: number;
  duplicates_dropped: number;
  snapped_rows: number; // rows whose time was moved to the whole hour
  off_schedule_rows: number; // settlements (after de-duplication) not on a whole hour
  settlements: number;
}

export function alignFunding(
  raw: FundingColumns, src: SourceColumns, ctx: CleanContext,
): { funding: AlignedFunding; stats: FundingStats } {
  const n = raw.ts_ms.length;
  checkLengths(`alignFunding(${ctx.instrument})`, n, { ...raw, file_idx: src.file_idx, line: src.line });
  const snapped = new Float64Array(n);
  let snappedRows = 0;
  for (let i = 0; i < n; i++) {
    checkFundingRow(raw, src, i, ctx);
    const ts = raw.ts_ms[i]!;
    const hour = Math.round(ts / HOUR_MS) * HOUR_MS;
    const near = Math.abs(ts - hour) <= FUNDING_SNAP_MS;
    snapped[i] = near ? hour : ts;
    if (near && hour !== ts) snappedRows++;
  }
  const order = sortedRows(snapped, src);

  const keep: number[] = [];
  const mark: number[] = [];
  for (const i of order) {
    const last = keep.length - 1;
    const j = keep[last];
    if (j === undefined || snapped[j] !== snapped[i]) {
      keep.push(i);
      mark.push(raw.mark_price[i]!);
      continue;
    }
    checkFundingDuplicate(raw, src, snapped, j, i, ctx);
    if (mark[last] !== mark[last]) mark[last] = raw.mark_price[i]!;
  }
  const funding = buildFunding(keep, mark, snapped, raw);
  let off = 0;
  for (const x of funding.is_off_schedule) off += x;
  return {
    funding,
    stats: {
      input_rows: n, duplicates_dropped: n - keep.length, snapped_rows: snappedRows,
      off_schedule_rows: off, settlements: keep.length,
    },
  };
}

/** Row indices (i of the output where a gap ENDS: the spacing ts[i] - ts[i-1] is a gap, see FUNDING_GAP_FACTOR). */
export function fundingGaps(ts: Float64Array): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < ts.length; i++) {
    const s = ts[i]! - ts[i - 1]!;
    const before = i >= 2 ? ts[i - 1]! - ts[i - 2]! : NaN;
    const after = i + 1 < ts.length ? ts[i + 1]! - ts[i]! : NaN;
    const ref = Math.max(before === before ? before : -Infinity, after === after ? after : -Infinity);
    if (ref > 0 && s > FUNDING_GAP_FACTOR * ref) gaps.push(i);
  }
  return gaps;
}

function checkFundingRow(raw: FundingColumns, src: SourceColumns, i: number, ctx: CleanContext): void {
  const loc = rowLocation(src, i);
  const ts = raw.ts_ms[i]!;
  if (!Number.isInteger(ts)) {
    throw new DataError(`${ctx.instrument}: funding time is not an integer millisecond`, { ...loc, field: 'ts_ms', value: ts }, {
      hint: 'ts_ms must be the settlement time in integer UTC milliseconds; check the ingest parser for this file',
    });
  }
  const r = raw.funding_rate[i]!;
  if (!Number.isFinite(r)) {
    throw new DataError(`${ctx.instrument}: funding rate is not a finite number`, { ...loc, field: 'funding_rate', value: r }, {
      hint: 'repair or re-download this file; a settlement without a rate cannot be guessed',
    });
  }
  if (Math.abs(r) > MAX_ABS_FUNDING_RATE) {
    throw new DataError(
      `${ctx.instrument}: implausible funding rate (|rate| > ${MAX_ABS_FUNDING_RATE} per interval)`,
      { ...loc, field: 'funding_rate', value: r },
      { hint: 'rates must be decimals per interval (0.0001 = 0.01 %); was the column in percent or basis points?' },
    );
  }
  const m = raw.mark_price[i]!;
  if (m === m && !(m > 0 && m < Infinity)) {
    throw new DataError(`${ctx.instrument}: mark price must be a finite number > 0 (or absent)`, {
      ...loc, field: 'mark_price', value: m,
    }, { hint: 'repair or re-download this file' });
  }
}

/** Row indices sorted by (snapped time, file, line): deterministic whatever the input order. */
function sortedRows(snapped: Float64Array, src: SourceColumns): number[] {
  const order = Array.from({ length: snapped.length }, (_, i) => i);
  return order.sort((a, b) => {
    const d = snapped[a]! - snapped[b]!;
    if (d !== 0) return d;
    const la = rowLocation(src, a);
    const lb = rowLocation(src, b);
    if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
    return la.line - lb.line;
  });
}

/** Row a (kept, earlier location) and row b share a settlement time. */
function checkFundingDuplicate(
  raw: FundingColumns, src: SourceColumns, snapped: Float64Array, a: number, b: number, ctx: CleanContext,
): void {
  const ra = raw.funding_rate[a]!;
  const rb = raw.funding_rate[b]!;
  const ma = raw.mark_price[a]!;
  const mb = raw.mark_price[b]!;
  let field: 'funding_rate' | 'mark_price' | undefined;
  if (ra !== rb) field = 'funding_rate';
  else if (ma === ma && mb === mb && ma !== mb) field = 'mark_price';
  if (field === undefined) return;
  const other = rowLocation(src, b);
  throw new DataError(
    `${ctx.instrument}: conflicting duplicate funding settlement at ${isoMs(snapped[a]!)}: ` +
      `${other.file}:${other.line} has ${field} = ${raw[field][b]}`,
    { ...rowLocation(src, a), field, value: raw[field][a] },
    { hint: 'two source files disagree about the same settlement; verify or re-download them and keep one version' },
  );
}

function buildFunding(keep: number[], mark: number[], snapped: Float64Array, raw: FundingColumns): AlignedFunding {
  const m = keep.length;
  const f: AlignedFunding = {
    ts_ms: new Float64Array(m), funding_rate: new Float64Array(m), mark_price: new Float64Array(m),
    interval_hours: new Float64Array(m).fill(NaN), is_off_schedule: new Uint8Array(m),
  };
  for (let k = 0; k < m; k++) {
    const i = keep[k]!;
    f.ts_ms[k] = snapped[i]!;
    f.funding_rate[k] = raw.funding_rate[i]!;
    f.mark_price[k] = mark[k]!;
    f.is_off_schedule[k] = snapped[i]! % HOUR_MS === 0 ? 0 : 1;
    if (k > 0) f.interval_hours[k] = (f.ts_ms[k]! - f.ts_ms[k - 1]!) / HOUR_MS;
  }
  if (m > 1) f.interval_hours[0] = f.interval_hours[1]!;
  return f;
}
