/**
 * Unit-root and cointegration tests: the augmented Dickey-Fuller regression and the two-step Engle-Granger test,
 * with MacKinnon's response-surface p-values (1994) and critical values (2010). Conventions are statsmodels'
 * (`adfuller`, `coint`, `mackinnonp`, `mackinnoncrit` in statsmodels/tsa/stattools.py and adfvalues.py), so the
 * statistics equal theirs on the same data; the tests check published values (lib/stats/README.md).
 */
import { normalCdf } from './distributions.js';
import { leastSquares } from './hac.js';

/** Deterministic terms of a Dickey-Fuller regression: none ('n') or a constant ('c'). */
export type DfRegression = 'n' | 'c';

// MacKinnon (1994), "Approximate asymptotic distribution functions for unit-root and cointegration tests", JBES
// 12(2) 167-176, tables 3 and 4 (as transcribed in statsmodels adfvalues.py): for N = 1..6 I(1) series, the
// p-value is Phi(sum_i c_i tau^i) with the small-p coefficients for tau <= tau*, the large-p ones above, 0 below
// tau_min and 1 above tau_max.
const TAU_STAR = { n: [-1.04, -1.53, -2.68, -3.09, -3.07, -3.77], c: [-1.61, -2.62, -3.13, -3.47, -3.78, -3.93] };
const TAU_MIN = { n: [-19.04, -19.62, -21.21, -23.25, -21.63, -25.74], c: [-18.83, -18.86, -23.48, -28.07, -25.96, -23.27] };
const TAU_MAX = { n: [Infinity, 1.51, 0.86, 0.88, 1.05, 1.24], c: [2.74, 0.92, 0.55, 0.61, 0.79, 1] };
const TAU_SMALLP = {
  n: [[0.6344, 1.2378, 3.2496], [1.9129, 1.3857, 3.5322], [2.7648, 1.4502, 3.4186], [3.4336, 1.4835, 3.19],
    [4.0999, 1.5533, 3.59], [4.5388, 1.5344, 2.9807]],
  c: [[2.1659, 1.4412, 3.8269], [2.92, 1.5012, 3.9796], [3.4699, 1.4856, 3.164], [3.9673, 1.4777, 2.6315],
    [4.5509, 1.5338, 2.9545], [5.1399, 1.6036, 3.4445]],
};
const SMALLP_SCALE = [1, 1, 1e-2];
const TAU_LARGEP = {
  n: [[0.4797, 9.3557, -0.6999, 3.3066], [1.5578, 8.558, -2.083, -3.3549], [2.2268, 6.8093, -3.2362, -5.4448],
    [2.7654, 6.4502, -3.0811, -4.4946], [3.2684, 6.8051, -2.6778, -3.4972], [3.7268, 7.167, -2.3648, -2.8288]],
  c: [[1.7339, 9.3202, -1.2745, -1.0368], [2.1945, 6.4695, -2.9198, -4.2377], [2.5893, 4.5168, -3.6529, -5.0074],
    [3.0387, 4.5452, -3.3666, -4.1921], [3.5049, 5.2098, -2.9158, -3.3468], [3.9489, 5.8933, -2.5359, -2.721]],
};
const LARGEP_SCALE = [1, 1e-1, 1e-1, 1e-2];

