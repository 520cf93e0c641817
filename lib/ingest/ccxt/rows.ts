/**
 * ccxt results -> typed rows -> lake columns. Pure. A row is a number array whose element 0 is the timestamp
 * (int64 UTC ms); missing or non-numeric values become NaN, never 0.
 */
import { DataError } from '../../errors.js';
import { emptyBars, type BarColumns, type FundingColumns, type OpenInterestColumns } from '../../market.js';

export type Row = readonly number[];

/** Where a page came from, for error messages: "binanceusdm BTC/USDT:USDT fetchOHLCV since=...". */
export interface RowSource {
  label: string;
}

/** A finite number, or a non-empty numeric string; anything else (undefined, null, '', 'abc', Infinity) is NaN. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

function timestampOf(v: unknown, src: RowSource, index: number): number {
  const ts = toNumber(v);
  if (!Number.isSafeInteger(ts)) {
    throw new DataError('timestamp must be an integer of UTC milliseconds', {
      file: src.label, line: index, field: 'timestamp', value: v,
    }, { hint: 'the exchange returned a row without a usable time; report it, the row cannot be placed on the grid' });
  }
  return ts;
}

function recordOf(raw: unknown, src: RowSource, index: number): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object') {
    throw new DataError('expected an object from ccxt', { file: src.label, line: index, value: raw });
  }
  return raw as Record<string, unknown>;
}

/** ccxt OHLCV: [timestamp, open, high, low, close, volume]. */
export function ohlcvRow(raw: unknown, src: RowSource, index: number): Row {
  if (!Array.isArray(raw)) throw new DataError('expected an OHLCV array from ccxt', { file: src.label, line: index, value: raw });
  return [timestampOf(raw[0], src, index), ...[1, 2, 3, 4, 5].map((i) => toNumber(raw[i]))];
}

/**
 * ccxt funding rate history entry -> [ts, funding_rate, mark_price]. ccxt's unified structure has no mark price;
 * it is taken from the entry or the exchange's raw `info.markPrice` (Binance sends it, "" for old settlements).
 */
export function fundingRow(raw: unknown, src: RowSource, index: number): Row {
  const r = recordOf(raw, src, index);
  const info = r.info !== null && typeof r.info === 'object' ? (r.info as Record<string, unknown>) : {};
  const mark = toNumber(r.markPrice);
  return [timestampOf(r.timestamp, src, index), toNumber(r.fundingRate), Number.isNaN(mark) ? toNumber(info.markPrice) : mark];
}

/**
 * ccxt open interest entry -> [ts, open_interest (base units), open_interest_usd (quote value)].
 * Base units: `baseVolume` when the exchange reports it, else contracts x contract size for linear markets
 * (inverse contracts are quote-denominated: NaN). The value column is the exchange's quote-currency value.
 */
export function openInterestRow(raw: unknown, src: RowSource, index: number, market: MarketShape): Row {
  const r = recordOf(raw, src, index);
  let base = toNumber(r.baseVolume);
  if (Number.isNaN(base) && market.linear === true) base = toNumber(r.openInterestAmount) * contractSizeOf(market);
  return [timestampOf(r.timestamp, src, index), base, toNumber(r.openInterestValue)];
}

/** The few fields of a ccxt market this source reads. */
export interface MarketShape {
  linear?: boolean | undefined;
  inverse?: boolean | undefined;
  contractSize?: unknown;
}

function contractSizeOf(market: MarketShape): number {
  const size = toNumber(market.contractSize);
  return Number.isNaN(size) ? 1 : size;
}

export interface SortedRows {
  rows: Row[];
  duplicates: number; // rows dropped because an earlier row had the same timestamp
  conflicts: number; // of those, how many carried different values
}

/** Sorted by time; for a repeated timestamp the first row fetched is kept. */
export function sortDedup(rows: readonly Row[]): SortedRows {
  const sorted = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r[0]! - b.r[0]! || a.i - b.i);
  const out: Row[] = [];
  let duplicates = 0;
  let conflicts = 0;
  for (const { r } of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === r[0]) {
      duplicates++;
      if (!sameValues(last, r)) conflicts++;
    } else {
      out.push(r);
    }
  }
  return { rows: out, duplicates, conflicts };
}

function sameValues(a: Row, b: Row): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/** Rows with fromMs <= ts < toMs. */
export function inRange(rows: readonly Row[], fromMs: number, toMs: number): Row[] {
  return rows.filter((r) => r[0]! >= fromMs && r[0]! < toMs);
}

function column(rows: readonly Row[], i: number): Float64Array {
  const c = new Float64Array(rows.length);
  rows.forEach((r, k) => { c[k] = r[i] ?? NaN; });
  return c;
}

/** OHLCV rows -> BarColumns; the Binance extras (quote volume, trades, taker buy) are not in ccxt's OHLCV: NaN. */
export function barColumns(rows: readonly Row[]): BarColumns {
  const bars = emptyBars(rows.length);
  (['ts_ms', 'open', 'high', 'low', 'close', 'volume'] as const).forEach((f, i) => bars[f].set(column(rows, i)));
  return bars;
}

export function fundingColumns(rows: readonly Row[]): FundingColumns {
  return { ts_ms: column(rows, 0), funding_rate: column(rows, 1), mark_price: column(rows, 2) };
}

export function openInterestColumns(rows: readonly Row[]): OpenInterestColumns {
  return { ts_ms: column(rows, 0), open_interest: column(rows, 1), open_interest_usd: column(rows, 2) };
}
