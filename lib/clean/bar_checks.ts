/**
 * Row-level checks of raw bars. Each throws a DataError naming file:line, the field and the value; the happy path
 * allocates nothing (these run once per raw row).
 */
import { DataError } from '../errors.js';
import type { BarColumns } from '../market.js';
import { isoMs, type Timeframe } from '../timeframe.js';
import { rowLocation, type CleanContext, type SourceColumns } from './types.js';

/** Throws unless raw.ts_ms[i] is an integer millisecond on the `tf` grid (open time = k * tfMs). */
export function checkBarTime(
  raw: BarColumns, src: SourceColumns, i: number, tf: Timeframe, tfMs: number, ctx: CleanContext,
): void {
  const ts = raw.ts_ms[i]!;
  if (Number.isInteger(ts) && ts % tfMs === 0) return;
  const where = { ...rowLocation(src, i), field: 'ts_ms', value: ts };
  if (!Number.isInteger(ts)) {
    throw new DataError(`${ctx.instrument}: bar open time is not an integer millisecond`, where, {
      hint: 'ts_ms must be the bar OPEN time in integer UTC milliseconds; check the ingest parser for this file',
    });
  }
  throw new DataError(
    `${ctx.instrument}: bar open time is not on the ${tf} grid (ts_ms % ${tfMs} = ${ts % tfMs})`,
    where,
    { hint: offGridHint(ts, tf, tfMs) },
  );
}

function offGridHint(ts: number, tf: Timeframe, tfMs: number): string {
  if (Math.abs(ts) >= 1e14) {
    return 'the value looks like MICROseconds (Binance spot files from 2025 on use them): divide by 1000 at ingest';
  }
  if (Math.abs(ts) < 1e11) return 'the value looks like SECONDS: multiply by 1000 at ingest';
  if ((ts + 1) % tfMs === 0) {
    return `the value looks like a bar CLOSE time (open + interval - 1 ms); use the open time column`;
  }
  return `wrong interval or unit: is this file really ${tf} bars, in milliseconds (near ${isoMs(ts)})?`;
}

/**
 * Throws unless the prices are finite and > 0, low <= open, close <= high, volume is finite and >= 0, and the
 * optional columns are NaN (absent) or >= 0.
 */
export function checkBarValues(raw: BarColumns, src: SourceColumns, i: number, ctx: CleanContext): void {
  const o = raw.open[i]!;
  const h = raw.high[i]!;
  const l = raw.low[i]!;
  const c = raw.close[i]!;
  const v = raw.volume[i]!;
  // Fast path: NaN fails every comparison, so a single chain catches non-finite and ordering errors alike.
  if (
    l > 0 && l <= o && l <= c && h >= o && h >= c && h < Infinity && v >= 0 && v < Infinity &&
    optionalOk(raw.quote_volume[i]!) && optionalOk(raw.trades[i]!) &&
    optionalOk(raw.taker_buy_base[i]!) && optionalOk(raw.taker_buy_quote[i]!)
  ) {
    return;
  }
  failBarValues(raw, src, i, ctx);
}

function optionalOk(x: number): boolean {
  return x !== x || (x >= 0 && x < Infinity);
}

function failBarValues(raw: BarColumns, src: SourceColumns, i: number, ctx: CleanContext): never {
  const loc = rowLocation(src, i);
  const bad = (field: string, value: number, what: string, hint: string): never => {
    throw new DataError(`${ctx.instrument}: ${what}`, { ...loc, field, value }, { hint });
  };
  const fix = 're-download or repair this source file; the clean stage never guesses a price';
  for (const f of ['open', 'high', 'low', 'close'] as const) {
    const x = raw[f][i]!;
    if (!(x > 0 && x < Infinity)) bad(f, x, 'price must be a finite number > 0', fix);
  }
  const v = raw.volume[i]!;
  if (!(v >= 0 && v < Infinity)) bad('volume', v, 'volume must be a finite number >= 0', fix);
  for (const f of ['quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote'] as const) {
    const x = raw[f][i]!;
    if (!optionalOk(x)) bad(f, x, 'must be a finite number >= 0 (or absent)', fix);
  }
  const o = raw.open[i]!;
  const c = raw.close[i]!;
  const h = raw.high[i]!;
  const l = raw.low[i]!;
  if (h < Math.max(o, c, l)) {
    bad('high', h, `high is below max(open, close, low) = ${Math.max(o, c, l)}`, `${fix} (are columns swapped?)`);
  }
  return bad('low', l, `low is above min(open, close) = ${Math.min(o, c)}`, `${fix} (are columns swapped?)`);
}
