/**
 * Rolling-window primitives over Float64Array series (NaN = missing). O(n) per series, no allocation per bar.
 *
 * Windows count bars (positions in the array), not time:
 * - trailing inclusive (default): the window of bar t is t-n+1 .. t;
 * - `excludeCurrent`: t-n .. t-1 (for "x_t against its own past": breakouts, spikes). The value at t is then the
 *   inclusive value at t-1 (z-scores still use x_t in the numerator).
 *
 * Burn-in is explicit: the output is NaN until the window is full. A window holding a missing input (NaN or
 * +-Infinity) gives NaN, never a partial window; output resumes once the last n inputs are all finite again.
 * Every output at t depends only on inputs at positions <= t, so truncating the series after t changes nothing up
 * to t (bit for bit: no decision depends on the series length).
 *
 * Numerics: running sums are updated by add/remove and recomputed exactly (compensated sums over the window)
 * every max(2n, 2048) bars, so rounding accumulates over at most that many updates, never over the whole series.
 * Variances use running sums of deviations d = x - K from a shift K (a window value within one std of the window
 * mean, chosen at the last recomputation) and recompute early whenever |mean - K| exceeds four window standard
 * deviations (the cancellation in `sum d^2 - n mean(d)^2` then costs at most a factor 17 in relative precision,
 * whatever the price level) or the window's sum of squared deviations falls below 1/1000 of the largest running
 * sum of squares since the last recomputation (removing a volatile stretch would otherwise leave the rounding of
 * the large terms in a small result). The naive `E[x^2] - E[x]^2` on raw values is never used.
 */

// Globals read once: inside vm contexts (jest) every global lookup in a hot loop goes through an interceptor.
const { abs, sqrt, log, min, max } = Math;
const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

export interface WindowOptions {
  /** Window t-n .. t-1 instead of t-n+1 .. t. */
  excludeCurrent?: boolean;
}

