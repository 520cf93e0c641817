import { describe, expect, test } from '@jest/globals';
import {
  logReturn, rollingMax, rollingMean, rollingMin, rollingMoments, rollingStd, rollingSum, rollingZscore,
} from '../../lib/stats/rolling.js';
import { approxNormal, brute, bruteMean, bruteVar, closeArrays, exactSum, noisySeries, windowOf, xorshift32 } from './helpers.js';

const WINDOWS = [1, 2, 3, 7, 50, 288];

describe('rolling primitives against brute force (random data with NaN and Infinity gaps)', () => {
  const series = [
    noisySeries(1, 1500, { nanProb: 0.01, gapLen: 4 }),
    noisySeries(2, 1500, { level: 1e4, nanProb: 0.002, gapLen: 300 }),
    noisySeries(3, 1000, { level: -5, nanProb: 0.05 }),
  ];
  for (const [si, x] of series.entries()) {
    for (const n of WINDOWS) {
      for (const excl of [false, true]) {
        const tag = `series ${si}, n ${n}, ${excl ? 'exclude current' : 'inclusive'}`;
        test(`sum, mean, variance, std, z-score, max, min: ${tag}`, () => {
          const o = { excludeCurrent: excl };
          // Tolerances: 1e-12 relative to the window's scale (sum of |x| for sums, the level for means); the
          // variance of unit-uniform noise on a level of 1e4 is compared to 1e-12 of level^2 / var ~ 1e8.
          const scale = (w: number[]) => exactSum(w.map(Math.abs));
          const sum = rollingSum(x, n, o);
          const bs = brute(x, n, excl, (w) => exactSum(w));
          const bscale = brute(x, n, excl, scale);
          for (let t = 0; t < x.length; t++) {
            if (Number.isNaN(bs[t]!)) expect(sum[t]).toBeNaN();
            else expect(Math.abs(sum[t]! - bs[t]!)).toBeLessThanOrEqual(1e-12 * bscale[t]!);
          }
          expect(closeArrays(rollingMean(x, n, o), brute(x, n, excl, bruteMean), 1e-12, 1e-13)).toEqual({ ok: true });
          const m = rollingMoments(x, n, o);
          expect(closeArrays(m.mean, brute(x, n, excl, bruteMean), 1e-12, 1e-13)).toEqual({ ok: true });
          expect(closeArrays(m.variance, brute(x, n, excl, (w) => bruteVar(w)), 1e-9, 1e-14)).toEqual({ ok: true });
          expect(closeArrays(rollingStd(x, n, o), brute(x, n, excl, (w) => Math.sqrt(bruteVar(w))), 1e-9, 1e-14)).toEqual({ ok: true });
          const z = brute(x, n, excl, (w, t) => {
            const sd = Math.sqrt(bruteVar(w));
            return sd > 0 && Number.isFinite(x[t]!) ? (x[t]! - bruteMean(w)) / sd : NaN;
          });
          expect(closeArrays(rollingZscore(x, n, o), z, 1e-9, 1e-9)).toEqual({ ok: true });
          expect(closeArrays(rollingMax(x, n, o), brute(x, n, excl, (w) => Math.max(...w)), 0)).toEqual({ ok: true });
          expect(closeArrays(rollingMin(x, n, o), brute(x, n, excl, (w) => Math.min(...w)), 0)).toEqual({ ok: true });
        });
      }
    }
  }

  test('sample variance (ddof 1) uses the divisor n - 1; n = 1 gives NaN', () => {
    const x = noisySeries(4, 500, { nanProb: 0.02 });
    expect(closeArrays(rollingMoments(x, 20, { ddof: 1 }).variance, brute(x, 20, false, (w) => bruteVar(w, 1)), 1e-9, 1e-14)).toEqual({ ok: true });
    const v1 = rollingMoments(x, 1, { ddof: 1 }).variance;
    expect(v1.every((v) => Number.isNaN(v))).toBe(true);
  });
});

