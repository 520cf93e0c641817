import { defineStage } from '../../stage/definition.js';
import { CLEAN_PARAMS_SCHEMA, type CleanParams } from './params.js';

/**
 * clean: lake/raw -> lake/cleaned (complete UTC grids per timeframe with quality flags, settlement-aligned funding,
 * deduplicated open interest and market caps) and reports/quality (JSON + Markdown), one instrument at a time.
 */
export const cleanStage = defineStage<CleanParams>({
  name: 'clean',
  description: 'Align bars to the UTC grid, flag gaps/zero-volume/outliers, resample, align funding; write a quality report.',
  paramsSchema: CLEAN_PARAMS_SCHEMA as never,
  inputs: () => ['lake/raw'],
  specs: () => [],
  outputs: ['lake/cleaned', 'reports/quality'],
  usesCosts: false,
  run: async (ctx) => (await import('./run.js')).runClean(ctx),
  shards: async () => (await import('./run.js')).cleanShards,
});
