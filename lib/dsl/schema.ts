/**
 * JSON Schema (draft-07 keywords, closed objects, ajv strict as in lib/spec) of a blueprint. Conditions are only
 * required to be objects here: their language is checked by the events condition normaliser (validate.ts), which
 * gives better messages than a recursive schema. No defaults: the id hashes the blueprint exactly as written.
 */
import { MARKETS } from '../market.js';
import { IDENTIFIER_PATTERN } from '../paths.js';
import { integer, number, object, oneOfStrings, type SpecSchema } from '../spec/schema.js';
import { TIMEFRAMES } from '../timeframe.js';
import {
  ENTRY_SIDES, INDICATOR_KINDS, PROVENANCE_SOURCES, SIZING_METHODS, TEMPLATE_NAMES,
} from './types.js';

/** Indicator, event and exchange names: the one identifier pattern (lib/paths.ts). */
const NAME_PATTERN = IDENTIFIER_PATTERN;
const HEX64 = '^[0-9a-f]{64}$';

const condition = (what: string): SpecSchema => ({
  type: 'object',
  description: `${what}: a condition in the events condition language (lib/events/README.md) over lake features, ` +
    'indicators and bar columns; checked after the schema',
});

const bps = (what: string): SpecSchema =>
  number(`${what}, in bps of the average entry price (100 = 1%); below 10000 so the level stays above 0`, {
    exclusiveMinimum: 0, exclusiveMaximum: 10_000,
  });

const indicator = object('an indicator computed causally from a bar column, a feature or an earlier indicator', {
  name: { type: 'string', pattern: NAME_PATTERN, description: 'name used by conditions (unique, not a feature or bar column)' },
  kind: oneOfStrings(INDICATOR_KINDS, 'sma, ema, zscore (population std), rolling_std (population), log_price'),
  input: { type: 'string', minLength: 1, description: 'bar column (open, high, low, close, volume), lake feature or earlier indicator' },
  window: integer('trailing window in bars (not for log_price)', { minimum: 1 }),
}, { required: ['name', 'kind', 'input'] });

const entry = object('one entry rule: enter where the event fired and/or the condition is TRUE at the close of a bar', {
  event: { type: 'string', pattern: NAME_PATTERN, description: 'event name (lake/events)' },
  when: condition('entry condition'),
  side: oneOfStrings(ENTRY_SIDES, 'long, short, or follow/fade the event direction (needs an event)'),
}, { required: ['side'] });

const exit = object('exit policy: the first rule that triggers closes the position', {
  horizon_bars: integer('bars in position before a market exit (entry fill bar counts 1)', { minimum: 1 }),
  stop_loss_bps: bps('stop-loss distance'),
  take_profit_bps: bps('take-profit distance'),
  trailing_stop_bps: bps('trailing-stop distance from the best high (long) or low (short) since entry'),
  when: condition('exit condition (market exit at the next open where TRUE)'),
}, { required: ['horizon_bars'] });

const rule = object('rule strategy: entries on events and conditions, exits by horizon, stops and conditions', {
  type: { const: 'rule', description: 'rule strategy' },
  indicators: { type: 'array', items: indicator, description: 'indicators, computed in order' },
  entries: { type: 'array', minItems: 1, items: entry, description: 'entry rules; the first that fires at a bar wins' },
  exit,
}, { required: ['type', 'entries', 'exit'] });

const pairs = object('pairs strategy on two instruments: z-score of the rolling-OLS hedged log spread', {
  type: { const: 'pairs', description: 'pairs strategy' },
  hedge_window_bars: integer('bars of the rolling OLS of ln A on ln B', { minimum: 2 }),
  z_window_bars: integer('bars of the spread z-score window', { minimum: 2 }),
  entry_z: number('enter when |z| exceeds it', { exclusiveMinimum: 0 }),
  exit_z: number('exit when z has come back inside +-exit_z (or beyond, toward the other side)', { minimum: 0 }),
  max_hold_bars: integer('bars in position before a market exit', { minimum: 1 }),
  stop_z: number('exit when |z| exceeds it on the side of the position', { exclusiveMinimum: 0 }),
  hedge_ratio: number('a fixed hedge ratio (beta of B per unit of A) instead of the rolling OLS beta', { exclusiveMinimum: 0 }),
}, { required: ['type', 'hedge_window_bars', 'z_window_bars', 'entry_z', 'exit_z', 'max_hold_bars'] });

