/**
 * A return series for every plan candidate (lib/walkforward/candidate_series.ts): its occurrences traded as claimed
 * (sign s from open t+1 to open t+1+h), overlapping windows averaged, compounded into periods; pooled candidates
 * averaged over the members holding. Every number here is computed by hand.
 */
import { describe, expect, test } from '@jest/globals';
import { openSeries } from '../../lib/research/forward.js';
import { coarsen, occurrenceBarReturns, periodIndex, periodReturns, poolMembers } from '../../lib/walkforward/candidate_series.js';

const HOUR = 3_600_000;
const ts = Float64Array.from({ length: 10 }, (_, i) => i * 30 * 60_000); // 30-minute bars: 2 per hour
const open = Float64Array.from([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);

describe('occurrenceBarReturns', () => {
  test('a long at 1 and a short at 2 (h = 2): bar 2 long, bar 3 flat (the two cancel), bar 4 short; the rest 0', () => {
    const o = openSeries(ts, open);
    const { r, holding } = occurrenceBarReturns(o, Int32Array.from([1, 2]), Int8Array.from([1, -1]), 2);
    expect(Array.from(holding)).toEqual([0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(r[2]).toBeCloseTo(103 / 102 - 1, 14);
    expect(r[3]).toBe(0);
    expect(r[4]).toBeCloseTo(-(105 / 104 - 1), 14);
    expect(r[0]! + r[1]! + r[5]! + r[6]!).toBe(0);
  });

  test('an occurrence whose window leaves the bars, or crosses a missing open, is not traded (as discovery)', () => {
    const o = openSeries(ts, open);
    expect(Array.from(occurrenceBarReturns(o, Int32Array.from([7]), Int8Array.from([1]), 2).holding)).toEqual(new Array(10).fill(0));
    const gap = Float64Array.from(open);
    gap[4] = NaN;
    const g = occurrenceBarReturns(openSeries(ts, gap), Int32Array.from([2, 5]), Int8Array.from([1, 1]), 2);
    expect(Array.from(g.holding)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(g.r[6]).toBeCloseTo(107 / 106 - 1, 14);
  });
});

describe('periods', () => {
  test('bar returns compound into the hours of the grid; hours compound into coarser periods', () => {
    const hours = periodIndex(ts, HOUR);
    expect(Array.from(hours.starts)).toEqual([0, 1, 2, 3, 4].map((h) => h * HOUR));
    const r = Float64Array.from([0, 0, 0.01, 0.02, -0.01, 0, 0, 0, 0, 0]);
    const held = Uint8Array.from([0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    const p = periodReturns(ts, r, held, hours);
    expect(p.r[1]).toBeCloseTo(1.01 * 1.02 - 1, 14);
    expect(p.r[2]).toBeCloseTo(-0.01, 14);
    expect(Array.from(p.held)).toEqual([0, 1, 1, 0, 0]);
    const twoHours = periodIndex(ts, 2 * HOUR);
    const c = coarsen(p.r, hours, twoHours);
    expect(c[0]).toBeCloseTo(1.01 * 1.02 - 1, 14);
    expect(c[1]).toBeCloseTo(-0.01, 14);
  });

  test('a pooled candidate averages the members holding in each period (0 where none holds)', () => {
    const a = { r: Float64Array.from([0.01, 0, 0.03]), held: Uint8Array.from([1, 0, 1]) };
    const b = { r: Float64Array.from([0.03, 0, 0]), held: Uint8Array.from([1, 0, 0]) };
    expect(Array.from(poolMembers([a, b], 3))).toEqual([0.02, 0, 0.03]);
  });
});
