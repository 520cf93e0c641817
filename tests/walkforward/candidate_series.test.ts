/**
 * A return series for every plan candidate (lib/walkforward/candidate_series.ts): its occurrences traded as claimed
 * (sign s from open t+1 to open t+1+h), overlapping windows averaged, compounded into periods; pooled candidates
 * averaged over the members holding. Every number here is computed by hand.
 */
import { describe, expect, test } from '@jest/globals';
import { openSeries } from '../../lib/research/forward.js';
import { barPeriods, coarsen, occurrenceBarReturns, occurrencePeriodReturns, periodIndex, periodReturns, poolMembers } from '../../lib/walkforward/candidate_series.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';

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

describe('occurrencePeriodReturns (issue 12): the held bars only, equal to the per-bar path bit for bit', () => {
  test('random occurrences: overlapping, opposite, unsorted, outside the bars, across missing opens and skipped periods', () => {
    const rng = Xoshiro128ss.fromSeed(12, 3, 4);
    const n = 3000;
    const barMs = 5 * 60_000;
    const barTs = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * barMs);
    let px = 100;
    const opens = Float64Array.from({ length: n }, () => (px *= Math.exp(rng.normal() * 0.01)));
    for (const k of [17, 500, 501, 2222]) opens[k] = NaN;
    const o = openSeries(barTs, opens);
    // the grid's hours leave out a stretch of the bars (bars there have no period)
    const gridTs = Float64Array.from([...barTs].filter((t, i) => i < 1000 || i >= 1300));
    const hours = periodIndex(gridTs, HOUR);
    const prepared = barPeriods(o, barTs, hours);
    for (const h of [1, 3, 12, 48]) {
      const m = 200;
      const t = Int32Array.from({ length: m }, () => Math.floor(rng.uniform() * (n + 20)) - 10);
      if (h === 12) t.sort(); // sorted once, unsorted otherwise
      const s = Int8Array.from({ length: m }, () => (rng.uniform() < 0.5 ? -1 : 1));
      const bars = occurrenceBarReturns(o, t, s, h);
      const want = periodReturns(barTs, bars.r, bars.holding, hours);
      const got = occurrencePeriodReturns(prepared, t, s, h);
      expect(Array.from(got.held)).toEqual(Array.from(want.held));
      let bad = 0;
      for (let k = 0; k < want.r.length; k++) if (!Object.is(got.r[k], want.r[k])) bad++;
      expect(bad).toBe(0);
      expect(want.held.some((x) => x === 1)).toBe(true);
    }
  });

  test('no occurrence: no period held, every return 0', () => {
    const o = openSeries(ts, open);
    const got = occurrencePeriodReturns(barPeriods(o, ts, periodIndex(ts, HOUR)), new Int32Array(0), new Int8Array(0), 2);
    expect(Array.from(got.r)).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(got.held)).toEqual([0, 0, 0, 0, 0]);
  });
});