const sizing: SpecSchema = {
  type: 'object',
  description: 'position sizing, chosen by `method`',
  discriminator: { propertyName: 'method' },
  required: ['method'],
  properties: { method: oneOfStrings(SIZING_METHODS, 'sizing method') },
  oneOf: [
    object('fixed notional per entry (pairs: leg A; leg B is beta times it)', {
      method: { const: 'fixed_notional', description: 'fixed notional' },
      notional_usd: number('notional per entry in quote currency (USD-like)', { exclusiveMinimum: 0 }),
    }),
    object('volatility target: notional = equity * annual_vol / realised annual vol, capped by max_leverage', {
      method: { const: 'vol_target', description: 'volatility target' },
      annual_vol: number('target annualised volatility of the position (0.2 = 20%)', { exclusiveMinimum: 0 }),
      vol_window_bars: integer('bars of the trailing realised volatility of 1-bar log returns', { minimum: 2 }),
      max_leverage: number('cap on gross notional / equity', { exclusiveMinimum: 0 }),
    }),
    object('risk budget: notional = equity * risk_bps / exit.stop_loss_bps (needs a stop-loss)', {
      method: { const: 'risk_budget', description: 'risk budget' },
      risk_bps: number('equity risked per trade at the stop, in bps of equity', { exclusiveMinimum: 0, maximum: 10_000 }),
    }),
  ],
};

const provenance = object('where the blueprint came from', {
  source: oneOfStrings(PROVENANCE_SOURCES, 'bridge survivor or DSL template'),
  candidate_id: { type: 'string', pattern: '^c-[0-9a-f]{16}$', description: 'plan candidate id' },
  template_id: { type: 'string', pattern: '^tpl-[0-9a-f]{12}$', description: 'research template id' },
  template: oneOfStrings(TEMPLATE_NAMES, 'DSL template'),
  params: {
    type: 'object', description: 'template parameters',
    additionalProperties: { type: ['number', 'string', 'boolean'], description: 'parameter value' },
  },
  plan_hash: { type: 'string', pattern: HEX64, description: 'SHA-256 of candidate_plan.jsonl' },
  discovery: object('discovery statistics of the candidate', {
    n: integer('occurrences', { minimum: 0 }),
    mean_bps: number('mean forward log return in the expected direction, bps'),
    q: number('BH q-value', { minimum: 0, maximum: 1 }),
  }),
  bridge: object('bridge result of the candidate', {
    net_bps: number('mean net edge per round trip, bps'),
    ci_low_bps: number('lower bound of the bootstrap CI, bps'),
    ci_high_bps: number('upper bound of the bootstrap CI, bps'),
  }),
}, { required: ['source', 'plan_hash'] });

export const BLUEPRINT_SCHEMA: SpecSchema = {
  ...object('a blueprint: one tradeable strategy (lib/dsl/README.md)', {
    schema_version: { const: 1, description: 'blueprint format version' },
    id: { type: 'string', pattern: '^bp-[0-9a-f]{16}$', description: 'content id (blueprintId)' },
    name: { type: 'string', minLength: 1, description: 'human-readable name (not hashed)' },
    timeframe: oneOfStrings(TIMEFRAMES, 'bar size'),
    instruments: {
      type: 'array', minItems: 1, description: 'instruments traded (pairs: exactly 2, A then B)',
      items: object('an instrument', {
        exchange: { type: 'string', pattern: NAME_PATTERN, description: 'exchange id, lower case' },
        market: oneOfStrings(MARKETS, 'spot, um or cm'),
        symbol: { type: 'string', minLength: 1, description: 'symbol, e.g. BTCUSDT' },
      }),
    },
    strategy: {
      type: 'object',
      description: 'the strategy, chosen by `type`',
      discriminator: { propertyName: 'type' },
      required: ['type'],
      properties: { type: oneOfStrings(['rule', 'pairs'], 'strategy type') },
      oneOf: [rule, pairs],
    },
    sizing,
    cost_digest: { type: 'string', pattern: HEX64, description: 'digest of the cost config (lib/costs costDigest)' },
    provenance,
  }),
  title: 'blueprint',
};
