/**
 * ExperimentSpec, ExposureSpec and MetricSpec: the JSON Schema (validated with ajv by lib/spec/loader.ts, which is
 * the one place defaults are filled) and the TypeScript types. Rules that span several fields (one stop kind, scope
 * against hold, notional against the learning book, catalog names) live in lib/experiments/rules.ts.
 */
import { boolean, integer, number, object, oneOfStrings, type SpecSchema } from '../spec/schema.js';
import { METRIC_UNITS, type MetricUnit } from './catalog.js';

export const EXPERIMENT_STATUSES = ['draft', 'running', 'paused', 'invalidated', 'ready_for_exploitation'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export const SCOPES = ['micro', 'meso', 'macro'] as const;
export type Scope = (typeof SCOPES)[number];

export const ENTRY_STYLES = ['taker', 'maker', 'post_only'] as const;
export type EntryStyle = (typeof ENTRY_STYLES)[number];

export const AGGREGATIONS = ['mean', 'median', 'p95', 'sum', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const DIRECTIONS = ['lower_better', 'higher_better', 'band'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Regime labels (bull/bear/range/high_vol/mixed), the vocabulary of `regime_filters`. */
export const REGIMES = ['bull', 'bear', 'range', 'high_vol', 'mixed'] as const;
export type Regime = (typeof REGIMES)[number];

export const DEFAULT_MAX_SLIPPAGE_BPS = 25;
export const DEFAULT_MIN_SAMPLES = 30;

export interface ExposureSpec {
  scope: Scope;
  /** Positions are force-closed after this many minutes. */
  max_hold_minutes: number;
  max_trades_per_day: number;
  /** Exactly one of stop_distance_pct / stop_distance_atr (rules.ts). */
  stop_distance_pct?: number;
  stop_distance_atr?: number;
  max_notional_usd: number;
  max_slippage_bps: number;
  allow_short: boolean;
  entry_style: EntryStyle;
}

export interface MetricSpec {
  name: string;
  unit: MetricUnit;
  aggregation: Aggregation;
  min_samples: number;
  /** A number for lower_better / higher_better; [low, high] (inclusive) for band. */
  pass_threshold: number | [number, number];
  direction: Direction;
}

export interface ExperimentSpec {
  id: string;
  status: ExperimentStatus;
  question: string;
  hypothesis: string;
  owner: string;
  book: 'learning';
  target_symbols: string[];
  trigger_categories: string[];
  risk_budget_pct: number;
  exposure: ExposureSpec;
  metrics: MetricSpec[];
  regime_filters: Regime[];
  tags: string[];
  created_at?: string;
  updated_at?: string;
}

const nonEmptyString = (description: string): SpecSchema => ({ type: 'string', minLength: 1, description });
const ISO_UTC = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$';

export const exposureSchema: SpecSchema = object('the risk footprint the experiment may use', {
  scope: oneOfStrings(SCOPES, 'time scale: micro (hold <= 60 min), meso (60..720 min), macro (>= 720 min)'),
  max_hold_minutes: integer('positions are force-closed after this many minutes', { minimum: 1 }),
  max_trades_per_day: integer('entries per UTC day, at most', { minimum: 1 }),
  stop_distance_pct: number('stop distance from entry, percent of the entry price (exactly one stop kind)', { minimum: 0 }),
  stop_distance_atr: number('stop distance from entry, in ATRs (exactly one stop kind)', { minimum: 0 }),
  max_notional_usd: number('largest position notional, USD', { exclusiveMinimum: 0 }),
  max_slippage_bps: number('orders whose expected slippage exceeds this are blocked, bps', { minimum: 0, default: DEFAULT_MAX_SLIPPAGE_BPS }),
  allow_short: boolean('whether short entries are allowed', { default: false }),
  entry_style: oneOfStrings(ENTRY_STYLES, 'taker = market orders; maker and post_only = limit orders (post_only never crosses)'),
}, { required: ['scope', 'max_hold_minutes', 'max_trades_per_day', 'max_notional_usd', 'entry_style'] });

export const metricSchema: SpecSchema = object('one deciding metric', {
  name: nonEmptyString('a metric name of the catalog (lib/experiments/catalog.ts)'),
  unit: oneOfStrings(METRIC_UNITS, 'unit of the metric (must match the catalog)'),
  aggregation: oneOfStrings(AGGREGATIONS, 'how the per-sample values are aggregated'),
  min_samples: integer('fewer samples than this = "insufficient" (never a pass)', { minimum: 1, default: DEFAULT_MIN_SAMPLES }),
  pass_threshold: {
    description: 'a number (lower_better: value <= it, higher_better: value >= it) or [low, high] for band (inclusive)',
    type: ['number', 'array'],
    items: { type: 'number', description: 'band edge, in the metric unit' },
    minItems: 2,
    maxItems: 2,
  },
  direction: oneOfStrings(DIRECTIONS, 'which side of pass_threshold passes'),
});

export const experimentSchema: SpecSchema = object('an experiment: one falsifiable question, its footprint and deciding metrics', {
  id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'experiment id: lower-case letters, digits, _ . -' },
  status: oneOfStrings(EXPERIMENT_STATUSES, 'lifecycle status (changed only through audited transitions)', { default: 'draft' }),
  question: nonEmptyString('the one falsifiable question'),
  hypothesis: nonEmptyString('the expected answer and why'),
  owner: nonEmptyString('who is responsible'),
  book: { type: 'string', const: 'learning', default: 'learning', description: 'the book the experiment trades in' },
  target_symbols: {
    type: 'array', minItems: 1, uniqueItems: true, description: 'symbols traded (e.g. BTCUSDT)',
    items: { type: 'string', pattern: '^[A-Z0-9]{2,30}$', description: 'exchange symbol' },
  },
  trigger_categories: {
    type: 'array', uniqueItems: true, default: [], description: 'event families that may trigger an entry',
    items: nonEmptyString('event family'),
  },
  risk_budget_pct: number('share of the learning book budget the experiment may put at risk, percent', { exclusiveMinimum: 0, maximum: 100 }),
  exposure: exposureSchema,
  metrics: { type: 'array', minItems: 1, description: 'the metrics that decide the question', items: metricSchema },
  regime_filters: {
    type: 'array', uniqueItems: true, default: [], description: 'regimes in which entries are allowed (empty = all)',
    items: oneOfStrings(REGIMES, 'regime label'),
  },
  tags: { type: 'array', uniqueItems: true, default: [], description: 'free labels', items: nonEmptyString('tag') },
  created_at: { type: 'string', pattern: ISO_UTC, description: 'set by the store, ISO 8601 UTC' },
  updated_at: { type: 'string', pattern: ISO_UTC, description: 'set by the store, ISO 8601 UTC' },
}, { required: ['id', 'question', 'hypothesis', 'owner', 'target_symbols', 'risk_budget_pct', 'exposure', 'metrics'] });

/** The learning book's configuration (experiments/learning_book.yaml). */
export interface LearningBookConfig {
  learning_book_enabled: boolean;
  daily_budget_usd: number;
}

export const learningBookSchema: SpecSchema = object('the learning book experiments trade in', {
  learning_book_enabled: boolean('experiments may start only while this is true'),
  daily_budget_usd: number('the book budget for one day, USD; every max_notional_usd must fit in it', { exclusiveMinimum: 0 }),
});
