/**
 * Heteroskedasticity- and autocorrelation-consistent (HAC) standard error of a sample mean, Newey & West (1987)
 * with Bartlett weights.
 */

/**
 * The Newey & West (1994) rule-of-thumb lag for the Bartlett kernel without prewhitening:
 * floor(4 (n / 100)^(2/9)) (R `sandwich::bwNeweyWest` uses the same rate for its pilot lag). 0 for n <= 0.
 */
export function neweyWestLag(n: number): number {
  if (!(n > 0)) return 0;
  return Math.floor(4 * Math.pow(n / 100, 2 / 9));
}

export interface NeweyWestResult {
  /** Sample mean of x. */
  mean: number;
  /** HAC standard error of the mean. */
  se: number;
  /** mean / se (NaN when se is 0 or NaN). */
  t: number;
  /** Lag truncation L used (as given). */
  lags: number;
  /** Number of observations. */
  n: number;
}

/**
 * Newey-West standard error of the mean of x (observations in time order), lag truncation L >= 0:
 *   gamma_k = (1/n) sum_{t=k+1..n} (x_t - xbar)(x_{t-k} - xbar),  w_k = 1 - k / (L + 1),
 *   se^2 = (gamma_0 + 2 sum_{k=1..L} w_k gamma_k) / n.
 * This equals R `sqrt(sandwich::NeweyWest(lm(x ~ 1), lag = L, prewhite = FALSE, adjust = FALSE))` and statsmodels
 * `OLS(x, ones).fit(cov_type='HAC', cov_kwds={'maxlags': L, 'use_correction': False})`. Lags beyond n - 1 have no
 * pairs and add nothing. se^2 can be negative only through rounding (Bartlett weights keep it >= 0); it is
 * clamped at 0. n = 0 gives NaN everywhere; n = 1 gives se = 0, t = NaN. O(n L).
 */
export function neweyWestMean(x: ArrayLike<number>, lags: number): NeweyWestResult {
  if (!(Number.isInteger(lags) && lags >= 0)) throw new RangeError(`neweyWestMean: lags must be an integer >= 0, was ${lags}`);
  const n = x.length;
  if (n === 0) return { mean: NaN, se: NaN, t: NaN, lags, n };
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const m = s / n;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = x[i]! - m;
  let acc = 0;
  for (let i = 0; i < n; i++) acc += e[i]! * e[i]!;
  const kmax = Math.min(lags, n - 1);
  for (let k = 1; k <= kmax; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += e[t]! * e[t - k]!;
    acc += 2 * (1 - k / (lags + 1)) * c;
  }
  // acc = n * (gamma_0 + 2 sum w_k gamma_k); se^2 = acc / n^2.
  const se = Math.sqrt(Math.max(acc, 0)) / n;
  const t = se > 0 ? m / se : NaN;
  return { mean: m, se, t, lags, n };
}

/** Driscoll-Kraay standard error of a pooled mean. */
export interface DriscollKraayResult extends NeweyWestResult {
  /** Distinct times (clusters) the observations fall on. */
  times: number;
}

/**
 * Driscoll & Kraay (1998) standard error of the mean of a pooled panel ("Consistent covariance matrix estimation
 * with spatially dependent panel data", Review of Economics and Statistics 80(4), 549-560; the estimator of Stata
 * `xtscc`, Hoechle 2007, Stata Journal 7(3), 281-312, without its small-sample factor). The model x_it = mu + e_it,
 * mu estimated by the pooled mean of all N observations; the moment of each time is the cross-sectional sum
 *   S_t = sum_{i observed at t} (x_it - xbar)
 * over the common calendar (times without an observation have S_t = 0), and Newey-West with Bartlett weights
 * w_k = 1 - k / (L + 1) is applied to the time series S_t:
 *   se^2 = (sum_t S_t^2 + 2 sum_{k=1..L} w_k sum_t S_t S_{t-k}) / N^2
 * (X'X = N for the intercept). Equivalently se^2 = (1/N^2) sum_i sum_j w(|t_i - t_j|) e_i e_j with w(d) = 1 - d/(L+1)
 * for d <= L, else 0: every pair of observations at the same time (any symbols) or within L calendar steps of each
 * other enters with its covariance, so cross-sectional correlation and overlap are both accounted for. With one
 * observation per time at consecutive times it is `neweyWestMean(x, L)`; with all times more than L apart it is
 * sqrt(sum e^2) / N (White).
 * `t`: calendar times (integers, e.g. bar index on a common grid), any order; x: values, same length. O(N log N +
 * pairs within L). Throws RangeError for mismatched lengths, non-integer times or a bad L.
 */
