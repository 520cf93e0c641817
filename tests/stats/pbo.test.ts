import { describe, expect, test } from '@jest/globals';
import { binomial, leastSquaresLine, pboCscv, stochasticDominance } from '../../lib/stats/index.js';
import { gaussian } from './helpers.js';

/** N iid Gaussian columns of length T. */
function noiseColumns(N: number, T: number, seed: number): Float64Array[] {
  return Array.from({ length: N }, (_, j) => gaussian(T, seed, 100 + j));
}

/**
 * Independent CSCV written from the paper's steps (Bailey, Borwein, Lopez de Prado & Zhu 2017, section 2):
 * enumerate IS block sets by bitmask, build the IS/OOS row lists, compute each column's Sharpe (two-pass), pick the
 * IS argmax, rank the OOS values by sorting (average rank for ties), logit of rank / (N + 1).
 */
function cscvReference(cols: Float64Array[], S: number, idle?: number): { pbo: number; logits: number[]; isSel: number[]; oosSel: number[]; oosAll: number[] } {
  const T = cols[0]!.length;
  const N = cols.length;
  const bounds = Array.from({ length: S + 1 }, (_, b) => Math.floor((b * T) / S));
  const sharpe = (v: number[]): number => {
    if (idle !== undefined && v.every((x) => x === 0)) return idle;
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s2 = v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
    return m / Math.sqrt(s2);
  };
  const logits: number[] = [];
  const isSel: number[] = [];
  const oosSel: number[] = [];
  const oosAll: number[] = [];
  const masks: number[] = [];
  for (let mask = 0; mask < 1 << S; mask++) {
    let bits = 0;
    for (let b = 0; b < S; b++) if (mask & (1 << b)) bits++;
    if (bits === S / 2) masks.push(mask);
  }
  // Same order as the library (lexicographic subsets): sort masks by their sorted block lists.
  const listOf = (mask: number): number[] => Array.from({ length: S }, (_, b) => b).filter((b) => mask & (1 << b));
  masks.sort((a, b) => {
    const la = listOf(a);
    const lb = listOf(b);
    for (let i = 0; i < la.length; i++) if (la[i] !== lb[i]) return la[i]! - lb[i]!;
    return 0;
  });
  for (const mask of masks) {
    const isRows: number[] = [];
    const oosRows: number[] = [];
    for (let b = 0; b < S; b++) for (let t = bounds[b]!; t < bounds[b + 1]!; t++) (mask & (1 << b) ? isRows : oosRows).push(t);
    const isV = cols.map((c) => sharpe(isRows.map((t) => c[t]!)));
    const oosV = cols.map((c) => sharpe(oosRows.map((t) => c[t]!)));
    const best = isV.indexOf(Math.max(...isV));
    const sorted = [...oosV].sort((a, b) => a - b);
    const first = sorted.indexOf(oosV[best]!) + 1;
    const last = sorted.lastIndexOf(oosV[best]!) + 1;
    const rank = (first + last) / 2;
    const w = rank / (N + 1);
    logits.push(Math.log(w / (1 - w)));
    isSel.push(isV[best]!);
    oosSel.push(oosV[best]!);
    oosAll.push(...oosV);
  }
  return { pbo: logits.filter((l) => l <= 0).length / logits.length, logits, isSel, oosSel, oosAll };
}

