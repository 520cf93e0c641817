/**
 * flagBars: zero-volume and outlier flags on a cleaned grid. Flags never modify prices.
 *
 * Outliers are POINT IN TIME: the flag of bar t uses bars up to and including t only (it is known at the close of
 * bar t), so a feature may use it without leaking the future (a centred window would). Two tests, each a robust z-score against a TRAILING window
 * of the previous `outlier_window_bars` valid values (the window holds values strictly before t):
 * - return: r_t = log(close_t / close_{t-1}), defined only when bars t-1 and t are both present (no return is taken
 *   across a gap, which would mix horizons). Outlier when |r_t - median| > k * 1.4826 * MAD (two-sided).
 * - range: g_t = log(high_t / low_t) for a present bar. Outlier when g_t - median > k * 1.4826 * MAD (one-sided:
 *   an unusually quiet bar is not an outlier).
 * Missing bars (and non-finite values) contribute nothing and are never flagged; the window is counted in valid values, so it reaches back
 * over gaps. Burn-in: until a window holds `outlier_window_bars` values, its test flags nothing. When MAD is 0 (more
 * than half the window identical, e.g. a flat illiquid market) the scale is undefined and the test flags nothing
 * (counted in stats.zero_scale_skips). Flagged values stay in the window (the median and MAD are robust to them).
 */
import { UsageError } from '../errors.js';
import type { BarColumns } from '../market.js';
import { SortedWindow } from './rolling_mad.js';
import { checkLengths, copyFlags, type CleanFlags } from './types.js';

/** MAD * 1.4826 estimates the standard deviation of normal data. */
export const MAD_TO_SIGMA = 1.4826;

export interface FlagOptions {
  outlier_window_bars: number;
  outlier_mad_k: number;
}

export interface FlagStats {
  zero_volume_bars: number;
  outlier_bars: number;
  return_outliers: number;
  range_outliers: number;
  zero_scale_skips: number;
}

export interface FlaggedBars {
  flags: CleanFlags;
  stats: FlagStats;
}

/** Returns new flags (the input flags are not modified): is_zero_volume and is_outlier recomputed. */
export function flagBars(bars: BarColumns, flags: CleanFlags, opts: FlagOptions): FlaggedBars {
  const n = bars.ts_ms.length;
  checkLengths('flagBars', n, { ...bars, ...flags });
  checkOptions(opts);
  const out = copyFlags(flags);
  const stats: FlagStats = {
    zero_volume_bars: 0, outlier_bars: 0, return_outliers: 0, range_outliers: 0, zero_scale_skips: 0,
  };
  const w = opts.outlier_window_bars;
  const kSigma = opts.outlier_mad_k * MAD_TO_SIGMA;
  const returns = new SortedWindow(w);
  const ranges = new SortedWindow(w);
  let prevPresent = false;
  for (let t = 0; t < n; t++) {
    out.is_zero_volume[t] = 0;
    out.is_outlier[t] = 0;
    const c = bars.close[t]!;
    const present = flags.is_missing[t] === 0 && c === c;
    if (!present) {
      prevPresent = false;
      continue;
    }
    if (bars.volume[t] === 0) {
      out.is_zero_volume[t] = 1;
      stats.zero_volume_bars++;
    }
    let outlier = false;
    if (prevPresent) {
      const r = Math.log(c / bars.close[t - 1]!);
      if (Number.isFinite(r)) {
        if (isOutlier(returns, r, true, kSigma, stats)) {
          outlier = true;
          stats.return_outliers++;
        }
        returns.push(r);
      }
    }
    const g = Math.log(bars.high[t]! / bars.low[t]!);
    if (Number.isFinite(g)) {
      if (isOutlier(ranges, g, false, kSigma, stats)) {
        outlier = true;
        stats.range_outliers++;
      }
      ranges.push(g);
    }
    if (outlier) {
      out.is_outlier[t] = 1;
      stats.outlier_bars++;
    }
    prevPresent = true;
  }
  return { flags: out, stats };
}

/**
 * Robust test of x against the window BEFORE x is added: |x - median| (two-sided) or x - median (one-sided)
 * greater than kSigma * MAD. False while the window is not full or when its MAD is 0 (no test possible).
 */
function isOutlier(win: SortedWindow, x: number, twoSided: boolean, kSigma: number, stats: FlagStats): boolean {
  if (!win.full) return false;
  const m = win.median();
  const dev = twoSided ? Math.abs(x - m) : x - m;
  // O(1) bounds decide almost every bar; the exact MAD (O(log w)) only when dev falls between them.
  const lower = win.madLower(m);
  if (lower > 0) {
    if (dev <= kSigma * lower) return false;
    if (dev > kSigma * win.madUpper(m)) return true;
  }
  const mad = win.mad(m);
  if (mad === 0) {
    stats.zero_scale_skips++;
    return false;
  }
  return dev > kSigma * mad;
}

function checkOptions(opts: FlagOptions): void {
  const w = opts.outlier_window_bars;
  if (!Number.isInteger(w) || w < 3) {
    throw new UsageError(`flagBars: outlier_window_bars must be an integer >= 3, was ${w}`);
  }
  const k = opts.outlier_mad_k;
  if (!(k > 0 && k < Infinity)) throw new UsageError(`flagBars: outlier_mad_k must be a finite number > 0, was ${k}`);
}
