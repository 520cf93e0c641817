/**
 * Observation schedules of the synthetic market: funding settlements, hourly open interest, daily market cap.
 * Each observation at time T is filled from the generator's state at the last bar close at or before T (or at
 * start_ms), so nothing observed at T depends on prices after T.
 */

/** Multiples of stepMs in [startMs, endMs) (funding: a settlement at start_ms is included). */
export function timesFrom(startMs: number, endMs: number, stepMs: number): Float64Array {
  const first = Math.ceil(startMs / stepMs) * stepMs;
  const n = first < endMs ? Math.floor((endMs - 1 - first) / stepMs) + 1 : 0;
  return grid(first, stepMs, n);
}

/** Multiples of stepMs in (startMs, endMs] (values known at the close of a period: open interest, market cap). */
export function timesAfter(startMs: number, endMs: number, stepMs: number): Float64Array {
  const first = Math.floor(startMs / stepMs) * stepMs + stepMs;
  const n = first <= endMs ? Math.floor((endMs - first) / stepMs) + 1 : 0;
  return grid(first, stepMs, n);
}

function grid(first: number, stepMs: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = first + i * stepMs;
  return out;
}

/** A schedule with a cursor, taking its times in order. */
export class Schedule {
  private next = 0;
  constructor(readonly times: Float64Array) {}

  /** The index of the next observation due before horizonMs, or -1; advances the cursor when one is returned. */
  takeBefore(horizonMs: number): number {
    if (this.next < this.times.length && this.times[this.next]! < horizonMs) return this.next++;
    return -1;
  }
}
