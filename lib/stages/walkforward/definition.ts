import { defineStage, type StageDefinition } from '../../stage/definition.js';
import { WALKFORWARD_PARAMS_SCHEMA, type WalkforwardHooks, type WalkforwardParams } from './params.js';

/**
 * walkforward: rolling or anchored train/test windows with an embargo; per window the blueprints are ranked on the
 * train bars only and the selected ones trade the test bars through the engine; the stitched out-of-sample book,
 * its metrics (PSR/DSR against the plan's trial count), PBO by CSCV over the blueprints, cost sensitivity.
 */
export function walkforwardStageWith(hooks: WalkforwardHooks): StageDefinition<WalkforwardParams> {
  return {
    ...walkforwardStage,
    run: async (ctx) => (await import('./run.js')).runWalkforwardStage(ctx, hooks),
    shards: async () => (await import('./run.js')).walkforwardShards(hooks),
  };
}

export const walkforwardStage = defineStage<WalkforwardParams>({
  name: 'walkforward',
  description: 'Walk-forward evaluation of the blueprints through the engine: train-only selection, stitched out-of-sample book, PSR/DSR/PBO.',
  paramsSchema: WALKFORWARD_PARAMS_SCHEMA as never,
  inputs: () => ['research/blueprints', 'research/plan', 'lake/features', 'lake/events', 'lake/cleaned'],
  specs: () => ['events'],
  outputs: ['lake/walkforward'],
  usesCosts: true,
  run: async (ctx) => (await import('./run.js')).runWalkforwardStage(ctx),
  shards: async () => (await import('./run.js')).walkforwardShards(),
});