describe('pboCscv', () => {
  test('number of splits is C(S, S/2)', () => {
    const cols = noiseColumns(3, 64, 1);
    for (const [S, c] of [[2, 2], [4, 6], [6, 20], [8, 70], [10, 252], [16, 12870]] as const) {
      expect(binomial(S, S / 2)).toBe(c);
      expect(pboCscv(cols, S).nCombinations).toBe(c);
    }
  });

  test('hand-worked N = 2, S = 2 with metric = mean: the IS winner is OOS-worst in both splits -> PBO = 1', () => {
    // Blocks A = rows 0-1, B = rows 2-3. Column 0: A mean 1.5, B mean -0.5; column 1: A 0.25, B 0.75.
    // IS = A: winner 0, OOS (B) rank 1 of 2 -> w = 1/3 -> lambda = ln(1/2). IS = B: winner 1, OOS (A) rank 1 -> same.
    const cols = [Float64Array.from([1, 2, -1, 0]), Float64Array.from([0, 0.5, 0.5, 1])];
    const r = pboCscv(cols, 2, (x) => x.reduce((a, b) => a + b, 0) / x.length);
    expect(r.nCombinations).toBe(2);
    expect(Array.from(r.selected)).toEqual([0, 1]);
    expect(Array.from(r.oosRank)).toEqual([1, 1]);
    for (const l of r.logits) expect(l).toBeCloseTo(Math.log(0.5), 15);
    expect(r.pbo).toBe(1);
  });

  test('one truly dominant strategy: PBO = 0, every logit = ln(N)', () => {
    const N = 8;
    const cols = noiseColumns(N, 480, 2);
    const strong = cols[5]!.map((v) => v + 3); // Sharpe ~ 3 per period versus ~ 0 for the rest
    cols[5] = strong;
    const r = pboCscv(cols, 8);
    expect(r.pbo).toBe(0);
    for (let c = 0; c < r.nCombinations; c++) {
      expect(r.selected[c]).toBe(5);
      expect(r.logits[c]).toBeCloseTo(Math.log(N), 14); // rank N: w = N/(N+1), logit ln N
    }
  });

  test('iid noise strategies: E[PBO] = floor((N + 1)/2) / N exactly (1/2 for even N, 2/3 for N = 3)', () => {
    // With iid rows the OOS metrics are independent of the IS selection and exchangeable across strategies, so the
    // OOS rank of the IS winner is uniform on 1..N and P(lambda <= 0) = P(rank <= (N + 1)/2) = floor((N+1)/2) / N.
    // Averaging over 300 independent data sets (sd of one PBO about 0.3 -> sd of the mean about 0.02).
    for (const [N, expected] of [[10, 0.5], [3, 2 / 3]] as const) {
      let sum = 0;
      const sets = 300;
      for (let s = 0; s < sets; s++) sum += pboCscv(noiseColumns(N, 160, 500 + s), 8).pbo;
      expect(Math.abs(sum / sets - expected)).toBeLessThan(0.07);
    }
  });

  test('matches an independent implementation of the paper exactly (random data, S = 4, 6, 8)', () => {
    for (const [S, T, N, seed] of [[4, 41, 5, 9], [6, 90, 7, 10], [8, 200, 12, 11]] as const) {
      const cols = noiseColumns(N, T, seed);
      const got = pboCscv(cols, S);
      const ref = cscvReference(cols, S);
      expect(got.pbo).toBe(ref.pbo);
      for (let c = 0; c < ref.logits.length; c++) expect(got.logits[c]).toBeCloseTo(ref.logits[c]!, 10);
    }
  });

  test('deterministic; identical strategies tie at the OOS median (lambda = 0, counted as overfit)', () => {
    const cols = noiseColumns(4, 100, 3);
    const a = pboCscv(cols, 4);
    const b = pboCscv(cols, 4);
    expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    expect(a.pbo).toBe(b.pbo);
    const same = [cols[0]!, cols[0]!, cols[0]!];
    const r = pboCscv(same, 4);
    // All ties: average OOS rank (N + 1)/2 -> w = 1/2 -> lambda = 0 <= 0.
    for (const l of r.logits) expect(l).toBe(0);
    expect(r.pbo).toBe(1);
  });

  test('idle: a strategy that did not trade in a half (all its rows there 0) has that metric; matches the reference', () => {
    for (const [S, T, N, seed] of [[8, 200, 9, 21], [6, 90, 5, 22]] as const) {
      const cols = noiseColumns(N, T, seed);
      // column 1 trades only in the first quarter, column 2 only in the last block: many halves see them idle
      for (let t = Math.floor(T / 4); t < T; t++) cols[1]![t] = 0;
      for (let t = 0; t < Math.floor(((S - 1) * T) / S); t++) cols[2]![t] = 0;
      expect(() => pboCscv(cols, S)).toThrow(/NaN for strategy/);
      const got = pboCscv(cols, S, undefined, 0);
      const ref = cscvReference(cols, S, 0);
      expect(got.pbo).toBe(ref.pbo);
      for (let c = 0; c < ref.logits.length; c++) expect(got.logits[c]).toBeCloseTo(ref.logits[c]!, 10);
      // the custom-metric path applies the same rule
      const slow = pboCscv(cols, S, (x) => {
        const m = x.reduce((a, b) => a + b, 0) / x.length;
        return m / Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
      }, 0);
      expect(slow.pbo).toBe(ref.pbo);
    }
  });

  test('bad shapes throw', () => {
    const cols = noiseColumns(3, 40, 4);
    expect(() => pboCscv([cols[0]!], 4)).toThrow(RangeError);
    expect(() => pboCscv(cols, 3)).toThrow(RangeError);
    expect(() => pboCscv(cols, 30)).toThrow(RangeError);
    expect(() => pboCscv([cols[0]!, cols[1]!.subarray(1)], 4)).toThrow(RangeError);
    expect(() => pboCscv([new Float64Array(40).fill(1), cols[1]!], 4)).toThrow(/NaN/);
  });
});

