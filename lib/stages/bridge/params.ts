import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';
import { IDENTIFIER_PATTERN } from '../../paths.js';

export interface BridgeParams {
  timeframe: Timeframe;
  venue_for: Record<string, string>;
  top: number;
  scope: 'survivors' | 'all';
  shard_candidates: number;
}

export const BRIDGE_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline timeframe; every candidate of the plan must use it' },
    venue_for: {
      type: 'object',
      additionalProperties: { type: 'string', pattern: IDENTIFIER_PATTERN },
      default: { synthetic: 'binance' },
      description:
        'fee venue (a key of venues in spec/costs.yaml) for a lake exchange that is not itself a priced venue; the ' +
        'synthetic market is priced as binance by default. Unmapped exchanges use their own name.',
    },
    scope: {
      enum: ['survivors', 'all'], default: 'survivors',
      description:
        'survivors: price the discovery survivors; all: price every candidate of the plan, to see how far the rest are ' +
        'from paying their costs (a candidate that failed discovery fails the bridge with gate "discovery", never passes)',
    },
    top: { type: 'integer', minimum: 1, maximum: 1000, default: 20, description: 'candidates listed in the summary report' },
    shard_candidates: {
      type: 'integer', minimum: 1, maximum: 1000000, default: 100,
      description: 'plan candidates per shard: a shard prices the candidates it is given (survivors, or all with scope: all) in a contiguous range of the plan; ranges with nothing to price are no shard (docs/scale.md). The results do not depend on it',
    },
  },
} as const;
