/**
 * Probability of Backtest Overfitting by Combinatorially Symmetric Cross-Validation (CSCV), Bailey, Borwein,
 * Lopez de Prado & Zhu (2017), "The Probability of Backtest Overfitting", Journal of Computational Finance 20(4).
 */
import { sharpeRatio } from './sharpe.js';

export interface PboResult {
  /** Fraction of the splits whose in-sample winner ranks at or below the out-of-sample median (logit <= 0). */
  pbo: number;
  /** Logit lambda_c = ln(w / (1 - w)) of each split, w = OOS rank of the IS winner / (N + 1). */
  logits: Float64Array;
  /** Number of splits, C(S, S/2). */
  nCombinations: number;
  /** Index of the in-sample winner of each split. */
  selected: Int32Array;
  /** Out-of-sample rank (1 = worst, N = best; ties averaged) of the in-sample winner of each split. */
  oosRank: Float64Array;
  /** In-sample metric R_{n*} of the in-sample winner of each split. */
  isSelected: Float64Array;
  /** Out-of-sample metric Rbar_{n*} of the in-sample winner of each split. */
  oosSelected: Float64Array;
  /** Probability of out-of-sample loss: #(Rbar_{n*} < 0) / C(S, S/2) (the paper's section 3, "probability of loss"). */
  probOosLoss: number;
  /**
   * Performance degradation: the least-squares line Rbar_{n*} = intercept + slope R_{n*} + e over the splits and its
   * R^2 (the paper's figure of OOS against IS performance of the selected strategy). slope < 0 is the usual sign
   * of overfitting. NaN slope and R^2 when every split has the same IS metric; R^2 NaN when the OOS metrics are
   * all equal.
   */
  degradation: { slope: number; intercept: number; r2: number };
  /**
   * Stochastic dominance of the selection (the paper's section 3): F_sel = ECDF of Rbar_{n*} over the splits,
   * F_all = ECDF of every strategy's OOS metric over every split (N C values: what a choice without the IS ranking
   * would get). `firstOrder`: F_sel(x) <= F_all(x) at every x, strictly somewhere (selecting by IS performance
   * improves OOS performance in the first-order sense); `maxCdfGap` = max_x (F_sel(x) - F_all(x)), <= 0 when
   * firstOrder holds (0 for identical distributions); `secondOrder`: sum of (F_all - F_sel) over the sorted
   * values up to x, i.e. the integral of F_all - F_sel on (-inf, x], >= 0 at every x, strictly somewhere.
   */
  dominance: { firstOrder: boolean; secondOrder: boolean; maxCdfGap: number };
}

/** Binomial coefficient C(n, k) (exact for the small arguments used here). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** All k-subsets of {0..n-1} in lexicographic order. */
function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const c = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    out.push(c.slice());
    let i = k - 1;
    while (i >= 0 && c[i] === n - k + i) i--;
    if (i < 0) return out;
    c[i]!++;
    for (let j = i + 1; j < k; j++) c[j] = c[j - 1]! + 1;
  }
}

/**
 * CSCV estimate of the probability of backtest overfitting.
 *
 * `perf` holds one column per strategy (N >= 2 columns, each of the same length T: the per-period performance,
 * e.g. returns, in time order). The T rows are cut into S (even, >= 2) contiguous blocks, block b = rows
 * [floor(b T / S), floor((b + 1) T / S)). For each of the C(S, S/2) ways to choose S/2 blocks as in-sample (IS;
 * the other half is out-of-sample, OOS), the metric (default: Sharpe ratio mean / sd, ddof = 1) is computed per
 * strategy on the IS rows and on the OOS rows; the IS winner n* is the first strategy with the highest IS metric;
 * its OOS rank r (1 = worst .. N = best, ties averaged) gives w = r / (N + 1) and the logit
 * lambda = ln(w / (1 - w)). PBO = #(lambda <= 0) / C(S, S/2) (the paper's phi: the IS winner does no better than
 * the OOS median). With N odd a winner exactly at the OOS median counts as overfit.
 *
 * For N i.i.d. strategies with continuous metrics the OOS rank of the IS winner is uniform on 1..N, so
 * E[PBO] = floor((N + 1) / 2) / N (exactly 1/2 for even N). Throws RangeError on bad shapes or a NaN metric.
 * `idle`, when given, is the metric of a strategy whose rows in a half (IS or OOS) are all exactly 0: it did not
 * trade there (a Sharpe ratio is 0 / 0; without `idle` that half's metric is NaN and the call throws).
 * Cost O(C(S, S/2) * N * S) with the default metric (block sums), O(C(S, S/2) * N * T) with a custom one.
 */
