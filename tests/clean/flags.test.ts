import { describe, expect, test } from '@jest/globals';
import { flagBars } from '../../lib/clean/flags.js';
import { emptyFlags, nanBars, type CleanFlags } from '../../lib/clean/types.js';
import { UsageError } from '../../lib/errors.js';
import type { BarColumns } from '../../lib/market.js';
import { lcg, M5, T0 } from './fixtures.js';

/**
 * A grid of bars from closes and half-ranges: open = close, high = close * e^a, low = close * e^-a, so the bar's
 * log(high / low) = 2a. NaN close = a missing bar.
 */
function grid(closes: number[], halfRange: number[], volume?: number[]): { bars: BarColumns; flags: CleanFlags } {
  const n = closes.length;
  const bars = nanBars(n);
  const flags = emptyFlags(n);
  for (let i = 0; i < n; i++) {
    bars.ts_ms[i] = T0 + i * M5;
    const c = closes[i]!;
    if (Number.isNaN(c)) {
      flags.is_missing[i] = 1;
      continue;
    }
    flags.n_source_bars[i] = 1;
    bars.open[i] = c;
    bars.close[i] = c;
    bars.high[i] = c * Math.exp(halfRange[i]!);
    bars.low[i] = c * Math.exp(-halfRange[i]!);
    bars.volume[i] = volume?.[i] ?? 1;
  }
  return { bars, flags };
}

/** Closes from log returns: c_0 = 100, c_t = c_{t-1} * e^{r_t}. */
function closesFrom(returns: number[]): number[] {
  const c = [100];
  for (const r of returns) c.push(c[c.length - 1]! * Math.exp(r));
  return c;
}

// Returns r_1..r_7 and half-ranges of bars 0..7 (ranges 2a = .020 .024 .022 .026 .018 .020 .022 .024).
const R = [0.01, -0.01, 0.02, -0.02, 0.0, 0.5, 0.01];
const A = [0.010, 0.012, 0.011, 0.013, 0.009, 0.010, 0.011, 0.012];
const opts = { outlier_window_bars: 5, outlier_mad_k: 3 };

/** The documented rule, written the slow obvious way: for each bar, sort copies of the trailing windows. */
function naiveOutliers(closes: number[], a: number[], w: number, k: number): number[] {
  const median = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    const h = s.length >> 1;
    return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  };
  const rets: number[] = [];
  const rngs: number[] = [];
  const out: number[] = [];
  const test = (hist: number[], x: number, twoSided: boolean): boolean => {
    if (hist.length < w) return false;
    const win = hist.slice(-w);
    const m = median(win);
    const mad = median(win.map((v) => Math.abs(v - m)));
    if (mad === 0) return false;
    return (twoSided ? Math.abs(x - m) : x - m) > k * 1.4826 * mad;
  };
  for (let t = 0; t < closes.length; t++) {
    const c = closes[t]!;
    if (Number.isNaN(c)) {
      out.push(0);
      continue;
    }
    let flag = false;
    const prev = t > 0 ? closes[t - 1]! : NaN;
    if (!Number.isNaN(prev)) {
      const r = Math.log(c / prev);
      flag = test(rets, r, true);
      rets.push(r);
    }
    const g = Math.log((c * Math.exp(a[t]!)) / (c * Math.exp(-a[t]!)));
    flag = test(rngs, g, false) || flag;
    rngs.push(g);
    out.push(flag ? 1 : 0);
  }
  return out;
}

