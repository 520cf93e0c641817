import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface EventsParams {
  timeframe: Timeframe;
}

export const EVENTS_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'bar size of the features partitions to detect events on (the pipeline timeframe)' },
  },
} as const;
