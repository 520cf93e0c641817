import type { ExposureSource } from '../../engine/index.js';
import { DURATION_PATTERN, TIMEFRAMES, type Timeframe } from '../../timeframe.js';
import { IDENTIFIER_PATTERN } from '../../paths.js';
import { WINDOW_MODES, type WindowMode } from '../../walkforward/windows.js';

/** What the stage executable passes in: the experiments' exposure source (params experiment_spec / experiment_id). */
export interface WalkforwardHooks {
  exposure?: ExposureSource;
}

export interface WalkforwardParams {
  timeframe: Timeframe;
  mode: WindowMode;
  train_days: number;
  test_days: number;
  step_days?: number;
  /** partial: the trailing remainder (at least one day after the embargo) is a shorter last test window; whole: unused. */
  last_window: 'partial' | 'whole';
  /** A duration (converted to bars of the timeframe) or auto. */
  embargo: string;
  /** Bars, instead of `embargo`. */
  embargo_bars?: number | 'auto';
  top_k: number;
  min_train_trades: number;
  min_train_sharpe: number;
  train_sharpe_floor: 'expected_max' | 'none';
  capital_usd: number;
  max_gross_leverage: number;
  cost_multipliers: number[];
  pbo_splits: number;
  benchmark_symbol: string;
  venue_for: Record<string, string>;
  allow_cheaper_costs: boolean;
  /** An experiment's exposure every engine run is held to: a spec file, or an id in <data_dir>/experiments. */
  experiment_spec?: string;
  experiment_id?: string;
  /** Sharded runs: (blueprint, window) cells per shard, rounded to whole blueprints. */
  shard_cells: number;
}

export const WALKFORWARD_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['timeframe'],
  properties: {
    timeframe: { enum: [...TIMEFRAMES], description: 'the pipeline timeframe; every blueprint must use it' },
    mode: { enum: [...WINDOW_MODES], default: 'rolling', description: 'rolling: fixed-length train windows; anchored: train from the first bar' },
    train_days: { type: 'number', exclusiveMinimum: 0, default: 30, description: 'train window length, days (converted to bars)' },
    test_days: { type: 'number', exclusiveMinimum: 0, default: 15, description: 'out-of-sample test window length, days' },
    step_days: { type: 'number', exclusiveMinimum: 0, description: 'distance between window starts, days (default: test_days)' },
    last_window: {
      enum: ['partial', 'whole'], default: 'partial',
      description: 'partial: the data after the last whole test window (at least one day after a whole train window and the embargo) is traded as a shorter last test window; whole: it stays unused (summary unused_bars). Only when the test windows tile the period (step_days = test_days)',
    },
    embargo: {
      anyOf: [{ type: 'string', pattern: DURATION_PATTERN }, { const: 'auto' }], default: 'auto',
      description: 'time between train end and test start, a duration (1d; whole bars of the timeframe); auto = the longest holding period of any blueprint; a shorter one is refused',
    },
    embargo_bars: {
      anyOf: [{ type: 'integer', minimum: 0 }, { const: 'auto' }],
      description: 'the embargo in bars instead of a duration (then embargo must stay auto)',
    },
    top_k: { type: 'integer', minimum: 1, default: 10, description: 'blueprints selected per window (best train Sharpe)' },
    min_train_trades: { type: 'integer', minimum: 0, default: 5, description: 'round trips entered in the train window to be eligible' },
    min_train_sharpe: { type: 'number', default: 0, description: 'annualised train Sharpe a blueprint must exceed to be eligible' },
    train_sharpe_floor: {
      enum: ['expected_max', 'none'], default: 'expected_max',
      description: 'expected_max: a blueprint must also beat the annualised Sharpe the best of the window\'s skill-less candidates would show by luck (False Strategy theorem over the train days and the candidates with enough trades; summary windows[].train_sharpe_floor); none: min_train_sharpe only',
    },
    capital_usd: { type: 'number', exclusiveMinimum: 0, default: 100000, description: 'capital of the out-of-sample book (split equally among the selected blueprints)' },
    max_gross_leverage: { type: 'number', exclusiveMinimum: 0, default: 2, description: 'risk allocator cap on gross notional / equity per book' },
    cost_multipliers: {
      type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1, default: [0, 0.5, 1, 1.5, 2, 3],
      description: 'cost sensitivity: fees, slippage and impact scaled by each multiplier (funding and borrow unchanged)',
    },
    pbo_splits: { type: 'integer', minimum: 2, maximum: 16, default: 16, description: 'CSCV blocks S (even); reduced when the data has fewer than 2 S days' },
    benchmark_symbol: { type: 'string', default: 'BTCUSDT', description: 'buy-and-hold benchmark over the out-of-sample bars (first instrument if absent)' },
    venue_for: {
      type: 'object', additionalProperties: { type: 'string', pattern: IDENTIFIER_PATTERN }, default: { synthetic: 'binance' },
      description: 'fee venue (a key of venues in spec/costs.yaml) for a lake exchange that is not itself a priced venue (as in bridge)',
    },
    allow_cheaper_costs: {
      type: 'boolean', default: false,
      description: 'what-if only: evaluate blueprints under costs cheaper than (or incomparable with) the ones they were found under instead of refusing them; ' +
        'summary.json records cheaper_what_if and the report says it is not a validation (--allow-cheaper-costs)',
    },
    shard_cells: {
      type: 'integer', minimum: 1, default: 2000,
      description: 'shards (npm run all -- --sharded; docs/scale.md): about this many (blueprint, window) cells per shard, in whole blueprints (a blueprint\'s windows are slices of its one full-grid run, never split); the unsharded run computes the same groups one after the other',
    },
    experiment_spec: {
      type: 'string', minLength: 1,
      description: 'an ExperimentSpec file (YAML/JSON, relative to the project root or absolute): every engine run is held to its exposure (docs/experiments.md); unset: no experiment',
    },
    experiment_id: {
      type: 'string', minLength: 1,
      description: 'like experiment_spec, an experiment stored in <data_dir>/experiments/experiments.sqlite (exactly one of the two)',
    },
  },
} as const;
