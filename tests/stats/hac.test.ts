import { describe, expect, test } from '@jest/globals';
import { andrewsBandwidth, neweyWestBandwidth, neweyWestLag, neweyWestMean, olsHac } from '../../lib/stats/index.js';
import { ar1, gaussian } from './helpers.js';

/**
 * R sandwich::meatHAC + sandwich() for lm(x ~ 1), transcribed from cran/sandwich R/vcovHAC.R with
 * NeweyWest(lag = L)'s weights seq(1, 0, by = -1/(L + 1)), prewhite = FALSE, adjust = FALSE:
 *   utu = 0.5 * w[1] * crossprod(u) + sum_{ii >= 2} w[ii] * crossprod(u[1:(n-ii+1)], u[ii:n]); utu = utu + t(utu)
 *   meat = utu / n; vcov = bread * meat * bread / n with bread = (X'X / n)^-1 = 1 for an intercept-only model,
 * u the residuals x - mean(x).
 */
function sandwichNeweyWest(x: ArrayLike<number>, L: number): number {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  const u = Array.from(x, (v) => v - m);
  const weights: number[] = [];
  for (let k = 0; k <= L + 1; k++) weights.push(1 - k / (L + 1)); // seq(1, 0, by = -1/(L+1))
  let utu = 0;
  for (let t = 0; t < n; t++) utu += 0.5 * weights[0]! * u[t]! * u[t]!;
  for (let ii = 2; ii <= Math.min(weights.length, n); ii++) {
    let c = 0;
    for (let t = 0; t < n - ii + 1; t++) c += u[t]! * u[t + ii - 1]!;
    utu += weights[ii - 1]! * c;
  }
  utu = utu + utu; // utu + t(utu) for a 1x1 matrix
  const meat = utu / n;
  return Math.sqrt(meat / n);
}

/** Brute-force quadratic form se^2 = (1/n^2) sum_i sum_j w(|i - j|) e_i e_j, w(0) = 1, w(k) = 1 - k/(L+1). */
function quadraticForm(x: ArrayLike<number>, L: number): number {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = Math.abs(i - j);
      if (k <= L) s += (1 - k / (L + 1)) * (x[i]! - m) * (x[j]! - m);
    }
  }
  return Math.sqrt(s) / n;
}

describe('neweyWestLag = floor(4 (n/100)^(2/9)) (Newey & West 1994)', () => {
  test('hand-computed values', () => {
    // n = 100: 4 * 1 = 4. n = 50: 4 * 0.5^(2/9) = 4 * 0.85724 = 3.43 -> 3. n = 1000: 4 * 10^(2/9) = 6.67 -> 6.
    // n = 10000: 4 * 100^(2/9) = 4 * 2.7826 = 11.13 -> 11. n = 1: 4 * 0.01^(2/9) = 4 * 0.3594 = 1.44 -> 1.
    expect(neweyWestLag(100)).toBe(4);
    expect(neweyWestLag(50)).toBe(3);
    expect(neweyWestLag(1000)).toBe(6);
    expect(neweyWestLag(10000)).toBe(11);
    expect(neweyWestLag(1)).toBe(1);
    expect(neweyWestLag(0)).toBe(0);
  });
});

