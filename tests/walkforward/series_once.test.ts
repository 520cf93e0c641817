/**
 * Issue 12: the walk-forward finds its grid's hours and days once (not per blueprint), and pools a candidate's members
 * as they are computed, into reused scratch arrays. Every value must equal the previous per-call loops bit for bit
 * (kept verbatim below): daily and hourly returns of random per-bar returns over a grid with missing bars and bars
 * outside the periods, and pooled candidates whose members are computed one after the other into the same scratch.
 */
import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { dailyReturns, dailyReturnsOn, utcDays } from '../../lib/stats/curve_metrics.js';
import { openSeries } from '../../lib/research/forward.js';
import {
  barPeriods, barPeriodsOf, MemberPool, occurrencePeriodReturns, periodIndex, periodReturns, periodReturnsOf, poolMembers,
} from '../../lib/walkforward/candidate_series.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** dailyReturns before the change, verbatim. */
function previousDaily(ts_ms: ArrayLike<number>, returns: ArrayLike<number>): { day_ms: Float64Array; returns: Float64Array } {
  const days: number[] = [];
  const rets: number[] = [];
  let cur = NaN;
  let g = 1;
  for (let t = 0; t < returns.length; t++) {
    const d = Math.floor(ts_ms[t]! / DAY) * DAY;
    if (d !== cur) {
      if (cur === cur) { days.push(cur); rets.push(g - 1); }
      cur = d;
      g = 1;
    }
    g *= 1 + returns[t]!;
  }
  if (cur === cur) { days.push(cur); rets.push(g - 1); }
  return { day_ms: Float64Array.from(days), returns: Float64Array.from(rets) };
}

/** periodReturns before the change, verbatim (its period lookup inlined). */
function previousPeriods(ts_ms: ArrayLike<number>, r: ArrayLike<number>, holding: ArrayLike<number>, idx: { periodMs: number; starts: Float64Array; index: Map<number, number> }) {
  const g = new Float64Array(idx.starts.length).fill(1);
  const held = new Uint8Array(idx.starts.length);
  for (let j = 0; j < r.length; j++) {
    if (!holding[j]) continue;
    const k = idx.index.get(Math.floor(ts_ms[j]! / idx.periodMs) * idx.periodMs) ?? -1;
    if (k < 0) continue;
    g[k]! *= 1 + r[j]!;
    held[k] = 1;
  }
  for (let k = 0; k < g.length; k++) g[k] = g[k]! - 1;
  return { r: g, held };
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

function grid(seed: number): { ts: Float64Array; r: Float64Array } {
  const rng = Xoshiro128ss.fromSeed(seed, 1, 1);
  const ts: number[] = [];
  // 5-minute bars over ~3 days from mid-day, with gaps (missing bars) of up to 2 hours
  let t = 1_700_000_000_000 + 7 * HOUR + 5 * 60_000;
  while (ts.length < 900) { ts.push(t); t += rng.uniform() < 0.02 ? 24 * 5 * 60_000 : 5 * 60_000; }
  return { ts: Float64Array.from(ts), r: Float64Array.from(ts, () => (rng.uniform() < 0.3 ? 0 : rng.normal() * 1e-3)) };
}

describe('hours and days found once: bit for bit the per-call loops', () => {
  test.each([[1], [2], [3]])('daily returns (seed %i), empty included', (seed) => {
    const { ts, r } = grid(seed);
    const want = previousDaily(ts, r);
    const days = utcDays(ts);
    expect(sameBits(days.day_ms, want.day_ms)).toBe(true);
    expect(sameBits(dailyReturnsOn(days, r), want.returns)).toBe(true);
    expect(sameBits(dailyReturns(ts, r).returns, want.returns)).toBe(true);
    expect(dailyReturnsOn(utcDays(ts, 0), new Float64Array(0)).length).toBe(0);
    expect(() => dailyReturnsOn(days, r.subarray(1))).toThrow(/days of 900 bars, 899 returns/);
  });

  test.each([[4], [5]])('hourly returns (seed %i): every bar held, and a holding mask; bars outside the periods skipped', (seed) => {
    const { ts, r } = grid(seed);
    const hours = periodIndex(ts.filter((_, i) => i < 300 || i >= 420), HOUR);
    const all = new Uint8Array(ts.length).fill(1);
    const mask = Uint8Array.from(ts, (_, i) => (i % 7 === 3 ? 0 : 1));
    const period = barPeriodsOf(ts, hours);
    expect(period.some((k) => k < 0)).toBe(true);
    for (const h of [all, mask]) {
      const want = previousPeriods(ts, r, h, hours);
      const got = periodReturnsOf(r, h === all ? undefined : h, period, hours.starts.length);
      expect(sameBits(got.r, want.r)).toBe(true);
      expect(Array.from(got.held)).toEqual(Array.from(want.held));
      expect(sameBits(periodReturns(ts, r, h, hours).r, want.r)).toBe(true);
    }
  });
});

describe('candidate members pooled as they are computed into reused scratch arrays', () => {
  test('equal to pooling freshly allocated member series afterwards', () => {
    const rng = Xoshiro128ss.fromSeed(9, 9, 9);
    const n = 2000;
    const barTs = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 5 * 60_000);
    const hours = periodIndex(barTs, HOUR);
    const members = Array.from({ length: 4 }, () => {
      let px = 50;
      const opens = Float64Array.from({ length: n }, () => (px *= Math.exp(rng.normal() * 0.01)));
      opens[Math.floor(rng.uniform() * n)] = NaN;
      return barPeriods(openSeries(barTs, opens), barTs, hours);
    });
    const occ = members.map(() => ({
      t: Int32Array.from({ length: 60 }, () => Math.floor(rng.uniform() * n)),
      s: Int8Array.from({ length: 60 }, () => (rng.uniform() < 0.5 ? -1 : 1)),
    }));
    const fresh = members.map((b, i) => occurrencePeriodReturns(b, occ[i]!.t, occ[i]!.s, 24));
    const want = poolMembers(fresh, hours.starts.length);
    const scratch = { r: new Float64Array(hours.starts.length).fill(7), held: new Uint8Array(hours.starts.length).fill(1) };
    const pool = new MemberPool(hours.starts.length);
    members.forEach((b, i) => pool.add(occurrencePeriodReturns(b, occ[i]!.t, occ[i]!.s, 24, scratch)));
    expect(sameBits(pool.mean(), want)).toBe(true);
    expect(want.some((x) => x !== 0)).toBe(true);
    expect(() => occurrencePeriodReturns(members[0]!, occ[0]!.t, occ[0]!.s, 24, { r: new Float64Array(3), held: new Uint8Array(3) })).toThrow(/scratch of 3 periods/);
  });
});