// MacKinnon (2010), "Critical values for cointegration tests", Queen's Economics Department Working Paper 1227,
// table 2: critical value at 1 %, 5 %, 10 % = b_inf + b_1 / T + b_2 / T^2 + b_3 / T^3. 'n' exists for N = 1 only
// (MacKinnon 1996), 'c' for N = 1..6 here.
const CRIT_2010: Record<DfRegression, number[][][]> = {
  n: [[[-2.56574, -2.2358, -3.627, 0], [-1.941, -0.2686, -3.365, 31.223], [-1.61682, 0.2656, -2.714, 25.364]]],
  c: [
    [[-3.43035, -6.5393, -16.786, -79.433], [-2.86154, -2.8903, -4.234, -40.04], [-2.56677, -1.5384, -2.809, 0]],
    [[-3.89644, -10.9519, -33.527, 0], [-3.33613, -6.1101, -6.823, 0], [-3.04445, -4.2412, -2.72, 0]],
    [[-4.29374, -14.4354, -33.195, 47.433], [-3.74066, -8.5632, -10.852, 27.982], [-3.45218, -6.2143, -3.718, 0]],
    [[-4.64332, -18.1031, -37.972, 0], [-4.096, -11.2349, -11.175, 0], [-3.8102, -8.3931, -4.137, 0]],
    [[-4.95756, -21.8883, -45.142, 0], [-4.41519, -14.0405, -12.575, 0], [-4.13157, -10.7417, -3.784, 0]],
    [[-5.24568, -25.6688, -57.737, 88.639], [-4.70693, -16.9178, -17.492, 60.007], [-4.42501, -13.1875, -5.104, 27.877]],
  ],
};

function checkN(n: number, max: number, what: string): void {
  if (!(Number.isInteger(n) && n >= 1 && n <= max)) throw new RangeError(`${what}: N must be an integer in [1, ${max}], was ${n}`);
}

/**
 * MacKinnon (1994) approximate asymptotic p-value of a Dickey-Fuller / Engle-Granger tau statistic for N I(1)
 * series (N = 1: ADF; N = 2: Engle-Granger with one regressor), as statsmodels `mackinnonp(tau, regression, N)`.
 * NaN -> NaN.
 */
export function mackinnonP(tau: number, regression: DfRegression = 'c', n = 1): number {
  checkN(n, 6, 'mackinnonP');
  if (Number.isNaN(tau)) return NaN;
  if (tau > TAU_MAX[regression][n - 1]!) return 1;
  if (tau < TAU_MIN[regression][n - 1]!) return 0;
  const small = tau <= TAU_STAR[regression][n - 1]!;
  const c = small ? TAU_SMALLP[regression][n - 1]! : TAU_LARGEP[regression][n - 1]!;
  const scale = small ? SMALLP_SCALE : LARGEP_SCALE;
  let s = 0;
  for (let i = c.length - 1; i >= 0; i--) s = s * tau + c[i]! * scale[i]!;
  return normalCdf(s);
}

/**
 * MacKinnon (2010) critical values [1 %, 5 %, 10 %] for N I(1) series and `nobs` observations (Infinity:
 * asymptotic), as statsmodels `mackinnoncrit(N, regression, nobs)`. 'n' only for N = 1.
 */
export function mackinnonCrit(n = 1, regression: DfRegression = 'c', nobs = Infinity): [number, number, number] {
  const table = CRIT_2010[regression];
  checkN(n, table.length, `mackinnonCrit('${regression}')`);
  const inv = 1 / nobs;
  const at = (b: number[]) => b[0]! + inv * (b[1]! + inv * (b[2]! + inv * b[3]!));
  const t = table[n - 1]!;
  return [at(t[0]!), at(t[1]!), at(t[2]!)];
}

export interface AdfOptions {
  /** Deterministic terms of the test regression; default 'c'. */
  regression?: DfRegression;
  /**
   * Largest number of lagged differences; default ceil(12 (n / 100)^(1/4)) (Schwert 1989), capped at
   * floor(n / 2) - ntrend - 1 (statsmodels). A given value above that cap throws.
   */
  maxLag?: number;
  /** 'aic' (default): the lag in 0..maxLag minimising the AIC on a common sample; 'none': use maxLag. */
  autolag?: 'aic' | 'none';
}

export interface AdfResult {
  /** t statistic of the lagged level (the ADF tau). */
  statistic: number;
  /** MacKinnon (1994) p-value for N = 1. */
  pValue: number;
  /** MacKinnon (2010) critical values [1 %, 5 %, 10 %] for `nobs`. */
  criticalValues: [number, number, number];
  /** Lagged differences used. */
  lags: number;
  /** The largest lag considered. */
  maxLag: number;
  /** Observations of the final regression (n - 1 - lags). */
  nobs: number;
  /** Minimum AIC of the lag search (NaN for autolag 'none'). */
  aic: number;
}

