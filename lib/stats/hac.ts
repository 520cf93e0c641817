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