describe('neweyWestMean', () => {
  test('exact values for x = 1, 2, 3, 4 (derived by hand)', () => {
    // xbar = 2.5, e = -1.5, -0.5, 0.5, 1.5; n = 4.
    // gamma_0 = (2.25 + 0.25 + 0.25 + 2.25)/4 = 5/4; gamma_1 = (0.75 - 0.25 + 0.75)/4 = 5/16;
    // gamma_2 = (-0.75 - 0.75)/4 = -3/8; gamma_3 = (-2.25)/4 = -9/16.
    // L = 0: se^2 = (5/4)/4 = 5/16.
    // L = 1: w_1 = 1/2: se^2 = (5/4 + 2 * 1/2 * 5/16)/4 = 25/64 -> se = 5/8, t = 2.5 / 0.625 = 4.
    // L = 2: w = 2/3, 1/3: se^2 = (5/4 + 2*(2/3)(5/16) + 2*(1/3)(-3/8))/4 = (17/12)/4 = 17/48.
    const x = [1, 2, 3, 4];
    const r0 = neweyWestMean(x, 0);
    expect(r0.se).toBeCloseTo(Math.sqrt(5 / 16), 15);
    const r1 = neweyWestMean(x, 1);
    expect(r1.mean).toBe(2.5);
    expect(r1.se).toBeCloseTo(0.625, 15);
    expect(r1.t).toBeCloseTo(4, 14);
    expect(r1.lags).toBe(1);
    expect(r1.n).toBe(4);
    expect(neweyWestMean(x, 2).se).toBeCloseTo(Math.sqrt(17 / 48), 15);
    // L = 10 > n - 1: w_k = 1 - k/11 on the three available lags, nothing beyond lag 3.
    const se10 = Math.sqrt((5 / 4 + 2 * ((10 / 11) * (5 / 16) + (9 / 11) * (-3 / 8) + (8 / 11) * (-9 / 16))) / 4);
    expect(neweyWestMean(x, 10).se).toBeCloseTo(se10, 15);
  });

  test('L = 0 is the HC0 standard error sqrt(((n - 1)/n) s^2 / n)', () => {
    const x = gaussian(57, 3);
    let m = 0;
    for (const v of x) m += v;
    m /= x.length;
    let ss = 0;
    for (const v of x) ss += (v - m) ** 2;
    const s2 = ss / (x.length - 1);
    expect(neweyWestMean(x, 0).se).toBeCloseTo(Math.sqrt((((x.length - 1) / x.length) * s2) / x.length), 14);
  });

  test('equals R sandwich::NeweyWest(lm(x ~ 1), lag = L, prewhite = FALSE, adjust = FALSE) (transcribed algorithm)', () => {
    const x = ar1(300, 0.6, 21);
    for (const L of [0, 1, 2, 4, 7, 20, 299, 500]) {
      const got = neweyWestMean(x, L).se;
      expect(Math.abs(got / sandwichNeweyWest(x, L) - 1)).toBeLessThan(1e-12);
      expect(Math.abs(got / quadraticForm(x, L) - 1)).toBeLessThan(1e-12);
    }
  });

  test('large-sample HAC variance of an AR(1) mean approaches the long-run variance / n = 1/((1-phi)^2 n)', () => {
    // x_t = 0.5 x_{t-1} + e_t, Var(e) = 1: long-run variance sigma^2 / (1 - phi)^2 = 4. With L = 60 the Bartlett
    // bias is about -2 phi / ((1 - phi)^2 (L + 1)) / 4 = -3% and the sampling error a few percent.
    const n = 200_000;
    const x = ar1(n, 0.5, 77);
    const r = neweyWestMean(x, 60);
    expect(Math.abs((r.se * r.se * n) / 4 - 1)).toBeLessThan(0.12);
  });

  test('edge cases: n = 0 -> NaN; n = 1 -> se 0, t NaN; constant -> se 0, t NaN; bad lags throw', () => {
    const e = neweyWestMean([], 3);
    expect(e.mean).toBeNaN();
    expect(e.se).toBeNaN();
    const one = neweyWestMean([0.2], 0);
    expect(one.mean).toBe(0.2);
    expect(one.se).toBe(0);
    expect(one.t).toBeNaN();
    expect(neweyWestMean([1, 1, 1], 1).t).toBeNaN();
    expect(() => neweyWestMean([1, 2], -1)).toThrow(RangeError);
    expect(() => neweyWestMean([1, 2], 1.5)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// OLS with a HAC covariance and the automatic bandwidths, against R sandwich 3.0-2 and statsmodels 0.13.5.
//
// Reference numbers: R 4.2.2 with sandwich 3.0-2 (Debian bookworm r-cran-sandwich), script
// tests/stats/reference/sandwich_hac.R (statsmodels: tests/stats/reference/statsmodels_hac.py), in short:
//   library(sandwich); data("Investment", package = "sandwich")
//   d <- na.omit(as.data.frame(Investment)[, c("RealInv", "RealGNP", "RealInt")])
//   fm <- lm(RealInv ~ RealGNP + RealInt, data = d)
//   NeweyWest(fm, lag = 4, prewhite = FALSE, adjust = FALSE)          # NW4 below; adjust = TRUE: NW4adj
//   bwNeweyWest(fm, kernel = "Bartlett", prewhite = 0)                # 1.4203054138241991
//   NeweyWest(fm, prewhite = FALSE, adjust = FALSE)                   # lag = floor(bwNeweyWest) = 1: NWauto
//   bwAndrews(fm, kernel = "Bartlett", prewhite = 0)                  # 2.2754953721494706
//   kernHAC(fm, kernel = "Bartlett", bw = bwAndrews, prewhite = FALSE, adjust = FALSE)   # KA; adjust = TRUE: KAadj
//   and the same calls on lm(x ~ 1) and lm(y ~ z) for the LCG series of `lcgSeries` below (values printed with
//   sprintf("%.17g")). statsmodels: sm.OLS(RealInv, [1, RealGNP, RealInt]).fit(cov_type='HAC',
//   cov_kwds={'maxlags': 4, 'use_correction': c}).bse.
// The data: Greene (1993), "Econometric Analysis", Table 13.1 (US investment 1963-1982), as shipped in sandwich
// (RealInv = Investment / Price, RealGNP = GNP / Price, RealInt = Interest - inflation; 1963 dropped, NA), the
// example of Zeileis (2004), "Econometric Computing with HC and HAC Covariance Matrix Estimators", JSS 11(10).

const REAL_INV = [133.84636526040953, 152.63582571274878, 163.75716519020324, 155.32506956741716, 161.49745577901624, 172.02442677727851, 157.68179332968833, 173.31527965836892, 195, 217.30496453900707, 198.73131734445602, 163.84450274266635, 194.87683240139035, 231.41735094609069, 257.01369498736869, 258.84224697099495, 225.2550162537832, 243.36373885415597, 200.35769528228926];
const REAL_GNP = [876.32266043699326, 929.3975255513717, 984.88796248045867, 1011.3837591702505, 1058.1536224860672, 1087.6829127779697, 1085.5112083105523, 1122.3830850953025, 1185.9000000000001, 1254.2789598108748, 1246.263468891206, 1231.5764369186741, 1298.1713767568385, 1369.7250981792215, 1438.5719984044676, 1479.5006731122262, 1475.002802376415, 1513.8362201496361, 1485.402165506574];
const REAL_INT = [2.0151876656899663, 1.8550336677202108, 1.2724583109198613, 1.1936477331943696, 0.75827978750315506, 0.72098134237945466, 0.58071782463417776, -0.10633132859485794, 0.3441828976148269, 0.68999999999998973, -0.99269503546098647, -3.0565693430656911, 0.29290881628111176, -0.36590297718000375, 0.055501606569090534, 1.6375322430527763, 2.5911969159221702, 4.0488532675708999, 5.0038064978989469];
const ONES19 = new Array<number>(19).fill(1);

const R_INV = {
  coef: [-12.533600590911787, 0.16913645418217135, -1.0014380134234337],
  NW4: [359.41706805411383, -0.31155050351898478, -4.0893193054179031, -0.31155050351898311, 0.00028058882693406931, -0.0053559311883300664, -4.0893193054179173, -0.0053559311883300776, 11.171472998221548],
  NW4adj: [426.8077683142605, -0.36996622292879183, -4.856066675183806, -0.36996622292879272, 0.00033319923198420523, -0.006360168286141916, -4.8560666751837926, -0.0063601682861419324, 13.266124185388087],
  NW0: [351.41841737146063, -0.31883806738877801, -4.4355954055082236, -0.31883806738877929, 0.00030666669606602392, -0.008480331764511545, -4.4355954055082583, -0.0084803317645114999, 12.9215449917986],
  bwNW: 1.4203054138241991,
  NWauto: [438.33265319552658, -0.40556368653805058, 7.1297403914056474, -0.40556368653805203, 0.00039563297528041078, -0.020082914638562283, 7.1297403914056439, -0.020082914638562259, 13.23367776640133],
  bwA: 2.2754953721494706,
  KA: [450.88811460563852, -0.41565469246991427, 6.0384247014048098, -0.41565469246991488, 0.00040254599344960343, -0.018535336376147502, 6.0384247014048276, -0.018535336376147498, 13.039570382796541],
  KAadj: [535.42963609418427, -0.49358994730801303, 7.1706293329179758, -0.49358994730801425, 0.00047802336722139576, -0.022010711946674952, 7.1706293329180086, -0.022010711946674973, 15.484489829570888],
};
// statsmodels 0.13.5 bse with use_correction False / True (script above).
const SM_INV_BSE = { plain: [18.958298131797651, 0.016750785860193924, 3.3423753526828199], corrected: [20.659326424505476, 0.018253745697368838, 3.6422690984313828] };

/**
 * The series of the R script: s <- (69069 s + 1) mod 2^32 from s = 12345, e = s / 2^32 - 0.5,
 * x_t = 0.6 x_{t-1} + e_t (200 values, x_0 = 0), then z_t = the next 200 values of s / 2^32 and y = 1 + 0.5 z + x.
 * Integer arithmetic below 2^53 and one IEEE division per value: bit-identical in R and JavaScript.
 */
function lcgSeries(): { x: number[]; y: number[]; z: number[] } {
  let s = 12345;
  const x: number[] = [];
  let prev = 0;
  for (let t = 0; t < 200; t++) {
    s = (69069 * s + 1) % 4294967296;
    prev = 0.6 * prev + (s / 4294967296 - 0.5);
    x.push(prev);
  }
  const z: number[] = [];
  for (let t = 0; t < 200; t++) {
    s = (69069 * s + 1) % 4294967296;
    z.push(s / 4294967296);
  }
  return { x, z, y: x.map((v, t) => 1 + 0.5 * z[t]! + v) };
}
const R_LCG = {
  xHead: [-0.30147536704316735, 0.21698847548104824, -0.131518131243065], xSum: 0.73619208482111753,
  xNW5: 0.040939874069428187, xNW5adj: 0.041042609172163173, xBwNW: 8.6241525148082143, xNWauto: 0.043132360334387818,
  xBwA: 9.5943662019364044, xKA: 0.043395865203363998, xRho: 0.57462933469686517, xVar: 0.079526382405651283,
  yCoef: [1.0261930614381389, 0.45637493984529381],
  yNW3: [0.0033467932884297235, -0.0037092467133377051, -0.0037092467133377073, 0.0069885424973609228],
  yNW3adj: [0.0033805992812421391, -0.0037467138518562605, -0.0037467138518562592, 0.0070591338357180915],
  yBwNW: 8.0490115127900168,
  yNWauto: [0.0042698467924714, -0.0043593138049817419, -0.0043593138049817497, 0.0077331550920726327],
  yBwA: 7.2044659419449184,
  yKA: [0.0039478232730869884, -0.0040533398470316345, -0.0040533398470316345, 0.0074398114131988971],
};

function expectRel(got: ArrayLike<number>, want: readonly number[], tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol * Math.abs(want[i]!));
}

/** Naive O(T^2) HAC sandwich from the definition, with an explicit Gauss-Jordan inverse (written independently). */
function naiveHac(y: ArrayLike<number>, X: readonly ArrayLike<number>[], weight: (lag: number) => number, scale = 1): { beta: number[]; cov: number[] } {
  const T = y.length;
  const k = X.length;
  const xtx = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += X[a]![t]! * X[b]![t]!;
    return s;
  }));
  // Gauss-Jordan with partial pivoting on [xtx | I].
  const M = xtx.map((row, i) => [...row, ...Array.from({ length: k }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const d = M[c]![c]!;
    for (let j = 0; j < 2 * k; j++) M[c]![j]! /= d;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = M[r]![c]!;
      for (let j = 0; j < 2 * k; j++) M[r]![j]! -= f * M[c]![j]!;
    }
  }
  const inv = M.map((row) => row.slice(k));
  const xty = Array.from({ length: k }, (_, a) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += X[a]![t]! * y[t]!;
    return s;
  });
  const beta = inv.map((row) => row.reduce((acc, v, j) => acc + v * xty[j]!, 0));
  const u = Array.from({ length: T }, (_, t) => y[t]! - beta.reduce((acc, b, a) => acc + b * X[a]![t]!, 0));
  const S = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    const w = weight(Math.abs(i - j));
    if (w === 0) continue;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) S[a]![b]! += w * X[a]![i]! * u[i]! * X[b]![j]! * u[j]!;
  }
  const cov: number[] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let s = 0;
    for (let m = 0; m < k; m++) for (let l = 0; l < k; l++) s += inv[a]![m]! * S[m]![l]! * inv[l]![b]!;
    cov.push(s * scale);
  }
  return { beta, cov };
}