/** Throws unless n is a whole number of bars >= 1. */
export function checkWindow(n: number, what = 'window'): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be an integer >= 1, was ${n}`);
}

/** out[t] = out[t-1], out[0] = NaN: turns a trailing-inclusive result into an exclude-current one (in place). */
function shiftByOne(out: Float64Array): Float64Array {
  if (out.length > 0) {
    out.copyWithin(1, 0, out.length - 1);
    out[0] = NAN;
  }
  return out;
}

/**
 * The maximal runs x[a..b-1] of finite values at least n long, as [a0, b0, a1, b1, ...]; writes NaN into `outs` at
 * every position no window value will be written to (missing inputs, burn-in). The caller writes positions
 * a+n-1 .. b-1 of each run. Windows never span a missing value, so each run is processed on its own with tight
 * loops (in the caller's own frame: closures over the outputs would cost a context load per access).
 */
function windowRuns(x: Float64Array, n: number, outs: readonly Float64Array[]): number[] {
  const len = x.length;
  const runs: number[] = [];
  let t = 0;
  let done = 0; // outs are settled before this position
  while (t < len) {
    while (t < len && x[t]! - x[t]! !== 0) t++;
    const a = t;
    while (t < len && x[t]! - x[t]! === 0) t++;
    if (t - a >= n) {
      for (const o of outs) o.fill(NAN, done, a + n - 1);
      runs.push(a, t);
      done = t;
    }
  }
  for (const o of outs) o.fill(NAN, done, len);
  return runs;
}

/**
 * Bars between exact recomputations of a window's running sums: at least twice the window and at least 2048 bars,
 * so a recomputation costs at most half an extra addition per bar, and rounding accumulates over at most `period`
 * updates (relative error ~ sqrt(period) ulps: ~1e-14).
 */
export function recomputePeriod(n: number): number {
  return max(2 * n, 2048);
}

/** Compensated sum of x[from..to] (inclusive): Knuth's branch-free TwoSum, errors accumulated apart. */
function exactSum(x: Float64Array, from: number, to: number): number {
  let s = 0;
  let c = 0;
  for (let i = from; i <= to; i++) {
    const v = x[i]!;
    const u = s + v;
    const bp = u - s;
    c += s - (u - bp) + (v - bp);
    s = u;
  }
  return s + c;
}

/** Rolling sum over the window: running add/remove, recomputed exactly every recomputePeriod(n) bars. */
export function rollingSum(x: Float64Array, n: number, opts: WindowOptions = {}): Float64Array {
  checkWindow(n);
  const out = new Float64Array(x.length);
  const period = recomputePeriod(n);
  const runs = windowRuns(x, n, [out]);
  for (let r = 0; r < runs.length; r += 2) {
    const b = runs[r + 1]!;
    let i = runs[r]! + n;
    let s = exactSum(x, i - n, i - 1);
    out[i - 1] = s;
    while (i < b) {
      const end = min(b, i + period);
      for (; i < end; i++) {
        s += x[i]! - x[i - n]!;
        out[i] = s;
      }
      if (i < b) out[i - 1] = s = exactSum(x, i - n, i - 1);
    }
  }
  return opts.excludeCurrent ? shiftByOne(out) : out;
}

/** Rolling arithmetic mean: rollingSum / n. */
export function rollingMean(x: Float64Array, n: number, opts: WindowOptions = {}): Float64Array {
  const out = rollingSum(x, n, opts);
  for (let t = 0; t < out.length; t++) out[t] = out[t]! / n;
  return out;
}

/** Mean and population variance (divisor n) of each full, finite window. */
export interface RollingMoments {
  mean: Float64Array;
  variance: Float64Array;
}

/**
 * Exact state for the window x[lo..hi]: shift k = the window value closest to its mean (within one std of it; a
 * constant window gets k equal to its value), s1 = sum (x - k), s2 = sum (x - k)^2, both compensated. `centre` is
 * the running estimate of the mean (NaN: compute it); it only picks k, so its rounding does not matter.
 */
function recentre(x: Float64Array, lo: number, hi: number, st: Float64Array, centre: number): void {
  const c = centre === centre ? centre : exactSum(x, lo, hi) / (hi - lo + 1);
  let k = x[hi]!;
  for (let i = lo; i < hi; i++) if (abs(x[i]! - c) < abs(k - c)) k = x[i]!;
  let a1 = 0;
  let c1 = 0;
  let a2 = 0;
  let c2 = 0;
  for (let i = lo; i <= hi; i++) {
    const e = x[i]! - k;
    const f = e * e;
    let w = a1 + e;
    let bp = w - a1;
    c1 += a1 - (w - bp) + (e - bp);
    a1 = w;
    w = a2 + f;
    bp = w - a2;
    c2 += a2 - (w - bp) + (f - bp);
    a2 = w;
  }
  st[0] = k;
  st[1] = a1 + c1;
  st[2] = a2 + c2;
}

/**
 * Rolling mean and population variance (divisor n; `ddof: 1` gives the sample variance, divisor n-1, NaN for
 * n = 1). Running sums of d = x - k and d^2 for a shift k; see the file comment for the numerics.
 */
export function rollingMoments(x: Float64Array, n: number, opts: WindowOptions & { ddof?: 0 | 1 } = {}): RollingMoments {
  checkWindow(n);
  const len = x.length;
  const mean = new Float64Array(len);
  const variance = new Float64Array(len);
  const div = n - (opts.ddof ?? 0);
  const zeroVar = div > 0 ? 0 : NAN;
  const invN = 1 / n;
  const invDiv = 1 / div;
  const period = recomputePeriod(n);
  const st = new Float64Array(3);
  const runs = windowRuns(x, n, [mean, variance]);
  for (let r = 0; r < runs.length; r += 2) {
    const b = runs[r + 1]!;
    let i = runs[r]! + n;
    recentre(x, i - n, i - 1, st, NAN);
    let k = st[0]!;
    let s1 = st[1]!;
    let s2 = st[2]!;
    let m = s1 * invN;
    let ss = s2 - m * s1;
    let s2max = s2; // largest running s2 since the last exact state: bounds the rounding error of ss
    mean[i - 1] = k + m;
    variance[i - 1] = ss > 0 ? ss * invDiv : zeroVar;
    while (i < b) {
      const end = min(b, i + period);
      for (; i < end; i++) {
        const d = x[i]! - k;
        const e = x[i - n]! - k;
        s1 += d - e;
        s2 += d * d - e * e;
        if (s2 > s2max) s2max = s2;
        m = s1 * invN;
        ss = s2 - m * s1; // sum of squared deviations from the window mean
        if (m * m * n > 16 * ss || ss * 1e3 < s2max) {
          // |mean - k| > 4 std, or the window's spread fell 1000-fold below what the running sums carried (a
          // volatile stretch left the window): recompute exactly from the window.
          recentre(x, i - n + 1, i, st, k + m);
          k = st[0]!;
          s1 = st[1]!;
          s2max = s2 = st[2]!;
          m = s1 * invN;
          ss = s2 - m * s1;
        }
        mean[i] = k + m;
        variance[i] = ss > 0 ? ss * invDiv : zeroVar;
      }
      if (i < b) {
        // Periodic exact recomputation (the last window of the block is rewritten from the exact sums).
        recentre(x, i - n, i - 1, st, k + m);
        k = st[0]!;
        s1 = st[1]!;
        s2max = s2 = st[2]!;
        m = s1 * invN;
        ss = s2 - m * s1;
        mean[i - 1] = k + m;
        variance[i - 1] = ss > 0 ? ss * invDiv : zeroVar;
      }
    }
  }
  if (opts.excludeCurrent) {
    shiftByOne(mean);
    shiftByOne(variance);
  }
  return { mean, variance };
}

/** Rolling population standard deviation (divisor n; `ddof: 1` for the sample one). */
export function rollingStd(x: Float64Array, n: number, opts: WindowOptions & { ddof?: 0 | 1 } = {}): Float64Array {
  const { variance } = rollingMoments(x, n, opts);
  for (let t = 0; t < variance.length; t++) variance[t] = sqrt(variance[t]!);
  return variance;
}

/**
 * Rolling z-score: (x_t - mean) / std with the window's mean and population std (divisor n). With
 * `excludeCurrent` the window is t-n .. t-1 and x_t is scored against it. NaN when x_t or the window is missing,
 * and when the window's std is 0 (a constant window has no scale).
 */
export function rollingZscore(x: Float64Array, n: number, opts: WindowOptions = {}): Float64Array {
  const { mean, variance } = rollingMoments(x, n, opts);
  const out = mean; // reuse the buffer
  for (let t = 0; t < out.length; t++) {
    const sd = sqrt(variance[t]!);
    const v = x[t]!;
    out[t] = sd > 0 && v - v === 0 ? (v - mean[t]!) / sd : NAN;
  }
  return out;
}

/** Rolling maximum (monotonic deque, O(1) amortised per bar). */
export function rollingMax(x: Float64Array, n: number, opts: WindowOptions = {}): Float64Array {
  return rollingExtreme(x, n, opts, true);
}

/** Rolling minimum (monotonic deque, O(1) amortised per bar). */
export function rollingMin(x: Float64Array, n: number, opts: WindowOptions = {}): Float64Array {
  return rollingExtreme(x, n, opts, false);
}

function rollingExtreme(x: Float64Array, n: number, opts: WindowOptions, isMax: boolean): Float64Array {
  checkWindow(n);
  const len = x.length;
  const out = new Float64Array(len);
  // Ring buffer (power-of-two size, position & mask) of indices whose values are monotonic from head to tail:
  // decreasing for max, increasing for min. It never holds more than n + 1 indices.
  let size = 2;
  while (size < min(n + 2, len + 2)) size *= 2;
  const mask = size - 1;
  const dq = new Int32Array(size);
  const runs = windowRuns(x, n, [out]);
  for (let r = 0; r < runs.length; r += 2) {
    const a = runs[r]!;
    const b = runs[r + 1]!;
    let head = 0; // positions grow without bound; & mask addresses the buffer
    let tail = 0;
    for (let t = a; t < b; t++) {
      const v = x[t]!;
      if (isMax) while (tail > head && x[dq[(tail - 1) & mask]!]! <= v) tail--;
      else while (tail > head && x[dq[(tail - 1) & mask]!]! >= v) tail--;
      dq[tail & mask] = t;
      tail++;
      if (dq[head & mask]! <= t - n) head++;
      if (t - a >= n - 1) out[t] = x[dq[head & mask]!]!;
    }
  }
  return opts.excludeCurrent ? shiftByOne(out) : out;
}

/**
 * n-bar log return ln(x_t / x_{t-n}); NaN when either value is missing or not > 0. Positions, not time: on the
 * cleaned grid (one row per slot, missing bars as NaN rows) n positions are n bars.
 */
export function logReturn(x: Float64Array, n: number): Float64Array {
  checkWindow(n, 'return horizon');
  const len = x.length;
  const out = new Float64Array(len);
  for (let t = 0; t < len; t++) {
    if (t < n) {
      out[t] = NAN;
      continue;
    }
    const a = x[t]!;
    const b = x[t - n]!;
    out[t] = a > 0 && b > 0 && a < INF && b < INF ? log(a / b) : NAN;
  }
  return out;
}
