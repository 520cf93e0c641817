/**
 * resample: a cleaned grid at `fromTf` -> the coarser grid at `toTf`, buckets aligned to UTC (bucket start =
 * floor(ts / toMs) * toMs, so 1h buckets start at :00 and 1d buckets at 00:00 UTC).
 *
 * Per bucket, over its PRESENT constituents only (missing rows contribute nothing; nothing is filled):
 * open = first open, high = max, low = min, close = last close; volume, quote_volume, trades, taker_buy_base and
 * taker_buy_quote are sums. A sum is NaN when ANY present constituent has NaN in that column: a sum over part of the
 * bucket would understate it silently (sources either carry an optional column or not, so this is rare and honest).
 * Flags: n_source_bars = present constituents; is_missing = none present (OHLCV NaN); is_partial = some but fewer
 * than toMs / fromMs (a bucket cut by the series start or end, or with a gap inside); is_zero_volume = present and
 * summed volume == 0; is_outlier = any constituent flagged.
 */
import { UsageError } from '../errors.js';
import type { BarColumns } from '../market.js';
import { canResample, timeframeMs, type Timeframe } from '../timeframe.js';
import { checkLengths, emptyFlags, nanBars, type CleanFlags } from './types.js';

export interface ResampledBars {
  bars: BarColumns;
  flags: CleanFlags;
}


export function resample(bars: BarColumns, flags: CleanFlags, fromTf: Timeframe, toTf: Timeframe): ResampledBars {
  if (!canResample(fromTf, toTf)) {
    throw new UsageError(
      `resample: cannot resample ${fromTf} bars to ${toTf}: the target must be a whole multiple of the source ` +
        'that divides the UTC day (e.g. 5m -> 15m, 1h, 4h, 1d)',
    );
  }
  const n = bars.ts_ms.length;
  checkLengths('resample', n, { ...bars, ...flags });
  const fromMs = timeframeMs(fromTf);
  const toMs = timeframeMs(toTf);
  checkInputGrid(bars.ts_ms, fromTf, fromMs);
  if (n === 0) return { bars: nanBars(0), flags: emptyFlags(0) };

  const b0 = Math.floor(bars.ts_ms[0]! / toMs) * toMs;
  const m = (Math.floor(bars.ts_ms[n - 1]! / toMs) * toMs - b0) / toMs + 1;
  const out = nanBars(m);
  const of = emptyFlags(m);
  for (let k = 0; k < m; k++) out.ts_ms[k] = b0 + k * toMs;

  // The columns in locals and one statement per summed column (volume, quote_volume, trades, taker_buy_base,
  // taker_buy_quote): a loop over their names made every access a keyed property load. Same operations in the same
  // row order, so the same values.
  const { open, high, low, close, volume, quote_volume, trades, taker_buy_base, taker_buy_quote } = bars;
  const o = out;
  const [oOpen, oHigh, oLow, oClose] = [o.open, o.high, o.low, o.close];
  const [sVol, sQv, sTr, sTbb, sTbq] = [o.volume, o.quote_volume, o.trades, o.taker_buy_base, o.taker_buy_quote];
  const missing = flags.is_missing;
  const outlier = flags.is_outlier;
  const nSrc = of.n_source_bars;
  const oOutlier = of.is_outlier;
  for (let i = 0; i < n; i++) {
    if (missing[i] !== 0) continue;
    const k = (Math.floor(bars.ts_ms[i]! / toMs) * toMs - b0) / toMs;
    if (nSrc[k] === 0) {
      oOpen[k] = open[i]!;
      oHigh[k] = high[i]!;
      oLow[k] = low[i]!;
      sVol[k] = volume[i]!;
      sQv[k] = quote_volume[i]!;
      sTr[k] = trades[i]!;
      sTbb[k] = taker_buy_base[i]!;
      sTbq[k] = taker_buy_quote[i]!;
    } else {
      if (high[i]! > oHigh[k]!) oHigh[k] = high[i]!;
      if (low[i]! < oLow[k]!) oLow[k] = low[i]!;
      // NaN + x = NaN: any NaN constituent makes the sum NaN
      sVol[k] = sVol[k]! + volume[i]!;
      sQv[k] = sQv[k]! + quote_volume[i]!;
      sTr[k] = sTr[k]! + trades[i]!;
      sTbb[k] = sTbb[k]! + taker_buy_base[i]!;
      sTbq[k] = sTbq[k]! + taker_buy_quote[i]!;
    }
    oClose[k] = close[i]!;
    nSrc[k]!++;
    if (outlier[i] !== 0) oOutlier[k] = 1;
  }

  const full = toMs / fromMs;
  for (let k = 0; k < m; k++) {
    const c = of.n_source_bars[k]!;
    if (c === 0) of.is_missing[k] = 1;
    else if (c < full) of.is_partial[k] = 1;
    if (c > 0 && out.volume[k] === 0) of.is_zero_volume[k] = 1;
  }
  return { bars: out, flags: of };
}

/** The input must be a cleaned grid: strictly increasing open times on the fromTf grid (gaps allowed). */
function checkInputGrid(ts: Float64Array, tf: Timeframe, tfMs: number): void {
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (!(Number.isInteger(t) && t % tfMs === 0) || (i > 0 && !(t > ts[i - 1]!))) {
      throw new UsageError(
        `resample: row ${i} ts_ms ${t} is not a strictly increasing ${tf} open time; ` +
          'resample only the output of alignToGrid for that timeframe',
      );
    }
  }
}
