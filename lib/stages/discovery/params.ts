import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface DiscoveryParams {
  timeframe: Timeframe;
  top: number;
  shard_candidates: number;
}

export const DISCOVERY_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline timeframe; every candidate of the plan must use it' },
    top: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'survivors listed in the summary report' },
    shard_candidates: {
      type: 'integer', minimum: 1, maximum: 1000000, default: 100,
      description: 'candidates per shard: a shard tests a contiguous range of the plan (docs/scale.md); the unsharded run tests the same ranges, two at a time. The results do not depend on it',
    },
  },
} as const;
