/**
 * Sharpe ratio and its selection-aware versions: the Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012,
 * "The Sharpe Ratio Efficient Frontier", Journal of Risk 15(2)) and the Deflated Sharpe Ratio (Bailey & Lopez de
 * Prado 2014, "The Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality",
 * Journal of Portfolio Management 40(5)). Every Sharpe ratio here is PER OBSERVATION (not annualised): divide an
 * annual figure by sqrt(periods per year) first. Kurtosis is NON-excess (normal = 3).
 */
import { mean, std, type KurtosisConvention } from './descriptive.js';
import { normalCdf, normalQuantile } from './distributions.js';

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
  return Math.sqrt((1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr) / (n - 1));
}

/**
 * Probabilistic Sharpe Ratio PSR(SR*) = Phi((sr - srBenchmark) sqrt(n - 1) / sqrt(1 - skew sr + (kurtosis - 1)/4
 * sr^2)) (Bailey & Lopez de Prado 2012): the probability that the true Sharpe ratio exceeds srBenchmark given the
 * estimate sr from n observations with the given skewness and NON-excess kurtosis. NaN for n < 2 or a
 * non-positive variance term (possible only for extreme skew * sr).
 */
export function probabilisticSharpe(sr: number, n: number, skew: number, kurtosis: number, srBenchmark = 0): number {
  if (!(n >= 2)) return NaN;
  const v = 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
  if (!(v > 0)) return NaN;
  return normalCdf(((sr - srBenchmark) * Math.sqrt(n - 1)) / Math.sqrt(v));
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
