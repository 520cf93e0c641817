/**
 * Classic strategies as blueprint templates (no separate engines): mean reversion, moving-average momentum and
 * pairs, and a small grid expander. Lookbacks and holds default to durations (`window: 1d`, `horizon: 4h`), which
 * are converted to bars of the blueprint's timeframe (1d = 288 bars at 5m, 24 at 1h), so a template means the same
 * strategy at every timeframe; the `*_bars` parameters still set bars directly (one of the two per length). A
 * duration that is not a whole number of bars is refused. Each template returns a validated blueprint whose id is
 * its content id; provenance records the template and every parameter in bars (the blueprint's timeframe beside).
 */
import { SpecError, formatValue } from '../errors.js';
import type { InstrumentKey } from '../market.js';
import { durationBars, type Timeframe } from '../timeframe.js';
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

/** z of the log close over window: long below -entry_z, short above entry_z, out when |z| <= exit_z. */
export const MEAN_REVERSION_DEFAULTS = {
  window: '1d',
  entry_z: 2,
  exit_z: 0.5,
  horizon: '4h',
  stop_loss_bps: 300,
} as const;

/** SMA(fast) vs SMA(slow) of the close: long while fast > slow, short while below; out at the next crossing. */
export const MOMENTUM_DEFAULTS = {
  fast: '4h',
  slow: '1d',
  horizon: '2d',
  stop_loss_bps: 300,
} as const;

/** Rolling-OLS hedged log spread of A on B (lib/dsl/pairs.ts). */
export const PAIRS_DEFAULTS = {
  hedge_window: '1w', // a hedge ratio that does not chase the noise of one day
  z_window: '1d',
  entry_z: 2,
  exit_z: 0.5,
  max_hold: '2d',
  stop_z: 4,
} as const;

/** Each template's lengths of time: duration parameter -> the bars parameter it resolves to. */
export const TEMPLATE_DURATIONS = {
  mean_reversion: { window: 'window_bars', horizon: 'horizon_bars' },
  momentum: { fast: 'fast_bars', slow: 'slow_bars', horizon: 'horizon_bars' },
  pairs: { hedge_window: 'hedge_window_bars', z_window: 'z_window_bars', max_hold: 'max_hold_bars' },
} as const satisfies Record<TemplateName, Record<string, string>>;

/** A template's parameters: numbers, durations (`1d`) for lengths of time, or the same lengths in `*_bars`. */
type ParamsOf<D, M extends Record<string, string>> =
  { [K in keyof D as D[K] extends number ? K : never]?: number } &
  { [K in keyof M]?: string } &
  { [K in keyof M as M[K]]?: number };

export type MeanReversionParams = TemplateCommon & { instrument: InstrumentKey } &
  ParamsOf<typeof MEAN_REVERSION_DEFAULTS, typeof TEMPLATE_DURATIONS.mean_reversion>;
export type MomentumParams = TemplateCommon & { instrument: InstrumentKey; trailing_stop_bps?: number } &
  ParamsOf<typeof MOMENTUM_DEFAULTS, typeof TEMPLATE_DURATIONS.momentum>;
export type PairsParams = TemplateCommon & { instruments: [InstrumentKey, InstrumentKey]; hedge_ratio?: number } &
  ParamsOf<typeof PAIRS_DEFAULTS, typeof TEMPLATE_DURATIONS.pairs>;

/**
 * The template's parameters in bars of the timeframe, in the defaults' key order with each duration key replaced
 * by its `*_bars` key: a `*_bars` value as given, else the duration given (or the default) converted. Both a
 * duration and its bars given, or a duration that is not whole bars, is a SpecError.
 */
export function resolveTemplateParams(template: TemplateName, p: object, tf: Timeframe): Record<string, number> {
  const defaults: Record<string, number | string> =
    template === 'mean_reversion' ? MEAN_REVERSION_DEFAULTS : template === 'momentum' ? MOMENTUM_DEFAULTS : PAIRS_DEFAULTS;
  const durations = TEMPLATE_DURATIONS[template] as Record<string, string>;
  const given = p as Record<string, unknown>;
  const out: Record<string, number> = {};
  const issues: string[] = [];
  for (const [k, def] of Object.entries(defaults)) {
    const barsKey = durations[k];
    if (barsKey === undefined) {
      const v = given[k];
      out[k] = v === undefined ? (def as number) : (v as number);
      continue;
    }
    const d = given[k];
    const b = given[barsKey];
    if (d !== undefined && b !== undefined) {
      issues.push(`template ${template}: give ${k} (a duration) or ${barsKey}, not both (${k} ${formatValue(d)}, ${barsKey} ${formatValue(b)})`);
      continue;
    }
    if (b !== undefined) {
      out[barsKey] = b as number;
      continue;
    }
    try {
      out[barsKey] = durationBars(String(d ?? def), tf, `template ${template} ${k}`);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: `lengths of a template must be whole ${tf} bars: change the duration or run a finer timeframe` });
  return out;
}

