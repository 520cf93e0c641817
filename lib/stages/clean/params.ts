import { TIMEFRAMES, type Timeframe } from '../../timeframe.js';

export interface CleanParams {
  timeframe: Timeframe;
  extra_timeframes: Timeframe[];
  outlier_window_bars: number;
  outlier_mad_k: number;
  min_coverage: number;
  market_cap_partition: 'month' | 'year';
}

export const CLEAN_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline (backtest) timeframe; always produced' },
    extra_timeframes: { type: 'array', items: { enum: [...TIMEFRAMES] }, default: [], description: 'also produce these timeframes' },
    outlier_window_bars: { type: 'integer', minimum: 20, maximum: 100000, default: 288, description: 'trailing window (bars) of the robust scale used to flag outliers' },
    outlier_mad_k: { type: 'number', exclusiveMinimum: 0, default: 12, description: 'a bar is an outlier beyond k robust sigmas (MAD x 1.4826) of the trailing window' },
    min_coverage: { type: 'number', minimum: 0, maximum: 100, default: 90, description: 'percent of grid bars present (first to last bar) each instrument and timeframe needs; below it clean fails (exit 3) instead of writing a mostly-missing series; 0 turns the check off' },
    market_cap_partition: { enum: ['month', 'year'], default: 'month', description: 'partition span of cleaned/market_cap: year = one file per coin and year (daily caps: 12x fewer files, what the monitor reads fastest); month keeps the long-standing layout. Bars of 1d or coarser are always partitioned by year' },
  },
} as const;
