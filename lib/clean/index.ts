/** The Clean stage's pure functions (typed arrays in, typed arrays out; no I/O). */
export { alignToGrid, MAX_GRID_ROWS, type AlignedBars, type AlignStats } from './align.js';
export { flagBars, MAD_TO_SIGMA, type FlagOptions, type FlagStats, type FlaggedBars } from './flags.js';
export { resample, type ResampledBars } from './resample.js';
export {
  alignFunding, fundingGaps, FUNDING_GAP_FACTOR, FUNDING_SNAP_MS, MAX_ABS_FUNDING_RATE,
  type AlignedFunding, type FundingStats,
} from './funding.js';
export * from './quality.js';
export { renderQualityMarkdown } from './quality_markdown.js';
export { SortedWindow } from './rolling_mad.js';
export * from './types.js';