export function pboCscv(
  perf: readonly ArrayLike<number>[], S: number, metric?: (x: Float64Array) => number, idle?: number,
): PboResult {
  const N = perf.length;
  if (N < 2) throw new RangeError(`pboCscv: need at least 2 strategies (columns), got ${N}`);
  const T = perf[0]!.length;
  for (let j = 1; j < N; j++) {
    if (perf[j]!.length !== T) throw new RangeError(`pboCscv: column ${j} has ${perf[j]!.length} rows, column 0 has ${T}`);
  }
  if (!(Number.isInteger(S) && S >= 2 && S % 2 === 0)) throw new RangeError(`pboCscv: S must be an even integer >= 2, was ${S}`);
  if (T < 2 * S) throw new RangeError(`pboCscv: need at least 2 rows per block (T = ${T}, S = ${S})`);
  if (S > 24) throw new RangeError(`pboCscv: S = ${S} gives too many splits (C(S, S/2)); use S <= 24`);

  const bounds = Array.from({ length: S + 1 }, (_, b) => Math.floor((b * T) / S));
  const combos = combinations(S, S / 2);
  const C = combos.length;
  const logits = new Float64Array(C);
  const selected = new Int32Array(C);
  const oosRank = new Float64Array(C);

  // Default metric: Sharpe from per-block sums of the column centred on its full-sample mean (stable), kept flat
  // (strategy-major: block b of strategy j at j * S + b) for the split loop
  let blockStats: { cnt: number[]; sum: Float64Array; ss: Float64Array; mu: Float64Array } | null = null;
  if (!metric) {
    const sum = new Float64Array(N * S);
    const ss = new Float64Array(N * S);
    const mu = new Float64Array(N);
    const cnt = Array.from({ length: S }, (_, b) => bounds[b + 1]! - bounds[b]!);
    for (let j = 0; j < N; j++) {
      const col = perf[j]!;
      let s = 0;
      for (let t = 0; t < T; t++) s += col[t]!;
      mu[j] = s / T;
      for (let b = 0; b < S; b++) {
        const o = j * S + b;
        for (let t = bounds[b]!; t < bounds[b + 1]!; t++) {
          const d = col[t]! - mu[j]!;
          sum[o] = sum[o]! + d;
          ss[o] = ss[o]! + d * d;
        }
      }
    }
    blockStats = { cnt, sum, ss, mu };
  }
  const half = S / 2;
  /** The default metric of every strategy on the blocks `blocks` (S / 2 of them, ascending) into `into`. */
  const blockSharpes = (blocks: Int32Array, into: Float64Array): void => {
    const bs = blockStats!;
    let c = 0;
    for (let k = 0; k < half; k++) c += bs.cnt[blocks[k]!]!;
    for (let j = 0; j < N; j++) {
      const o = j * S;
      let s = 0;
      let q = 0;
      for (let k = 0; k < half; k++) {
        const b = o + blocks[k]!;
        s += bs.sum[b]!;
        q += bs.ss[b]!;
      }
      const m = s / c;
      const v = (q - s * m) / (c - 1);
      into[j] = v > 0 ? (m + bs.mu[j]!) / Math.sqrt(v) : NaN;
    }
  };
  // zero[j * S + b]: every row of block b of column j is exactly 0 (only with `idle`)
  const zero = new Uint8Array(idle === undefined ? 0 : N * S);
  if (idle !== undefined) {
    for (let j = 0; j < N; j++) {
      const col = perf[j]!;
      for (let b = 0; b < S; b++) {
        let z = 1;
        for (let t = bounds[b]!; t < bounds[b + 1]! && z; t++) if (col[t] !== 0) z = 0;
        zero[j * S + b] = z;
      }
    }
  }
  const idleIn = (j: number, blocks: readonly number[]): boolean => idle !== undefined && blocks.every((b) => zero[j * S + b] === 1);
  const evalMetric = (j: number, blocks: readonly number[]): number => {
    let len = 0;
    for (const b of blocks) len += bounds[b + 1]! - bounds[b]!;
    const buf = new Float64Array(len);
    let k = 0;
    const col = perf[j]!;
    for (const b of blocks) for (let t = bounds[b]!; t < bounds[b + 1]!; t++) buf[k++] = col[t]!;
    return metric!(buf);
  };

  const isV = new Float64Array(N);
  const oosV = new Float64Array(N);
  const isSelected = new Float64Array(C);
  const oosSelected = new Float64Array(C);
  const oosAll = new Float64Array(C * N);
  for (let c = 0; c < C; c++) {
    const inS = combos[c]!;
    const member = new Uint8Array(S);
    for (const b of inS) member[b] = 1;
    const outS: number[] = [];
    for (let b = 0; b < S; b++) if (!member[b]) outS.push(b);
    if (blockStats) {
      blockSharpes(Int32Array.from(inS), isV);
      blockSharpes(Int32Array.from(outS), oosV);
    }
    for (let j = 0; j < N; j++) {
      if (!blockStats) {
        isV[j] = idleIn(j, inS) ? idle! : evalMetric(j, inS);
        oosV[j] = idleIn(j, outS) ? idle! : evalMetric(j, outS);
      } else if (idle !== undefined) {
        if (idleIn(j, inS)) isV[j] = idle;
        if (idleIn(j, outS)) oosV[j] = idle;
      }
      if (Number.isNaN(isV[j]!) || Number.isNaN(oosV[j]!)) {
        throw new RangeError(`pboCscv: metric is NaN for strategy ${j} in split ${c} (IS blocks ${inS.join(',')}); constant column?`);
      }
    }
    let best = 0;
    for (let j = 1; j < N; j++) if (isV[j]! > isV[best]!) best = j;
    const v = oosV[best]!;
    let below = 0;
    let ties = 0;
    for (let j = 0; j < N; j++) {
      if (j === best) continue;
      if (oosV[j]! < v) below++;
      else if (oosV[j]! === v) ties++;
    }
    const rank = 1 + below + ties / 2;
    const w = rank / (N + 1);
    isSelected[c] = isV[best]!;
    oosSelected[c] = v;
    oosAll.set(oosV, c * N);
    selected[c] = best;
    oosRank[c] = rank;
    logits[c] = Math.log(w / (1 - w));
  }
  let over = 0;
  let loss = 0;
  for (let c = 0; c < C; c++) {
    if (logits[c]! <= 0) over++;
    if (oosSelected[c]! < 0) loss++;
  }
  return {
    pbo: over / C, logits, nCombinations: C, selected, oosRank, isSelected, oosSelected,
    probOosLoss: loss / C,
    degradation: leastSquaresLine(isSelected, oosSelected),
    // oosAll is sorted in place: C x N values (72 MB for 700 strategies and S = 16), not copied (issue 12)
    dominance: stochasticDominance(oosSelected, oosAll, true),
  };
}

