/** Tiny hand-written fixtures for the Clean stage tests. */
import { emptyBars, type BarColumns } from '../../lib/market.js';
import type { SourceColumns } from '../../lib/clean/types.js';

export const T0 = Date.UTC(2025, 0, 1); // 2025-01-01T00:00:00Z = 1735689600000
export const M5 = 300_000;
export const H1 = 3_600_000;

/** One raw bar: [ts_ms, open, high, low, close, volume]. */
export type Row = [number, number, number, number, number, number];

/** BarColumns from rows (the optional Binance columns NaN, as in an OHLCV-only file). */
export function barsOf(rows: Row[]): BarColumns {
  const b = emptyBars(rows.length);
  rows.forEach(([t, o, h, l, c, v], i) => {
    b.ts_ms[i] = t;
    b.open[i] = o;
    b.high[i] = h;
    b.low[i] = l;
    b.close[i] = c;
    b.volume[i] = v;
  });
  return b;
}

/** Source columns: locs[i] = [file index, line] of row i. */
export function srcOf(files: string[], locs: [number, number][]): SourceColumns {
  return {
    files,
    file_idx: Int32Array.from(locs.map((l) => l[0])),
    line: Int32Array.from(locs.map((l) => l[1])),
  };
}

/** Rows 0..n-1 of a single file, lines 2..n+1 (line 1 is the header). */
export function oneFile(n: number, file = 'a.csv'): SourceColumns {
  return srcOf([file], Array.from({ length: n }, (_, i) => [0, i + 2] as [number, number]));
}

/** Deterministic pseudo-random numbers in [0, 1) (a 32-bit LCG; the seed is a parameter). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Captures the error a function throws (fails the test if it does not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw');
}
