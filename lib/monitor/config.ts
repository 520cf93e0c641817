/**
 * The monitor's config (spec/monitor/config.yaml) and experiments (experiments/<category>/<id>.yaml): JSON Schemas
 * validated by the one spec loader (located errors, unknown keys with did-you-mean), and the experiment merge:
 *  - MSM mode (`category_path: msm`, or starting with `msm/`): the universe comes from `target.short_leg` (basket size,
 *    min market cap, min volume, weighting) ranked by market cap, alt filters are off, `target.long_leg.weights` fixes
 *    the majors leg, `state_mapping` is deep-merged into `regime`, `backtest` deep-merged; rebalance every
 *    `backtest.rebalance_days`.
 *  - regular mode: `state_mapping` is deep-merged into `regime.composite` (thresholds, n_regimes, labels),
 *    `backtest` deep-merged; alts ranked by trailing volume with the optional filters; trades only in the regimes
 *    `backtest.direction_by_regime` gives a direction.
 * The merged config is validated again (a merge can produce a bad combination) and written to the run manifest.
 */
import { readFile } from 'node:fs/promises';
import { loadSpecFile, validateSpecValue } from '../spec/loader.js';
import { parseLocated, type LocatedYaml } from '../spec/located.js';
import { findNode, positionOf } from '../spec/locate.js';
import { SpecError } from '../errors.js';

