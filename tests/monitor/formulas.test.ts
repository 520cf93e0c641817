import { describe, expect, test } from '@jest/globals';
import { olsBeta, rollingBeta, shrinkBeta } from '../../lib/monitor/beta.js';
import { neutralize } from '../../lib/monitor/neutrality.js';
import { volTargetScale } from '../../lib/monitor/backtest.js';
import { bucket, countChanges, hysteresisLabels } from '../../lib/monitor/regime.js';
import { trailingZ } from '../../lib/monitor/features.js';
import { evaluateRegimes, forwardSum } from '../../lib/monitor/evaluation.js';
import { asOfDaily, dailyFunding, DAY_MS } from '../../lib/monitor/panel.js';
import { fillCostBps } from '../../lib/costs/fill.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import type { CostConfig } from '../../lib/costs/schema.js';

// Anscombe (1973), "Graphs in Statistical Analysis", The American Statistician 27(1): data set I, published fit
// y = 3.00 + 0.500 x (slope 0.5001 to 4 decimals).
const ANSCOMBE_X = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
const ANSCOMBE_Y1 = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];

describe('beta: OLS and shrinkage toward 1', () => {
  test('OLS slope equals the published Anscombe I slope', () => {
    const { beta, n } = olsBeta(ANSCOMBE_Y1, ANSCOMBE_X);
    expect(n).toBe(11);
    expect(beta).toBeCloseTo(0.5001, 4);
  });
  test('Vasicek/Blume shrinkage: (1 - lambda) b + lambda, lambda = 1/3 gives Blume 1975 weights', () => {
    expect(shrinkBeta(0.5001, 0.3)).toBeCloseTo(0.7 * 0.5001 + 0.3, 12);
    expect(shrinkBeta(1.6, 1 / 3)).toBeCloseTo(1.4, 12);
  });
  test('rolling beta uses only the trailing window, skips NaN pairs, falls back to the prior 1', () => {
    const x = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const y = Float64Array.from(x, (v, i) => 2 * v + 0.01 * Math.cos(3 * i));
    y[5] = NaN;
    const b = rollingBeta(y, x, 10, 0.25, 8);
    expect(b[3]).toBe(1); // fewer than 8 pairs
    for (const d of [12, 25, 39]) {
      const ols = olsBeta(y.subarray(d - 9, d + 1), x.subarray(d - 9, d + 1)).beta;
      expect(b[d]).toBeCloseTo(0.75 * ols + 0.25, 12);
    }
    // the future does not move past estimates
    const y2 = Float64Array.from(y); y2[39] = 100;
    expect(rollingBeta(y2, x, 10, 0.25, 8).subarray(0, 39)).toEqual(b.subarray(0, 39));
  });
});

describe('neutrality solver', () => {
  const opts = { mode: 'beta' as const, maxName: 1, maxGross: 2, wBtc: 0.7, wEth: 0.3 };
  test('beta-neutral: majors leg = -sum a_i b_i, split 0.7/0.3, residual 0', () => {
    const r = neutralize(Float64Array.of(-0.25, -0.25), Float64Array.of(1.2, 0.8), opts);
    expect(r.btc + r.eth).toBeCloseTo(0.5, 12); // 0.25 * 1.2 + 0.25 * 0.8
    expect(r.btc).toBeCloseTo(0.35, 12);
    expect(r.eth).toBeCloseTo(0.15, 12);
    expect(r.residual_beta).toBeCloseTo(0, 12);
    expect(r.capped).toBe(false);
  });
  test('dollar-neutral: majors leg = -sum a_i; residual = beta mismatch', () => {
    const r = neutralize(Float64Array.of(-0.25, -0.25), Float64Array.of(1.5, 1.5), { ...opts, mode: 'dollar' });
    expect(r.btc + r.eth).toBeCloseTo(0.5, 12);
    expect(r.residual_beta).toBeCloseTo(-0.75 + 0.5, 12);
  });
  test('per-name cap clips the alt leg; the gross cap leaves a reported residual beta', () => {
    const c = neutralize(Float64Array.of(-0.4, -0.1), Float64Array.of(1, 1), { ...opts, maxName: 0.2 });
    expect(Array.from(c.alt)).toEqual([-0.2, -0.1]);
    expect(c.btc + c.eth).toBeCloseTo(0.3, 12);
    const g = neutralize(Float64Array.of(-0.25, -0.25), Float64Array.of(1.2, 0.8), { ...opts, maxGross: 0.8 });
    expect(g.capped).toBe(true);
    expect(g.btc + g.eth).toBeCloseTo(0.3, 12);
    expect(g.residual_beta).toBeCloseTo(-0.2, 12);
  });
});

