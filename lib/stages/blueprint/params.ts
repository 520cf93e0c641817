import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface BlueprintParams {
  timeframe: Timeframe;
  include_templates: boolean;
}

export const BLUEPRINT_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline timeframe; every bridge survivor must use it' },
    include_templates: {
      type: 'boolean', default: true,
      description: 'also compile the template grid of spec/blueprints.yaml (classic strategies on the same engine); each variant counts as a trial',
    },
  },
} as const;
