/**
 * Walk-forward windows over one bar grid of n bars (indices 0..n-1, half-open ranges [start, end)).
 *
 *   rolling:   train [k s, k s + train)                      embargo   test [train end + embargo, + test)
 *   anchored:  train [0,   train + k s)                       embargo   test [train end + embargo, + test)
 *
 * s = step (default: test, so the test windows tile the period without overlap). Windows are generated for
 * k = 0, 1, ... while the test window ends inside the data. A trailing remainder shorter than a whole test window
 * is traded as a shorter last test window (its train window and embargo are whole) when `min_last_test_bars` is set,
 * the remainder after the embargo has at least that many bars and the test windows tile the period (step = test);
 * otherwise it is not traded (it is reported as `unused_bars`). The embargo separates train from test so that a trade (or a
 * forward-return label) opened at the end of the train window cannot reach into the test window: it must be at
 * least the longest holding period of the candidates (checked by the caller, who knows the blueprints).
 */
import { DataError } from '../errors.js';

export const WINDOW_MODES = ['rolling', 'anchored'] as const;
export type WindowMode = (typeof WINDOW_MODES)[number];

export interface WindowSpec {
  mode: WindowMode;
  train_bars: number;
  test_bars: number;
  embargo_bars: number;
  /** Bars between consecutive windows' starts; default test_bars. */
  step_bars?: number;
  /**
   * Trade the trailing remainder as a shorter last test window when it has at least this many test bars (and the
   * windows tile: step = test). Unset: whole test windows only.
   */
  min_last_test_bars?: number;
}

export interface WfWindow {
  index: number;
  trainStart: number;
  trainEnd: number; // exclusive
  testStart: number;
  testEnd: number; // exclusive
}

export interface WindowPlan {
  windows: WfWindow[];
  /** Bars after the last test window (not traded out of sample). */
  unused_bars: number;
}

/**
 * The windows of `spec` over n bars. A spec whose first window (train + embargo + test) does not fit the data is a
 * DataError naming `where` (e.g. the stage parameters), every length in bars and the data length.
 */
export function makeWindows(n: number, spec: WindowSpec, where = 'walkforward'): WindowPlan {
  const step = spec.step_bars ?? spec.test_bars;
  for (const [k, v] of [['train_bars', spec.train_bars], ['test_bars', spec.test_bars], ['step_bars', step]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new DataError(`${k} must be an integer >= 1`, { file: where, field: k, value: v });
  }
  if (spec.min_last_test_bars !== undefined && !(Number.isInteger(spec.min_last_test_bars) && spec.min_last_test_bars >= 1)) {
    throw new DataError('min_last_test_bars must be an integer >= 1', { file: where, field: 'min_last_test_bars', value: spec.min_last_test_bars });
  }
  if (!(Number.isInteger(spec.embargo_bars) && spec.embargo_bars >= 0)) {
    throw new DataError('embargo_bars must be an integer >= 0', { file: where, field: 'embargo_bars', value: spec.embargo_bars });
  }
  const need = spec.train_bars + spec.embargo_bars + spec.test_bars;
  if (need > n) {
    throw new DataError(
      `walk-forward window longer than the data: train ${spec.train_bars} + embargo ${spec.embargo_bars} + test ${spec.test_bars} = ${need} bars, the data has ${n} bars`,
      { file: where, field: 'train_bars', value: spec.train_bars },
      { hint: 'shorten train_days/test_days or use more data' },
    );
  }
  const windows: WfWindow[] = [];
  for (let k = 0; ; k++) {
    const trainStart = spec.mode === 'rolling' ? k * step : 0;
    const trainEnd = spec.mode === 'rolling' ? trainStart + spec.train_bars : spec.train_bars + k * step;
    const testStart = trainEnd + spec.embargo_bars;
    const testEnd = testStart + spec.test_bars;
    if (testEnd > n) {
      const min = spec.min_last_test_bars;
      if (min !== undefined && step === spec.test_bars && n - testStart >= min) windows.push({ index: k, trainStart, trainEnd, testStart, testEnd: n });
      break;
    }
    windows.push({ index: k, trainStart, trainEnd, testStart, testEnd });
  }
  const last = windows[windows.length - 1]!;
  return { windows, unused_bars: n - last.testEnd };
}
