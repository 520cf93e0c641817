/** lib/timeframe.ts durations: the one parser for spec lengths of time, and their conversion to bars per timeframe. */
import { describe, expect, test } from '@jest/globals';
import { barsDuration, durationBars, isDuration, parseDuration } from '../../lib/timeframe.js';
import { SpecError, exitCodeOf } from '../../lib/errors.js';

function specIssues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    expect(exitCodeOf(e)).toBe(3);
    return [...(e as SpecError).issues];
  }
  throw new Error('expected a SpecError');
}

describe('durations', () => {
  test('parseDuration: a whole number and a unit m, h, d, w', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('4h')).toBe(14_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
    for (const bad of ['', '0h', '1.5h', '1H', 'h', '1y', '01h', ' 1h', '12']) expect(isDuration(bad)).toBe(false);
    expect(specIssues(() => parseDuration('1.5h', 'spec/x.yaml:3:7 hold'))).toEqual(['spec/x.yaml:3:7 hold: not a duration: "1.5h"']);
  });

  test('durationBars: 1h is 12 bars at 5m, 4 at 15m, 1 at 1h; 1d is 288, 96, 24, 6 at 5m, 15m, 1h, 4h', () => {
    expect(durationBars('1h', '5m')).toBe(12);
    expect(durationBars('1h', '15m')).toBe(4);
    expect(durationBars('1h', '1h')).toBe(1);
    expect([('5m'), '15m', '1h', '4h'].map((tf) => durationBars('1d', tf as never))).toEqual([288, 96, 24, 6]);
    expect(durationBars('1w', '5m')).toBe(2016);
  });

  test('a duration that is not a whole number of bars is a located SpecError with the next step', () => {
    expect(specIssues(() => durationBars('5m', '1h', 'spec/concepts/default.yaml:23:16 concept x horizons[0]'))).toEqual([
      'spec/concepts/default.yaml:23:16 concept x horizons[0]: 5m is not a whole number of 1h bars (0.0833 bars)',
    ]);
    let hint = '';
    try {
      durationBars('6h', '4h');
    } catch (e) {
      hint = (e as SpecError).hint ?? '';
    }
    expect(hint).toBe('use a multiple of 4h (4h, 8h, 12h, ...), or run a finer --backtest_timeframe');
  });

  test('barsDuration names bars in the largest whole unit (the inverse of durationBars)', () => {
    expect(barsDuration(288, '5m')).toBe('1d');
    expect(barsDuration(576, '5m')).toBe('2d');
    expect(barsDuration(2016, '5m')).toBe('1w');
    expect(barsDuration(18, '5m')).toBe('90m');
    for (const d of ['30m', '4h', '1d', '3d', '2w']) expect(barsDuration(durationBars(d, '5m'), '5m')).toBe(d);
  });
});
