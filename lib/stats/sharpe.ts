/**
 * Sharpe ratio and its selection-aware versions: the Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012,
 * "The Sharpe Ratio Efficient Frontier", Journal of Risk 15(2)) and the Deflated Sharpe Ratio (Bailey & Lopez de
 * Prado 2014, "The Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality",
 * Journal of Portfolio Management 40(5)). Every Sharpe ratio here is PER OBSERVATION (not annualised): divide an
 * annual figure by sqrt(periods per year) first. Kurtosis is NON-excess (normal = 3).
 */
import { mean, std, type KurtosisConvention } from './descriptive.js';
import { normalCdf, normalQuantile } from './distributions.js';
import { neweyWestLag } from './hac.js';

/** Euler-Mascheroni constant. */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * Per-observation Sharpe ratio mean(r) / std(r) with the sample standard deviation (ddof = 1); returns are excess
 * returns (subtract the risk-free rate first). NaN for n < 2 or zero standard deviation.
 */
export function sharpeRatio(returns: ArrayLike<number>): number {
  if (returns.length < 2) return NaN;
  const s = std(returns);
  if (!(s > 0)) return NaN;
  return mean(returns) / s;
}

/**
 * Standard deviation of the Sharpe estimator under non-normal iid returns (Mertens 2002; Bailey & Lopez de Prado
 * 2012 eq. 8): sqrt((1 - skew sr + (kurtosis - 1) / 4 sr^2) / (n - 1)).
 */
export function sharpeStdError(sr: number, n: number, skew: number, kurtosis: number): number {
  return Math.sqrt(mertensVariance(sr, skew, kurtosis) / (n - 1));
}

/** The Mertens (2002) variance of the Sharpe estimate per observation under iid returns: 1 - skew sr + (kurtosis - 1)/4 sr^2. */
export function mertensVariance(sr: number, skew: number, kurtosis: number): number {
  return 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
}

/**
 * Phi((sr - srBenchmark) sqrt(n - 1) / sqrt(v)): the PSR for a per-observation variance v of the Sharpe estimate
 * (mertensVariance for iid returns, sharpeVarianceHac under serial dependence). NaN for n < 2 or v not > 0.
 */
export function psrFromVariance(sr: number, n: number, v: number, srBenchmark = 0): number {
  if (!(n >= 2) || !(v > 0)) return NaN;
  return normalCdf(((sr - srBenchmark) * Math.sqrt(n - 1)) / Math.sqrt(v));
}

/**
 * Probabilistic Sharpe Ratio PSR(SR*) = Phi((sr - srBenchmark) sqrt(n - 1) / sqrt(1 - skew sr + (kurtosis - 1)/4
 * sr^2)) (Bailey & Lopez de Prado 2012): the probability that the true Sharpe ratio exceeds srBenchmark given the
 * estimate sr from n observations with the given skewness and NON-excess kurtosis. NaN for n < 2 or a
 * non-positive variance term (possible only for extreme skew * sr).
 */
export function probabilisticSharpe(sr: number, n: number, skew: number, kurtosis: number, srBenchmark = 0): number {
  return psrFromVariance(sr, n, mertensVariance(sr, skew, kurtosis), srBenchmark);
}

/**
 * Variance of the Sharpe estimator under serial dependence and non-normality, per observation (the standard error
 * is sqrt(v / (n - 1)), as in sharpeStdError): Lo (2002), "The Statistics of Sharpe Ratios", Financial Analysts
 * Journal 58(4), section "Non-IID returns" (GMM, Hansen 1982): SR = g(mu, sigma^2) = mu / sigma with gradient
 * (1/sigma, -mu/(2 sigma^3)), and v = grad' S grad where S is the long-run covariance of the moment vector
 * m_t = (r_t - mu, (r_t - mu)^2 - sigma^2), estimated by Newey-West with Bartlett weights w_k = 1 - k/(L + 1)
 * (biased 1/n autocovariances). Written in standardised moments, with sr the estimate the PSR uses:
 *   v = a - sr b + sr^2 c / 4,  a = S_11 / m2, b = S_12 / m2^1.5, c = S_22 / m2^2.
 * At L = 0, a = 1, b = skewness and c = kurtosis - 1 (biased moments), so v is the Mertens (2002) numerator of
 * sharpeStdError; serially uncorrelated returns leave it there up to sampling noise, positively autocorrelated ones
 * raise it (Gaussian AR(1) with coefficient phi: v = (1 + phi)/(1 - phi) + sr^2 (1 + phi^2) / (2 (1 - phi^2)),
 * this GMM formula evaluated with the AR(1)'s autocovariances; tests/stats/sharpe_hac.test.ts checks it by simulation). `lags` defaults to the Newey-West (1994) rule neweyWestLag(n). NaN for n < 2 or returns
 * that do not vary; v is clamped at a tiny positive value only through rounding (Bartlett keeps S >= 0).
 */
