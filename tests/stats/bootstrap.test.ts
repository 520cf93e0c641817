import { describe, expect, test } from '@jest/globals';
import {
  bootstrapCI, circularBlockBootstrap, clampBlockLength, mean, politisWhiteBlockLength, politisWhiteBlockLengths,
  quantiles, stationaryBootstrap, variance,
} from '../../lib/stats/index.js';
import { ar1, gaussian } from './helpers.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';

/**
 * Exact variance of the stationary-bootstrap mean GIVEN the data (derived here): the resample is a stationary
 * chain whose X*_t is uniform over the data; X*_t and X*_{t+k} come from the same block with probability
 * (1 - p)^k, and then X*_{t+k} = x_{(I + k) mod n} with I uniform, otherwise they are independent. Hence
 *   Cov*(X*_t, X*_{t+k}) = (1 - p)^k c(k),  c(k) = (1/n) sum_t (x_t - xbar)(x_{(t+k) mod n} - xbar) (circular),
 *   Var*(mean*) = (1/n) [c(0) + 2 sum_{k=1}^{n-1} (1 - k/n)(1 - p)^k c(k)]
 * (the form of Politis & Romano 1994, section 3; derived independently above).
 */
function exactBootstrapVariance(x: Float64Array, meanBlock: number): number {
  const n = x.length;
  const p = 1 / meanBlock;
  const m = mean(x);
  const c = (k: number): number => {
    let s = 0;
    for (let t = 0; t < n; t++) s += (x[t]! - m) * (x[(t + k) % n]! - m);
    return s / n;
  };
  let v = c(0);
  for (let k = 1; k < n; k++) {
    const w = (1 - k / n) * Math.pow(1 - p, k);
    if (w < 1e-15) break;
    v += 2 * w * c(k);
  }
  return v / n;
}