export const FEATURE_NAMES = [
  'alt_breadth_up', 'alt_breadth_above_mean', 'btc_dominance', 'btc_dominance_change', 'alt_rel_momentum', 'dispersion',
  'funding_spread', 'oi_change', 'btc_vol', 'alt_vol',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface MonitorConfig {
  data: {
    timeframe: string;
    exchanges: string[];
    markets: ('spot' | 'um' | 'cm')[];
    cap_exchanges: string[];
    coin_map: string;
    exclusions: string;
  };
  universe: {
    btc: string[];
    eth: string[];
    exclude_assets: string[];
    min_history_days: number;
    selection: 'volume' | 'mcap';
    basket_size: number;
    min_market_cap_usd: number;
    min_volume_usd: number;
    volume_days: number;
    filters: { max_vol_annual: number | null; max_corr_btc: number | null; min_momentum: number | null; window_days: number };
  };
  features: { lookback_days: number; burn_in_days: number; breadth_mean_days: number; momentum_days: number; vol_days: number; oi_change_days: number };
  regime: {
    composite: { weights: Record<FeatureName, number>; n_regimes: number; thresholds: number[]; labels: string[] };
    hysteresis: { band: number; min_dwell_days: number };
  };
  costs: { file: string; exchange: string };
  backtest: {
    capital_usd: number;
    rebalance_days: number;
    direction_by_regime: Record<string, number>;
    weighting: 'equal' | 'mcap';
    long_leg: { weights: { btc: number; eth: number } };
    gross_per_side: number;
    max_gross: number;
    neutrality: 'beta' | 'dollar';
    beta: { window_days: number; shrinkage: number; min_obs: number };
    max_name_weight: number;
    vol_target: { enabled: boolean; annual: number; window_days: number; max_scale: number };
    max_drawdown_stop: number | null;
    stop_cooldown_days: number;
    walk_forward: { enabled: boolean; lookback_window_days: number; test_window_days: number; band_grid: number[] };
  };
  evaluation: { horizons_days: number[]; bootstrap_reps: number; seed: number; level: number };
  outputs: { dashboard: boolean };
}

export interface Experiment {
  experiment_id: string;
  category_path: string;
  description?: string;
  target?: {
    short_leg?: { basket_size?: number; min_market_cap_usd?: number; min_volume_usd?: number; weighting?: 'equal' | 'mcap' };
    long_leg?: { weights?: { btc?: number; eth?: number } };
  };
  state_mapping?: Record<string, unknown>;
  backtest?: Record<string, unknown>;
}

const num = (description: string, extra: object = {}) => ({ type: 'number', description, ...extra });
const int = (description: string, extra: object = {}) => ({ type: 'integer', description, ...extra });
const obj = (properties: Record<string, unknown>, extra: object = {}) => ({ type: 'object', additionalProperties: false, properties, ...extra });
const strs = (description: string) => ({ type: 'array', items: { type: 'string' }, description });
const SYMBOL = { type: 'string', pattern: '^[A-Z0-9]+$' };
const nullableNum = (description: string) => ({ type: ['number', 'null'], description, default: null });

const weights = obj(Object.fromEntries(FEATURE_NAMES.map((f) => [f, num(`weight of z(${f}) in the composite score`, { default: 0 })])), { default: {} });

export const MONITOR_CONFIG_SCHEMA = obj({
  data: obj({
    timeframe: { enum: ['1d'], default: '1d', description: 'bars read from lake/cleaned (clean with extra_timeframes [1d])' },
    exchanges: { ...strs('exchanges whose bars are read, in preference order (empty = any)'), default: [] },
    markets: { type: 'array', items: { enum: ['spot', 'um', 'cm'] }, default: ['spot', 'um'], description: 'market preference when a symbol trades on several' },
    cap_exchanges: { ...strs('lake exchanges holding market caps, preference order'), default: ['coingecko', 'synthetic'] },
    coin_map: { type: 'string', default: 'spec/monitor/coin_map.v1.yaml' },
    exclusions: { type: 'string', default: 'spec/monitor/stablecoins.v1.yaml' },
  }, { default: {} }),
  universe: obj({
    btc: { type: 'array', items: SYMBOL, minItems: 1, default: ['BTCUSDT', 'SYN01USDT', 'SYN001USDT'], description: 'BTC symbol candidates; the first in the lake is used' },
    eth: { type: 'array', items: SYMBOL, minItems: 1, default: ['ETHUSDT', 'SYN02USDT', 'SYN002USDT'], description: 'ETH symbol candidates' },
    exclude_assets: { type: 'array', items: SYMBOL, default: [], description: 'symbols never traded or counted (besides the stablecoin list)' },
    min_history_days: int('days of prices an alt needs before it can enter a basket', { minimum: 1, default: 30 }),
    selection: { enum: ['volume', 'mcap'], default: 'volume', description: 'rank alts by trailing USD volume (regular) or market cap (MSM)' },
    basket_size: int('N alts in the basket', { minimum: 1, default: 5 }),
    min_market_cap_usd: num('alts below this market cap (as of the rebalance) are not eligible', { minimum: 0, default: 0 }),
    min_volume_usd: num('alts below this trailing mean daily USD volume are not eligible', { minimum: 0, default: 0 }),
    volume_days: int('trailing days for the volume rank', { minimum: 1, default: 30 }),
    filters: obj({
      max_vol_annual: nullableNum('drop alts whose trailing annualised vol exceeds this (regular mode)'),
      max_corr_btc: nullableNum('drop alts whose trailing correlation to BTC exceeds this'),
      min_momentum: nullableNum('drop alts whose trailing log return is below this'),
      window_days: int('window of the filters', { minimum: 2, default: 30 }),
    }, { default: {} }),
  }, { default: {} }),
  features: obj({
    lookback_days: int('z-score window', { minimum: 5, default: 90 }),
    burn_in_days: int('no z-score before this many days of history', { minimum: 1, default: 30 }),
    breadth_mean_days: int('N of "% of alts above their N-day mean"', { minimum: 2, default: 20 }),
    momentum_days: int('window of relative momentum and dominance change', { minimum: 1, default: 14 }),
    vol_days: int('window of realized vols', { minimum: 2, default: 20 }),
    oi_change_days: int('window of the open-interest change', { minimum: 1, default: 7 }),
  }, { default: {} }),
  regime: obj({
    composite: obj({
      weights,
      n_regimes: int('number of labels', { minimum: 2, maximum: 9, default: 5 }),
      thresholds: { type: 'array', items: { type: 'number' }, default: [-1, -0.3, 0.3, 1], description: 'ascending score cut points, n_regimes - 1 of them' },
      labels: { type: 'array', items: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' }, default: ['STRONG_RISK_ON_MAJORS', 'RISK_ON_MAJORS', 'BALANCED', 'RISK_ON_ALTS', 'STRONG_RISK_ON_ALTS'], description: 'lowest score first' },
    }, { default: {} }),
    hysteresis: obj({
      band: num('score must cross a cut point by this much to change label', { minimum: 0, default: 0.15 }),
      min_dwell_days: int('a label is kept at least this many days', { minimum: 1, default: 5 }),
    }, { default: {} }),
  }, { default: {} }),
  costs: obj({
    file: { type: 'string', default: 'spec/costs.yaml', description: 'the project cost config (lib/costs)' },
    exchange: { type: 'string', default: 'binance', description: 'venue of spec/costs.yaml whose fees apply (synthetic bars are priced as this venue)' },
  }, { default: {} }),
  backtest: obj({
    capital_usd: num('book size for impact (participation = traded USD / day volume)', { exclusiveMinimum: 0, default: 1_000_000 }),
    rebalance_days: int('basket and weights refreshed every N days (and on a direction change)', { minimum: 1, default: 7 }),
    direction_by_regime: { type: 'object', additionalProperties: { enum: [-1, 0, 1] }, default: { STRONG_RISK_ON_ALTS: 1, RISK_ON_ALTS: 1, RISK_ON_MAJORS: -1, STRONG_RISK_ON_MAJORS: -1 }, description: '+1 long alts / short majors, -1 the reverse, 0 or absent flat' },
    weighting: { enum: ['equal', 'mcap'], default: 'equal' },
    long_leg: obj({ weights: obj({ btc: num('BTC share of the majors leg', { minimum: 0, default: 1 }), eth: num('ETH share', { minimum: 0, default: 0 }) }, { default: {} }) }, { default: {} }),
    gross_per_side: num('gross of the alt leg (fraction of capital)', { exclusiveMinimum: 0, default: 0.5 }),
    max_gross: num('cap on total gross after neutralisation', { exclusiveMinimum: 0, default: 1.5 }),
    neutrality: { enum: ['beta', 'dollar'], default: 'beta' },
    beta: obj({
      window_days: int('rolling OLS window', { minimum: 5, default: 60 }),
      shrinkage: num('lambda: beta = (1 - lambda) OLS + lambda * 1', { minimum: 0, maximum: 1, default: 0.3 }),
      min_obs: int('fewer paired returns: beta = 1 (the prior)', { minimum: 3, default: 20 }),
    }, { default: {} }),
    max_name_weight: num('per-name cap on |weight| (alts)', { exclusiveMinimum: 0, default: 0.2 }),
    vol_target: obj({
      enabled: { type: 'boolean', default: true },
      annual: num('target annualised vol of the book', { exclusiveMinimum: 0, default: 0.2 }),
      window_days: int('trailing window of realised vol', { minimum: 5, default: 30 }),
      max_scale: num('cap on the scale factor', { exclusiveMinimum: 0, default: 2 }),
    }, { default: {} }),
    max_drawdown_stop: nullableNum('flatten when drawdown from the peak exceeds this fraction'),
    stop_cooldown_days: int('days flat after a stop', { minimum: 1, default: 30 }),
    walk_forward: obj({
      enabled: { type: 'boolean', default: false },
      lookback_window_days: int('train window', { minimum: 30, default: 180 }),
      test_window_days: int('test window', { minimum: 5, default: 30 }),
      band_grid: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1, default: [0, 0.15, 0.3], description: 'hysteresis bands tried on each train window' },
    }, { default: {} }),
  }, { default: {} }),
  evaluation: obj({
    horizons_days: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [1, 7] },
    bootstrap_reps: int('stationary bootstrap replicates', { minimum: 100, default: 1000 }),
    seed: int('bootstrap seed', { default: 1 }),
    level: num('CI level', { exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 }),
  }, { default: {} }),
  outputs: obj({ dashboard: { type: 'boolean', default: true } }, { default: {} }),
}, { title: 'monitor config' });

