/**
 * data.binance.vision futures `metrics` files (daily, 5-minute rows): open interest and the long/short and taker
 * ratios. Documented CSV layout (header always present):
 *
 *   create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,
 *   sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio
 *   2025-01-21 00:05:00,BTCUSDT,81234.5,8.5e9,1.52,1.31,1.87,0.96
 *
 * create_time is a UTC 'YYYY-MM-DD HH:MM:SS' string: the time the snapshot was taken, so the values are known at
 * create_time and the lake's ts_ms (time the observation became known) is create_time itself (an as-of join at a bar
 * close uses a row only when create_time <= close). sum_open_interest is in base units (contracts of 1 coin on USDT-M),
 * sum_open_interest_value in USDT. The ratio columns are empty on some days (early history): they read as NULL, while
 * an empty or non-numeric open interest is a located error.
 */
import { DataError } from '../../errors.js';
import type { CsvColumnRequest } from '../../lake/csv.js';
import type { OpenInterestColumns } from '../../market.js';
import type { RowSource } from '../validate.js';

/** The Binance header names, in file order. */
export const METRICS_HEADER = [
  'create_time', 'symbol', 'sum_open_interest', 'sum_open_interest_value', 'count_toptrader_long_short_ratio',
  'sum_toptrader_long_short_ratio', 'count_long_short_ratio', 'sum_taker_long_short_vol_ratio',
] as const;

/** Lake column <- metrics CSV column (lib/lake/schema.ts, raw/open_interest). */
export const METRICS_CSV_COLUMNS: readonly CsvColumnRequest[] = [
  { name: 'ts_ms', source: 'create_time', parse: 'timestamp' },
  { name: 'open_interest', source: 'sum_open_interest' },
  { name: 'open_interest_usd', source: 'sum_open_interest_value', optional: true },
  { name: 'top_trader_account_ratio', source: 'count_toptrader_long_short_ratio', optional: true },
  { name: 'top_trader_position_ratio', source: 'sum_toptrader_long_short_ratio', optional: true },
  { name: 'long_short_account_ratio', source: 'count_long_short_ratio', optional: true },
  { name: 'taker_buy_sell_volume_ratio', source: 'sum_taker_long_short_vol_ratio', optional: true },
];
export const METRICS_FIELD_COUNTS: readonly number[] = [METRICS_HEADER.length];

const DAY_MS = 86_400_000;

/**
 * The parsed columns as open-interest observations, checked: timestamps in order and inside the file's day (a daily
 * file `period` 'YYYY-MM-DD' holds that day's snapshots; its midnight closing snapshot may carry the next day's
 * 00:00:00), open interest finite and >= 0, every ratio finite and >= 0 when present. Throws a located DataError.
 */
export function metricsObservations(c: Record<string, Float64Array>, src: RowSource, period?: string): OpenInterestColumns {
  const ts = c.ts_ms!;
  const at = (i: number) => ({ file: src.file, line: src.lines ? src.lines[i]! : i + 1 });
  const dayStart = period && /^\d{4}-\d{2}-\d{2}$/.test(period) ? Date.parse(`${period}T00:00:00Z`) : NaN;
  for (let i = 0; i < ts.length; i++) {
    if (i > 0 && ts[i]! < ts[i - 1]!) {
      throw new DataError(`create_time out of order: ${iso(ts[i]!)} after ${iso(ts[i - 1]!)}`, { ...at(i), field: 'create_time', value: iso(ts[i]!) }, {
        hint: 'the file must be sorted by create_time; re-download it',
      });
    }
    if (Number.isFinite(dayStart) && (ts[i]! < dayStart || ts[i]! > dayStart + DAY_MS)) {
      throw new DataError(`create_time ${iso(ts[i]!)} is outside the file's day ${period}`, { ...at(i), field: 'create_time', value: iso(ts[i]!) }, {
        hint: 'the file name and its contents disagree: re-download it, or rename it after the day it holds',
      });
    }
    for (const name of ['open_interest', 'open_interest_usd', 'top_trader_account_ratio', 'top_trader_position_ratio', 'long_short_account_ratio', 'taker_buy_sell_volume_ratio'] as const) {
      const v = c[name]![i]!;
      if (Number.isNaN(v) && name !== 'open_interest') continue; // optional column, empty field
      if (!(v >= 0) || !Number.isFinite(v)) {
        const csvName = METRICS_CSV_COLUMNS.find((x) => x.name === name)!.source as string;
        throw new DataError(`${csvName} must be a finite number >= 0`, { ...at(i), field: csvName, value: v }, {
          hint: 'a negative or infinite value is corrupt data: re-download the file or remove the row',
        });
      }
    }
  }
  return {
    ts_ms: ts,
    open_interest: c.open_interest!,
    open_interest_usd: c.open_interest_usd!,
    top_trader_account_ratio: c.top_trader_account_ratio!,
    top_trader_position_ratio: c.top_trader_position_ratio!,
    long_short_account_ratio: c.long_short_account_ratio!,
    taker_buy_sell_volume_ratio: c.taker_buy_sell_volume_ratio!,
  };
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString().replace('.000Z', 'Z') : String(t);
}