describe('stationaryBootstrap', () => {
  test('deterministic per seed; different seeds differ', () => {
    const x = gaussian(200, 1);
    const a = stationaryBootstrap(x, { meanBlock: 5, reps: 50, seed: 42 });
    const b = stationaryBootstrap(x, { meanBlock: 5, reps: 50, seed: 42 });
    const c = stationaryBootstrap(x, { meanBlock: 5, reps: 50, seed: 43 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // A 48-bit seed (as the bridge derives from a sha256) works too.
    const big = stationaryBootstrap(x, { meanBlock: 5, reps: 3, seed: 0xfedcba987654 });
    expect(big.every(Number.isFinite)).toBe(true);
  });

  test('meanBlock = 1 (iid bootstrap): Var*(mean*) -> (1/n) mean((x - xbar)^2) (closed form)', () => {
    const x = gaussian(200, 2);
    const R = 4000;
    const reps = stationaryBootstrap(x, { meanBlock: 1, reps: R, seed: 7 });
    const target = variance(x, 0) / x.length;
    expect(target).toBeCloseTo(exactBootstrapVariance(x, 1), 15);
    // Monte-Carlo relative sd of a variance from 4000 replicates: sqrt(2/3999) = 2.2%; allow 8%.
    expect(Math.abs(variance(reps) / target - 1)).toBeLessThan(0.08);
    // The bootstrap means are centred on the sample mean (sd of their average: sqrt(target / R)).
    expect(Math.abs(mean(reps) - mean(x))).toBeLessThan(4 * Math.sqrt(target / R));
  });

  test('AR(1) with a long block: Var*(mean*) matches the exact conditional variance (Monte Carlo)', () => {
    const n = 2000;
    const x = ar1(n, 0.6, 17);
    const meanBlock = 40;
    const reps = stationaryBootstrap(x, { meanBlock, reps: 2500, seed: 3 });
    // Monte-Carlo relative sd with 2500 replicates: sqrt(2/2499) = 2.8%; allow 12%.
    expect(Math.abs(variance(reps) / exactBootstrapVariance(x, meanBlock) - 1)).toBeLessThan(0.12);
  });

  test('AR(1) with a long block: the bootstrap variance approaches the long-run variance / n', () => {
    // phi = 0.6, Var(e) = 1: long-run variance LRV = 1/(1 - phi)^2 = 6.25. Averaged over 20 independent series of
    // n = 2000, E*[Var*(mean*)] n / LRV should be 1 minus the known finite-sample biases: block truncation
    // 2 p sum_k k gamma_k / LRV = 2 (1/40) phi / ((1 - phi)^2 (1 - phi^2)) / 6.25 = 4.7%, and demeaning about
    // 2 meanBlock / n = 4%, so about 0.91; the spread of the average over 20 series is about 0.04.
    const n = 2000;
    const meanBlock = 40;
    let sum = 0;
    for (let k = 0; k < 20; k++) sum += exactBootstrapVariance(ar1(n, 0.6, 200 + k), meanBlock);
    const ratio = (sum / 20) / (6.25 / n);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.05);
  });

  test('block lengths are geometric with mean meanBlock and wrap around', () => {
    // Resample the indices 0..n-1 themselves: a block continues where the next value is the previous + 1 (mod n).
    const n = 1000;
    const idx = Float64Array.from({ length: n }, (_, i) => i);
    let breaks = 0;
    let wraps = 0;
    let total = 0;
    stationaryBootstrap(idx, {
      meanBlock: 8, reps: 300, seed: 5,
      statistic: (r) => {
        for (let t = 1; t < r.length; t++) {
          if (r[t] !== (r[t - 1]! + 1) % n) breaks++;
          else if (r[t] === 0) wraps++;
        }
        total += r.length;
        return 0;
      },
    });
    const meanLen = total / (breaks + 300);
    // A visible break needs a new block (p = 1/8) that does not land on the next index (1 - 1/n): expected visible
    // runs per resample 1 + (n - 1) p (1 - 1/n), mean run length n / that.
    const expected = n / (1 + (n - 1) * (1 / 8) * (1 - 1 / n));
    expect(Math.abs(meanLen / expected - 1)).toBeLessThan(0.04);
    expect(wraps).toBeGreaterThan(0);
  });

  test('a custom statistic sees the same resamples as the default mean', () => {
    const x = gaussian(100, 9);
    const dflt = stationaryBootstrap(x, { meanBlock: 3, reps: 20, seed: 11 });
    const custom = stationaryBootstrap(x, { meanBlock: 3, reps: 20, seed: 11, statistic: (r) => mean(r) });
    for (let i = 0; i < 20; i++) expect(custom[i]).toBeCloseTo(dflt[i]!, 14);
  });

  test('the mean path is bit-for-bit the plain loop (one uniform() per step, one more per new block)', () => {
    // the loop stationaryBootstrap ran before its mean path took the uniforms from a batch buffer
    const plain = (x: ArrayLike<number>, meanBlock: number, reps: number, seed: number): Float64Array => {
      const n = x.length;
      const rng = Xoshiro128ss.fromSeed(seed, 0);
      const out = new Float64Array(reps);
      for (let r = 0; r < reps; r++) {
        let idx = Math.floor(rng.uniform() * n);
        let s = 0;
        for (let t = 0; t < n; t++) {
          if (t > 0) {
            if (rng.uniform() < 1 / meanBlock) idx = Math.floor(rng.uniform() * n);
            else if (++idx === n) idx = 0;
          }
          s += x[idx]!;
        }
        out[r] = s / n;
      }
      return out;
    };
    const cases: [ArrayLike<number>, number, number, number][] = [
      [gaussian(1, 3), 1, 5, 1], [[-0, -0], 2, 3, 2], [gaussian(7, 4), 1, 40, 3], [Array.from(gaussian(500, 5)), 4.5, 30, 0xfedcba987654],
      [ar1(3000, 0.4, 6), 13, 9, -17], [gaussian(4096, 7), 2, 3, 8], // 4096 + new-block draws cross the batch edge
    ];
    for (const [x, b, reps, seed] of cases) {
      const got = stationaryBootstrap(x, { meanBlock: b, reps, seed });
      const want = plain(x, b, reps, seed);
      for (let r = 0; r < reps; r++) expect(Object.is(got[r], want[r])).toBe(true);
    }
    const a = Xoshiro128ss.fromSeed(99, 0);
    const b = Xoshiro128ss.fromSeed(99, 0);
    const buf = new Float64Array(1000);
    a.fillUniform(buf);
    for (let i = 0; i < 1000; i++) expect(buf[i]).toBe(b.uniform());
    expect(a.uniform()).toBe(b.uniform());
  });

  test('bad options throw', () => {
    expect(() => stationaryBootstrap([], { meanBlock: 1, reps: 1, seed: 1 })).toThrow(RangeError);
    expect(() => stationaryBootstrap([1, 2], { meanBlock: 0.5, reps: 1, seed: 1 })).toThrow(RangeError);
    expect(() => stationaryBootstrap([1, 2], { meanBlock: 1, reps: 0, seed: 1 })).toThrow(RangeError);
    expect(() => stationaryBootstrap([1, NaN], { meanBlock: 1, reps: 1, seed: 1 })).toThrow(RangeError);
  });
});

describe('bootstrapCI', () => {
  test('percentile interval = type-7 quantiles of the same replicates; mean = sample mean', () => {
    const x = gaussian(300, 12).map((v) => v + 0.1);
    const o = { meanBlock: 4, reps: 999, seed: 8 };
    const ci = bootstrapCI(x, { ...o, level: 0.9 });
    const reps = stationaryBootstrap(x, o);
    const a = (1 - 0.9) / 2; // the library's own arithmetic: 0.04999999999999999
    const [lo, hi] = quantiles(reps, [a, 1 - a]);
    expect(ci.lo).toBe(lo);
    expect(ci.hi).toBe(hi);
    expect(ci.mean).toBe(mean(x));
    expect(ci.se).toBeCloseTo(Math.sqrt(variance(reps)), 15);
  });

  test('iid data, meanBlock 1: the 95% interval is close to mean +- 1.96 sqrt(c0 / n)', () => {
    const x = gaussian(500, 13);
    const ci = bootstrapCI(x, { meanBlock: 1, reps: 4000, seed: 2, level: 0.95 });
    const se = Math.sqrt(variance(x, 0) / x.length);
    expect(Math.abs(ci.se / se - 1)).toBeLessThan(0.06);
    // sd of a 2.5% quantile from 4000 replicates: sqrt(0.025 * 0.975 / 4000) / phi(1.96) = 0.042 se; allow 0.15 se.
    expect(Math.abs(ci.lo - (ci.mean - 1.959963984540054 * se))).toBeLessThan(0.15 * se);
    expect(Math.abs(ci.hi - (ci.mean + 1.959963984540054 * se))).toBeLessThan(0.15 * se);
    expect(() => bootstrapCI(x, { meanBlock: 1, reps: 10, seed: 1, level: 1 })).toThrow(RangeError);
  });
});

/**
 * Politis & White (2004) with the Patton, Politis & White (2009) correction, written independently from the
 * papers' formulas (all autocovariances first, then the m-hat search, then the flat-top sums):
 *   b_SB = (2 G^2 / D_SB)^(1/3) n^(1/3), D_SB = 2 g(0)^2;  b_CB = (2 G^2 / D_CB)^(1/3) n^(1/3), D_CB = (4/3) g(0)^2.
 */
function pwReference(x: ArrayLike<number>): { sb: number; cb: number } {
  const n = x.length;
  const m = Array.from(x).reduce((a, b) => a + b, 0) / n;
  const R = (k: number): number => {
    let c = 0;
    for (let t = 0; t + k < n; t++) c += (x[t]! - m) * (x[t + k]! - m);
    return c / n;
  };
  const kn = Math.max(5, Math.ceil(Math.sqrt(Math.log10(n))));
  const mMax = Math.ceil(Math.sqrt(n)) + kn;
  const rho = Array.from({ length: mMax + 1 }, (_, k) => R(k) / R(0));
  const band = 2 * Math.sqrt(Math.log10(n) / n);
  let mHat = -1;
  for (let j = 1; j + kn - 1 <= mMax && mHat < 0; j++) if (rho.slice(j, j + kn).every((r) => Math.abs(r) < band)) mHat = j;
  const M = mHat > 0 ? Math.min(2 * mHat, mMax) : mMax;
  const lambda = (t: number): number => (Math.abs(t) <= 0.5 ? 1 : Math.abs(t) <= 1 ? 2 * (1 - Math.abs(t)) : 0);
  let G = 0;
  let g0 = 0;
  for (let k = -M; k <= M; k++) {
    G += lambda(k / M) * Math.abs(k) * R(Math.abs(k));
    g0 += lambda(k / M) * R(Math.abs(k));
  }
  return { sb: Math.cbrt((2 * G * G) / (2 * g0 * g0)) * Math.cbrt(n), cb: Math.cbrt((2 * G * G) / ((4 / 3) * g0 * g0)) * Math.cbrt(n) };
}

describe('politisWhiteBlockLength(s): returned as computed, both bootstraps', () => {
  test('AR(1): close to the theoretical optima (2 phi / (1 - phi^2))^(2/3) n^(1/3) and (3/2)^(1/3) times that', () => {
    // For an AR(1), G / g(0) = sum |k| gamma_k / sum gamma_k = 2 phi / (1 - phi^2), and with D_SB = 2 g(0)^2 and
    // D_CB = (4/3) g(0)^2 (Patton, Politis & White 2009) b_SB = (G / g(0))^(2/3) n^(1/3), b_CB = (3/2)^(1/3) b_SB.
    const n = 100_000;
    for (const [phi, seed] of [[0.5, 31], [0.3, 32]] as const) {
      const x = ar1(n, phi, seed);
      const theory = Math.pow((2 * phi) / (1 - phi * phi), 2 / 3) * Math.cbrt(n);
      const b = politisWhiteBlockLengths(x);
      expect(Math.abs(b.stationary / theory - 1)).toBeLessThan(0.25);
      expect(Math.abs(b.circular / (Math.cbrt(1.5) * theory) - 1)).toBeLessThan(0.25);
      expect(politisWhiteBlockLength(x)).toBe(b.stationary);
    }
  });

  test('matches the independent implementation; circular / stationary = (3/2)^(1/3) exactly', () => {
    for (const [x, label] of [[ar1(3000, 0.7, 41), 'ar 0.7'], [gaussian(500, 42), 'noise'], [ar1(200, -0.4, 43), 'ar -0.4']] as const) {
      const got = politisWhiteBlockLengths(x);
      const ref = pwReference(x);
      expect([label, Math.abs(got.stationary / ref.sb - 1) < 1e-10]).toEqual([label, true]);
      expect(Math.abs(got.circular / ref.cb - 1)).toBeLessThan(1e-10);
      expect(got.circular / got.stationary).toBeCloseTo(Math.cbrt(1.5), 14);
    }
  });

  test('no clamping: white noise can give less than 1, strong dependence more than b_max; tiny or constant -> NaN', () => {
    // Weak dependence: G near 0 gives a raw length near 0 (the old clamped value was 1).
    const w = politisWhiteBlockLengths(gaussian(20_000, 33));
    expect(w.stationary).toBeLessThan(4);
    expect(w.stationary).toBeGreaterThanOrEqual(0);
    expect(w.bMax).toBe(Math.ceil(Math.min(3 * Math.sqrt(20_000), 20_000 / 3)));
    // A short, strongly anti-persistent series (x_t = -0.9 x_{t-1} + e_t, 100 points): g(0) nearly cancels and the
    // raw value exceeds b_max = ceil(min(30, 33.3)) = 30 (about 190 here); clampBlockLength reports it.
    const e = gaussian(100, 5);
    let v = 0;
    const strong = politisWhiteBlockLengths(Float64Array.from(e, (u) => (v = -0.9 * v + u)));
    expect(strong.bMax).toBe(30);
    expect(strong.stationary).toBeGreaterThan(30);
    const c = clampBlockLength(strong.stationary, 100);
    expect(c).toEqual({ block: 30, raw: strong.stationary, clamped: 'high', lo: 1, hi: 30 });
    expect(politisWhiteBlockLength([1, 2, 3])).toBeNaN();
    expect(politisWhiteBlockLength(new Float64Array(50).fill(2))).toBeNaN();
  });
});

describe('clampBlockLength', () => {
  test('bounds [1, ceil(min(3 sqrt n, n/3))], rounding for integer blocks, NaN -> lo, reported', () => {
    // n = 400: b_max = ceil(min(60, 133.3)) = 60.
    expect(clampBlockLength(7.4, 400)).toEqual({ block: 7.4, raw: 7.4, clamped: 'none', lo: 1, hi: 60 });
    expect(clampBlockLength(7.4, 400, { integer: true }).block).toBe(7);
    expect(clampBlockLength(0.3, 400)).toEqual({ block: 1, raw: 0.3, clamped: 'low', lo: 1, hi: 60 });
    expect(clampBlockLength(0.6, 400, { integer: true }).clamped).toBe('none'); // rounds to 1
    expect(clampBlockLength(75, 400).clamped).toBe('high');
    expect(clampBlockLength(Infinity, 400).block).toBe(60);
    expect(clampBlockLength(NaN, 400)).toEqual({ block: 1, raw: NaN, clamped: 'undefined', lo: 1, hi: 60 });
    expect(clampBlockLength(5, 400, { lo: 2, hi: 4 }).block).toBe(4);
    // n = 2: b_max = ceil(min(4.24, 0.67)) = 1.
    expect(clampBlockLength(3, 2).block).toBe(1);
    expect(() => clampBlockLength(3, 0)).toThrow(RangeError);
    expect(() => clampBlockLength(3, 10, { lo: 0 })).toThrow(RangeError);
  });
});

/**
 * Exact conditional variance of the circular-block-bootstrap mean (derived here): the resample holds k = n / b
 * independent blocks (b divides n), each the b circularly consecutive values from a uniform start I, so
 * Var*(mean*) = k Var*(S_I) / n^2 with S_i = sum_{j<b} x_{(i+j) mod n} and Var*(S_I) = (1/n) sum_i (S_i - b xbar)^2.
 */
function exactCbbVariance(x: ArrayLike<number>, b: number): number {
  const n = x.length;
  const m = mean(x);
  let v = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < b; j++) s += x[(i + j) % n]!;
    v += (s - b * m) ** 2;
  }
  return ((n / b) * (v / n)) / (n * n);
}

