import { defineStage } from '../../stage/definition.js';
import { PLAN_PARAMS_SCHEMA, type PlanParams } from './params.js';

/**
 * plan: research/templates + lake/events + lake/cleaned (partition manifests only) -> research/plan: the candidate
 * plan (templates x event variants x instruments x horizons), each candidate's feasibility from the events lake,
 * cuts by feasibility and budgets (spec/plan.yaml, spec/gates.yaml), and a readable feasibility report.
 */
export const planStage = defineStage<PlanParams>({
  name: 'plan',
  description: 'Expand ready templates into candidates, measure feasibility on the events lake, apply budgets; write the candidate plan.',
  paramsSchema: PLAN_PARAMS_SCHEMA as never,
  inputs: () => ['research/templates', 'lake/events', 'lake/cleaned'],
  specs: () => ['plan.yaml', 'gates.yaml'],
  outputs: ['research/plan'],
  usesCosts: false,
  run: async (ctx) => (await import('./run.js')).runPlan(ctx),
});
