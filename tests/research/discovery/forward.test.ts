import { describe, expect, test } from '@jest/globals';
import { DataError } from '../../../lib/errors.js';
import { eventBarIndices, forwardOccurrences, openSeries, tradeSign, unconditionalDrift } from '../../../lib/research/forward.js';

// Hand series (docs/research.md "Time": an event at bar t is entered at the OPEN of t+1; y = s ln(open[t+1+h]/open[t+1])).
// Opens grow 10% per bar, bar 4 is missing, the last bars are 150, 160, 170.
const OPEN = Float64Array.from([100, 110, 121, 133.1, NaN, 150, 160, 170]);
const TS = Float64Array.from(OPEN, (_, k) => 1_000_000 + k * 60_000);
const O = openSeries(TS, OPEN);

describe('forward returns: entry at the next open', () => {
  test('y_i = s_i ln(open[t+1+h] / open[t+1]) exactly, never the open or close of the event bar', () => {
    const occ = forwardOccurrences(O, Int32Array.from([0, 1]), [1, -1], 2);
    // t=0: ln(open[3] / open[1]) = ln(133.1 / 110) = ln(1.21); t=1 short: -ln(open[4]/open[2]) -> open[4] missing: dropped.
    expect(Array.from(occ.t)).toEqual([0]);
    expect(occ.y[0]).toBeCloseTo(Math.log(1.21), 14);
    expect(occ.dropped).toEqual({ outside: 0, missing_open: 1 });
    // Changing the event bar's own open (known before the event) changes nothing: the trade starts at t+1.
    const o2 = OPEN.slice();
    o2[0] = 1;
    expect(forwardOccurrences(openSeries(TS, o2), Int32Array.from([0]), [1], 2).y[0]).toBe(occ.y[0]);
  });

  test('short sign, h = 1; windows leaving the data or touching a missing open are dropped and counted', () => {
    const occ = forwardOccurrences(O, Int32Array.from([-1, 0, 2, 3, 4, 5, 6]), [1, -1, 1, 1, 1, 1, 1], 1);
    // t=-1: before the data (outside). t=0 short: -ln(121/110) = -ln 1.1. t=2: window [3,4] has bar 4 missing.
    // t=3: window [4,5] missing. t=4: ln(160/150). t=5: ln(170/160). t=6: window [7, 8] leaves the 8 bars.
    expect(Array.from(occ.t)).toEqual([0, 4, 5]);
    expect(Array.from(occ.s)).toEqual([-1, 1, 1]);
    expect(occ.y[0]).toBeCloseTo(-Math.log(1.1), 14);
    expect(occ.y[1]).toBeCloseTo(Math.log(16 / 15), 14);
    expect(occ.y[2]).toBeCloseTo(Math.log(17 / 16), 14);
    expect(occ.dropped).toEqual({ outside: 2, missing_open: 2 });
  });

  test('the last usable event bar is n - 2 - h (exit at the last open)', () => {
    const occ = forwardOccurrences(O, Int32Array.from([4, 5]), [1, 1], 2);
    // t=4: [5, 7] inside -> ln(170/150); t=5: [6, 8] leaves the data.
    expect(occ.y[0]).toBeCloseTo(Math.log(170 / 150), 14);
    expect(occ.dropped.outside).toBe(1);
  });
});

describe('unconditional drift', () => {
  test('mean h-bar forward log return over every bar with a complete window (hand computed)', () => {
    // h=1, windows [j+1, j+2]: j=0 ln1.1, j=1 ln1.1, j=2/j=3 touch bar 4, j=4 ln(160/150), j=5 ln(170/160); j=6 leaves.
    const d = unconditionalDrift(O, 1);
    expect(d.count).toBe(4);
    expect(d.drift).toBeCloseTo((2 * Math.log(1.1) + Math.log(170 / 150)) / 4, 14);
    // h=2: j=0 ln(133.1/110) = ln 1.21; j=1..3 touch bar 4; j=4 ln(170/150); j=5 leaves.
    const d2 = unconditionalDrift(O, 2);
    expect(d2.count).toBe(2);
    expect(d2.drift).toBeCloseTo((Math.log(1.21) + Math.log(170 / 150)) / 2, 14);
  });

  test('run by run: bit for bit the per-window definition (missing opens first, last, adjacent, in runs shorter than h)', () => {
    // the definition, window by window: j = 0.., the window [j+1, j+1+h] inside the data with every open present
    const reference = (open: Float64Array, h: number) => {
      let sum = 0;
      let count = 0;
      for (let j = 0; j + 1 + h < open.length; j++) {
        let ok = true;
        for (let k = j + 1; k <= j + 1 + h; k++) if (Number.isNaN(open[k]!)) ok = false;
        if (!ok) continue;
        sum += Math.log(open[j + 1 + h]!) - Math.log(open[j + 1]!);
        count++;
      }
      return { drift: count ? sum / count : NaN, count };
    };
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const layouts: number[][] = [[], [0], [1], [2], [299], [298], [0, 1, 2], [50, 51, 60, 61, 62, 70], [10, 20, 30, 40, 50, 60, 70, 80, 90]];
    for (const missing of layouts) {
      const open = Float64Array.from({ length: 300 }, () => 100 * Math.exp(rnd() - 0.5));
      for (const k of missing) open[k] = NaN;
      const o = openSeries(Float64Array.from(open, (_, k) => k * 60_000), open);
      for (const h of [1, 2, 5, 9, 10, 11, 298, 299, 300]) {
        const want = reference(open, h);
        const got = unconditionalDrift(o, h);
        expect(got.count).toBe(want.count);
        expect(Object.is(got.drift, want.drift)).toBe(true);
      }
    }
  });

  test('no complete window: NaN, not zero', () => {
    expect(Number.isNaN(unconditionalDrift(O, 7).drift)).toBe(true);
  });
});

describe('grid and bad data', () => {
  test('event times map to bar indices; an off-grid time is a located DataError', () => {
    expect(Array.from(eventBarIndices(Float64Array.from([1_000_000, 1_120_000, 940_000]), 1_000_000, 60_000))).toEqual([0, 2, -1]);
    let err: unknown;
    try {
      eventBarIndices(Float64Array.from([1_000_000, 1_030_000]), 1_000_000, 60_000, { file: 'lake/events/x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/^lake\/events\/x ts_ms: event time is not on the 60000 ms bar grid.*, was 1030000$/);
  });

  test('a non-positive open is a DataError naming the file, field and value', () => {
    expect(() => openSeries(Float64Array.from([0, 1]), Float64Array.from([100, 0]), { file: 'bars/X' })).toThrow(/bars\/X open: .*was 0/);
  });

  test('trade sign: direction times -1 for a fade; other directions refused', () => {
    expect(tradeSign(1, 'follow')).toBe(1);
    expect(tradeSign(1, 'fade')).toBe(-1);
    expect(tradeSign(-1, 'fade')).toBe(1);
    expect(() => tradeSign(0, 'follow')).toThrow(DataError);
  });
});
