import { describe, expect, test } from '@jest/globals';
import { binomial, pboCscv } from '../../lib/stats/index.js';
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
function cscvReference(cols: Float64Array[], S: number): { pbo: number; logits: number[] } {
  const T = cols[0]!.length;
  const N = cols.length;
  const bounds = Array.from({ length: S + 1 }, (_, b) => Math.floor((b * T) / S));
  const sharpe = (v: number[]): number => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s2 = v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
    return m / Math.sqrt(s2);
  };
  const logits: number[] = [];
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
  }
  return { pbo: logits.filter((l) => l <= 0).length / logits.length, logits };
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

  test('bad shapes throw', () => {
    const cols = noiseColumns(3, 40, 4);
    expect(() => pboCscv([cols[0]!], 4)).toThrow(RangeError);
    expect(() => pboCscv(cols, 3)).toThrow(RangeError);
    expect(() => pboCscv(cols, 30)).toThrow(RangeError);
    expect(() => pboCscv([cols[0]!, cols[1]!.subarray(1)], 4)).toThrow(RangeError);
    expect(() => pboCscv([new Float64Array(40).fill(1), cols[1]!], 4)).toThrow(/NaN/);
  });
});