export function driscollKraayMean(t: ArrayLike<number>, x: ArrayLike<number>, lags: number): DriscollKraayResult {
  if (!(Number.isInteger(lags) && lags >= 0)) throw new RangeError(`driscollKraayMean: lags must be an integer >= 0, was ${lags}`);
  const n = x.length;
  if (t.length !== n) throw new RangeError(`driscollKraayMean: ${t.length} times for ${n} values`);
  if (n === 0) return { mean: NaN, se: NaN, t: NaN, lags, n, times: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(t[i]!)) throw new RangeError(`driscollKraayMean: t[${i}] = ${t[i]} is not an integer time`);
    sum += x[i]!;
  }
  const m = sum / n;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
  const times: number[] = [];
  const S: number[] = [];
  for (const i of order) {
    const ti = t[i]!;
    if (times.length === 0 || times[times.length - 1] !== ti) {
      times.push(ti);
      S.push(0);
    }
    S[S.length - 1]! += x[i]! - m;
  }
  let acc = 0;
  for (let a = 0; a < S.length; a++) {
    acc += S[a]! * S[a]!;
    for (let b = a + 1; b < S.length; b++) {
      const d = times[b]! - times[a]!;
      if (d > lags) break;
      acc += 2 * (1 - d / (lags + 1)) * S[a]! * S[b]!;
    }
  }
  const se = Math.sqrt(Math.max(acc, 0)) / n;
  return { mean: m, se, t: se > 0 ? m / se : NaN, lags, n, times: times.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Automatic bandwidths (Bartlett kernel, no prewhitening) and OLS with a HAC covariance.

/** The constant of the Bartlett kernel in the optimal-bandwidth formulas of Andrews (1991) and Newey & West (1994). */
export const BARTLETT_BANDWIDTH_CONSTANT = 1.1447;

/** Checks score columns (k >= 1, equal lengths n >= 2, finite) and default weights; returns n. */
function checkScores(fn: string, scores: readonly ArrayLike<number>[], weights?: ArrayLike<number>): number {
  const k = scores.length;
  if (k === 0) throw new RangeError(`${fn}: need at least one score column`);
  const n = scores[0]!.length;
  if (n < 2) throw new RangeError(`${fn}: need at least 2 observations, got ${n}`);
  for (let j = 0; j < k; j++) {
    const c = scores[j]!;
    if (c.length !== n) throw new RangeError(`${fn}: column ${j} has ${c.length} rows, column 0 has ${n}`);
    for (let t = 0; t < n; t++) if (!Number.isFinite(c[t]!)) throw new RangeError(`${fn}: column ${j} row ${t} is not finite (${c[t]})`);
  }
  if (weights) {
    if (weights.length !== k) throw new RangeError(`${fn}: ${weights.length} weights for ${k} columns`);
    for (let j = 0; j < k; j++) if (!(weights[j]! >= 0)) throw new RangeError(`${fn}: weights must be >= 0, weights[${j}] = ${weights[j]}`);
  }
  return n;
}

/** sandwich's rule: weights all <= 0 (or none given) -> all 1. */
function effectiveWeights(k: number, weights?: ArrayLike<number>): Float64Array {
  const w = weights ? Float64Array.from(weights) : new Float64Array(k).fill(1);
  if (w.every((v) => !(v > 0))) w.fill(1);
  return w;
}

export interface NeweyWestBandwidth {
  /** gamma-hat T^(1/3) = 1.1447 ((s1 / s0)^2)^(1/3) T^(1/3), real-valued, as computed (no rounding or clamping). */
  bandwidth: number;
  /** The lag truncation sandwich::NeweyWest uses with it: floor(bandwidth) (Bartlett weights 1 - j / (lag + 1)). */
  lags: number;
  /** Pilot lag n = floor(4 (T/100)^(2/9)) (at most T - 1). */
  pilotLags: number;
  s0: number;
  s1: number;
}

/**
 * Newey & West (1994) plug-in bandwidth for the Bartlett kernel without prewhitening, exactly as R
 * `sandwich::bwNeweyWest(x, kernel = "Bartlett", prewhite = 0)`: with h_t = sum_a w_a V_{t,a} (the weighted sum
 * of the score columns V, e.g. x_t u_t of an OLS fit) and sigma_j = (1/T) sum_{t=1}^{T-j} h_t h_{t+j},
 *   pilot n = floor(4 (T/100)^(2/9)),  s0 = sigma_0 + 2 sum_{j=1..n} sigma_j,  s1 = 2 sum_{j=1..n} j sigma_j,
 *   bandwidth = 1.1447 ((s1 / s0)^2)^(1/3) T^(1/3).
 * `weights` (>= 0, one per column; default all 1, and all-zero weights become all 1 as in sandwich) select the
 * columns that matter: `olsHac` gives the intercept's column weight 0, as sandwich does. The value is returned as
 * computed: NaN when s0 = 0 (no variation), possibly < 1 or very large; `lags` = floor(bandwidth). Throws RangeError
 * for fewer than 2 rows, unequal columns, non-finite scores or negative weights. O(T n).
 */
export function neweyWestBandwidth(scores: readonly ArrayLike<number>[], weights?: ArrayLike<number>): NeweyWestBandwidth {
  const T = checkScores('neweyWestBandwidth', scores, weights);
  const w = effectiveWeights(scores.length, weights);
  const h = new Float64Array(T);
  for (let a = 0; a < scores.length; a++) {
    const c = scores[a]!;
    const wa = w[a]!;
    if (wa === 0) continue;
    for (let t = 0; t < T; t++) h[t] = h[t]! + wa * c[t]!;
  }
  const pilot = Math.min(neweyWestLag(T), T - 1);
  const sigma = (j: number): number => {
    let s = 0;
    for (let t = 0; t + j < T; t++) s += h[t]! * h[t + j]!;
    return s / T;
  };
  let s0 = sigma(0);
  let s1 = 0;
  for (let j = 1; j <= pilot; j++) {
    const sj = sigma(j);
    s0 += 2 * sj;
    s1 += 2 * j * sj;
  }
  const r = s1 / s0;
  const bandwidth = BARTLETT_BANDWIDTH_CONSTANT * Math.cbrt(r * r) * Math.cbrt(T);
  return { bandwidth, lags: Math.floor(bandwidth), pilotLags: pilot, s0, s1 };
}

export interface AndrewsBandwidth {
  /** S_T = 1.1447 (alpha(1) T)^(1/3), real-valued, as computed (Bartlett weights 1 - j / S_T for j < S_T). */
  bandwidth: number;
  /** alpha(1) of Andrews (1991) eq. (6.4) for the AR(1) approximation. */
  alpha1: number;
  /** AR(1) coefficient of each score column (OLS with intercept on the demeaned column, R `ar.ols`). */
  rho: Float64Array;
  /** Innovation variance of each column's AR(1) fit: residual sum of squares / (T - 1). */
  sigma2: Float64Array;
}

/**
 * Andrews (1991, Econometrica 59(3), section 6) plug-in bandwidth for the Bartlett kernel with the univariate AR(1)
 * approximation of each score column, exactly as R `sandwich::bwAndrews(x, kernel = "Bartlett", approx = "AR(1)",
 * prewhite = 0)`: per column a, rho_a and sigma_a^2 from `ar(V_a, order.max = 1, aic = FALSE, method = "ols")`
 * (OLS of V_{a,t} on (1, V_{a,t-1}) after demeaning, sigma_a^2 = RSS / (T - 1)), then
 *   alpha(1) = sum_a w_a 4 rho_a^2 sigma_a^4 / ((1 - rho_a)^6 (1 + rho_a)^2) / sum_a w_a sigma_a^4 / (1 - rho_a)^4,
 *   S_T = 1.1447 (alpha(1) T)^(1/3).
 * For one column alpha(1) = 4 rho^2 / ((1 - rho)^2 (1 + rho)^2). Weights as `neweyWestBandwidth`. Returned as
 * computed (NaN for a constant column). Throws RangeError as `neweyWestBandwidth`. O(T k).
 */
export function andrewsBandwidth(scores: readonly ArrayLike<number>[], weights?: ArrayLike<number>): AndrewsBandwidth {
  const T = checkScores('andrewsBandwidth', scores, weights);
  const k = scores.length;
  const w = effectiveWeights(k, weights);
  const rho = new Float64Array(k);
  const sigma2 = new Float64Array(k);
  let num = 0;
  let den = 0;
  for (let a = 0; a < k; a++) {
    const c = scores[a]!;
    let m = 0;
    for (let t = 0; t < T; t++) m += c[t]!;
    m /= T;
    // Regress y_t = c_t - m (t = 1..T-1) on (1, x_t = c_{t-1} - m).
    let mx = 0;
    let my = 0;
    for (let t = 1; t < T; t++) {
      mx += c[t - 1]! - m;
      my += c[t]! - m;
    }
    mx /= T - 1;
    my /= T - 1;
    let sxx = 0;
    let sxy = 0;
    for (let t = 1; t < T; t++) {
      const dx = c[t - 1]! - m - mx;
      sxx += dx * dx;
      sxy += dx * (c[t]! - m - my);
    }
    const r = sxy / sxx;
    let rss = 0;
    for (let t = 1; t < T; t++) {
      const e = c[t]! - m - my - r * (c[t - 1]! - m - mx);
      rss += e * e;
    }
    const s2 = rss / (T - 1);
    rho[a] = r;
    sigma2[a] = s2;
    if (w[a]! === 0) continue;
    const s4 = s2 * s2;
    num += (w[a]! * 4 * r * r * s4) / (Math.pow(1 - r, 6) * Math.pow(1 + r, 2));
    den += (w[a]! * s4) / Math.pow(1 - r, 4);
  }
  const alpha1 = num / den;
  return { bandwidth: BARTLETT_BANDWIDTH_CONSTANT * Math.cbrt(alpha1 * T), alpha1, rho, sigma2 };
}

/** Automatic bandwidth rules of `olsHac`. */
export type HacBandwidthMethod = 'newey-west-1994' | 'andrews-1991';

export interface OlsHacOptions {
  /**
   * The lag truncation L (integer >= 0; Bartlett weights 1 - j / (L + 1), j <= L, as `neweyWestMean` and
   * sandwich::NeweyWest), or an automatic rule: 'newey-west-1994' (L = floor(`neweyWestBandwidth`), as
   * sandwich::NeweyWest(lag = NULL, prewhite = FALSE)) or 'andrews-1991' (real bandwidth S_T = `andrewsBandwidth`,
   * weights 1 - j / S_T for j < S_T, as sandwich::kernHAC(kernel = "Bartlett", prewhite = FALSE)). The automatic
   * rules use the score columns x_{t,a} u_t with weight 0 on every all-ones column (the intercept), as sandwich.
   */
  lags: number | HacBandwidthMethod;
  /**
   * Multiply the covariance by T / (T - k) (statsmodels `use_correction=True`, sandwich `adjust = TRUE`); default
   * false (statsmodels' and sandwich::NeweyWest's default).
   */
  smallSampleCorrection?: boolean;
}

export interface OlsHacResult {
  /** OLS coefficients, one per column of X. */
  coefficients: Float64Array;
  /** HAC covariance of the coefficients, row-major k x k. */
  covariance: Float64Array;
  /** sqrt of the covariance diagonal. */
  se: Float64Array;
  /** coefficients / se (NaN where se is 0). */
  t: Float64Array;
  /** Largest lag with a positive weight (capped at T - 1; larger lags have no pairs). */
  lags: number;
  /** Bartlett bandwidth b: lag j has weight max(0, 1 - j / b); L + 1 for a fixed or Newey-West lag L. */
  bandwidth: number;
  /** 'fixed' for a given L, else the automatic rule; the raw automatic value is `autoBandwidth`. */
  bandwidthMethod: 'fixed' | HacBandwidthMethod;
  /** The automatic rule's bandwidth as computed (NaN for 'fixed'). */
  autoBandwidth: number;
  /** Whether the T / (T - k) factor was applied. */
  smallSampleCorrection: boolean;
  residuals: Float64Array;
  n: number;
  k: number;
}

/**
 * Least squares by Householder QR of the T x k design (columns), as R `lm` / LINPACK dqrdc2 without pivoting.
 * Returns the coefficients, (X'X)^{-1} = R^{-1} R^{-T} and Q'y (length T: the residual sum of squares of the fit
 * on the first j columns is sum_{t >= j} qty_t^2, which lib/stats/cointegration.ts uses for lag selection). Throws
 * RangeError when a column is (numerically) a combination of the previous ones (|R_jj| <= 1e-7 * the column's norm,
 * R's `lm` tolerance). Shared by olsHac and the ADF regressions.
 */
export function leastSquares(y: ArrayLike<number>, X: readonly ArrayLike<number>[]): { beta: Float64Array; xtxInv: Float64Array; qty: Float64Array } {
  const T = y.length;
  const k = X.length;
  const A = X.map((c) => Float64Array.from(c)); // columns, overwritten by the Householder vectors
  const b = Float64Array.from(y);
  const R = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    const a = A[j]!;
    let norm0 = 0;
    for (let t = 0; t < T; t++) norm0 += X[j]![t]! * X[j]![t]!;
    let s = 0;
    for (let t = j; t < T; t++) s += a[t]! * a[t]!;
    let alpha = Math.sqrt(s);
    if (!(alpha > 1e-7 * Math.sqrt(norm0))) throw new RangeError(`least squares: X is rank deficient (column ${j} is a combination of the previous ones)`);
    if (a[j]! > 0) alpha = -alpha;
    // v = a[j:] - alpha e_1; H = I - 2 v v' / v'v
    const v0 = a[j]! - alpha;
    const vtv = s - a[j]! * a[j]! + v0 * v0;
    a[j] = v0;
    // Apply H to the later columns and to b. Two columns per pass over the reflector (each column's sums and updates
    // in the same order as one at a time, so the same bits; a read once per pair: ~1.45x faster at T = 60k, k = 40).
    let l = j + 1;
    for (; l + 1 < k; l += 2) {
      const c1 = A[l]!;
      const c2 = A[l + 1]!;
      let d1 = 0;
      let d2 = 0;
      for (let t = j; t < T; t++) {
        const at = a[t]!;
        d1 += at * c1[t]!;
        d2 += at * c2[t]!;
      }
      const f1 = (2 * d1) / vtv;
      const f2 = (2 * d2) / vtv;
      for (let t = j; t < T; t++) {
        const at = a[t]!;
        c1[t] = c1[t]! - f1 * at;
        c2[t] = c2[t]! - f2 * at;
      }
    }
    const last = l < k ? A[l]! : undefined;
    for (const c of last ? [last, b] : [b]) {
      let d = 0;
      for (let t = j; t < T; t++) d += a[t]! * c[t]!;
      const f = (2 * d) / vtv;
      for (let t = j; t < T; t++) c[t] = c[t]! - f * a[t]!;
    }
    R[j * k + j] = alpha;
    for (let l = j + 1; l < k; l++) R[j * k + l] = A[l]![j]!;
  }
  // Back-substitution R beta = (Q'y)[0:k].
  const beta = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let l = i + 1; l < k; l++) s -= R[i * k + l]! * beta[l]!;
    beta[i] = s / R[i * k + i]!;
  }
  // Rinv (upper triangular), then (X'X)^{-1} = Rinv Rinv'.
  const Ri = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    Ri[c * k + c] = 1 / R[c * k + c]!;
    for (let i = c - 1; i >= 0; i--) {
      let s = 0;
      for (let l = i + 1; l <= c; l++) s += R[i * k + l]! * Ri[l * k + c]!;
      Ri[i * k + c] = -s / R[i * k + i]!;
    }
  }
  const xtxInv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let l = i; l < k; l++) {
      let s = 0;
      for (let m = l; m < k; m++) s += Ri[i * k + m]! * Ri[l * k + m]!;
      xtxInv[i * k + l] = s;
      xtxInv[l * k + i] = s;
    }
  }
  return { beta, xtxInv, qty: b };
}

