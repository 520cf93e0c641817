/**
 * The golden baseline: a certification batch (golden/batch.yaml) run through the pipeline, every stage's outputs
 * summarised (row counts, checksums, key numbers with tolerances), compared stage by stage with golden/baseline.json.
 */
export type { Check, StageSummary, Baseline, BaselineProvenance, RunSummaries, Drift, StageVerdict, CheckReport } from './types.js';
export { REL_TOL, exact, approx, seriesStats, countSet, stableJson, type SeriesStats } from './checks.js';
export { compareCheck, diffStage, compareRun, toleranceText, relDiff, GROUP_ORDER } from './diff.js';
export { formatReport, formatVerdict, formatDrifts, formatValue, formatBatchChanged } from './format.js';
export {
  runAndSummarise, summariseRun, batchDigest, GOLDEN_NOW_MS, GOLDEN_RUN_ID, type BatchOptions, type BatchPipeline, type BatchRecord,
} from './batch.js';
export { goldenCheck, goldenRefresh, readBaseline, changesSince, type GoldenOptions, type GoldenCheckResult, type RefreshOptions, type StageChange } from './golden.js';
export { SUMMARISERS, genericSummary, mergeSummaries, type StageSummariser, type SummariseContext } from './summarisers/index.js';