/** ECDF of a sample at x: #(v <= x) / n (brute force). */
const ecdf = (v: readonly number[], x: number): number => v.filter((u) => u <= x).length / v.length;

describe('pboCscv companions (Bailey, Borwein, Lopez de Prado & Zhu 2017, section 3)', () => {
  test('hand-worked N = 2, S = 2 (metric = mean): IS/OOS of the winner, P(loss), degradation line, dominance', () => {
    // Split 0 (IS = A): winner 0 with IS mean 1.5, its OOS (B) mean -0.5; split 1 (IS = B): winner 1, IS 0.75, OOS 0.25.
    // P(OOS loss) = 1/2. Line through (1.5, -0.5) and (0.75, 0.25): slope -1, intercept 1, R^2 = 1.
    // All OOS values: B means (-0.5, 0.75) and A means (1.5, 0.25). At x = 0.25: F_sel = 1, F_all = 1/2: gap 1/2,
    // no first-order dominance; int_{-0.5}^{0.25} (F_all - F_sel) = (1/4 - 1/2)(3/4) < 0: no second-order either.
    const cols = [Float64Array.from([1, 2, -1, 0]), Float64Array.from([0, 0.5, 0.5, 1])];
    const r = pboCscv(cols, 2, (x) => x.reduce((a, b) => a + b, 0) / x.length);
    expect(Array.from(r.isSelected)).toEqual([1.5, 0.75]);
    expect(Array.from(r.oosSelected)).toEqual([-0.5, 0.25]);
    expect(r.probOosLoss).toBe(0.5);
    expect(r.degradation.slope).toBeCloseTo(-1, 14);
    expect(r.degradation.intercept).toBeCloseTo(1, 14);
    expect(r.degradation.r2).toBeCloseTo(1, 14);
    expect(r.dominance).toEqual({ firstOrder: false, secondOrder: false, maxCdfGap: 0.5 });
  });

  test('a dominant strategy: no OOS loss, the selection dominates the unselected OOS distribution', () => {
    const cols = noiseColumns(8, 480, 2);
    cols[5] = cols[5]!.map((v) => v + 3);
    const r = pboCscv(cols, 8);
    expect(r.probOosLoss).toBe(0);
    expect(r.dominance.firstOrder).toBe(true);
    expect(r.dominance.secondOrder).toBe(true);
    expect(r.dominance.maxCdfGap).toBeLessThanOrEqual(0);
  });

  test('iid noise: P(OOS loss) ~ 1/2 and the IS-OOS slope is negative on average (the paper: degradation)', () => {
    // With CSCV the IS and OOS halves of one column share the full-sample mean, so a high IS Sharpe comes with a low
    // OOS Sharpe: the slope of OOS on IS over the splits is negative in expectation for skill-less strategies.
    let loss = 0;
    let slope = 0;
    const sets = 100;
    for (let k = 0; k < sets; k++) {
      const r = pboCscv(noiseColumns(10, 160, 900 + k), 8);
      loss += r.probOosLoss;
      slope += r.degradation.slope;
    }
    expect(Math.abs(loss / sets - 0.5)).toBeLessThan(0.1);
    expect(slope / sets).toBeLessThan(0);
  });

  test('matches an independent computation of the companions (random data, S = 4, 6, 8)', () => {
    for (const [S, T, N, seed] of [[4, 41, 5, 9], [6, 90, 7, 10], [8, 200, 12, 11]] as const) {
      const cols = noiseColumns(N, T, seed);
      const got = pboCscv(cols, S);
      const ref = cscvReference(cols, S);
      for (let c = 0; c < ref.isSel.length; c++) {
        expect(got.isSelected[c]).toBeCloseTo(ref.isSel[c]!, 10);
        expect(got.oosSelected[c]).toBeCloseTo(ref.oosSel[c]!, 10);
      }
      expect(got.probOosLoss).toBe(ref.oosSel.filter((v) => v < 0).length / ref.oosSel.length);
      // Slope = cov / var, R^2 = corr^2 (two separate sums).
      const C = ref.isSel.length;
      const mx = ref.isSel.reduce((a, b) => a + b, 0) / C;
      const my = ref.oosSel.reduce((a, b) => a + b, 0) / C;
      let cxy = 0;
      let cxx = 0;
      let cyy = 0;
      for (let c = 0; c < C; c++) {
        cxy += (ref.isSel[c]! - mx) * (ref.oosSel[c]! - my);
        cxx += (ref.isSel[c]! - mx) ** 2;
        cyy += (ref.oosSel[c]! - my) ** 2;
      }
      expect(got.degradation.slope).toBeCloseTo(cxy / cxx, 9);
      expect(got.degradation.intercept).toBeCloseTo(my - (cxy / cxx) * mx, 9);
      expect(got.degradation.r2).toBeCloseTo((cxy * cxy) / (cxx * cyy), 9);
      // Dominance by brute-force ECDFs on the pooled values.
      const pooled = [...ref.oosSel, ...ref.oosAll].sort((a, b) => a - b);
      const gaps = pooled.map((x) => ecdf(ref.oosSel, x) - ecdf(ref.oosAll, x));
      expect(got.dominance.maxCdfGap).toBeCloseTo(Math.max(...gaps), 12);
      expect(got.dominance.firstOrder).toBe(gaps.every((g) => g <= 0) && gaps.some((g) => g < 0));
    }
  });
});

