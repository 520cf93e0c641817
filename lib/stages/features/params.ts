import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface FeaturesParams {
  timeframe: Timeframe;
}

export const FEATURES_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'bar size of the cleaned bars to compute features on (the pipeline timeframe)' },
  },
} as const;
