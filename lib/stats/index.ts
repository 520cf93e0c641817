/** Pure statistics functions (see lib/stats/README.md for each formula, its source and edge cases). */
export {
  mean, median, variance, std, skewness, kurtosis, quantile, quantiles,
  type MomentOptions, type KurtosisOptions, type KurtosisConvention,
} from './descriptive.js';
export {
  normalCdf, normalQuantile, logGamma, regularizedIncompleteBeta, studentTCdf, studentTTwoSidedP,
} from './distributions.js';
export { pAdjust, P_ADJUST_METHODS, type PAdjustMethod } from './multiple_testing.js';
export {
  neweyWestLag, neweyWestMean, driscollKraayMean, neweyWestBandwidth, andrewsBandwidth, olsHac, BARTLETT_BANDWIDTH_CONSTANT,
  type NeweyWestResult, type DriscollKraayResult, type NeweyWestBandwidth, type AndrewsBandwidth, type HacBandwidthMethod, type OlsHacOptions,
  type OlsHacResult,
} from './hac.js';
export {
  essOverlap, essOverlapSimple, essAr1, essFromAutocorrelation, ESS_OVERLAP_CONVENTIONS, type EssOverlapConvention,
} from './ess.js';
export {
  stationaryBootstrap, circularBlockBootstrap, bootstrapCI, politisWhiteBlockLength, politisWhiteBlockLengths,
  clampBlockLength,
  type StationaryBootstrapOptions, type CircularBlockBootstrapOptions, type BootstrapCIOptions, type BootstrapCI,
  type PolitisWhiteBlockLengths, type ClampedBlockLength,
} from './bootstrap.js';
export {
  BootstrapCIPool, BOOTSTRAP_PARALLEL_MIN_WORK, bootstrapThreadUse, type BootstrapPoolOptions,
} from './bootstrap_pool.js';
export {
  EULER_GAMMA, sharpeRatio, sharpeStdError, probabilisticSharpe, expectedMaxSharpe, deflatedSharpe, sharpeVarianceHac, probabilisticSharpeHac, mertensVariance, psrFromVariance,
  pearsonKurtosis, probabilisticSharpeRatio, minTrackRecordLength,
  type KurtosisValue, type PsrOptions, type MinTrlOptions,
} from './sharpe.js';
export {
  pboCscv, binomial, sharpeMetric, leastSquaresLine, stochasticDominance, type PboResult,
} from './pbo.js';
export {
  totalReturn, cagr, annualizedVolatility, sharpe, downsideDeviation, sortino, drawdownSeries, maxDrawdown, calmar,
  hitRate, exposure, turnover,
} from './performance.js';
export {
  adfTest, engleGranger, mackinnonP, mackinnonCrit,
  type AdfOptions, type AdfResult, type DfRegression, type EngleGrangerResult,
} from './cointegration.js';
export {
  oncClusters, correlationMatrix, correlationDistance, kMeans, silhouetteSamples, clusterTStat,
  type OncOptions, type OncResult,
} from './onc.js';
export { Xoshiro128ss } from './rng.js';
export { symmetricEigenvalues, liJiEffectiveTests, nullSharpeVariance } from './effective_tests.js';