describe('flagBars', () => {
  test('a jump beyond k robust sigmas of the trailing returns is flagged (hand computation)', () => {
    // At t = 6 the window is r_1..r_5 = .01 -.01 .02 -.02 0: median 0, |dev| sorted 0 .01 .01 .02 .02 -> MAD .01;
    // threshold 3 * 1.4826 * .01 = .0445 < |.5| -> outlier. At t = 7 the window r_2..r_6 has median 0 and
    // MAD .02 (|dev| 0 .01 .02 .02 .5), threshold .0890 > .01 -> not an outlier. Ranges stay within
    // .022 +- 3 * 1.4826 * .002 (window medians .022, MADs .002), so no range outlier.
    const { bars, flags } = grid(closesFrom(R), A);
    const { flags: out, stats } = flagBars(bars, flags, opts);
    expect(Array.from(out.is_outlier)).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
    expect(stats.return_outliers).toBe(1);
    expect(stats.range_outliers).toBe(0);
    expect(stats.outlier_bars).toBe(1);
  });

  test('burn-in: no return flag before the trailing window holds outlier_window_bars returns', () => {
    // The same jump at t = 3 (only r_1, r_2 in the window) is not flagged.
    const { bars, flags } = grid(closesFrom([0.01, -0.01, 0.5, 0.02, -0.02, 0.0, 0.01]), A);
    expect(Array.from(flagBars(bars, flags, opts).flags.is_outlier)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('a huge wick is a range outlier; an unusually quiet bar is not (one-sided)', () => {
    // Bar 7: window of ranges g_2..g_6 = .022 .026 .018 .020 .022 -> median .022, MAD .002, threshold .0089.
    const wick = grid(closesFrom(R), [...A.slice(0, 7), 0.2]); // g_7 = .4: .4 - .022 > .0089
    const w = flagBars(wick.bars, wick.flags, opts);
    expect(Array.from(w.flags.is_outlier)).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    expect(w.stats.range_outliers).toBe(1);
    const quiet = grid(closesFrom(R), [...A.slice(0, 7), 0]); // g_7 = 0: 0 - .022 is below the median
    expect(flagBars(quiet.bars, quiet.flags, opts).flags.is_outlier[7]).toBe(0);
  });

  test('no return is taken across a gap: the first bar after it is judged by its range only', () => {
    const closes = [...closesFrom([0.01, -0.01, 0.02, -0.02, 0.0, 0.01]), NaN, 500];
    const { bars, flags } = grid(closes, [...A, 0.011]); // g_8 = .022: the median of its range window
    const { flags: out, stats } = flagBars(bars, flags, opts);
    expect(Array.from(out.is_outlier)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]); // 100 -> 500 over a gap: not flagged
    expect(stats.return_outliers).toBe(0);
  });

  test('zero volume is flagged on present bars only; missing bars get no flag', () => {
    const { bars, flags } = grid([100, 100, NaN, 101], [0.01, 0.01, 0, 0.01], [3, 0, 0, 2]);
    const { flags: out, stats } = flagBars(bars, flags, opts);
    expect(Array.from(out.is_zero_volume)).toEqual([0, 1, 0, 0]);
    expect(Array.from(out.is_missing)).toEqual([0, 0, 1, 0]);
    expect(stats.zero_volume_bars).toBe(1);
  });

  test('a flat market has MAD 0: no scale, so nothing is flagged and the skips are counted', () => {
    const { bars, flags } = grid([100, 100, 100, 100, 100, 100, 100, 130], new Array(8).fill(0));
    const { flags: out, stats } = flagBars(bars, flags, opts);
    expect(Array.from(out.is_outlier)).toEqual(new Array(8).fill(0));
    expect(stats.zero_scale_skips).toBeGreaterThan(0);
  });

  test('prices and the input flags are never modified', () => {
    const { bars, flags } = grid(closesFrom(R), A);
    const before = JSON.stringify([Array.from(bars.close), Array.from(bars.high), Array.from(bars.low)]);
    const flagsBefore = Array.from(flags.is_outlier);
    flagBars(bars, flags, opts);
    expect(JSON.stringify([Array.from(bars.close), Array.from(bars.high), Array.from(bars.low)])).toBe(before);
    expect(Array.from(flags.is_outlier)).toEqual(flagsBefore);
  });

  test('point in time: the flag at t does not change when bars after t are altered or cut off', () => {
    const rnd = lcg(42);
    const n = 600;
    const r: number[] = [];
    for (let t = 1; t < n; t++) r.push((rnd() - 0.5) * 0.02 + (rnd() < 0.02 ? 0.3 : 0)); // noise + rare jumps
    const a = Array.from({ length: n }, () => 0.002 + rnd() * 0.01);
    const base = grid(closesFrom(r), a);
    const o = { outlier_window_bars: 50, outlier_mad_k: 4 };
    const ref = Array.from(flagBars(base.bars, base.flags, o).flags.is_outlier);
    expect(ref.slice(0, 300).reduce((s, x) => s + x, 0)).toBeGreaterThan(0); // the test has flags to protect
    for (const t of [60, 150, 299, 450]) {
      const closes = closesFrom(r).map((c, i) => (i <= t ? c : i % 7 === 0 ? NaN : c * (0.2 + 5 * rnd())));
      const ranges = a.map((x, i) => (i <= t ? x : x * 40 * rnd()));
      const altered = grid(closes, ranges);
      const got = Array.from(flagBars(altered.bars, altered.flags, o).flags.is_outlier);
      expect(got.slice(0, t + 1)).toEqual(ref.slice(0, t + 1));
      const cut = grid(closesFrom(r).slice(0, t + 1), a.slice(0, t + 1));
      expect(Array.from(flagBars(cut.bars, cut.flags, o).flags.is_outlier)).toEqual(ref.slice(0, t + 1));
    }
  });

  test('agrees with a naive reference (sort every trailing window) on a noisy series with spikes and gaps', () => {
    const rnd = lcg(9);
    const n = 1500;
    const r = Array.from({ length: n - 1 }, () => (rnd() - 0.5) * 0.01 * (rnd() < 0.03 ? 12 : 1));
    const a = Array.from({ length: n }, () => 0.001 + rnd() * 0.004 * (rnd() < 0.02 ? 15 : 1));
    const closes = closesFrom(r).map((c, i) => (i % 97 === 5 ? NaN : c));
    const { bars, flags } = grid(closes, a);
    const o = { outlier_window_bars: 40, outlier_mad_k: 3 };
    const got = Array.from(flagBars(bars, flags, o).flags.is_outlier);
    expect(got).toEqual(naiveOutliers(closes, a, o.outlier_window_bars, o.outlier_mad_k));
    expect(got.reduce((s, x) => s + x, 0)).toBeGreaterThan(10);
  });

  test('bad options are a UsageError', () => {
    const { bars, flags } = grid([100, 101], [0.01, 0.01]);
    expect(() => flagBars(bars, flags, { outlier_window_bars: 2, outlier_mad_k: 3 })).toThrow(UsageError);
    expect(() => flagBars(bars, flags, { outlier_window_bars: 10, outlier_mad_k: 0 })).toThrow(UsageError);
  });
});