/**
 * Augmented Dickey-Fuller test, as statsmodels `adfuller(x, maxlag, regression, autolag='AIC' | None)`:
 *   dx_t = [c] + g x_{t-1} + sum_{j=1..p} f_j dx_{t-j} + u_t,  tau = g / se(g) (classical OLS standard error).
 * AIC lag search: every p in 0..maxLag is fitted on the same rows (those with maxLag lags available), AIC =
 * m (ln 2 pi + ln(RSS / m) + 1) + 2 k (m rows, k regressors), the smallest wins (ties: fewer lags); the chosen p
 * is then refitted on all its n - 1 - p rows. The nested fits come from one Householder QR (RSS of the first j
 * columns = sum of the squared components of Q'y beyond j). Throws RangeError for non-finite input, a series too
 * short for the lags, or a singular regression (e.g. a constant series).
 */
export function adfTest(x: ArrayLike<number>, opts: AdfOptions = {}): AdfResult {
  const regression = opts.regression ?? 'c';
  const autolag = opts.autolag ?? 'aic';
  const n = x.length;
  for (let t = 0; t < n; t++) if (!Number.isFinite(x[t]!)) throw new RangeError(`adfTest: x[${t}] is not finite (${x[t]}); drop missing values first`);
  const ntrend = regression === 'c' ? 1 : 0;
  const cap = Math.floor(n / 2) - ntrend - 1;
  let maxLag: number;
  if (opts.maxLag === undefined) {
    maxLag = Math.min(cap, Math.ceil(12 * Math.pow(n / 100, 1 / 4)));
    if (maxLag < 0) throw new RangeError(`adfTest: ${n} observations are too few for the '${regression}' regression`);
  } else {
    maxLag = opts.maxLag;
    if (!(Number.isInteger(maxLag) && maxLag >= 0)) throw new RangeError(`adfTest: maxLag must be an integer >= 0, was ${maxLag}`);
    if (maxLag > cap) throw new RangeError(`adfTest: maxLag ${maxLag} is too large for ${n} observations (at most ${cap})`);
  }
  const dx = new Float64Array(n - 1);
  for (let t = 1; t < n; t++) dx[t - 1] = x[t]! - x[t - 1]!;
  let lags = maxLag;
  let aic = NaN;
  if (autolag === 'aic') {
    // columns in statsmodels' order: [const], level, dx_{t-1}, ..., dx_{t-maxLag}; prefixes of ntrend + 1 + p columns
    const { y, X } = design(x, dx, maxLag, regression, true);
    const m = y.length;
    const { qty } = leastSquares(y, X);
    let tail = 0;
    const rssFrom = new Float64Array(X.length + 1); // rssFrom[j] = sum_{i >= j} qty_i^2
    for (let i = m - 1; i >= 0; i--) {
      tail += qty[i]! * qty[i]!;
      if (i <= X.length) rssFrom[i] = tail;
    }
    let best = Infinity;
    for (let p = 0; p <= maxLag; p++) {
      const k = ntrend + 1 + p;
      const a = m * (Math.log(2 * Math.PI) + Math.log(rssFrom[k]! / m) + 1) + 2 * k;
      if (a < best) {
        best = a;
        lags = p;
      }
    }
    aic = best;
  }
  const { y, X } = design(x, dx, lags, regression, false);
  const m = y.length;
  const k = X.length;
  if (!(m > k)) throw new RangeError(`adfTest: ${m} rows for ${k} regressors`);
  const { beta, xtxInv } = leastSquares(y, X);
  let rss = 0;
  for (let t = 0; t < m; t++) {
    let f = 0;
    for (let j = 0; j < k; j++) f += X[j]![t]! * beta[j]!;
    rss += (y[t]! - f) ** 2;
  }
  const se = Math.sqrt((rss / (m - k)) * xtxInv[0]!);
  const statistic = beta[0]! / se;
  return {
    statistic, pValue: mackinnonP(statistic, regression, 1), criticalValues: mackinnonCrit(1, regression, m),
    lags, maxLag, nobs: m, aic,
  };
}