describe('circularBlockBootstrap (Politis & Romano 1992)', () => {
  test('deterministic per seed; blocks of exactly b circularly consecutive indices, starting at multiples of b', () => {
    const n = 103;
    const idx = Float64Array.from({ length: n }, (_, i) => i);
    const b = 10;
    let wraps = 0;
    let startsOk = true;
    circularBlockBootstrap(idx, {
      blockLength: b, reps: 200, seed: 7,
      statistic: (r) => {
        for (let t = 1; t < r.length; t++) {
          const cont = r[t] === (r[t - 1]! + 1) % n;
          if (t % b !== 0 && !cont) startsOk = false; // inside a block: always the next index
          if (t % b !== 0 && r[t] === 0) wraps++;
        }
        return 0;
      },
    });
    expect(startsOk).toBe(true);
    expect(wraps).toBeGreaterThan(0);
    const x = gaussian(200, 1);
    const a = circularBlockBootstrap(x, { blockLength: 5, reps: 50, seed: 42 });
    expect(Array.from(a)).toEqual(Array.from(circularBlockBootstrap(x, { blockLength: 5, reps: 50, seed: 42 })));
    expect(Array.from(a)).not.toEqual(Array.from(circularBlockBootstrap(x, { blockLength: 5, reps: 50, seed: 43 })));
  });

  test('b = 1 is the iid bootstrap: Var*(mean*) -> (1/n) mean((x - xbar)^2)', () => {
    const x = gaussian(200, 2);
    const reps = circularBlockBootstrap(x, { blockLength: 1, reps: 4000, seed: 7 });
    const target = variance(x, 0) / x.length;
    expect(exactCbbVariance(x, 1)).toBeCloseTo(target, 15);
    expect(Math.abs(variance(reps) / target - 1)).toBeLessThan(0.08);
  });

  test('AR(1), b = 40 dividing n: Var*(mean*) matches the exact block-sum variance; the mean is unbiased', () => {
    // The block-sum form equals (1/n)[c(0) + 2 sum_{k<b} (1 - k/b) c(k)] with circular autocovariances c.
    const n = 2000;
    const x = ar1(n, 0.6, 17);
    const b = 40;
    const exact = exactCbbVariance(x, b);
    const m = mean(x);
    const c = (k: number): number => {
      let s = 0;
      for (let t = 0; t < n; t++) s += (x[t]! - m) * (x[(t + k) % n]! - m);
      return s / n;
    };
    let form = c(0);
    for (let k = 1; k < b; k++) form += 2 * (1 - k / b) * c(k);
    expect(form / n).toBeCloseTo(exact, 14);
    const reps = circularBlockBootstrap(x, { blockLength: b, reps: 2500, seed: 3 });
    // Monte-Carlo relative sd with 2500 replicates: sqrt(2/2499) = 2.8%; allow 12%.
    expect(Math.abs(variance(reps) / exact - 1)).toBeLessThan(0.12);
    // E*[mean*] = xbar exactly (every position is uniform on the circle); sd of the average sqrt(exact / 2500).
    expect(Math.abs(mean(reps) - m)).toBeLessThan(4 * Math.sqrt(exact / 2500));
  });

  test('a custom statistic sees the same resamples as the default mean; bad options throw', () => {
    const x = gaussian(100, 9);
    const dflt = circularBlockBootstrap(x, { blockLength: 3, reps: 20, seed: 11 });
    const custom = circularBlockBootstrap(x, { blockLength: 3, reps: 20, seed: 11, statistic: (r) => mean(r) });
    for (let i = 0; i < 20; i++) expect(custom[i]).toBeCloseTo(dflt[i]!, 14);
    expect(() => circularBlockBootstrap([], { blockLength: 1, reps: 1, seed: 1 })).toThrow(RangeError);
    expect(() => circularBlockBootstrap([1, 2], { blockLength: 1.5, reps: 1, seed: 1 })).toThrow(RangeError);
    expect(() => circularBlockBootstrap([1, 2], { blockLength: 3, reps: 1, seed: 1 })).toThrow(RangeError);
    expect(() => circularBlockBootstrap([1, 2], { blockLength: 0, reps: 1, seed: 1 })).toThrow(RangeError);
    expect(() => circularBlockBootstrap([1, 2], { blockLength: 1, reps: 0, seed: 1 })).toThrow(RangeError);
    expect(() => circularBlockBootstrap([1, NaN], { blockLength: 1, reps: 1, seed: 1 })).toThrow(RangeError);
  });
});