describe('stochasticDominance and leastSquaresLine', () => {
  test('shift: first order; identical: neither (gap 0); mean-preserving spread: second order only', () => {
    const b = [0.3, -1.2, 2.5, 0.1, 4.4, -0.7];
    expect(stochasticDominance(b.map((v) => v + 1), b)).toEqual({ firstOrder: true, secondOrder: true, maxCdfGap: 0 });
    expect(stochasticDominance(b, b)).toEqual({ firstOrder: false, secondOrder: false, maxCdfGap: 0 });
    // a = {0, 0} vs b = {-1, 1}: F_a - F_b = +1/2 on [0, 1): no FSD; int (F_b - F_a) = 1/2 at 0, back to 0 at 1: SSD.
    expect(stochasticDominance([0, 0], [-1, 1])).toEqual({ firstOrder: false, secondOrder: true, maxCdfGap: 0.5 });
    expect(stochasticDominance([-1, 1], [0, 0]).secondOrder).toBe(false);
    expect(stochasticDominance([], [1]).maxCdfGap).toBeNaN();
  });

  test('sortB: b sorted in place (not copied) gives the same answer; a plain array is copied as before', () => {
    const a = [0.2, -0.5, 1.1, 0.4];
    const b = [0.3, -1.2, 2.5, 0.1, 4.4, -0.7, 0.2, 0.2];
    const expected = stochasticDominance(a, b);
    const owned = Float64Array.from(b);
    expect(stochasticDominance(a, owned, true)).toEqual(expected);
    expect(Array.from(owned)).toEqual([...b].sort((x, y) => x - y));
    const plain = [...b];
    expect(stochasticDominance(a, plain, true)).toEqual(expected);
    expect(plain).toEqual(b);
  });

  test('exact line, constant x, R^2 of noise', () => {
    const x = [0, 1, 2, 3, 4];
    expect(leastSquaresLine(x, x.map((v) => 2 - 3 * v))).toEqual({ slope: -3, intercept: 2, r2: 1 });
    expect(leastSquaresLine([1, 1, 1], [1, 2, 3]).slope).toBeNaN();
    expect(leastSquaresLine([1, 2, 3], [5, 5, 5])).toEqual({ slope: 0, intercept: 5, r2: NaN });
    expect(() => leastSquaresLine([1, 2], [1])).toThrow(RangeError);
  });
});
