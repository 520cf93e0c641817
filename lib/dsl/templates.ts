/**
 * Classic strategies as blueprint templates (no separate engines): mean reversion, moving-average momentum and
 * pairs, with defaults for 5m crypto bars (288 bars = 1 day), and a small grid expander. Each template returns a
 * validated blueprint whose id is its content id; provenance records the template and every parameter.
 */
import { SpecError, formatValue } from '../errors.js';
import type { InstrumentKey } from '../market.js';
import type { Timeframe } from '../timeframe.js';
import { withId } from './id.js';
import { DEFAULT_SIZING } from './policies.js';
import type { Blueprint, BlueprintStrategy, Sizing, TemplateName } from './types.js';
import { validateBlueprint } from './validate.js';

export interface TemplateCommon {
  cost_digest: string;
  plan_hash: string;
  /** Default '5m'. */
  timeframe?: Timeframe;
  /** Default fixed_notional 10,000 (the bridge's notional). */
  sizing?: Sizing;
}

/** z of the log close over window_bars: long below -entry_z, short above entry_z, out when |z| <= exit_z. */
export const MEAN_REVERSION_DEFAULTS = {
  window_bars: 288, // 1 day of 5m bars
  entry_z: 2,
  exit_z: 0.5,
  horizon_bars: 48, // 4 h
  stop_loss_bps: 300,
} as const;
export type MeanReversionParams = TemplateCommon & { instrument: InstrumentKey } &
  Partial<Record<keyof typeof MEAN_REVERSION_DEFAULTS, number>>;

/** SMA(fast) vs SMA(slow) of the close: long while fast > slow, short while below; out at the next crossing. */
export const MOMENTUM_DEFAULTS = {
  fast_bars: 48, // 4 h
  slow_bars: 288, // 1 day
  horizon_bars: 576, // 2 days
  stop_loss_bps: 300,
} as const;
export type MomentumParams = TemplateCommon & { instrument: InstrumentKey; trailing_stop_bps?: number } &
  Partial<Record<keyof typeof MOMENTUM_DEFAULTS, number>>;

/** Rolling-OLS hedged log spread of A on B (lib/dsl/pairs.ts). */
export const PAIRS_DEFAULTS = {
  hedge_window_bars: 2016, // 1 week: a hedge ratio that does not chase the noise of one day
  z_window_bars: 288, // 1 day
  entry_z: 2,
  exit_z: 0.5,
  max_hold_bars: 576, // 2 days
  stop_z: 4,
} as const;
export type PairsParams = TemplateCommon & { instruments: [InstrumentKey, InstrumentKey] } &
  Partial<Record<keyof typeof PAIRS_DEFAULTS, number>>;

export function meanReversionBlueprint(p: MeanReversionParams): Blueprint {
  const q = { ...MEAN_REVERSION_DEFAULTS, ...defined(p, MEAN_REVERSION_DEFAULTS) };
  const issues: string[] = [];
  if (!(q.exit_z >= 0 && q.exit_z < q.entry_z)) issues.push(`exit_z must be in [0, entry_z = ${q.entry_z}), was ${q.exit_z}`);
  const z = `z_log_close_${q.window_bars}`;
  const strategy: BlueprintStrategy = {
    type: 'rule',
    indicators: [
      { name: 'log_close', kind: 'log_price', input: 'close' },
      { name: z, kind: 'zscore', input: 'log_close', window: q.window_bars },
    ],
    entries: [
      { when: { feature: z, op: '<', value: -q.entry_z }, side: 'long' },
      { when: { feature: z, op: '>', value: q.entry_z }, side: 'short' },
    ],
    exit: {
      horizon_bars: q.horizon_bars,
      stop_loss_bps: q.stop_loss_bps,
      when: { all: [{ feature: z, op: '>=', value: -q.exit_z }, { feature: z, op: '<=', value: q.exit_z }] },
    },
  };
  const name = `mean_reversion ${p.instrument.symbol} z${q.window_bars} entry${q.entry_z} exit${q.exit_z} h${q.horizon_bars}`;
  return build('mean_reversion', name, [p.instrument], strategy, p, q, issues);
}

export function momentumBlueprint(p: MomentumParams): Blueprint {
  const q = { ...MOMENTUM_DEFAULTS, ...defined(p, MOMENTUM_DEFAULTS) };
  const issues: string[] = [];
  if (!(q.fast_bars < q.slow_bars)) issues.push(`fast_bars must be below slow_bars (${q.slow_bars}), was ${q.fast_bars}`);
  const fast = `sma_close_${q.fast_bars}`;
  const slow = `sma_close_${q.slow_bars}`;
  const strategy: BlueprintStrategy = {
    type: 'rule',
    indicators: [
      { name: fast, kind: 'sma', input: 'close', window: q.fast_bars },
      { name: slow, kind: 'sma', input: 'close', window: q.slow_bars },
    ],
    entries: [
      { when: { feature: fast, op: '>', other_feature: slow }, side: 'long' },
      { when: { feature: fast, op: '<', other_feature: slow }, side: 'short' },
    ],
    exit: {
      horizon_bars: q.horizon_bars,
      stop_loss_bps: q.stop_loss_bps,
      ...(p.trailing_stop_bps !== undefined ? { trailing_stop_bps: p.trailing_stop_bps } : {}),
      when: {
        any: [
          { cross_above: { feature: fast, other_feature: slow } },
          { cross_below: { feature: fast, other_feature: slow } },
        ],
      },
    },
  };
  const params = p.trailing_stop_bps !== undefined ? { ...q, trailing_stop_bps: p.trailing_stop_bps } : q;
  const name = `momentum ${p.instrument.symbol} sma${q.fast_bars}/${q.slow_bars} h${q.horizon_bars}`;
  return build('momentum', name, [p.instrument], strategy, p, params, issues);
}