export function sharpeVarianceHac(returns: ArrayLike<number>, sr = sharpeRatio(returns), lags = neweyWestLag(returns.length)): { v: number; lags: number } {
  const n = returns.length;
  if (n < 2 || !Number.isFinite(sr)) return { v: NaN, lags };
  if (!(Number.isInteger(lags) && lags >= 0)) throw new RangeError(`sharpeVarianceHac: lags must be an integer >= 0, was ${lags}`);
  const mu = mean(returns);
  let m2 = 0;
  for (let i = 0; i < n; i++) m2 += (returns[i]! - mu) ** 2;
  m2 /= n;
  if (!(m2 > 0)) return { v: NaN, lags };
  const e1 = new Float64Array(n);
  const e2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = returns[i]! - mu;
    e1[i] = d;
    e2[i] = d * d - m2;
  }
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  const kmax = Math.min(lags, n - 1);
  for (let k = 0; k <= kmax; k++) {
    let c11 = 0;
    let c12 = 0;
    let c21 = 0;
    let c22 = 0;
    for (let t = k; t < n; t++) {
      c11 += e1[t]! * e1[t - k]!;
      c12 += e1[t]! * e2[t - k]!;
      c21 += e2[t]! * e1[t - k]!;
      c22 += e2[t]! * e2[t - k]!;
    }
    if (k === 0) {
      s11 += c11 / n; s12 += c12 / n; s22 += c22 / n;
    } else {
      const w = 1 - k / (lags + 1);
      // Gamma_k + Gamma_k': the off-diagonal takes both cross-covariances
      s11 += (2 * w * c11) / n; s12 += (w * (c12 + c21)) / n; s22 += (2 * w * c22) / n;
    }
  }
  const a = s11 / m2;
  const b = s12 / Math.pow(m2, 1.5);
  const c = s22 / (m2 * m2);
  return { v: Math.max(a - sr * b + (sr * sr * c) / 4, 0), lags };
}

/**
 * PSR with the serial-dependence-robust variance of sharpeVarianceHac (Lo 2002): Phi((sr - srBenchmark)
 * sqrt(n - 1) / sqrt(v)), sr = sharpeRatio(returns). With lags = 0 it equals probabilisticSharpe with the returns'
 * (biased) skewness and Pearson kurtosis. NaN for n < 2, flat returns or v = 0.
 */
export function probabilisticSharpeHac(returns: ArrayLike<number>, srBenchmark = 0, lags = neweyWestLag(returns.length)): number {
  const sr = sharpeRatio(returns);
  return psrFromVariance(sr, returns.length, sharpeVarianceHac(returns, sr, lags).v, srBenchmark);
}

/**
 * Expected maximum of nTrials independent Sharpe estimates with mean 0 and variance varianceOfSharpes (Bailey &
 * Lopez de Prado 2014 eq. 7, from the False Strategy theorem):
 *   sqrt(V) ((1 - gamma) Phi^{-1}(1 - 1/N) + gamma Phi^{-1}(1 - 1/(N e))),  gamma = Euler-Mascheroni.
 * An approximation of E[max] for large N: it overstates the exact expectation by 2.3% at N = 10, 0.9% at N = 100,
 * 0.4% at N = 1000 (conservative for the DSR); exactly 0 for N = 1.
 * Throws RangeError for N < 1 or a negative variance.
 */
export function expectedMaxSharpe(nTrials: number, varianceOfSharpes: number): number {
  if (!(nTrials >= 1)) throw new RangeError(`expectedMaxSharpe: nTrials must be >= 1, was ${nTrials}`);
  if (!(varianceOfSharpes >= 0)) throw new RangeError(`expectedMaxSharpe: varianceOfSharpes must be >= 0, was ${varianceOfSharpes}`);
  if (nTrials === 1) return 0;
  const z = (1 - EULER_GAMMA) * normalQuantile(1 - 1 / nTrials) + EULER_GAMMA * normalQuantile(1 - 1 / (nTrials * Math.E));
  return Math.sqrt(varianceOfSharpes) * z;
}

