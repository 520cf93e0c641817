import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface PlanParams {
  timeframe: Timeframe;
}

export const PLAN_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline (backtest) timeframe: bars and events of this timeframe are planned' },
  },
} as const;
