import { defineStage } from '../../stage/definition.js';
import { FEATURES_PARAMS_SCHEMA, type FeaturesParams } from './params.js';

/**
 * features: lake/cleaned -> lake/features. Computes the point-in-time feature columns of spec/features/*.yaml for
 * every instrument with cleaned bars of the timeframe: pass 1 streams the instruments into cross-sectional
 * aggregates, pass 2 computes and writes one instrument at a time (two at once, one per core).
 */
export const featuresStage = defineStage<FeaturesParams>({
  name: 'features',
  description: 'Compute spec/features point-in-time feature columns from lake/cleaned; write lake/features.',
  paramsSchema: FEATURES_PARAMS_SCHEMA as never,
  inputs: () => ['lake/cleaned'],
  specs: () => ['features'],
  outputs: ['lake/features'],
  usesCosts: false,
  run: async (ctx) => (await import('./run.js')).runFeatures(ctx),
  shards: async () => (await import('./run.js')).featuresShards,
});
