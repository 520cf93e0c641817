/**
 * Forward returns of event occurrences (docs/research.md "Time" and "Discovery statistics"). Pure, O(n).
 *
 * Point-in-time rule: an event in the row of bar t (keyed by its OPEN time, known at its CLOSE) is tradeable at the
 * OPEN of bar t+1 at the earliest. The forward log return of horizon h is `ln(open[t+1+h] / open[t+1])`; an
 * occurrence counts only when every open in its window `[t+1, t+1+h]` exists (inside the data, not missing).
 */
import { DataError } from '../errors.js';

/** Why an occurrence was dropped. */
export interface DropCounts {
  /** the window [t+1, t+1+h] (or the event bar itself) lies outside the bars */
  outside: number;
  /** an open inside the window is missing (NaN: a grid slot with no source bar) */
  missing_open: number;
}

/** The kept occurrences of one candidate, in time order, and what was dropped. */
export interface Occurrences {
  /** event bar index t (the bar at whose close the event held) */
  t: Int32Array;
  /** trade sign s = direction * (fade ? -1 : +1) */
  s: Int8Array;
  /** y = s * ln(open[t+1+h] / open[t+1]) (natural log, not bps) */
  y: Float64Array;
  dropped: DropCounts;
}

/**
 * Log opens and a prefix count of missing opens of one instrument, computed once and shared by every candidate
 * and horizon. A non-positive, non-NaN open is bad data (DataError naming `where.file` and the bar time).
 */
export interface OpenSeries {
  n: number;
  logOpen: Float64Array;
  /** missingBefore[k] = number of missing opens among bars 0..k-1 (length n+1) */
  missingBefore: Int32Array;
}

export function openSeries(ts: Float64Array, open: Float64Array, where: { file: string } = { file: '<bars>' }): OpenSeries {
  const n = open.length;
  const logOpen = new Float64Array(n);
  const missingBefore = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) {
    const o = open[k]!;
    if (Number.isNaN(o)) {
      logOpen[k] = NaN;
      missingBefore[k + 1] = missingBefore[k]! + 1;
      continue;
    }
    if (!(o > 0) || !Number.isFinite(o)) {
      throw new DataError(`open price must be positive and finite at ts_ms ${ts[k]} (${new Date(ts[k]!).toISOString()})`, {
        file: where.file, field: 'open', value: o,
      }, { hint: 'rerun clean on this instrument; cleaned bars carry NULL for missing prices, never zero' });
    }
    logOpen[k] = Math.log(o);
    missingBefore[k + 1] = missingBefore[k]!;
  }
  return { n, logOpen, missingBefore };
}

/** True when bars a..b (inclusive, 0 <= a <= b < n) all have an open. */
function windowComplete(o: OpenSeries, a: number, b: number): boolean {
  return o.missingBefore[b + 1]! - o.missingBefore[a]! === 0;
}

/**
 * Bar index of each event time on a complete grid starting at `ts0` with step `tfMs`: (ts - ts0) / tfMs. An event
 * time that is not on the grid is a DataError naming `where.file`, the field ts_ms and the value. Indices outside
 * [0, nBars) are returned as they are (the caller counts them as `outside`).
 */
export function eventBarIndices(
  eventTs: Float64Array, ts0: number, tfMs: number, where: { file: string } = { file: '<events>' },
): Int32Array {
  const out = new Int32Array(eventTs.length);
  for (let i = 0; i < eventTs.length; i++) {
    const d = (eventTs[i]! - ts0) / tfMs;
    if (!Number.isInteger(d)) {
      throw new DataError(`event time is not on the ${tfMs} ms bar grid that starts at ${ts0}`, {
        file: where.file, field: 'ts_ms', value: eventTs[i],
      }, { hint: 'events must be keyed by the OPEN time of the bar they were detected on (same timeframe as the bars)' });
    }
    out[i] = Math.max(-1, Math.min(d, 2 ** 31 - 1));
  }
  return out;
}

/**
 * The occurrences of one candidate: for each event bar t_i (time order) with trade sign s_i, y_i = s_i *
 * ln(open[t_i+1+h] / open[t_i+1]). Dropped: windows leaving the data (`outside`), windows with a missing open.
 * h >= 1 bars.
 */
export function forwardOccurrences(o: OpenSeries, t: Int32Array, s: ArrayLike<number>, h: number): Occurrences {
  if (!Number.isInteger(h) || h < 1) throw new RangeError(`horizon must be an integer >= 1 bars, was ${h}`);
  const keepT: number[] = [];
  const keepS: number[] = [];
  const keepY: number[] = [];
  const dropped: DropCounts = { outside: 0, missing_open: 0 };
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!;
    const a = ti + 1;
    const b = ti + 1 + h;
    if (ti < 0 || b >= o.n) {
      dropped.outside++;
      continue;
    }
    if (!windowComplete(o, a, b)) {
      dropped.missing_open++;
      continue;
    }
    const si = s[i]!;
    keepT.push(ti);
    keepS.push(si);
    keepY.push(si * (o.logOpen[b]! - o.logOpen[a]!));
  }
  return { t: Int32Array.from(keepT), s: Int8Array.from(keepS), y: Float64Array.from(keepY), dropped };
}

/**
 * The unconditional drift: the mean h-bar forward log return ln(open[j+1+h] / open[j+1]) over EVERY bar j of the
 * instrument whose window [j+1, j+1+h] is inside the data with no missing open (the same rule as occurrences).
 * `count` is the number of windows averaged; NaN mean when there is none.
 */
export function unconditionalDrift(o: OpenSeries, h: number): { drift: number; count: number } {
  // Run by run of bars with an open (the same windows, added in the same order as testing each window j = a - 1):
  // between two missing opens every window [a, a + h] that fits is complete, so no per-window test is needed.
  const lo = o.logOpen;
  const mb = o.missingBefore;
  const n = o.n;
  let sum = 0;
  let count = 0;
  let a = 1; // first open of the window [a, a + h]
  while (a + h < n) {
    let miss = n; // the first missing open at or after a (n: none)
    if (mb[n]! - mb[a]! !== 0) for (miss = a; mb[miss + 1] === mb[miss]; miss++);
    const stop = miss - h; // windows starting before stop end before the missing open (or the data's end)
    for (let k = a; k < stop; k++) sum += lo[k + h]! - lo[k]!;
    if (stop > a) count += stop - a;
    a = miss + 1;
  }
  return { drift: count ? sum / count : NaN, count };
}

/** Trade sign of an event: direction (+1/-1) times -1 for a fade. Any other direction is a DataError. */
export function tradeSign(direction: number, expected: 'follow' | 'fade', where: { file: string } = { file: '<events>' }): 1 | -1 {
  if (direction !== 1 && direction !== -1) {
    throw new DataError('event direction must be +1 or -1', { file: where.file, field: 'direction', value: direction });
  }
  return (expected === 'fade' ? -direction : direction) as 1 | -1;
}
