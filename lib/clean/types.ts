/**
 * Shapes shared by the Clean stage's pure functions (no I/O here).
 *
 * Every raw row carries where it came from (`SourceColumns`), so that any data error can name the file and line.
 * Every cleaned row carries `CleanFlags`: the grid never hides a problem, it marks it.
 */
import { UsageError } from '../errors.js';
import type { BarColumns } from '../market.js';

/** Row i of a raw table came from `files[file_idx[i]]`, line `line[i]` (1-based, as an editor shows it). */
export interface SourceColumns {
  files: string[];
  file_idx: Int32Array;
  line: Int32Array;
}

/**
 * Per-row flags of a cleaned bar table (same length as its BarColumns).
 * - is_missing: no source bar for this grid slot; OHLCV are NaN (never forward-filled).
 * - is_zero_volume: a present bar whose (summed) volume is exactly 0.
 * - is_outlier: point-in-time robust outlier (see flags.ts); prices are left untouched.
 * - is_partial: a resampled bucket with fewer present constituents than the full count (0 at the base timeframe).
 * - n_source_bars: present constituents (base timeframe: 1, or 0 when missing).
 */
export interface CleanFlags {
  is_missing: Uint8Array;
  is_zero_volume: Uint8Array;
  is_outlier: Uint8Array;
  is_partial: Uint8Array;
  n_source_bars: Int32Array;
}

export function emptyFlags(n: number): CleanFlags {
  return {
    is_missing: new Uint8Array(n),
    is_zero_volume: new Uint8Array(n),
    is_outlier: new Uint8Array(n),
    is_partial: new Uint8Array(n),
    n_source_bars: new Int32Array(n),
  };
}

export function copyFlags(f: CleanFlags): CleanFlags {
  return {
    is_missing: f.is_missing.slice(),
    is_zero_volume: f.is_zero_volume.slice(),
    is_outlier: f.is_outlier.slice(),
    is_partial: f.is_partial.slice(),
    n_source_bars: f.n_source_bars.slice(),
  };
}

/** Bar columns of n rows, every column NaN except ts_ms (0): a slot nobody writes stays missing. */
export function nanBars(n: number): BarColumns {
  const nan = () => new Float64Array(n).fill(NaN);
  return {
    ts_ms: new Float64Array(n), open: nan(), high: nan(), low: nan(), close: nan(), volume: nan(),
    quote_volume: nan(), trades: nan(), taker_buy_base: nan(), taker_buy_quote: nan(),
  };
}

/** Context used in messages. */
export interface CleanContext {
  instrument: string;
}

/** `file:line` of raw row i. */
export function rowLocation(src: SourceColumns, i: number): { file: string; line: number } {
  const file = src.files[src.file_idx[i]!] ?? `<file #${src.file_idx[i]}>`;
  return { file, line: src.line[i]! };
}

/** Orders two raw rows by (file name, line) so that messages naming both do not depend on input order. */
export function locationOrder(src: SourceColumns, a: number, b: number): [number, number] {
  const la = rowLocation(src, a);
  const lb = rowLocation(src, b);
  if (la.file < lb.file || (la.file === lb.file && la.line <= lb.line)) return [a, b];
  return [b, a];
}

/** Equality where NaN equals NaN (an absent optional column is absent in both rows). */
export function sameValue(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** Throws UsageError unless every column has length n (a caller bug, not bad data). */
export function checkLengths(what: string, n: number, cols: Record<string, { length: number }>): void {
  for (const [name, col] of Object.entries(cols)) {
    if (col.length !== n) {
      throw new UsageError(`${what}: column ${name} has ${col.length} rows, expected ${n} (same as ts_ms)`);
    }
  }
}
