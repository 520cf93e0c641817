/**
 * Issue 12: pboCscv's default metric reads flat block sums in one loop per split (no closure call and array
 * iterator per strategy and half). Every split's IS and OOS Sharpe ratios, hence the selection, ranks, logits and
 * companions, must equal the previous per-strategy closure's bit for bit (its arithmetic is kept verbatim below).
 */
import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { pboCscv } from '../../lib/stats/pbo.js';

/** The pre-change default-metric split loop, verbatim in its arithmetic: IS/OOS metric of the winner per split. */
function previous(perf: Float64Array[], S: number): { selected: number[]; isSel: number[]; oosSel: number[]; logits: number[] } {
  const N = perf.length;
  const T = perf[0]!.length;
  const bounds = Array.from({ length: S + 1 }, (_, b) => Math.floor((b * T) / S));
  const combos: number[][] = [];
  const k = S / 2;
  const c0 = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    combos.push(c0.slice());
    let i = k - 1;
    while (i >= 0 && c0[i] === S - k + i) i--;
    if (i < 0) break;
    c0[i]!++;
    for (let j = i + 1; j < k; j++) c0[j] = c0[j - 1]! + 1;
  }
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
  const evalMetric = (j: number, blocks: readonly number[]): number => {
    let c = 0;
    let s = 0;
    let q = 0;
    for (const b of blocks) {
      c += cnt[b]!;
      s += sum[j]![b]!;
      q += ss[j]![b]!;
    }
    const m = s / c;
    const v = (q - s * m) / (c - 1);
    return v > 0 ? (m + mu[j]!) / Math.sqrt(v) : NaN;
  };
  const out = { selected: [] as number[], isSel: [] as number[], oosSel: [] as number[], logits: [] as number[] };
  for (const inS of combos) {
    const outS = Array.from({ length: S }, (_, b) => b).filter((b) => !inS.includes(b));
    const isV = Array.from({ length: N }, (_, j) => evalMetric(j, inS));
    const oosV = Array.from({ length: N }, (_, j) => evalMetric(j, outS));
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
    const w = (1 + below + ties / 2) / (N + 1);
    out.selected.push(best);
    out.isSel.push(isV[best]!);
    out.oosSel.push(v);
    out.logits.push(Math.log(w / (1 - w)));
  }
  return out;
}

describe('pboCscv default metric: flat block sums, bit for bit the previous loop', () => {
  test.each([[4, 5, 41], [8, 12, 203], [12, 30, 517]])('S = %i, N = %i, T = %i', (S, N, T) => {
    const rng = Xoshiro128ss.fromSeed(S, N, T);
    const cols = Array.from({ length: N }, (_, j) => Float64Array.from({ length: T }, () => rng.normal() * 1e-3 * (1 + j) + (j % 3) * 1e-4));
    const got = pboCscv(cols, S);
    const want = previous(cols, S);
    expect(got.nCombinations).toBe(want.logits.length);
    for (let c = 0; c < want.logits.length; c++) {
      expect(got.selected[c]).toBe(want.selected[c]);
      expect(Object.is(got.isSelected[c], want.isSel[c])).toBe(true);
      expect(Object.is(got.oosSelected[c], want.oosSel[c])).toBe(true);
      expect(Object.is(got.logits[c], want.logits[c])).toBe(true);
    }
  });
});
