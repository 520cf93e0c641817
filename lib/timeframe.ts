import { SpecError, UsageError } from './errors.js';

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

const pad2 = (x: number) => (x < 10 ? '0' : '') + x;
/**
 * isoMs for long runs of timestamps (a CSV of half a million bars): the same strings, the `YYYY-MM-DDT` prefix
 * computed once per UTC day (the Date object and toISOString per row dominated writing such files).
 */
export function isoFormatter(): (tsMs: number) => string {
  let day = NaN;
  let prefix = '';
  return (tsMs) => {
    if (!Number.isInteger(tsMs) || tsMs < 0 || tsMs >= 253402300800000) return new Date(tsMs).toISOString();
    const d = Math.floor(tsMs / 86_400_000);
    if (d !== day) { day = d; prefix = new Date(d * 86_400_000).toISOString().slice(0, 11); }
    let r = tsMs - d * 86_400_000;
    const ms = r % 1000; r = (r - ms) / 1000;
    const sec = r % 60; r = (r - sec) / 60;
    const min = r % 60;
    const h = (r - min) / 60;
    return `${prefix}${pad2(h)}:${pad2(min)}:${pad2(sec)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  };
}

/**
 * A duration: a positive whole number and a unit, `m` (minutes), `h` (hours), `d` (days) or `w` (weeks): `30m`,
 * `4h`, `1d`, `2w`. Spec lengths of time (horizons, lookbacks, holds, embargoes) are durations so that a study
 * means the same at every timeframe; `durationBars` converts one to bars of a timeframe.
 */
export const DURATION_PATTERN = '^[1-9][0-9]*(m|h|d|w)$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

export function isDuration(s: unknown): s is string {
  return typeof s === 'string' && DURATION_RE.test(s);
}

/** Milliseconds of a duration; `where` (e.g. `spec/x.yaml:3:5 horizons[0]`) prefixes the error. */
export function parseDuration(s: string, where = 'duration'): number {
  if (!isDuration(s)) {
    throw new SpecError([`${where}: not a duration: ${JSON.stringify(s)}`], { hint: 'write a whole number and a unit m, h, d or w: 30m, 4h, 1d, 2w' });
  }
  return Number(s.slice(0, -1)) * UNIT_MS[s.slice(-1) as keyof typeof UNIT_MS];
}

/**
 * Bars of `tf` in the duration `s` (`1h` at 5m = 12). A duration that is not a whole number of bars (`5m` at 1h)
 * throws a SpecError (exit 3) like `parseDuration`, prefixed with `where`: callers pass the spec's file:line:col and the
 * field so the error is located.
 */
export function durationBars(s: string, tf: Timeframe, where = 'duration'): number {
  const ms = parseDuration(s, where);
  const bar = TIMEFRAME_MS[tf];
  if (ms % bar !== 0) {
    throw new SpecError([`${where}: ${s} is not a whole number of ${tf} bars (${+(ms / bar).toFixed(4)} bars)`], {
      hint: `use a multiple of ${tf} (${durationsOf(tf)}, ...), or run a finer --backtest_timeframe`,
    });
  }
  return ms / bar;
}

/** The duration for `bars` bars of `tf`, in the largest unit that keeps it whole (288 at 5m = `1d`). */
export function barsDuration(bars: number, tf: Timeframe): string {
  const ms = bars * TIMEFRAME_MS[tf];
  for (const u of ['w', 'd', 'h', 'm'] as const) if (ms % UNIT_MS[u] === 0) return `${ms / UNIT_MS[u]}${u}`;
  return `${ms / 60_000}m`;
}

function durationsOf(tf: Timeframe): string {
  return [1, 2, 3].map((k) => barsDuration(k, tf)).join(', ');
}
