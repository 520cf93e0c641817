import { describe, expect, test } from '@jest/globals';
import { adfTest, engleGranger, mackinnonCrit, mackinnonP, olsHac } from '../../lib/stats/index.js';
import { ar1, gaussian } from './helpers.js';
import { REALCONS, REALGDP } from './macrodata.js';

// Published values: statsmodels tsa/tests/test_stattools.py (TestADFConstant, TestADFNoConstant, TestADFConstant2,
// TestCoint_t; "Test values taken from Stata"), on statsmodels' macrodata (tests/stats/macrodata.ts).

function nearly(got: readonly number[], want: readonly number[], tol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(tol));
}

describe('adfTest vs statsmodels adfuller (Stata values)', () => {
  test("realgdp, regression 'c', maxlag 4, no autolag: tau 0.97505319, p 0.99399563", () => {
    const r = adfTest(REALGDP, { regression: 'c', maxLag: 4, autolag: 'none' });
    expect(r.statistic).toBeCloseTo(0.97505319, 5);
    expect(r.pValue).toBeCloseTo(0.99399563, 5);
    expect(r.lags).toBe(4);
    expect(r.nobs).toBe(203 - 1 - 4);
    // Stata's critical values (Fuller's table); statsmodels' test compares its MacKinnon (2010) values to 2 decimals
    // (numpy assert_almost_equal decimal=2: |difference| < 1.5e-2)
    nearly(r.criticalValues, [-3.476, -2.883, -2.573], 1.5e-2);
    expect(r.criticalValues).toEqual(mackinnonCrit(1, 'c', 198));
  });

  test("realgdp, regression 'n', maxlag 4, no autolag: tau 3.5227498, p 0.99999", () => {
    const r = adfTest(REALGDP, { regression: 'n', maxLag: 4, autolag: 'none' });
    expect(r.statistic).toBeCloseTo(3.5227498, 5);
    expect(r.pValue).toBeCloseTo(0.99999, 5);
    nearly(r.criticalValues, [-2.587, -1.95, -1.617], 1.5e-2);
  });

  test('the AIC lag search equals separate fits of every lag on the common sample', () => {
    // AR(1) phi = 0.9 in differences: a stationary series with strong short-run dynamics, so lags matter.
    const e = gaussian(400, 11);
    const x = new Float64Array(400);
    for (let t = 1; t < 400; t++) x[t] = 0.6 * x[t - 1]! + e[t]! + 0.5 * e[t - 1]!;
    const maxLag = 8;
    const r = adfTest(x, { regression: 'c', maxLag, autolag: 'aic' });
    // independent: fit each lag p on rows t = maxLag + 1 .. n - 1 with olsHac (coefficients only), AIC by hand
    const m = 400 - 1 - maxLag;
    let best = Infinity;
    let bestP = -1;
    for (let p = 0; p <= maxLag; p++) {
      const y = Float64Array.from({ length: m }, (_, i) => x[maxLag + 1 + i]! - x[maxLag + i]!);
      const cols = [new Float64Array(m).fill(1), Float64Array.from({ length: m }, (_, i) => x[maxLag + i]!)];
      for (let j = 1; j <= p; j++) cols.push(Float64Array.from({ length: m }, (_, i) => x[maxLag + 1 + i - j]! - x[maxLag + i - j]!));
      const fit = olsHac(y, cols, { lags: 0 });
      let rss = 0;
      for (const u of fit.residuals) rss += u * u;
      const aic = m * (Math.log(2 * Math.PI) + Math.log(rss / m) + 1) + 2 * cols.length;
      if (aic < best) { best = aic; bestP = p; }
    }
    expect(r.lags).toBe(bestP);
    expect(r.aic).toBeCloseTo(best, 8);
    // the chosen lag refitted on all of its rows equals the fixed-lag test
    const fixed = adfTest(x, { regression: 'c', maxLag: bestP, autolag: 'none' });
    expect(r.statistic).toBe(fixed.statistic);
    expect(r.nobs).toBe(400 - 1 - bestP);
  });

  test('default maxLag is ceil(12 (n/100)^(1/4)) capped at n/2 - ntrend - 1; bad input throws', () => {
    const x = ar1(1000, 0.5, 3);
    expect(adfTest(x, { autolag: 'none' }).maxLag).toBe(22); // 12 * 10^(1/4) = 21.34 -> 22
    expect(adfTest(ar1(20, 0.5, 3), { autolag: 'none' }).maxLag).toBe(8); // ceil(12 * 0.2^(1/4)) = 9 > 20/2 - 1 - 1 = 8
    expect(() => adfTest([1, 2, NaN, 4, 5, 6])).toThrow(/not finite/);
    expect(() => adfTest(x, { maxLag: 600 })).toThrow(/too large/);
    expect(() => adfTest(new Float64Array(50).fill(3), { maxLag: 1, autolag: 'none' })).toThrow(/rank deficient/);
  });
});

