/**
 * Binance Vision `aggTrades` files: the CSV columns and the checks every row passes before it reaches the lake.
 *
 * Layout (spot and USD-M / COIN-M futures, daily or monthly files):
 *   agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time, is_buyer_maker[, is_best_match]
 * Futures files carry a header row (since 2022) and 7 fields; spot files carry no header and an 8th field
 * is_best_match. Either is accepted, with or without header (the header is detected from the first field).
 * transact_time is in milliseconds, except spot files from 2025-01-01 on, which are in microseconds: the unit is
 * detected per file from the magnitude (lib/ingest/validate.ts: 1e11..1e14 ms, 1e14..1e17 us; one unit per file) and
 * microseconds are floored to ms (agg_trade_id keeps the order of trades in the same millisecond).
 * Pure: no I/O.
 */
import { DataError } from '../../errors.js';
import type { CsvColumnRequest } from '../../lake/index.js';
import { detectTimestampUnit, scaleTimestamps, type RowSource } from '../validate.js';

export const AGG_TRADES_CSV_COLUMNS: readonly CsvColumnRequest[] = [
  { name: 'agg_trade_id', source: ['agg_trade_id', 0] },
  { name: 'price', source: ['price', 1] },
  { name: 'quantity', source: ['quantity', 2] },
  { name: 'first_trade_id', source: ['first_trade_id', 3] },
  { name: 'last_trade_id', source: ['last_trade_id', 4] },
  { name: 'transact_time', source: ['transact_time', 5] },
  { name: 'is_buyer_maker', source: ['is_buyer_maker', 6], parse: 'bool' },
  // the 8th field of spot files; absent (NaN) in futures files
  { name: 'is_best_match', source: 7, parse: 'bool', optional: true },
];
export const AGG_TRADES_FIELD_COUNTS: readonly number[] = [7, 8];

/** The lake's raw/agg_trades columns (without the row origins). */
export interface AggTradeColumns {
  ts_ms: Float64Array;
  agg_trade_id: Float64Array;
  price: Float64Array;
  quantity: Float64Array;
  first_trade_id: Float64Array;
  last_trade_id: Float64Array;
  is_buyer_maker: Uint8Array;
  is_best_match: Float64Array;
}

const DAY_MS = 86_400_000;

/** [start, end) in ms of a file's period 'YYYY-MM-DD' or 'YYYY-MM' (UTC); undefined for other or no period. */
export function periodRange(period: string | undefined): [number, number] | undefined {
  if (!period) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(period)) {
    const s = Date.parse(`${period}T00:00:00Z`);
    return [s, s + DAY_MS];
  }
  if (/^\d{4}-\d{2}$/.test(period)) {
    const [y, m] = period.split('-').map(Number) as [number, number];
    return [Date.UTC(y, m - 1, 1), Date.UTC(y, m, 1)];
  }
  return undefined;
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

/**
 * The parsed columns as checked trades: transact_time unit detected and scaled to ms, then per row (first failure
 * wins, located by file, line, field and value): ids whole numbers >= 0; agg_trade_id strictly increasing;
 * first_trade_id <= last_trade_id and first_trade_id above the previous row's last_trade_id; price and quantity
 * finite and > 0; transact_time non-decreasing and inside the file's period (its day or month, UTC).
 * is_buyer_maker / is_best_match were already read as booleans by the CSV reader (anything else is refused there).
 */
export function aggTradesObservations(c: Record<string, Float64Array>, src: RowSource, period?: string): AggTradeColumns {
  const ts = c.transact_time!;
  scaleTimestamps(ts, detectTimestampUnit(ts, src, 'transact_time'));
  const id = c.agg_trade_id!, price = c.price!, qty = c.quantity!, first = c.first_trade_id!, last = c.last_trade_id!;
  const at = (i: number, field: string, value: unknown) => ({ file: src.file, line: src.lines ? src.lines[i]! : i + 1, field, value });
  const range = periodRange(period);
  const hint = 'the file is corrupt or not a Binance aggTrades file: download it again (or remove it from the source folder)';
  for (let i = 0; i < ts.length; i++) {
    for (const [name, col] of [['agg_trade_id', id], ['first_trade_id', first], ['last_trade_id', last]] as const) {
      const v = col[i]!;
      if (!(Number.isInteger(v) && v >= 0)) throw new DataError(`${name} must be a whole number >= 0`, at(i, name, v), { hint });
    }
    if (i > 0 && !(id[i]! > id[i - 1]!)) {
      throw new DataError(`agg_trade_id not increasing: ${id[i]} after ${id[i - 1]}`, at(i, 'agg_trade_id', id[i]), {
        hint: 'rows must be in agg_trade_id order without repeats: a concatenated or shuffled file; download it again',
      });
    }
    if (first[i]! > last[i]!) throw new DataError(`first_trade_id ${first[i]} > last_trade_id ${last[i]}`, at(i, 'first_trade_id', first[i]), { hint });
    if (i > 0 && !(first[i]! > last[i - 1]!)) {
      throw new DataError(`first_trade_id ${first[i]} does not follow the previous row's last_trade_id ${last[i - 1]}`, at(i, 'first_trade_id', first[i]), { hint });
    }
    const p = price[i]!;
    if (!(p > 0) || !Number.isFinite(p)) throw new DataError(p === 0 ? 'price is zero' : 'price must be a positive number', at(i, 'price', p), { hint });
    const q = qty[i]!;
    if (!(q > 0) || !Number.isFinite(q)) throw new DataError('quantity must be a positive number', at(i, 'quantity', q), { hint });
    if (i > 0 && ts[i]! < ts[i - 1]!) {
      throw new DataError(`transact_time out of order: ${iso(ts[i]!)} after ${iso(ts[i - 1]!)}`, at(i, 'transact_time', ts[i]), {
        hint: 'trades must be in time order: download the file again',
      });
    }
    if (range && (ts[i]! < range[0] || ts[i]! >= range[1])) {
      throw new DataError(`transact_time ${iso(ts[i]!)} is outside the file's period ${period}`, at(i, 'transact_time', ts[i]), {
        hint: 'the file name and its contents disagree: download it again, or rename it after the period it holds',
      });
    }
  }
  return {
    ts_ms: ts, agg_trade_id: id, price, quantity: qty, first_trade_id: first, last_trade_id: last,
    is_buyer_maker: Uint8Array.from(c.is_buyer_maker!), is_best_match: c.is_best_match!,
  };
}