export const EXPERIMENT_SCHEMA = obj({
  experiment_id: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
  category_path: { type: 'string', pattern: '^[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)*$' },
  description: { type: 'string' },
  target: obj({
    short_leg: obj({
      basket_size: int('N alts by market cap', { minimum: 1 }),
      min_market_cap_usd: num('', { minimum: 0 }),
      min_volume_usd: num('', { minimum: 0 }),
      weighting: { enum: ['equal', 'mcap'] },
    }),
    long_leg: obj({ weights: obj({ btc: num('', { minimum: 0 }), eth: num('', { minimum: 0 }) }) }),
  }),
  state_mapping: { type: 'object' },
  backtest: { type: 'object' },
}, { required: ['experiment_id', 'category_path'], title: 'monitor experiment' });

export const isMsm = (e: Experiment | undefined): boolean => e !== undefined && (e.category_path === 'msm' || e.category_path.startsWith('msm/'));

function isPlain(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Deep merge: objects merge key by key, anything else (arrays included) is replaced. Inputs are not modified. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlain(base) || !isPlain(over)) return (over === undefined ? structuredClone(base) : structuredClone(over)) as T;
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out as T;
}

export async function loadMonitorConfig(file: string): Promise<MonitorConfig> {
  return checkSemantics(await loadSpecFile<MonitorConfig>(file, MONITOR_CONFIG_SCHEMA), file);
}

/** The parsed experiment YAML of each loaded experiment, to put errors found after the merge at their line. */
const experimentYaml = new WeakMap<Experiment, LocatedYaml>();

export async function loadExperiment(file: string): Promise<Experiment> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return loadSpecFile<Experiment>(file, EXPERIMENT_SCHEMA); // its located "cannot read" error
  }
  const { value, yaml } = parseLocated<Experiment>(text, file, EXPERIMENT_SCHEMA);
  experimentYaml.set(value, yaml);
  return value;
}

