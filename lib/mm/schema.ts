/**
 * JSON Schemas of the market-making artifacts, and their validation (ajv, all errors). A run that would write a
 * metrics or risk file that does not match is a bug: validation throws before anything is written.
 */
import { Ajv, type ErrorObject } from 'ajv';

const num = { type: 'number' } as const;
const numOrNull = { type: ['number', 'null'] } as const;
const int = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;

const pnl = {
  type: 'object',
  required: ['spread_capture_usd', 'inventory_pnl_usd', 'fees_usd', 'funding_usd', 'liquidation_cost_usd', 'net_pnl_usd'],
  properties: {
    spread_capture_usd: num, inventory_pnl_usd: num, fees_usd: num, funding_usd: num,
    liquidation_cost_usd: { type: 'number', minimum: 0 }, net_pnl_usd: num,
    traded_notional_usd: { type: 'number', minimum: 0 }, net_bps_of_traded: numOrNull, spread_capture_bps_of_traded: numOrNull,
  },
  additionalProperties: false,
} as const;

export const MM_METRICS_SCHEMA = {
  $id: 'quantlab/mm/metrics.json',
  title: 'market-making backtest metrics',
  type: 'object',
  required: ['model', 'params', 'costs', 'fill_rule', 'bars', 'from_utc', 'to_utc', 'tick_size', 'pnl', 'touch_bound', 'fills', 'markout_next_bar', 'inventory', 'performance', 'intensity', 'not_modelled'],
  properties: {
    model: { enum: ['glft', 'as'] },
    params: { type: 'object' },
    costs: {
      type: 'object', required: ['maker_fee_bps', 'taker_fee_bps', 'slippage_bps', 'funding'],
      properties: { maker_fee_bps: num, taker_fee_bps: num, slippage_bps: num, funding: { type: 'boolean' } }, additionalProperties: false,
    },
    fill_rule: { const: 'trade_through_one_tick' },
    bars: int,
    from_utc: { type: ['string', 'null'] },
    to_utc: { type: ['string', 'null'] },
    tick_size: { type: 'number', exclusiveMinimum: 0 },
    pnl,
    touch_bound: { type: 'object', required: ['note', 'pnl', 'fills'], properties: { note: str, pnl, fills: int }, additionalProperties: false },
    fills: {
      type: 'object', required: ['total', 'buys', 'sells', 'quoted_sides', 'fill_rate'],
      properties: { total: int, buys: int, sells: int, quoted_sides: int, fill_rate: { type: 'number', minimum: 0, maximum: 1 } }, additionalProperties: false,
    },
    markout_next_bar: {
      type: 'object', required: ['fills_with_next_bar', 'mean_markout_bps', 'mean_mid_move_bps', 'note'],
      properties: { fills_with_next_bar: int, mean_markout_bps: numOrNull, mean_mid_move_bps: numOrNull, note: str }, additionalProperties: false,
    },
    inventory: {
      type: 'object', required: ['mean_lots', 'mean_abs_lots', 'std_lots', 'max_abs_lots', 'limit_lots', 'limit_hits_bars'],
      properties: { mean_lots: numOrNull, mean_abs_lots: numOrNull, std_lots: numOrNull, max_abs_lots: num, limit_lots: num, limit_hits_bars: int },
      additionalProperties: false,
    },
    performance: {
      type: 'object', required: ['days', 'capital_usd', 'mean_daily_pnl_usd', 'sharpe_annualized_daily', 'max_drawdown_usd'],
      properties: { days: int, capital_usd: num, mean_daily_pnl_usd: numOrNull, sharpe_annualized_daily: numOrNull, max_drawdown_usd: { type: 'number', minimum: 0 } },
      additionalProperties: false,
    },
    intensity: {
      type: 'object', required: ['source', 'A_per_s', 'k_per_bp', 'note', 'estimate'],
      properties: {
        source: { enum: ['trades', 'assumed'] }, A_per_s: { type: 'number', exclusiveMinimum: 0 }, k_per_bp: { type: 'number', exclusiveMinimum: 0 }, note: str,
        estimate: {
          type: ['object', 'null'],
          required: ['A_per_s', 'k_per_bp', 'k_per_price', 'ci95', 'se', 'starts', 'trades', 'horizon_s', 'deltas_bps', 'deltas_price', 'reference_mid'],
          properties: {
            A_per_s: num, k_per_bp: num, k_per_price: num, ci95: { type: 'object' }, se: { type: 'object' }, starts: int, trades: int, horizon_s: num,
            deltas_bps: { type: 'array', items: num }, deltas_price: { type: 'array', items: num }, reference_mid: num,
          },
        },
      },
      additionalProperties: false,
    },
    not_modelled: { type: 'array', items: str, minItems: 1 },
  },
  additionalProperties: false,
} as const;

export const MM_RISK_SCHEMA = {
  $id: 'quantlab/mm/risk_report.json',
  title: 'market-making risk report',
  type: 'object',
  required: ['inventory_limit_lots', 'inventory_limit_hits_bars', 'max_abs_inventory_lots', 'inventory_within_limit', 'inventory_pnl_per_bar', 'drawdown', 'kill_switch'],
  properties: {
    inventory_limit_lots: num, inventory_limit_hits_bars: int, max_abs_inventory_lots: num, inventory_within_limit: { type: 'boolean' },
    inventory_pnl_per_bar: {
      type: 'object', required: ['var95_usd', 'es95_usd', 'var99_usd', 'es99_usd', 'method'],
      properties: { var95_usd: numOrNull, es95_usd: numOrNull, var99_usd: numOrNull, es99_usd: numOrNull, method: str }, additionalProperties: false,
    },
    drawdown: { type: 'object', required: ['max_drawdown_usd', 'kill_drawdown_usd'], properties: { max_drawdown_usd: num, kill_drawdown_usd: num }, additionalProperties: false },
    kill_switch: {
      type: 'object', required: ['state', 'tripped_at_utc', 'drawdown_at_trip_usd', 'rule'],
      properties: { state: { enum: ['armed', 'tripped'] }, tripped_at_utc: { type: ['string', 'null'] }, drawdown_at_trip_usd: numOrNull, rule: str },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** The schema errors of `value` (empty when it validates), each as `/path: message`. */
export function schemaErrors(schema: typeof MM_METRICS_SCHEMA | typeof MM_RISK_SCHEMA, value: unknown): string[] {
  let v = validators.get(schema.$id);
  if (!v) validators.set(schema.$id, (v = ajv.compile(schema)));
  if (v(value)) return [];
  return (v.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