export function pairsBlueprint(p: PairsParams): Blueprint {
  const q = { ...PAIRS_DEFAULTS, ...defined(p, PAIRS_DEFAULTS) };
  const strategy: BlueprintStrategy = { type: 'pairs', ...q };
  const [a, b] = p.instruments;
  const name = `pairs ${a.symbol}/${b.symbol} hedge${q.hedge_window_bars} z${q.z_window_bars} entry${q.entry_z} exit${q.exit_z}`;
  return build('pairs', name, [a, b], strategy, p, q, []);
}

export type TemplateGridSpec =
  | { template: 'mean_reversion'; base: MeanReversionParams; grid?: Partial<Record<keyof typeof MEAN_REVERSION_DEFAULTS, number[]>> }
  | { template: 'momentum'; base: MomentumParams; grid?: Partial<Record<keyof typeof MOMENTUM_DEFAULTS | 'trailing_stop_bps', number[]>> }
  | { template: 'pairs'; base: PairsParams; grid?: Partial<Record<keyof typeof PAIRS_DEFAULTS, number[]>> };

/**
 * Every combination of the grid's values (keys in sorted order, values in the given order) applied over `base`,
 * one blueprint each, in that order. Unknown keys, empty or repeated values and combinations a template refuses
 * are all reported together in one SpecError.
 */
export function templateGrid(spec: TemplateGridSpec): Blueprint[] {
  const defaults: Record<string, unknown> = spec.template === 'mean_reversion' ? MEAN_REVERSION_DEFAULTS
    : spec.template === 'momentum' ? { ...MOMENTUM_DEFAULTS, trailing_stop_bps: 0 } : PAIRS_DEFAULTS;
  const grid = (spec.grid ?? {}) as Record<string, number[] | undefined>;
  const keys = Object.keys(grid).sort();
  const issues: string[] = [];
  for (const k of keys) {
    const vals = grid[k];
    if (!(k in defaults)) issues.push(`grid.${k}: unknown parameter of ${spec.template} (parameters: ${Object.keys(defaults).join(', ')})`);
    else if (!Array.isArray(vals) || vals.length === 0) issues.push(`grid.${k}: must be a non-empty list of numbers, was ${formatValue(vals)}`);
    else if (new Set(vals).size !== vals.length) issues.push(`grid.${k}: repeats a value (${vals.join(', ')}): the blueprints would be identical`);
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'fix the template grid' });
  let combos: Record<string, number>[] = [{}];
  for (const k of keys) combos = combos.flatMap((c) => grid[k]!.map((v) => ({ ...c, [k]: v })));
  const out: Blueprint[] = [];
  for (const c of combos) {
    try {
      const params = { ...spec.base, ...c } as never;
      out.push(
        spec.template === 'mean_reversion' ? meanReversionBlueprint(params)
          : spec.template === 'momentum' ? momentumBlueprint(params) : pairsBlueprint(params),
      );
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'drop the grid values the template refuses' });
  return out;
}

/** The numeric template parameters given in p (undefined ones dropped so the defaults apply). */
function defined<D extends Record<string, number>>(p: object, defaults: D): Partial<Record<keyof D, number>> {
  const out: Partial<Record<keyof D, number>> = {};
  for (const k of Object.keys(defaults) as (keyof D & string)[]) {
    const v = (p as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v as number;
  }
  return out;
}

function build(
  template: TemplateName, name: string, instruments: InstrumentKey[], strategy: BlueprintStrategy, common: TemplateCommon,
  params: Record<string, number>, issues: string[],
): Blueprint {
  const source = `template ${template} ${JSON.stringify(params)}`;
  if (issues.length > 0) throw new SpecError(issues.map((i) => `${source}: ${i}`), { hint: 'fix the template parameters' });
  const bp = withId({
    schema_version: 1,
    name,
    timeframe: common.timeframe ?? '5m',
    instruments: instruments.map((k) => ({ exchange: k.exchange, market: k.market, symbol: k.symbol })),
    strategy,
    sizing: common.sizing ?? DEFAULT_SIZING,
    cost_digest: common.cost_digest,
    provenance: { source: 'template', template, params: { ...params }, plan_hash: common.plan_hash },
  });
  return validateBlueprint(bp, { source, knownFeatures: new Set(), knownEvents: new Set() });
}