describe('volatility target', () => {
  test('scale = target / (sample std * sqrt(365)), capped', () => {
    const r = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01));
    // mean 0, sum of squares 30e-4, sample variance 30e-4 / 29
    const annual = Math.sqrt(30e-4 / 29) * Math.sqrt(365);
    expect(volTargetScale(r, 0.2, 5)).toBeCloseTo(0.2 / annual, 12);
    expect(volTargetScale(r, 0.2, 1)).toBe(1);
    expect(volTargetScale(new Array(30).fill(0.001), 0.2, 2)).toBe(2);
  });
});

describe('hysteresis', () => {
  test('band: a label changes only when the score crosses a cut point by the band (hand-worked)', () => {
    const score = Float64Array.of(-1, 0.2, 0.4, 0.6, -0.2, -0.6, 0.1);
    const raw = Int32Array.from(score, (x) => bucket(x, [0]));
    expect(Array.from(raw)).toEqual([0, 1, 1, 1, 0, 0, 1]);
    const h = hysteresisLabels(score, [0], 0.5, 1);
    expect(Array.from(h)).toEqual([0, 0, 0, 1, 1, 0, 0]);
    expect(countChanges(raw)).toBe(3);
    expect(countChanges(h)).toBe(2);
  });
  test('min dwell: a label is held min_dwell days; multi-step jumps go to the furthest allowed label', () => {
    const score = Float64Array.of(-2, 2, -2, 2, 2, 2, -2, -2);
    expect(Array.from(hysteresisLabels(score, [0], 0, 3))).toEqual([0, 0, 0, 1, 1, 1, 0, 0]);
    expect(Array.from(hysteresisLabels(Float64Array.of(-3, 3), [-1, 0, 1], 0.1, 1))).toEqual([0, 3]);
    expect(Array.from(hysteresisLabels(Float64Array.of(NaN, NaN, 0.5), [0], 0.1, 1))).toEqual([-1, -1, 1]);
  });
  test('causal: labels of any prefix equal the prefix of the labels (no future score is used)', () => {
    const rng = Xoshiro128ss.fromSeed(3, 0);
    const score = Float64Array.from({ length: 400 }, () => rng.normal());
    const full = hysteresisLabels(score, [-1, -0.3, 0.3, 1], 0.2, 4);
    for (const cut of [1, 17, 150, 399]) expect(hysteresisLabels(score.subarray(0, cut), [-1, -0.3, 0.3, 1], 0.2, 4)).toEqual(full.subarray(0, cut));
  });
});

describe('trailing z-score and as-of joins', () => {
  test('z_d = (x_d - mean(W)) / sd(W) over the trailing window, NaN before burn-in', () => {
    const x = Float64Array.from({ length: 30 }, (_, i) => Math.sqrt(i) + (i % 3));
    const z = trailingZ(x, 10, 5);
    expect(Number.isNaN(z[3]!)).toBe(true);
    for (const d of [4, 9, 20, 29]) {
      const w = Array.from(x.subarray(Math.max(0, d - 9), d + 1));
      const m = w.reduce((s, v) => s + v, 0) / w.length;
      const sd = Math.sqrt(w.reduce((s, v) => s + (v - m) ** 2, 0) / (w.length - 1));
      expect(z[d]).toBeCloseTo((x[d]! - m) / sd, 10);
    }
  });
  test('market caps as of the close; funding sums the settlements in (d, d + 1 day]', () => {
    const days = Float64Array.of(0, DAY_MS, 2 * DAY_MS);
    // the close of day d is days[d] + 1 day: the 3.5-day value is not known at the close of day 2 (3 days)
    expect(Array.from(asOfDaily(days, Float64Array.of(DAY_MS, 2.5 * DAY_MS, 3.5 * DAY_MS), Float64Array.of(5, 7, 9), 3))).toEqual([5, 5, 7]);
    expect(Array.from(asOfDaily(days, Float64Array.of(0.5 * DAY_MS), Float64Array.of(5), 1))).toEqual([5, NaN, NaN]);
    const H = 3_600_000;
    const ts = Float64Array.of(8 * H, 16 * H, 24 * H, 32 * H, 40 * H, 48 * H);
    const f = dailyFunding(days, ts, Float64Array.of(1, 2, 3, 4, 5, 6), new Float64Array(6).fill(8));
    expect(f[0]).toBe(6); // 08:00, 16:00, 24:00 of day 0
    expect(f[1]).toBe(15);
    expect(Number.isNaN(f[2]!)).toBe(true); // not covered
  });
});