describe('olsHac: Greene (1993) investment equation, against R sandwich and statsmodels', () => {
  const X = [ONES19, REAL_GNP, REAL_INT];

  test('fixed lag L = 4: coefficients = lm; covariance = NeweyWest(lag = 4, prewhite = FALSE), adjust FALSE and TRUE', () => {
    const r = olsHac(REAL_INV, X, { lags: 4 });
    expectRel(r.coefficients, R_INV.coef, 1e-12);
    expectRel(r.covariance, R_INV.NW4, 1e-10);
    expect(r.lags).toBe(4);
    expect(r.bandwidth).toBe(5);
    expect(r.bandwidthMethod).toBe('fixed');
    expect(r.smallSampleCorrection).toBe(false);
    expectRel(r.se, SM_INV_BSE.plain, 1e-10);
    for (let j = 0; j < 3; j++) expect(r.t[j]).toBeCloseTo(r.coefficients[j]! / r.se[j]!, 12);
    const c = olsHac(REAL_INV, X, { lags: 4, smallSampleCorrection: true });
    expectRel(c.covariance, R_INV.NW4adj, 1e-10);
    expectRel(c.se, SM_INV_BSE.corrected, 1e-10);
    // The correction is exactly T / (T - k) = 19 / 16.
    for (let i = 0; i < 9; i++) expect(c.covariance[i]! / r.covariance[i]!).toBeCloseTo(19 / 16, 12);
    expectRel(olsHac(REAL_INV, X, { lags: 0 }).covariance, R_INV.NW0, 1e-10);
  });

  test("'newey-west-1994': bwNeweyWest = 1.4203054138241991, lag floor = 1, covariance = NeweyWest(lag = NULL)", () => {
    const fit = olsHac(REAL_INV, X, { lags: 0 });
    const scores = X.map((c) => c.map((v, t) => v * fit.residuals[t]!));
    const bw = neweyWestBandwidth(scores, [0, 1, 1]); // sandwich: weight 0 on "(Intercept)"
    expect(Math.abs(bw.bandwidth / R_INV.bwNW - 1)).toBeLessThan(1e-10);
    expect(bw.lags).toBe(1);
    expect(bw.pilotLags).toBe(2); // floor(4 (19/100)^(2/9)) = floor(2.764)
    const r = olsHac(REAL_INV, X, { lags: 'newey-west-1994' });
    expect(Math.abs(r.autoBandwidth / R_INV.bwNW - 1)).toBeLessThan(1e-10);
    expect(r.lags).toBe(1);
    expect(r.bandwidth).toBe(2);
    expect(r.bandwidthMethod).toBe('newey-west-1994');
    expectRel(r.covariance, R_INV.NWauto, 1e-9);
  });

  test("'andrews-1991': bwAndrews(kernel = 'Bartlett') = 2.2754953721494706, covariance = kernHAC(Bartlett, prewhite = FALSE)", () => {
    const r = olsHac(REAL_INV, X, { lags: 'andrews-1991' });
    expect(Math.abs(r.autoBandwidth / R_INV.bwA - 1)).toBeLessThan(1e-10);
    expect(r.bandwidth).toBe(r.autoBandwidth); // real bandwidth: weights 1, 1 - 1/2.2755, 1 - 2/2.2755
    expect(r.lags).toBe(2);
    expectRel(r.covariance, R_INV.KA, 1e-9);
    expectRel(olsHac(REAL_INV, X, { lags: 'andrews-1991', smallSampleCorrection: true }).covariance, R_INV.KAadj, 1e-9);
  });
});