export function meanReversionBlueprint(p: MeanReversionParams): Blueprint {
  const q = resolveTemplateParams('mean_reversion', p, p.timeframe ?? '5m') as Record<keyof typeof MEAN_REVERSION_DEFAULTS | 'window_bars' | 'horizon_bars', number>;
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
  const q = resolveTemplateParams('momentum', p, p.timeframe ?? '5m') as Record<'fast_bars' | 'slow_bars' | 'horizon_bars' | 'stop_loss_bps', number>;
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
  const q = resolveTemplateParams('pairs', p, p.timeframe ?? '5m') as Record<'hedge_window_bars' | 'z_window_bars' | 'entry_z' | 'exit_z' | 'max_hold_bars' | 'stop_z', number>;
  const issues: string[] = [];
  if (p.hedge_ratio !== undefined && !(Number.isFinite(p.hedge_ratio) && p.hedge_ratio > 0)) issues.push(`hedge_ratio must be a positive number, was ${p.hedge_ratio}`);
  const strategy: BlueprintStrategy = { type: 'pairs', ...q, ...(p.hedge_ratio !== undefined ? { hedge_ratio: p.hedge_ratio } : {}) };
  const [a, b] = p.instruments;
  const name = `pairs ${a.symbol}/${b.symbol} ${p.hedge_ratio !== undefined ? `hedge=${p.hedge_ratio}` : `hedge${q.hedge_window_bars}`} z${q.z_window_bars} entry${q.entry_z} exit${q.exit_z}`;
  const params = p.hedge_ratio !== undefined ? { ...q, hedge_ratio: p.hedge_ratio } : q;
  return build('pairs', name, [a, b], strategy, p, params, issues);
}

type GridOf<P> = { [K in keyof P]?: NonNullable<P[K]>[] };
export type TemplateGridSpec =
  | { template: 'mean_reversion'; base: MeanReversionParams; grid?: GridOf<Omit<MeanReversionParams, keyof TemplateCommon | 'instrument'>> }
  | { template: 'momentum'; base: MomentumParams; grid?: GridOf<Omit<MomentumParams, keyof TemplateCommon | 'instrument'>> }
  | { template: 'pairs'; base: PairsParams; grid?: GridOf<Omit<PairsParams, keyof TemplateCommon | 'instruments'>> };

/** Every parameter a template accepts: its numbers, its durations and their `*_bars` (momentum: trailing_stop_bps; pairs: hedge_ratio). */
export function templateParamNames(template: TemplateName): string[] {
  const defaults = template === 'mean_reversion' ? MEAN_REVERSION_DEFAULTS : template === 'momentum' ? MOMENTUM_DEFAULTS : PAIRS_DEFAULTS;
  return [...Object.keys(defaults), ...Object.values(TEMPLATE_DURATIONS[template]), ...(template === 'momentum' ? ['trailing_stop_bps'] : template === 'pairs' ? ['hedge_ratio'] : [])];
}

/**
 * Every combination of the grid's values (keys in sorted order, values in the given order) applied over `base`,
 * one blueprint each, in that order. Unknown keys, empty or repeated values and combinations a template refuses
 * are all reported together in one SpecError.
 */
export function templateGrid(spec: TemplateGridSpec): Blueprint[] {
  const names = templateParamNames(spec.template);
  const durations = TEMPLATE_DURATIONS[spec.template] as Record<string, string>;
  const grid = (spec.grid ?? {}) as Record<string, (number | string)[] | undefined>;
  const keys = Object.keys(grid).sort();
  const issues: string[] = [];
  for (const k of keys) {
    const vals = grid[k];
    const kind = k in durations ? 'durations' : 'numbers';
    if (!names.includes(k)) issues.push(`grid.${k}: unknown parameter of ${spec.template} (parameters: ${names.join(', ')})`);
    else if (!Array.isArray(vals) || vals.length === 0 || vals.some((v) => typeof v !== (kind === 'durations' ? 'string' : 'number'))) {
      issues.push(`grid.${k}: must be a non-empty list of ${kind}, was ${formatValue(vals)}`);
    }
    else if (new Set(vals).size !== vals.length) issues.push(`grid.${k}: repeats a value (${vals.join(', ')}): the blueprints would be identical`);
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'fix the template grid' });
  let combos: Record<string, number | string>[] = [{}];
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
