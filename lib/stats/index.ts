/** Pure statistics functions (see lib/stats/README.md for each formula, its source and edge cases). */
export { mean, median, variance, std, skewness, kurtosis, quantile, quantiles } from './descriptive.js';
export {
  normalCdf, normalQuantile, logGamma, regularizedIncompleteBeta, studentTCdf, studentTTwoSidedP,
} from './distributions.js';
export { pAdjust, P_ADJUST_METHODS, type PAdjustMethod } from './multiple_testing.js';
export { neweyWestLag, neweyWestMean, type NeweyWestResult } from './hac.js';
export { essOverlap, essAr1, essFromAutocorrelation } from './ess.js';
export {
  stationaryBootstrap, bootstrapCI, politisWhiteBlockLength,
  type StationaryBootstrapOptions, type BootstrapCIOptions, type BootstrapCI,
} from './bootstrap.js';
export {
  EULER_GAMMA, sharpeRatio, sharpeStdError, probabilisticSharpe, expectedMaxSharpe, deflatedSharpe,
} from './sharpe.js';
export { pboCscv, binomial, sharpeMetric, type PboResult } from './pbo.js';
export {
  totalReturn, cagr, annualizedVolatility, sharpe, downsideDeviation, sortino, drawdownSeries, maxDrawdown, calmar,
  hitRate, exposure, turnover,
} from './performance.js';
