import { defineStage } from '../../stage/definition.js';
import { DISCOVERY_PARAMS_SCHEMA, type DiscoveryParams } from './params.js';

/**
 * discovery: research/plan + lake/events + lake/cleaned bars -> lake/discovery/results.parquet (one row per candidate:
 * forward-return statistics, HAC t, ESS, p, q over the whole plan, gates) and reports/discovery (summary.json, .md).
 */
export const discoveryStage = defineStage<DiscoveryParams>({
  name: 'discovery',
  description: 'Test every planned candidate: excess forward return, Newey-West t, ESS, FDR q over the plan, gates.',
  paramsSchema: DISCOVERY_PARAMS_SCHEMA as never,
  inputs: () => ['research/plan', 'lake/events', 'lake/cleaned'],
  specs: () => ['gates.yaml'],
  outputs: ['lake/discovery', 'reports/discovery'],
  usesCosts: false,
  run: async (ctx) => (await import('./run.js')).runDiscoveryStage(ctx),
  shards: async () => (await import('./run.js')).discoveryShards,
});
