/**
 * Sharpe ratio and its selection-aware versions: the Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012,
 * "The Sharpe Ratio Efficient Frontier", Journal of Risk 15(2)) and the Deflated Sharpe Ratio (Bailey & Lopez de
 * Prado 2014, "The Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality",
 * Journal of Portfolio Management 40(5)). Every Sharpe ratio here is PER OBSERVATION (not annualised): divide an
 * annual figure by sqrt(periods per year) first. Kurtosis is NON-excess (normal = 3).
 */
import { mean, std } from './descriptive.js';
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