/**
 * Deflated Sharpe Ratio (Bailey & Lopez de Prado 2014 eq. 8): the PSR of the selected strategy's Sharpe sr
 * (n observations, skewness, NON-excess kurtosis) against the benchmark SR0 = expectedMaxSharpe(nTrials,
 * varianceOfSharpes), the Sharpe the best of nTrials skill-less trials would show. A probability; >= 0.95 is the
 * usual significance bar.
 */
export function deflatedSharpe(
  sr: number, n: number, skew: number, kurtosis: number, nTrials: number, varianceOfSharpes: number,
): number {
  return probabilisticSharpe(sr, n, skew, kurtosis, expectedMaxSharpe(nTrials, varianceOfSharpes));
}

/**
 * A kurtosis with its convention named: 'pearson' (non-excess, m4 / m2^2, normal = 3) or 'excess' (pearson - 3,
 * normal = 0; what pandas `kurt`, scipy `kurtosis(fisher=True)` and PerformanceAnalytics' default report). The
 * Sharpe-ratio formulas below take the Pearson value; an excess value is converted by adding 3.
 */
export interface KurtosisValue {
  value: number;
  convention: KurtosisConvention;
}

/** The Pearson (non-excess) kurtosis of a named kurtosis value. Throws RangeError for an unknown convention. */
export function pearsonKurtosis(k: KurtosisValue): number {
  if (k.convention === 'pearson') return k.value;
  if (k.convention === 'excess') return k.value + 3;
  throw new RangeError(`kurtosis convention must be 'pearson' or 'excess', was ${String((k as { convention: unknown }).convention)}`);
}

export interface PsrOptions {
  /** Skewness of the returns (g1). */
  skew: number;
  /** Kurtosis of the returns, with its convention. */
  kurtosis: KurtosisValue;
  /** Benchmark Sharpe ratio SR* (per observation); default 0. */
  benchmark?: number;
}

/**
 * Probabilistic Sharpe Ratio with the kurtosis convention explicit: `probabilisticSharpe(sr, n, skew,
 * pearsonKurtosis(kurtosis), benchmark)`. probabilisticSharpeRatio(0.1, 101, { skew: 0, kurtosis: { value: 0, convention: 'excess' } })
 * equals the same call with { value: 3, convention: 'pearson' }.
 */
export function probabilisticSharpeRatio(sr: number, n: number, o: PsrOptions): number {
  return probabilisticSharpe(sr, n, o.skew, pearsonKurtosis(o.kurtosis), o.benchmark ?? 0);
}

export interface MinTrlOptions extends PsrOptions {
  /** Confidence level 1 - alpha in [0.5, 1); default 0.95. */
  confidence?: number;
}

/**
 * Minimum Track Record Length (Bailey & Lopez de Prado 2012, "The Sharpe Ratio Efficient Frontier", J. Risk 15(2),
 * eq. for MinTRL):
 *   MinTRL = 1 + (1 - g3 SR + (g4 - 1)/4 SR^2) (z_{1-alpha} / (SR - SR*))^2,
 * in observations of the Sharpe ratio's frequency (SR, SR* per observation; g4 Pearson kurtosis). It is the n at
 * which PSR(SR*) = 1 - alpha exactly: a track record of n >= MinTRL observations with the same SR, skewness and
 * kurtosis has PSR(SR*) >= 1 - alpha. Real-valued (not rounded). SR <= SR* -> Infinity (no length suffices);
 * a non-positive variance term -> NaN; NaN inputs -> NaN. Throws RangeError for a confidence outside [0.5, 1).
 */
export function minTrackRecordLength(sr: number, o: MinTrlOptions): number {
  const confidence = o.confidence ?? 0.95;
  if (!(confidence >= 0.5 && confidence < 1)) throw new RangeError(`minTrackRecordLength: confidence must be in [0.5, 1), was ${confidence}`);
  const g4 = pearsonKurtosis(o.kurtosis);
  const b = o.benchmark ?? 0;
  const v = 1 - o.skew * sr + ((g4 - 1) / 4) * sr * sr;
  if (!(v > 0)) return NaN;
  if (!(sr > b)) return Number.isNaN(sr) || Number.isNaN(b) ? NaN : Infinity;
  const z = normalQuantile(confidence) / (sr - b);
  return 1 + v * z * z;
}