/** Where a resolved-config path came from in the experiment (by mode), when the experiment sets it. */
function experimentPath(segs: readonly string[], msm: boolean): string[] | undefined {
  const [a, b, ...rest] = segs;
  if (a === 'backtest' && b === 'long_leg' && msm) return ['target', 'long_leg', ...rest];
  if (a === 'backtest' && b === 'weighting' && msm) return ['target', 'short_leg', 'weighting'];
  if (a === 'backtest') return segs.slice();
  if (a === 'regime' && !msm) return b === 'composite' ? ['state_mapping', ...rest] : undefined;
  if (a === 'regime') return ['state_mapping', ...segs.slice(1)];
  if (a === 'universe' && msm && b !== undefined && ['basket_size', 'min_market_cap_usd', 'min_volume_usd'].includes(b)) return ['target', 'short_leg', b];
  return undefined;
}

/** The resolved config: base with the experiment merged in by mode, validated again. */
export function resolveConfig(base: MonitorConfig, exp: Experiment | undefined, source: string): { config: MonitorConfig; mode: 'msm' | 'regular' } {
  if (!exp) return { config: base, mode: 'regular' };
  let c = structuredClone(base);
  if (isMsm(exp)) {
    const s = exp.target?.short_leg ?? {};
    c.universe = { ...c.universe, selection: 'mcap', filters: { ...c.universe.filters, max_vol_annual: null, max_corr_btc: null, min_momentum: null } };
    if (s.basket_size !== undefined) c.universe.basket_size = s.basket_size;
    if (s.min_market_cap_usd !== undefined) c.universe.min_market_cap_usd = s.min_market_cap_usd;
    if (s.min_volume_usd !== undefined) c.universe.min_volume_usd = s.min_volume_usd;
    if (s.weighting !== undefined) c.backtest.weighting = s.weighting;
    if (exp.target?.long_leg?.weights) c.backtest.long_leg.weights = { btc: 0, eth: 0, ...exp.target.long_leg.weights };
    if (exp.state_mapping) c.regime = deepMerge(c.regime, exp.state_mapping);
  } else {
    if (exp.state_mapping) c.regime.composite = deepMerge(c.regime.composite, exp.state_mapping);
  }
  if (exp.backtest) {
    c.backtest = deepMerge(c.backtest, exp.backtest);
    // a label -> direction map is replaced whole: merging would keep directions for labels the experiment removed
    if (isPlain(exp.backtest.direction_by_regime)) c.backtest.direction_by_regime = structuredClone(exp.backtest.direction_by_regime) as Record<string, number>;
  }
  // the base config was valid on its own, so what fails now came from the experiment: reported at its line
  const y = experimentYaml.get(exp);
  const locate = (segs: readonly string[], anchor: 'value' | 'key') => {
    const e = y ? experimentPath(segs, isMsm(exp)) : undefined;
    if (!y || !e || !findNode(y.doc, e.slice(0, 1)).complete) return undefined;
    return positionOf(y.doc, y.lc, e, anchor);
  };
  c = validateSpecValue<MonitorConfig>(c, source, MONITOR_CONFIG_SCHEMA, locate);
  return { config: checkSemantics(c, `${source} (merged)`), mode: isMsm(exp) ? 'msm' : 'regular' };
}

function checkSemantics(c: MonitorConfig, file: string): MonitorConfig {
  const issues: string[] = [];
  const r = c.regime.composite;
  if (r.thresholds.length !== r.n_regimes - 1) issues.push(`${file} regime.composite.thresholds: needs n_regimes - 1 = ${r.n_regimes - 1} cut points, was ${JSON.stringify(r.thresholds)}`);
  if (r.labels.length !== r.n_regimes) issues.push(`${file} regime.composite.labels: needs n_regimes = ${r.n_regimes} labels, was ${JSON.stringify(r.labels)}`);
  for (let i = 1; i < r.thresholds.length; i++) if (!(r.thresholds[i]! > r.thresholds[i - 1]!)) issues.push(`${file} regime.composite.thresholds: must be strictly ascending, was ${JSON.stringify(r.thresholds)}`);
  if (new Set(r.labels).size !== r.labels.length) issues.push(`${file} regime.composite.labels: duplicate label, was ${JSON.stringify(r.labels)}`);
  for (const k of Object.keys(c.backtest.direction_by_regime)) {
    if (!r.labels.includes(k)) issues.push(`${file} backtest.direction_by_regime.${k}: not a regime label (labels: ${r.labels.join(', ')})`);
  }
  const lw = c.backtest.long_leg.weights;
  if (!(lw.btc + lw.eth > 0)) issues.push(`${file} backtest.long_leg.weights: BTC and ETH weights sum to 0, was ${JSON.stringify(lw)}`);
  if (Object.values(r.weights).every((w) => w === 0)) issues.push(`${file} regime.composite.weights: every weight is 0, the score would be constant`);
  if (issues.length > 0) throw new SpecError(issues, { hint: `fix ${file} and rerun` });
  return c;
}
