import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface DiscoveryParams {
  timeframe: Timeframe;
  top: number;
}

export const DISCOVERY_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline timeframe; every candidate of the plan must use it' },
    top: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'survivors listed in the summary report' },
  },
} as const;
