import { UsageError } from './errors.js';

/** Bar sizes we support, in milliseconds. Binance's interval names; markets trade 24/7. */
export const TIMEFRAME_MS = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
} as const;
export type Timeframe = keyof typeof TIMEFRAME_MS;
export const TIMEFRAMES = Object.keys(TIMEFRAME_MS) as Timeframe[];

const YEAR_MS = 365.25 * 86_400_000;

export function isTimeframe(s: string): s is Timeframe {
  return Object.prototype.hasOwnProperty.call(TIMEFRAME_MS, s);
}

export function parseTimeframe(s: string, where = 'timeframe'): Timeframe {
  if (!isTimeframe(s)) {
    throw new UsageError(`${where}: unknown interval ${JSON.stringify(s)}. Available: ${TIMEFRAMES.join(', ')}`);
  }
  return s;
}

export function timeframeMs(tf: Timeframe): number {
  return TIMEFRAME_MS[tf];
}

/** Bars per year for a 24/7 market (365.25 days), used to annualize. 5m -> 105,192. */
export function barsPerYear(tf: Timeframe): number {
  return YEAR_MS / TIMEFRAME_MS[tf];
}

/** True when `coarse` is a whole multiple of `fine` and aligned to the UTC day (resampling is exact). */
export function canResample(fine: Timeframe, coarse: Timeframe): boolean {
  const f = TIMEFRAME_MS[fine];
  const c = TIMEFRAME_MS[coarse];
  return c >= f && c % f === 0 && 86_400_000 % c === 0;
}

/** Start of the UTC month containing ts, as 'YYYY-MM' (the lake's partition key). */
export function monthKey(tsMs: number): string {
  const d = new Date(tsMs);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function monthStartMs(key: string): number {
  const [y, m] = key.split('-').map(Number) as [number, number];
  return Date.UTC(y, m - 1, 1);
}

export function nextMonthStartMs(key: string): number {
  const [y, m] = key.split('-').map(Number) as [number, number];
  return Date.UTC(y, m, 1);
}

export function isoMs(tsMs: number): string {
  return new Date(tsMs).toISOString();
}
