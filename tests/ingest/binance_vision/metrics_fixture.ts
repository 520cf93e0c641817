/**
 * Binance Vision futures `metrics` fixtures written by the tests themselves: the documented daily CSV layout
 * (header, 'YYYY-MM-DD HH:MM:SS' UTC create_time, 5-minute snapshots from 00:05 to the next day's 00:00), zipped
 * like data.binance.vision publishes them.
 */
import { zipSync, strToU8 } from 'fflate';

export const METRICS_CSV_HEADER =
  'create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,'
  + 'sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio';

export const M5 = 300_000;

export interface MetricsRow {
  ts: number;
  oi: number | string;
  oiValue: number | string;
  topAccounts: number | string;
  topPositions: number | string;
  accounts: number | string;
  taker: number | string;
}

/** '2025-01-01 00:05:00' (UTC) */
export function createTime(ts: number): string {
  return new Date(ts).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The 288 rows of one day ('YYYY-MM-DD'): row k (1..288) is the snapshot at day start + k * 5 min; `oi(t)` gives the
 * open interest at snapshot time t (default 1000 + k), the value is oi * 50, the ratios fixed per row.
 */
export function metricsDay(day: string, oi: (t: number) => number = (t) => 1000 + (t - Date.parse(`${day}T00:00:00Z`)) / M5): MetricsRow[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  return Array.from({ length: 288 }, (_, i) => {
    const ts = start + (i + 1) * M5;
    const o = oi(ts);
    return { ts, oi: o, oiValue: o * 50, topAccounts: 1.5, topPositions: 1.25, accounts: 2, taker: 0.75 + (i % 4) / 8 };
  });
}

export function metricsCsv(symbol: string, rows: readonly MetricsRow[]): string {
  const lines = rows.map((r) => [createTime(r.ts), symbol, r.oi, r.oiValue, r.topAccounts, r.topPositions, r.accounts, r.taker].join(','));
  return `${[METRICS_CSV_HEADER, ...lines].join('\n')}\n`;
}

/** data/futures/um/daily/metrics/<SYMBOL>/<SYMBOL>-metrics-<day>.zip */
export function metricsRel(symbol: string, day: string): string {
  return `data/futures/um/daily/metrics/${symbol}/${symbol}-metrics-${day}.zip`;
}

export function metricsZip(symbol: string, day: string, rows: readonly MetricsRow[]): Uint8Array {
  return zipSync({ [`${symbol}-metrics-${day}.csv`]: strToU8(metricsCsv(symbol, rows)) }, { mtime: new Date('2025-01-01T00:00:00Z') });
}