describe('olsHac and the bandwidths on a simulated AR(1) (R sandwich on the same LCG series)', () => {
  const { x, y, z } = lcgSeries();
  const ones = new Array<number>(200).fill(1);

  test('the series is the one R generated', () => {
    expectRel(x.slice(0, 3), R_LCG.xHead, 1e-15);
    expect(Math.abs(x.reduce((a, b) => a + b, 0) - R_LCG.xSum)).toBeLessThan(1e-13);
  });

  test('X = ones: se = neweyWestMean(x, L).se = sqrt(NeweyWest(lm(x ~ 1), lag = 5)); adjust multiplies by T/(T-1)', () => {
    const r = olsHac(x, [ones], { lags: 5 });
    expect(Math.abs(r.se[0]! / R_LCG.xNW5 - 1)).toBeLessThan(1e-11);
    for (const L of [0, 1, 5, 12, 199, 400]) {
      expect(Math.abs(olsHac(x, [ones], { lags: L }).se[0]! / neweyWestMean(x, L).se - 1)).toBeLessThan(1e-12);
    }
    expect(Math.abs(olsHac(x, [ones], { lags: 5, smallSampleCorrection: true }).se[0]! / R_LCG.xNW5adj - 1)).toBeLessThan(1e-11);
    expect(r.coefficients[0]).toBeCloseTo(R_LCG.xSum / 200, 14);
  });

  test('univariate bandwidths: bwNeweyWest = 8.6241525148082143, bwAndrews = 9.5943662019364044, ar.ols rho and sigma^2', () => {
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    const e = x.map((v) => v - m);
    const nw = neweyWestBandwidth([e]);
    expect(Math.abs(nw.bandwidth / R_LCG.xBwNW - 1)).toBeLessThan(1e-10);
    expect(nw.pilotLags).toBe(4); // floor(4 * 2^(2/9)) = floor(4.67)
    const a = andrewsBandwidth([e]);
    expect(Math.abs(a.bandwidth / R_LCG.xBwA - 1)).toBeLessThan(1e-10);
    expect(Math.abs(a.rho[0]! / R_LCG.xRho - 1)).toBeLessThan(1e-12);
    expect(Math.abs(a.sigma2[0]! / R_LCG.xVar - 1)).toBeLessThan(1e-12);
    // One column: alpha(1) = 4 rho^2 / ((1 - rho)^2 (1 + rho)^2) (Andrews 1991 eq. 6.4 with sigma cancelling).
    const rho = a.rho[0]!;
    expect(a.alpha1).toBeCloseTo((4 * rho * rho) / ((1 - rho) ** 2 * (1 + rho) ** 2), 12);
    expect(Math.abs(olsHac(x, [ones], { lags: 'newey-west-1994' }).se[0]! / R_LCG.xNWauto - 1)).toBeLessThan(1e-10);
    expect(olsHac(x, [ones], { lags: 'newey-west-1994' }).lags).toBe(8);
    const ka = olsHac(x, [ones], { lags: 'andrews-1991' });
    expect(Math.abs(ka.se[0]! / R_LCG.xKA - 1)).toBeLessThan(1e-10);
    expect(ka.lags).toBe(9);
  });

  test('y = 1 + 0.5 z + x: coefficients, NeweyWest(lag = 3) with and without adjust, both automatic rules', () => {
    const X = [ones, z];
    const r = olsHac(y, X, { lags: 3 });
    expectRel(r.coefficients, R_LCG.yCoef, 1e-12);
    expectRel(r.covariance, R_LCG.yNW3, 1e-10);
    expectRel(olsHac(y, X, { lags: 3, smallSampleCorrection: true }).covariance, R_LCG.yNW3adj, 1e-10);
    const nw = olsHac(y, X, { lags: 'newey-west-1994' });
    expect(Math.abs(nw.autoBandwidth / R_LCG.yBwNW - 1)).toBeLessThan(1e-10);
    expect(nw.lags).toBe(8);
    expectRel(nw.covariance, R_LCG.yNWauto, 1e-9);
    const ka = olsHac(y, X, { lags: 'andrews-1991' });
    expect(Math.abs(ka.autoBandwidth / R_LCG.yBwA - 1)).toBeLessThan(1e-10);
    expectRel(ka.covariance, R_LCG.yKA, 1e-9);
  });
});

