/** lib/ingest/window.ts (the ingest window) and the file checks of lib/ingest/validate.ts added with it. */
import { describe, expect, test } from '@jest/globals';
import { SpecError, DataError } from '../../lib/errors.js';
import { describeWindow, parseUtcDate, parseWindow, sliceColumns, windowRange } from '../../lib/ingest/window.js';
import { checkNotEmpty, checkSpacing } from '../../lib/ingest/validate.js';

const M5 = 300_000;
const T0 = Date.UTC(2025, 0, 1);

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('parseUtcDate', () => {
  test.each([
    ['2025-01-01', T0],
    ['2025-02-28T13:45', Date.UTC(2025, 1, 28, 13, 45)],
    ['2024-02-29T00:00:01Z', Date.UTC(2024, 1, 29, 0, 0, 1)],
    ['2025-01-01T00:00:00.5Z', T0 + 500],
    ['2025-01-01T00:00:00.123+00:00', T0 + 123],
  ])('%s is %d ms (UTC)', (s, ms) => {
    expect(parseUtcDate(s, 'start')).toBe(ms);
  });

  test.each([
    ['2025-02-29', 'not a real calendar date and time'],
    ['2025-04-31', 'not a real calendar date and time'],
    ['2025-01-01T23:60', 'not a real calendar date and time'],
    ['2025-1-1', 'not an ISO date'],
    ['2025-01-01 00:00', 'not an ISO date'],
    ['2025-01-01T00:00:00-05:00', 'not an ISO date'],
    ['yesterday', 'not an ISO date'],
    ['', 'not an ISO date'],
  ])('%j is refused: %s', (s, what) => {
    const e = thrown(() => parseUtcDate(s, 'end'));
    expect(e).toBeInstanceOf(SpecError);
    expect(e.message).toBe(`ingest params end: ${what}${what.startsWith('not an ISO') ? ' or UTC datetime (YYYY-MM-DD[THH:MM[:SS[.mmm]][Z]])' : ''}, was ${JSON.stringify(s)}`);
  });
});

describe('parseWindow and windowRange', () => {
  test('open bounds are infinite; start must be before end', () => {
    expect(parseWindow(undefined, undefined)).toEqual({ startMs: -Infinity, endMs: Infinity });
    expect(parseWindow('2025-01-01', undefined)).toEqual({ startMs: T0, endMs: Infinity });
    expect(thrown(() => parseWindow('2025-01-02', '2025-01-01')).message).toContain('end: must be after start');
  });

  test('start inclusive, end exclusive', () => {
    const ts = Float64Array.from({ length: 10 }, (_, i) => T0 + i * M5);
    const w = { startMs: T0 + 2 * M5, endMs: T0 + 5 * M5 };
    expect(windowRange(ts, w)).toEqual([2, 5]);
    expect(windowRange(ts, { startMs: T0 + 2 * M5 + 1, endMs: T0 + 5 * M5 + 1 })).toEqual([3, 6]);
    expect(windowRange(ts, { startMs: T0 + 100 * M5, endMs: Infinity })).toEqual([10, 10]);
    expect(windowRange(ts, { startMs: -Infinity, endMs: T0 - 1 })).toEqual([0, 0]);
    const cut = sliceColumns({ ts_ms: ts, line: Int32Array.from({ length: 10 }, (_, i) => i + 2) }, 2, 5);
    expect(Array.from(cut.ts_ms)).toEqual([T0 + 2 * M5, T0 + 3 * M5, T0 + 4 * M5]);
    expect(Array.from(cut.line)).toEqual([4, 5, 6]);
    expect(describeWindow(w)).toEqual({ start: '2025-01-01T00:10:00.000Z', end: '2025-01-01T00:25:00.000Z', end_exclusive: true });
  });
});

describe('checkSpacing', () => {
  const src = { file: 'f.csv', lines: null };
  const ts = (steps: number[]) => {
    const out = [T0];
    for (const s of steps) out.push(out[out.length - 1]! + s);
    return Float64Array.from(out);
  };

  test('whole-interval steps with gaps and duplicates pass', () => {
    expect(() => checkSpacing(ts([M5, M5, 0, M5, 12 * M5, M5, M5]), '5m', src)).not.toThrow();
    expect(() => checkSpacing(ts([]), '5m', src)).not.toThrow();
    // a tie between the interval and another step passes (mostly the interval)
    expect(() => checkSpacing(ts([M5, 3 * M5]), '5m', src)).not.toThrow();
  });

  test('1h bars in a 5m file fail at the first step that is not 5m', () => {
    const e = thrown(() => checkSpacing(ts([M5, 12 * M5, 12 * M5, 12 * M5]), '5m', src, 'open_time', 'the file name'));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`f.csv:3 open_time: bars are 1h apart (3 of 4 steps; 1 at 5m) but the file name says 5m, was ${T0 + 13 * M5}`);
  });

  test('a step that is no timeframe is named in minutes', () => {
    expect(thrown(() => checkSpacing(ts([7 * 60_000, 7 * 60_000]), '5m', src)).message).toContain('bars are 7m apart');
  });
});

test('checkNotEmpty names the line after the header', () => {
  expect(() => checkNotEmpty(1, { file: 'a.csv', header: true }, 'kline', 'h')).not.toThrow();
  expect(thrown(() => checkNotEmpty(0, { file: 'a.csv', header: true }, 'kline', 'h')).message).toBe('a.csv:2 rows: no kline rows: the file holds only a header, was 0');
  expect(thrown(() => checkNotEmpty(0, { file: 'a.csv', header: false }, 'bar', 'h')).message).toBe('a.csv:1 rows: no bar rows: the file holds no rows, was 0');
});