/**
 * OLS of y on the columns of X (time order; include a column of ones for an intercept) with the Newey & West
 * (1987) HAC covariance, Bartlett kernel, no prewhitening:
 *   V = (X'X)^{-1} S (X'X)^{-1},  S = sum_t v_t v_t' + sum_{j>=1} w_j sum_{t>j} (v_t v_{t-j}' + v_{t-j} v_t'),
 *   v_t = x_t u_t (u the OLS residuals), w_j = max(0, 1 - j / b) with b = L + 1 for a lag L,
 * times T / (T - k) with `smallSampleCorrection`. Equals statsmodels `OLS(y, X).fit(cov_type='HAC',
 * cov_kwds={'maxlags': L, 'use_correction': c})` and R `sandwich::NeweyWest(lm(y ~ X - 1), lag = L, prewhite =
 * FALSE, adjust = c)`; the automatic rules are described in `OlsHacOptions`. With X = [ones] and c = false the
 * standard error is `neweyWestMean(y, L).se`. Throws RangeError for T <= k, unequal lengths, non-finite inputs, a
 * rank-deficient X or a bad `lags`. O(T k^2 + T k L).
 */
export function olsHac(y: ArrayLike<number>, X: readonly ArrayLike<number>[], opts: OlsHacOptions): OlsHacResult {
  const T = y.length;
  const k = X.length;
  if (k === 0) throw new RangeError('olsHac: X needs at least one column');
  for (let j = 0; j < k; j++) if (X[j]!.length !== T) throw new RangeError(`olsHac: column ${j} of X has ${X[j]!.length} rows, y has ${T}`);
  if (!(T > k)) throw new RangeError(`olsHac: need more observations than columns (T = ${T}, k = ${k})`);
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(y[t]!)) throw new RangeError(`olsHac: y[${t}] is not finite (${y[t]}); drop missing values first`);
    for (let j = 0; j < k; j++) if (!Number.isFinite(X[j]![t]!)) throw new RangeError(`olsHac: X[${j}][${t}] is not finite (${X[j]![t]})`);
  }
  const L = opts.lags;
  if (typeof L === 'number') {
    if (!(Number.isInteger(L) && L >= 0)) throw new RangeError(`olsHac: lags must be an integer >= 0 or 'newey-west-1994' / 'andrews-1991', was ${L}`);
  } else if (L !== 'newey-west-1994' && L !== 'andrews-1991') {
    throw new RangeError(`olsHac: lags must be an integer >= 0 or 'newey-west-1994' / 'andrews-1991', was ${String(L)}`);
  }
  const { beta, xtxInv } = leastSquares(y, X);
  const u = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let f = 0;
    for (let j = 0; j < k; j++) f += X[j]![t]! * beta[j]!;
    u[t] = y[t]! - f;
  }
  const V = X.map((c) => Float64Array.from({ length: T }, (_, t) => c[t]! * u[t]!)); // score columns
  let bandwidth: number;
  let autoBandwidth = NaN;
  if (typeof L === 'number') {
    bandwidth = L + 1;
  } else {
    const w = Float64Array.from(X, (c) => {
      for (let t = 0; t < T; t++) if (c[t] !== 1) return 1;
      return 0;
    });
    if (L === 'newey-west-1994') {
      autoBandwidth = neweyWestBandwidth(V, w).bandwidth;
      bandwidth = Math.floor(autoBandwidth) + 1;
    } else {
      autoBandwidth = andrewsBandwidth(V, w).bandwidth;
      bandwidth = autoBandwidth;
    }
  }
  // Largest lag with positive weight 1 - j / b: j < b. NaN bandwidth (no variation in the scores): lag 0 only.
  let maxLag = bandwidth > 0 ? Math.ceil(bandwidth) - 1 : 0;
  if (!Number.isFinite(maxLag)) maxLag = Number.isNaN(bandwidth) ? 0 : T - 1;
  maxLag = Math.min(maxLag, T - 1);
  const S = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let c = a; c < k; c++) {
      const va = V[a]!;
      const vc = V[c]!;
      let s = 0;
      for (let t = 0; t < T; t++) s += va[t]! * vc[t]!;
      for (let j = 1; j <= maxLag; j++) {
        const wj = 1 - j / bandwidth;
        let g = 0;
        for (let t = j; t < T; t++) g += va[t]! * vc[t - j]! + va[t - j]! * vc[t]!;
        s += wj * g;
      }
      S[a * k + c] = s;
      S[c * k + a] = s;
    }
  }
  const correction = opts.smallSampleCorrection ?? false;
  const scale = correction ? T / (T - k) : 1;
  // covariance = xtxInv S xtxInv * scale
  const tmp = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let c = 0; c < k; c++) {
    let s = 0;
    for (let m = 0; m < k; m++) s += xtxInv[i * k + m]! * S[m * k + c]!;
    tmp[i * k + c] = s;
  }
  const cov = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let c = i; c < k; c++) {
    let s = 0;
    for (let m = 0; m < k; m++) s += tmp[i * k + m]! * xtxInv[m * k + c]!;
    cov[i * k + c] = s * scale;
    cov[c * k + i] = s * scale;
  }
  const se = Float64Array.from({ length: k }, (_, j) => Math.sqrt(Math.max(cov[j * k + j]!, 0)));
  const tstat = Float64Array.from({ length: k }, (_, j) => (se[j]! > 0 ? beta[j]! / se[j]! : NaN));
  return {
    coefficients: beta, covariance: cov, se, t: tstat, lags: maxLag, bandwidth,
    bandwidthMethod: typeof L === 'number' ? 'fixed' : L, autoBandwidth, smallSampleCorrection: correction,
    residuals: u, n: T, k,
  };
}