describe('regime statistics', () => {
  test('HAC t equals an independent Newey-West (1987) Bartlett computation; CI near the normal CI for iid data', () => {
    const rng = Xoshiro128ss.fromSeed(11, 0);
    const y = Float64Array.from({ length: 2000 }, () => 0.001 + 0.01 * rng.normal());
    const labels = Int32Array.from({ length: 2000 }, (_, i) => (i < 1200 ? 0 : 1));
    const e = evaluateRegimes(y, labels, ['A', 'B'], 1, 'y', { reps: 2000, seed: 5, level: 0.95 });
    const a = Array.from(y.subarray(0, 1200));
    const n = a.length;
    const m = a.reduce((s, v) => s + v, 0) / n;
    const L = Math.floor(4 * Math.pow(n / 100, 2 / 9));
    let acc = a.reduce((s, v) => s + (v - m) ** 2, 0);
    for (let k = 1; k <= L; k++) { let c = 0; for (let t = k; t < n; t++) c += (a[t]! - m) * (a[t - k]! - m); acc += 2 * (1 - k / (L + 1)) * c; }
    const t = m / (Math.sqrt(acc) / n);
    const A = e.regimes[0]!;
    expect(A.n).toBe(1200);
    expect(A.mean).toBeCloseTo(m, 14);
    expect(A.hac_t).toBeCloseTo(t, 10);
    expect(A.hit_rate).toBeCloseTo(a.filter((v) => v > 0).length / n, 14);
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1));
    const half = 1.959964 * sd / Math.sqrt(n);
    expect(A.ci_lo).toBeGreaterThan(m - 1.15 * half);
    expect(A.ci_lo).toBeLessThan(m - 0.85 * half);
    expect(A.ci_hi).toBeGreaterThan(m + 0.85 * half);
    expect(A.ci_hi).toBeLessThan(m + 1.15 * half);
    expect(e.spread).toBeCloseTo(Math.abs(e.regimes[0]!.mean - e.regimes[1]!.mean), 14);
    expect(e.spread_ci![0]).toBeLessThan(e.spread!);
  });
  test('forward h-day sums and ESS = n / h for overlapping windows', () => {
    expect(Array.from(forwardSum(Float64Array.of(1, 2, 3, 4), 2))).toEqual([5, 7, NaN, NaN]);
    const y = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i));
    const e = evaluateRegimes(y, new Int32Array(100), ['A'], 5, 'y', { reps: 200, seed: 1, level: 0.9 });
    expect(e.regimes[0]!.ess).toBeCloseTo(20, 12);
  });
});

describe('trading cost: the project cost model', () => {
  test('fee + slippage + sqrt impact (coefficient x daily vol bps x sqrt(participation))', () => {
    const c = { venues: {}, slippage_bps: 1, impact: { model: 'sqrt', coefficient: 1, max_participation: 0.1 }, funding: { enabled: true }, borrow: { spot_short_bps_per_year: 1000 } } as unknown as CostConfig;
    expect(fillCostBps(c, 10, 400, 0.01)).toBeCloseTo(10 + 1 + 400 * 0.1, 12);
    expect(fillCostBps(c, 10, NaN, 0.01)).toBe(11);
  });
});
