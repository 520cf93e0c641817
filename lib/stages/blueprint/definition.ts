import { defineStage } from '../../stage/definition.js';
import { BLUEPRINT_PARAMS_SCHEMA, type BlueprintParams } from './params.js';

/**
 * blueprint: compiles the bridge survivors (and the template grid of spec/blueprints.yaml) into schema-valid
 * blueprints bound to the digest of the current cost config: research/blueprints (blueprints.jsonl, blueprints.json,
 * costs/<digest>.json, summary.md).
 */
export const blueprintStage = defineStage<BlueprintParams>({
  name: 'blueprint',
  description: 'Compile bridge survivors and template variants into typed strategy blueprints bound to the cost digest.',
  paramsSchema: BLUEPRINT_PARAMS_SCHEMA as never,
  inputs: () => ['lake/bridge', 'research/plan', 'lake/features', 'lake/cleaned'],
  specs: () => ['blueprints.yaml', 'events'],
  outputs: ['research/blueprints'],
  usesCosts: true,
  run: async (ctx) => (await import('./run.js')).runBlueprintStage(ctx),
});
