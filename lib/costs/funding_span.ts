/**
 * The tradable span of a perpetual: the time its funding series covers (docs/strategy.md "Funding coverage").
 *
 * A settlement at T is paid by the position held at T; the engine and the bridge charge a holding over (a, b] every
 * settlement T with a < T <= b. With cleaned settlements T_0 < ... < T_N (interval_hours = the spacing before each
 * row, the first row taking the spacing to the next), the settlements NOT in the data nearest to them are
 * T_0 - I_0 and T_N + I_N. So a holding over (a, b] is fully priced iff
 *
 *     start_ms = T_0 - I_0 <= a   and   b < end_ms = T_N + I_N
 *
 * (the same rule lib/research/bridge.ts fundingSum applies), and bar t (held over (open_t, open_t + tf]) is holdable
 * iff start_ms <= open_t and open_t + tf < end_ms. A missing or non-positive interval counts 0 (only the
 * settlements themselves are known). Outside the span a perpetual is not traded: no entry, and a position still
 * open after the last holdable bar is closed at that bar's end (the next bar's open). A gap inside the span (two
 * settlements more than 24 h apart) is missing data, not a span boundary: callers keep it an error.
 */
import { DataError } from '../errors.js';

const HOUR_MS = 3_600_000;

/** A perpetual with no funding rows while funding is enabled: the one message of the bridge and the walk-forward. */
export function noFundingError(instrument: string, file: string): DataError {
  return new DataError(`${instrument}: no funding rows for a perpetual while funding is enabled`, { file, field: 'funding_rate' }, {
    hint: 'ingest and clean the funding history of this instrument; if it is a spot dataset ingested as perps, reingest with --set ingest.binance_vision.market=spot; or set funding.enabled: false in spec/costs.yaml',
  });
}

/** Holdings over (a, b] with start_ms <= a and b < end_ms are priced by the funding series. */
export interface TradableSpan {
  start_ms: number;
  end_ms: number;
}

/** The span a funding series covers; undefined when it has no rows (a perpetual without funding: callers' error). */
export function fundingSpan(f: { ts_ms: Float64Array; interval_hours: Float64Array }): TradableSpan | undefined {
  const n = f.ts_ms.length;
  if (n === 0) return undefined;
  const iv = (k: number): number => {
    const h = f.interval_hours[k]!;
    return h > 0 && Number.isFinite(h) ? h * HOUR_MS : 0;
  };
  return { start_ms: f.ts_ms[0]! - iv(0), end_ms: f.ts_ms[n - 1]! + iv(n - 1) };
}

/** True when a holding over (entryTs, exitTs] is inside the span (every settlement it pays is known). */
export function holdCovered(span: TradableSpan, entryTs: number, exitTs: number): boolean {
  return span.start_ms <= entryTs && exitTs < span.end_ms;
}

/**
 * The holdable bars of a grid (bar t held over (ts[t], ts[t] + tfMs]): the first and last index, or first > last
 * when none is. The span is one interval, so the holdable bars are the contiguous range [first, last].
 */
export function holdableRange(span: TradableSpan, ts_ms: Float64Array, tfMs: number): { first: number; last: number } {
  const n = ts_ms.length;
  let first = 0;
  while (first < n && !holdCovered(span, ts_ms[first]!, ts_ms[first]! + tfMs)) first++;
  let last = n - 1;
  while (last >= first && !holdCovered(span, ts_ms[last]!, ts_ms[last]! + tfMs)) last--;
  return { first, last };
}

/** One perpetual whose bars reach outside its tradable span (walk-forward summary.json `cut_instruments`). */
export interface CutInstrument {
  instrument: string;
  /** The funding span (TradableSpan): holdings priced from start to (excluding) end. */
  tradable_start_ms: number;
  tradable_end_ms: number;
  /** The instrument's cleaned bars: first bar open, last bar close. */
  bars_start_ms: number;
  bars_end_ms: number;
  /** Bars a run could hold (all but the final bar) that lie outside the span: not traded. */
  cut_bars: number;
  reason: string;
}

/**
 * The cut of an instrument with bars [barsStart, barsEnd) (first open, last close, spacing tfMs) and funding span
 * `span`, or undefined when every bar a run can hold is holdable. The final bar is never held (every run has closed
 * by its open: walk-forward entries stop two bars before the end, a bridge hold ends at a bar's open), so a span
 * ending at the final bar's close (the usual case: the next settlement is due then) cuts nothing.
 */
export function spanCut(instrument: string, span: TradableSpan, barsStart: number, barsEnd: number, tfMs: number): CutInstrument | undefined {
  const nBars = Math.max(0, Math.round((barsEnd - barsStart) / tfMs) - 1); // the bars a run can hold
  const ts = new Float64Array(nBars);
  for (let t = 0; t < nBars; t++) ts[t] = barsStart + t * tfMs;
  const { first, last } = holdableRange(span, ts, tfMs);
  const held = last >= first ? last - first + 1 : 0;
  if (held === nBars) return undefined;
  const iso = (x: number): string => new Date(x).toISOString();
  const why: string[] = [];
  if (held === 0) why.push(`its funding covers [${iso(span.start_ms)}, ${iso(span.end_ms)}), no bar of ${iso(barsStart)} .. ${iso(barsEnd)}`);
  else {
    if (first > 0) why.push(`funding starts after the bars (covered from ${iso(span.start_ms)}, bars from ${iso(barsStart)}): ${first} bars before it not traded`);
    if (last < nBars - 1) why.push(`funding ends before the bars (covered until ${iso(span.end_ms)}, bars until ${iso(barsEnd)}): ${nBars - 1 - last} bars after it not traded, positions closed at ${iso(ts[last]! + tfMs)}`);
  }
  return {
    instrument, tradable_start_ms: span.start_ms, tradable_end_ms: span.end_ms, bars_start_ms: barsStart, bars_end_ms: barsEnd,
    cut_bars: nBars - held, reason: why.join('; '),
  };
}
