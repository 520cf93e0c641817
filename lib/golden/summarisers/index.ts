import type { StageSummariser } from './context.js';
import { summariseIngest } from './ingest.js';
import { summariseClean } from './clean.js';
import {
  summariseFeatures, summariseEvents, summariseTemplates, summarisePlan, summariseDiscovery, summariseBridge,
} from './research.js';
import { summariseBlueprint, summariseWalkforward, summariseReport } from './strategy.js';

export { genericSummary, listFiles } from './generic.js';
export { mergeSummaries, type SummariseContext, type StageSummariser } from './context.js';
export { tableChecks, groupLabel, type TableStatsSpec } from './table_stats.js';

/**
 * Key-number summarisers by stage name. A stage without one is still certified by its row counts, metrics and
 * file checksums (genericSummary); add its key numbers here when it is registered in orchestrator/registry.ts.
 */
export const SUMMARISERS: Readonly<Record<string, StageSummariser>> = {
  ingest: summariseIngest,
  clean: summariseClean,
  features: summariseFeatures,
  events: summariseEvents,
  templates: summariseTemplates,
  plan: summarisePlan,
  discovery: summariseDiscovery,
  bridge: summariseBridge,
  blueprint: summariseBlueprint,
  walkforward: summariseWalkforward,
  report: summariseReport,
};
