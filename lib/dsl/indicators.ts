/**
 * Blueprint indicators, computed once per instrument over the whole series, causally: the value at bar t reads
 * inputs at bars <= t only (the lib/features rolling primitives, plus an EMA here). Conventions as lib/features:
 * NaN = missing; burn-in is NaN until the window is full; a window holding a missing value is NaN; standard
 * deviations are population ones (divisor n); a constant window has a NaN z-score.
 */
import { DataError } from '../errors.js';
import { rollingMean, rollingStd, rollingZscore } from '../stats/rolling.js';
import type { IndicatorSpec } from './types.js';

const { log } = Math;
const NAN = Number.NaN;

/**
 * Computes `specs` in order; each reads `columns[input]` (bar columns and features) or an earlier indicator.
 * Returns the indicator columns by name. `where` names the blueprint for messages.
 */
export function computeIndicators(
  specs: readonly IndicatorSpec[], columns: Readonly<Record<string, Float64Array>>, where: string,
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const s of specs) {
    const x = out[s.input] ?? columns[s.input];
    if (x === undefined) throw new DataError(`input of indicator ${s.name} is not available`, { file: where, field: s.input });
    out[s.name] = indicator(s, x);
  }
  return out;
}

function indicator(s: IndicatorSpec, x: Float64Array): Float64Array {
  const w = s.window ?? 0;
  switch (s.kind) {
    case 'sma':
      return rollingMean(x, w);
    case 'ema':
      return ema(x, w);
    case 'zscore':
      return rollingZscore(x, w);
    case 'rolling_std':
      return rollingStd(x, w);
    case 'log_price':
      return logOf(x);
  }
}

/** ln(x), NaN where x is missing or not > 0. */
export function logOf(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const v = x[t]!;
    out[t] = v > 0 && v < Infinity ? log(v) : NAN;
  }
  return out;
}

/**
 * Exponential moving average, alpha = 2 / (n + 1), seeded with the simple mean of the first n finite values of a
 * run (NaN before). A missing input gives NaN and restarts the seeding, like a window holding a missing value: the
 * EMA never carries state across a gap.
 */
export function ema(x: Float64Array, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`ema window must be an integer >= 1, was ${n}`);
  const alpha = 2 / (n + 1);
  const out = new Float64Array(x.length);
  let run = 0;
  let sum = 0;
  let e = NAN;
  for (let t = 0; t < x.length; t++) {
    const v = x[t]!;
    if (v - v !== 0) {
      run = 0; sum = 0; e = NAN;
      out[t] = NAN;
      continue;
    }
    if (run < n) {
      sum += v;
      run++;
      if (run === n) e = sum / n;
      out[t] = run === n ? e : NAN;
    } else {
      e += alpha * (v - e);
      out[t] = e;
    }
  }
  return out;
}