describe('mackinnonP / mackinnonCrit (MacKinnon 1994 p-values, 2010 critical values)', () => {
  test('statsmodels TestADFConstant2: tau -4.3346988 (N = 1, constant) has p 0.00038661', () => {
    expect(mackinnonP(-4.3346988, 'c', 1)).toBeCloseTo(0.00038661, 7);
  });

  test('MacKinnon (2010) table 2, N = 2, constant: asymptotic and finite-sample critical values', () => {
    expect(mackinnonCrit(2, 'c')).toEqual([-3.89644, -3.33613, -3.04445]);
    const [c1, c5, c10] = mackinnonCrit(2, 'c', 100);
    expect(c1).toBeCloseTo(-3.89644 - 10.9519 / 100 - 33.527 / 1e4, 12);
    expect(c5).toBeCloseTo(-3.33613 - 6.1101 / 100 - 6.823 / 1e4, 12);
    expect(c10).toBeCloseTo(-3.04445 - 4.2412 / 100 - 2.72 / 1e4, 12);
  });

  test('the 1994 p-value surface agrees with the 2010 critical values (N = 2: p(crit) ~ 1 %, 5 %, 10 %)', () => {
    const [c1, c5, c10] = mackinnonCrit(2, 'c');
    expect(mackinnonP(c1, 'c', 2)).toBeCloseTo(0.01, 2);
    expect(mackinnonP(c5, 'c', 2)).toBeCloseTo(0.05, 2);
    expect(mackinnonP(c10, 'c', 2)).toBeCloseTo(0.1, 2);
  });

  test('tails and domain', () => {
    expect(mackinnonP(-30, 'c', 2)).toBe(0); // below tau_min
    expect(mackinnonP(1, 'c', 2)).toBe(1); // above tau_max 0.92
    expect(mackinnonP(NaN, 'c', 2)).toBeNaN();
    expect(() => mackinnonP(-3, 'c', 7)).toThrow(RangeError);
    expect(() => mackinnonCrit(2, 'n')).toThrow(RangeError);
  });
});

describe('engleGranger vs statsmodels coint', () => {
  test('TestCoint_t: coint(realcons, realgdp, trend c, maxlag 0, autolag None) = -1.830170986148', () => {
    const r = engleGranger(REALCONS, REALGDP, { maxLag: 0, autolag: 'none' });
    expect(r.statistic).toBeCloseTo(-1.830170986148, 4);
    expect(r.lags).toBe(0);
    expect(r.pValue).toBeCloseTo(mackinnonP(r.statistic, 'c', 2), 15);
    expect(r.pValue).toBeGreaterThan(0.5); // consumption and GDP levels: no cointegration found at this lag
    expect(r.criticalValues).toEqual(mackinnonCrit(2, 'c', 202));
  });

  test('a cointegrated pair is found, two independent random walks are not', () => {
    const n = 2000;
    const w = gaussian(n, 5, 1);
    const u = ar1(n, 0.7, 5, 2);
    const v = gaussian(n, 5, 3);
    const x = new Float64Array(n);
    const z = new Float64Array(n);
    for (let t = 1; t < n; t++) { x[t] = x[t - 1]! + w[t]!; z[t] = z[t - 1]! + v[t]!; }
    const y = Float64Array.from(x, (xt, t) => 2 + 1.5 * xt + u[t]!);
    const co = engleGranger(y, x);
    expect(co.beta).toBeCloseTo(1.5, 1);
    expect(co.pValue).toBeLessThan(1e-6);
    expect(co.statistic).toBeLessThan(co.criticalValues[0]);
    const indep = engleGranger(z, x);
    expect(indep.pValue).toBeGreaterThan(0.05);
  });

  test('a perfect fit is tau = -Infinity, p = 0; unequal lengths throw', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i) + i);
    const r = engleGranger(Float64Array.from(x, (v) => 3 * v - 1), x);
    expect(r.statistic).toBe(-Infinity);
    expect(r.pValue).toBe(0);
    expect(() => engleGranger([1, 2, 3], [1, 2])).toThrow(/y has 3 values/);
  });
});