/** Least-squares line y = intercept + slope x and its R^2 (two-pass, centred sums). */
export function leastSquaresLine(x: ArrayLike<number>, y: ArrayLike<number>): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`leastSquaresLine: x has ${n} values, y has ${y.length}`);
  if (n === 0) return { slope: NaN, intercept: NaN, r2: NaN };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) return { slope: NaN, intercept: NaN, r2: NaN };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : NaN };
}

/**
 * First- and second-order stochastic dominance of the sample `a` over the sample `b` (both finite): with the
 * ECDFs F_a, F_b evaluated at every value of the pooled sample,
 *   firstOrder  = F_a <= F_b everywhere and < somewhere,
 *   secondOrder = D(x) = int_{-inf}^{x} (F_b - F_a)(u) du >= 0 everywhere and > 0 somewhere (exact for step ECDFs:
 *                 the integral is piecewise linear between pooled values, so checking at the values suffices),
 *   maxCdfGap   = max (F_a - F_b) over the pooled values.
 * Comparisons use a relative tolerance of 1e-12 on the integral and exact ECDF counts. `sortB`: b, a Float64Array the
 * caller gives up, is sorted in place instead of copied.
 */
export function stochasticDominance(a: ArrayLike<number>, b: ArrayLike<number>, sortB = false): { firstOrder: boolean; secondOrder: boolean; maxCdfGap: number } {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) return { firstOrder: false, secondOrder: false, maxCdfGap: NaN };
  const sa = Float64Array.from(a).sort();
  const sb = sortB && b instanceof Float64Array ? b.sort() : Float64Array.from(b).sort();
  let ia = 0;
  let ib = 0;
  let fo = true;
  let foStrict = false;
  let so = true;
  let soStrict = false;
  let gap = -Infinity;
  let integral = 0;
  let prevX = NaN;
  let prevDiff = 0; // F_b - F_a on [prevX, x)
  let scale = 0;
  while (ia < na || ib < nb) {
    const x = ib >= nb || (ia < na && sa[ia]! <= sb[ib]!) ? sa[ia]! : sb[ib]!;
    if (prevX === prevX) integral += prevDiff * (x - prevX);
    scale = Math.max(scale, Math.abs(x));
    while (ia < na && sa[ia]! === x) ia++;
    while (ib < nb && sb[ib]! === x) ib++;
    const Fa = ia / na;
    const Fb = ib / nb;
    const d = Fa - Fb;
    if (d > gap) gap = d;
    if (d > 0) fo = false;
    else if (d < 0) foStrict = true;
    const tol = 1e-12 * Math.max(scale, 1e-300);
    if (integral < -tol) so = false;
    else if (integral > tol) soStrict = true;
    prevX = x;
    prevDiff = Fb - Fa;
  }
  return { firstOrder: fo && foStrict, secondOrder: so && soStrict, maxCdfGap: gap };
}

/** The default CSCV metric: per-period Sharpe ratio (mean / sd, ddof = 1). */
export const sharpeMetric = (x: Float64Array): number => sharpeRatio(x);
