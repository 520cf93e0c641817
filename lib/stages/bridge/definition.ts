import { defineStage } from '../../stage/definition.js';
import { BRIDGE_PARAMS_SCHEMA, type BridgeParams } from './params.js';

/**
 * bridge: discovery survivors -> net edge after fees, slippage, square-root impact, funding and borrow, with a
 * stationary-bootstrap CI, turnover and capacity: lake/bridge/results.parquet and reports/bridge (summary.json, .md).
 */
export const bridgeStage = defineStage<BridgeParams>({
  name: 'bridge',
  description: 'Price every discovery survivor: net edge after all costs (spec/costs.yaml), bootstrap CI, capacity, turnover.',
  paramsSchema: BRIDGE_PARAMS_SCHEMA as never,
  inputs: () => ['lake/discovery', 'research/plan', 'lake/events', 'lake/cleaned'],
  specs: () => ['gates.yaml'],
  outputs: ['lake/bridge', 'reports/bridge'],
  usesCosts: true,
  run: async (ctx) => (await import('./run.js')).runBridgeStage(ctx),
  shards: async () => (await import('./run.js')).bridgeShards,
});