describe('window rules', () => {
  test('population std of the textbook data set 2,4,4,4,5,5,7,9 is 2 (mean 5)', () => {
    // Worked example of the population standard deviation: en.wikipedia.org/wiki/Standard_deviation (Basic examples).
    const x = Float64Array.from([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(rollingStd(x, 8)[7]).toBe(2);
    expect(rollingMean(x, 8)[7]).toBe(5);
    expect(rollingZscore(x, 8)[7]).toBe(2); // (9 - 5) / 2
  });

  test('burn-in: NaN until the window is full; a NaN inside blanks the next n outputs, then values resume', () => {
    const x = Float64Array.from([1, 2, 3, 4, NaN, 5, 6, 7, 8]);
    expect([...rollingSum(x, 3)]).toEqual([NaN, NaN, 6, 9, NaN, NaN, NaN, 18, 21]);
    // Excluding the current bar: window t-3..t-1.
    expect([...rollingSum(x, 3, { excludeCurrent: true })]).toEqual([NaN, NaN, NaN, 6, 9, NaN, NaN, NaN, 18]);
    expect([...rollingMax(x, 2)]).toEqual([NaN, 2, 3, 4, NaN, NaN, 6, 7, 8]);
    expect([...rollingMin(x, 2, { excludeCurrent: true })]).toEqual([NaN, NaN, 1, 2, 3, NaN, NaN, 5, 6]);
    // The z-score of a missing current value is NaN even when its (past) window is complete.
    expect(rollingZscore(x, 3, { excludeCurrent: true })[4]).toBeNaN();
  });

  test('Infinity counts as missing', () => {
    const x = Float64Array.from([1, 1, Infinity, 1, 1, 1]);
    expect([...rollingSum(x, 2)]).toEqual([NaN, 2, NaN, NaN, 2, 2]);
    expect([...rollingMax(Float64Array.from([1, -Infinity, 2, 3]), 2)]).toEqual([NaN, NaN, NaN, 3]);
  });

  test('a constant window has variance exactly 0 and a NaN z-score, also after a level change', () => {
    const x = Float64Array.from([...Array(10).fill(0.1), ...Array(10).fill(1e9 + 0.3)]);
    const m = rollingMoments(x, 5);
    expect(m.variance[9]).toBe(0);
    expect(m.variance[19]).toBe(0);
    expect(m.mean[19]).toBe(1e9 + 0.3);
    expect(rollingZscore(x, 5)[19]).toBeNaN();
  });

  test('windows larger than the series give all NaN; a window must be a positive integer', () => {
    const x = Float64Array.from([1, 2, 3]);
    for (const f of [rollingSum, rollingMax, rollingZscore]) expect(f(x, 4).every((v) => Number.isNaN(v))).toBe(true);
    expect(() => rollingSum(x, 0)).toThrow('window must be an integer >= 1, was 0');
    expect(() => rollingMax(x, 2.5)).toThrow('was 2.5');
    expect(() => logReturn(x, -1)).toThrow('return horizon must be an integer >= 1, was -1');
  });

  test('log returns: ln(x_t / x_{t-n}); NaN for missing or non-positive values', () => {
    const x = Float64Array.from([100, 110, NaN, 121, 0, 50]);
    const r = logReturn(x, 1);
    expect(r[0]).toBeNaN();
    expect(r[1]).toBeCloseTo(Math.log(1.1), 15);
    expect(r[2]).toBeNaN();
    expect(r[3]).toBeNaN();
    expect(r[4]).toBeNaN(); // 0 / 121: ln 0 is not a return
    expect(r[5]).toBeNaN();
    expect(logReturn(x, 3)[3]).toBeCloseTo(Math.log(1.21), 15);
  });

  test('outputs are causal: a prefix of the input gives a bit-identical prefix of the output', () => {
    const x = noisySeries(9, 5000, { level: 3e4, nanProb: 0.003, gapLen: 50 });
    for (const cut of [1, 287, 1023, 1024, 2049, 4000]) {
      const p = x.slice(0, cut);
      const pairs: [Float64Array, Float64Array][] = [
        [rollingSum(x, 288), rollingSum(p, 288)],
        [rollingMoments(x, 288).variance, rollingMoments(p, 288).variance],
        [rollingZscore(x, 50, { excludeCurrent: true }), rollingZscore(p, 50, { excludeCurrent: true })],
        [rollingMax(x, 288, { excludeCurrent: true }), rollingMax(p, 288, { excludeCurrent: true })],
      ];
      for (const [full, part] of pairs) expect(Buffer.from(full.buffer, 0, cut * 8).equals(Buffer.from(part.buffer))).toBe(true);
    }
  });
});

/**
 * Exact window mean and population variance in integer arithmetic: every double of the window times 2^64 is an
 * integer (for |x| >= 2^-12), so sums and sums of squares are exact BigInts and only the final division rounds.
 */
function exactMoments(w: number[]): { mean: number; variance: number } {
  const S = 64n;
  const big = w.map((v) => {
    const scaled = v * 2 ** 64;
    if (!Number.isInteger(scaled)) throw new Error(`value ${v} too small for the exact reference`);
    return BigInt(scaled);
  });
  const n = BigInt(w.length);
  const sx = big.reduce((a, b) => a + b, 0n);
  const sxx = big.reduce((a, b) => a + b * b, 0n);
  return {
    mean: Number(sx) / w.length / 2 ** Number(S),
    variance: Number(n * sxx - sx * sx) / (w.length * w.length) / 2 ** Number(2n * S),
  };
}

describe('numerical drift over 10M bars', () => {
  const N = 10_000_000;
  const n = 288;
  // Checked windows: every 99,991st bar, and the last one (where rounding has had the longest to accumulate).
  const checks = Array.from({ length: 100 }, (_, i) => Math.min(N - 1, n + i * 99_991));

  test('random-walk prices (level ~3e4, 10M steps): sum, mean and variance stay within 1e-12 of exact', () => {
    const normal = approxNormal(xorshift32(42));
    const x = new Float64Array(N);
    let p = 30_000;
    for (let i = 0; i < N; i++) x[i] = p += 30 * normal() + 0.5; // trending random walk
    const sum = rollingSum(x, n);
    const m = rollingMoments(x, n);
    for (const t of checks) {
      const w = windowOf(x, t, n, false)!;
      const e = exactMoments(w);
      expect(Math.abs(sum[t]! - exactSum(w)) / exactSum(w.map(Math.abs))).toBeLessThan(1e-12);
      expect(Math.abs(m.mean[t]! - e.mean) / Math.abs(e.mean)).toBeLessThan(1e-12);
      expect(Math.abs(m.variance[t]! - e.variance) / e.variance).toBeLessThan(1e-12);
    }
  });

  test('a level of 1e9 with unit noise (where E[x^2] - E[x]^2 loses every digit): variance within 1e-12', () => {
    const normal = approxNormal(xorshift32(43));
    const x = new Float64Array(N);
    for (let i = 0; i < N; i++) x[i] = 1e9 + normal();
    const m = rollingMoments(x, n);
    const z = rollingZscore(x, n);
    for (const t of checks) {
      const w = windowOf(x, t, n, false)!;
      const e = exactMoments(w);
      expect(Math.abs(m.variance[t]! - e.variance) / e.variance).toBeLessThan(1e-12);
      // x - mean is exact to about one ulp of 1e9 (1.2e-7) and the std is ~1.
      expect(Math.abs(z[t]! - (x[t]! - e.mean) / Math.sqrt(e.variance))).toBeLessThan(1e-6);
    }
    // The naive one-pass formula on the same window, for contrast: its relative error is of order 1 or worse.
    const w = windowOf(x, N - 1, n, false)!;
    const naive = w.reduce((a, b) => a + b * b, 0) / n - (w.reduce((a, b) => a + b, 0) / n) ** 2;
    expect(Math.abs(naive - exactMoments(w).variance) / exactMoments(w).variance).toBeGreaterThan(1e-3);
  });
});