describe('olsHac against the naive O(T^2) definition', () => {
  test('random designs, integer lags and real bandwidths, with and without the correction', () => {
    const T = 80;
    const e = ar1(T, 0.5, 61);
    const z1 = gaussian(T, 62);
    const z2 = ar1(T, 0.8, 63, 3);
    const y = Array.from({ length: T }, (_, t) => 0.3 - 0.7 * z1[t]! + 0.2 * z2[t]! + e[t]!);
    const X = [new Array<number>(T).fill(1), Array.from(z1), Array.from(z2)];
    for (const L of [0, 1, 3, 10, 79, 200]) {
      const got = olsHac(y, X, { lags: L, smallSampleCorrection: L % 2 === 1 });
      const ref = naiveHac(y, X, (j) => (j <= L ? 1 - j / (L + 1) : 0), L % 2 === 1 ? T / (T - 3) : 1);
      expectRel(got.coefficients, ref.beta, 1e-10);
      for (let i = 0; i < 9; i++) expect(Math.abs(got.covariance[i]! - ref.cov[i]!)).toBeLessThan(1e-10 * Math.abs(ref.cov[0]!));
    }
    const a = olsHac(y, X, { lags: 'andrews-1991' });
    const refA = naiveHac(y, X, (j) => Math.max(0, 1 - j / a.bandwidth));
    for (let i = 0; i < 9; i++) expect(Math.abs(a.covariance[i]! - refA.cov[i]!)).toBeLessThan(1e-10 * Math.abs(refA.cov[0]!));
  });

  test('neweyWestBandwidth from its definition (s0, s1 over the pilot lags) on a hand-sized series', () => {
    // h = 1, -2, 3, 0.5, -1, 2, 1.5, -0.5 (T = 8): pilot floor(4 * 0.08^(2/9)) = floor(2.281) = 2.
    // sigma_j = (1/8) sum_t h_t h_{t+j}: sigma_0 = 21.75/8, sigma_1 = (-2 - 6 + 1.5 - 0.5 - 2 + 3 - 0.75)/8 = -6.75/8,
    // sigma_2 = (3 - 1 - 3 + 1 - 1.5 - 1)/8 = -2.5/8. s0 = (21.75 - 13.5 - 5)/8 = 3.25/8,
    // s1 = 2 (1 (-6.75) + 2 (-2.5))/8 = -23.5/8. bandwidth = 1.1447 ((23.5/3.25)^2)^(1/3) 8^(1/3).
    const h = [1, -2, 3, 0.5, -1, 2, 1.5, -0.5];
    const r = neweyWestBandwidth([h]);
    expect(r.pilotLags).toBe(2);
    expect(r.s0).toBeCloseTo(3.25 / 8, 15);
    expect(r.s1).toBeCloseTo(-23.5 / 8, 15);
    expect(r.bandwidth).toBeCloseTo(1.1447 * Math.cbrt((23.5 / 3.25) ** 2) * 2, 13);
    expect(r.lags).toBe(Math.floor(r.bandwidth));
  });

  test('edge cases and bad arguments', () => {
    const X = [[1, 1, 1, 1], [1, 2, 3, 4]];
    // A perfect fit: residuals 0, covariance 0, t NaN; the automatic bandwidth is NaN (s0 = 0) -> lag 0 only.
    const perfect = olsHac([3, 5, 7, 9], X, { lags: 'newey-west-1994' });
    expect(perfect.coefficients[0]).toBeCloseTo(1, 12);
    expect(perfect.coefficients[1]).toBeCloseTo(2, 12);
    expect(perfect.autoBandwidth).toBeNaN();
    expect(perfect.lags).toBe(0);
    expect(perfect.se[1]).toBeCloseTo(0, 12);
    expect(() => olsHac([1, 2], X, { lags: 1 })).toThrow(RangeError); // unequal lengths
    expect(() => olsHac([1, 2, 3, 4], [[1, 1, 1, 1], [2, 2, 2, 2]], { lags: 1 })).toThrow(/rank deficient/);
    expect(() => olsHac([1, 2], [[1, 1], [0, 1]], { lags: 0 })).toThrow(RangeError); // T <= k
    expect(() => olsHac([1, 2, 3, 4], X, { lags: -1 })).toThrow(RangeError);
    expect(() => olsHac([1, 2, 3, 4], X, { lags: 1.5 })).toThrow(RangeError);
    expect(() => olsHac([1, 2, 3, 4], X, { lags: 'auto' as never })).toThrow(RangeError);
    expect(() => olsHac([1, NaN, 3, 4], X, { lags: 1 })).toThrow(RangeError);
    expect(() => neweyWestBandwidth([])).toThrow(RangeError);
    expect(() => neweyWestBandwidth([[1]])).toThrow(RangeError);
    expect(() => andrewsBandwidth([[1, 2, 3]], [-1])).toThrow(RangeError);
    expect(andrewsBandwidth([[2, 2, 2, 2]]).bandwidth).toBeNaN();
  });
});
