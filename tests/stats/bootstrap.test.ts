import { describe, expect, test } from '@jest/globals';
import {
  bootstrapCI, mean, politisWhiteBlockLength, quantiles, stationaryBootstrap, variance,
} from '../../lib/stats/index.js';
import { ar1, gaussian } from './helpers.js';

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

describe('politisWhiteBlockLength', () => {
  test('AR(1): close to the theoretical optimum (2 phi / (1 - phi^2))^(2/3) n^(1/3)', () => {
    // For an AR(1), G / g(0) = sum |k| gamma_k / sum gamma_k = 2 phi / (1 - phi^2), and with D_SB = 2 g(0)^2
    // (Patton, Politis & White 2009) b_opt = (2 G^2 / D_SB)^(1/3) n^(1/3) = (G / g(0))^(2/3) n^(1/3).
    const n = 100_000;
    for (const [phi, seed] of [[0.5, 31], [0.3, 32]] as const) {
      const x = ar1(n, phi, seed);
      const theory = Math.pow((2 * phi) / (1 - phi * phi), 2 / 3) * Math.cbrt(n);
      const b = politisWhiteBlockLength(x);
      expect(Math.abs(b / theory - 1)).toBeLessThan(0.25);
    }
  });

  test('white noise gives a short block; bounds: [1, ceil(min(3 sqrt n, n/3))]; tiny or constant -> 1', () => {
    const w = politisWhiteBlockLength(gaussian(20_000, 33));
    expect(w).toBeGreaterThanOrEqual(1);
    expect(w).toBeLessThan(4);
    const strong = politisWhiteBlockLength(ar1(100, 0.99, 34));
    expect(strong).toBeLessThanOrEqual(Math.ceil(Math.min(30, 100 / 3)));
    expect(politisWhiteBlockLength([1, 2, 3])).toBe(1);
    expect(politisWhiteBlockLength(new Float64Array(50).fill(2))).toBe(1);
  });
});