/**
 * Regression of dx_t on the level x_{t-1}, p lagged differences and the constant, over t = p + 1 .. n - 1
 * (x indices). `constFirst` puts the constant first (statsmodels' lag search order), else last.
 */
function design(x: ArrayLike<number>, dx: Float64Array, p: number, regression: DfRegression, constFirst: boolean): { y: Float64Array; X: Float64Array[] } {
  const m = dx.length - p;
  const y = dx.subarray(p);
  const level = new Float64Array(m);
  for (let r = 0; r < m; r++) level[r] = x[p + r]!;
  const cols: Float64Array[] = [level];
  for (let j = 1; j <= p; j++) cols.push(dx.subarray(p - j, p - j + m));
  if (regression === 'c') {
    const ones = new Float64Array(m).fill(1);
    if (constFirst) cols.unshift(ones);
    else cols.push(ones);
  }
  return { y, X: cols };
}

/** statsmodels `coint`: R^2 of the cointegrating regression at or above 1 - 100 sqrt(eps) is a perfect fit. */
const PERFECT_FIT = 100 * Math.sqrt(Number.EPSILON);

export interface EngleGrangerResult {
  /** ADF tau of the cointegrating residuals (no deterministic terms in the ADF regression). */
  statistic: number;
  /** MacKinnon (1994) p-value, constant case, N = 2. */
  pValue: number;
  /** MacKinnon (2010) critical values [1 %, 5 %, 10 %], constant case, N = 2, T = n - 1. */
  criticalValues: [number, number, number];
  /** Cointegrating regression y = alpha + beta x + e. */
  alpha: number;
  beta: number;
  /** Lagged differences in the residual ADF regression, and its rows. */
  lags: number;
  nobs: number;
}

/**
 * Engle & Granger (1987) two-step cointegration test of y and x, as statsmodels `coint(y, x, trend='c', maxlag,
 * autolag)`: OLS y = alpha + beta x + e, then the ADF regression of e without constant (`adfTest(e, {regression:
 * 'n', maxLag, autolag})`); the statistic's null distribution is the cointegration one (N = 2, constant), so the
 * p-value is `mackinnonP(tau, 'c', 2)` and the critical values `mackinnonCrit(2, 'c', n - 1)`. A perfect fit
 * (R^2 >= 1 - 100 sqrt(machine epsilon)) gives tau = -Infinity, p = 0 (statsmodels' convention). Throws
 * RangeError for unequal lengths or non-finite input.
 */
export function engleGranger(y: ArrayLike<number>, x: ArrayLike<number>, opts: Omit<AdfOptions, 'regression'> = {}): EngleGrangerResult {
  const n = y.length;
  if (x.length !== n) throw new RangeError(`engleGranger: y has ${n} values, x ${x.length}`);
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(y[t]!) || !Number.isFinite(x[t]!)) throw new RangeError(`engleGranger: value ${t} is not finite (y ${y[t]}, x ${x[t]}); drop missing values first`);
  }
  const ones = new Float64Array(n).fill(1);
  const { beta } = leastSquares(y, [x, ones]);
  const b = beta[0]!;
  const a = beta[1]!;
  const e = new Float64Array(n);
  let my = 0;
  for (let t = 0; t < n; t++) my += y[t]!;
  my /= n;
  let sse = 0;
  let sst = 0;
  for (let t = 0; t < n; t++) {
    e[t] = y[t]! - a - b * x[t]!;
    sse += e[t]! * e[t]!;
    sst += (y[t]! - my) ** 2;
  }
  const crit = mackinnonCrit(2, 'c', n - 1);
  if (!(sse > PERFECT_FIT * sst)) return { statistic: -Infinity, pValue: 0, criticalValues: crit, alpha: a, beta: b, lags: 0, nobs: n - 1 };
  const adf = adfTest(e, { ...opts, regression: 'n' });
  return {
    statistic: adf.statistic, pValue: mackinnonP(adf.statistic, 'c', 2), criticalValues: crit, alpha: a, beta: b,
    lags: adf.lags, nobs: adf.nobs,
  };
}
