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
 * Cost O(C(S, S/2) * N * S) with the default metric (block sums), O(C(S, S/2) * N * T) with a custom one.
 */
export function pboCscv(
  perf: readonly ArrayLike<number>[], S: number, metric?: (x: Float64Array) => number,
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

  // Default metric: Sharpe from per-block sums of the column centred on its full-sample mean (stable).
  let blockStats: { cnt: number[]; sum: Float64Array[]; ss: Float64Array[]; mu: Float64Array } | null = null;
  if (!metric) {
    const sum: Float64Array[] = [];
    const ss: Float64Array[] = [];
    const mu = new Float64Array(N);
    const cnt = Array.from({ length: S }, (_, b) => bounds[b + 1]! - bounds[b]!);
    for (let j = 0; j < N; j++) {
      const col = perf[j]!;
      let s = 0;
      for (let t = 0; t < T; t++) s += col[t]!;
      mu[j] = s / T;
      const sb = new Float64Array(S);
      const qb = new Float64Array(S);
      for (let b = 0; b < S; b++) {
        for (let t = bounds[b]!; t < bounds[b + 1]!; t++) {
          const d = col[t]! - mu[j]!;
          sb[b] = sb[b]! + d;
          qb[b] = qb[b]! + d * d;
        }
      }
      sum.push(sb);
      ss.push(qb);
    }
    blockStats = { cnt, sum, ss, mu };
  }
  const evalMetric = (j: number, blocks: readonly number[]): number => {
    if (blockStats) {
      let c = 0;
      let s = 0;
      let q = 0;
      for (const b of blocks) {
        c += blockStats.cnt[b]!;
        s += blockStats.sum[j]![b]!;
        q += blockStats.ss[j]![b]!;
      }
      const m = s / c;
      const v = (q - s * m) / (c - 1);
      return v > 0 ? (m + blockStats.mu[j]!) / Math.sqrt(v) : NaN;
    }
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
  for (let c = 0; c < C; c++) {
    const inS = combos[c]!;
    const member = new Uint8Array(S);
    for (const b of inS) member[b] = 1;
    const outS: number[] = [];
    for (let b = 0; b < S; b++) if (!member[b]) outS.push(b);
    for (let j = 0; j < N; j++) {
      isV[j] = evalMetric(j, inS);
      oosV[j] = evalMetric(j, outS);
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
    selected[c] = best;
    oosRank[c] = rank;
    logits[c] = Math.log(w / (1 - w));
  }
  let over = 0;
  for (let c = 0; c < C; c++) if (logits[c]! <= 0) over++;
  return { pbo: over / C, logits, nCombinations: C, selected, oosRank };
}

/** The default CSCV metric: per-period Sharpe ratio (mean / sd, ddof = 1). */
export const sharpeMetric = (x: Float64Array): number => sharpeRatio(x);
