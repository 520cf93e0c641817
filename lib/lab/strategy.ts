/**
 * Lab strategies are the DSL templates (lib/dsl/templates.ts), never a second engine: `mean_reversion`,
 * `momentum` and `pairs_trading` (the `pairs` template). `--params` is `k=v,k=v` or a JSON object; a length of
 * time is a duration (`4h`, `1d`) or a bare whole number of bars (`fast=10` = `fast_bars=10`), so the examples of
 * the issue (`window=20`, `{"fast":10,"slow":30}`) mean bars of `--interval`. Aliases: `threshold` = `entry_z`
 * (mean reversion). Pairs take `partner=ETH-USDT` (leg B) and either the template's rolling OLS hedge
 * (`hedge_window`) or a fixed `hedge_ratio` (beta of B per unit of A, the same at every bar).
 */
import { meanReversionBlueprint, momentumBlueprint, pairsBlueprint, templateParamNames, TEMPLATE_DURATIONS } from '../dsl/index.js';
import type { Blueprint, Sizing, TemplateName } from '../dsl/index.js';
import { UsageError, formatValue } from '../errors.js';
import type { InstrumentKey } from '../market.js';
import { closestName } from '../text.js';
import type { Timeframe } from '../timeframe.js';

export const LAB_STRATEGIES = ['mean_reversion', 'momentum', 'pairs_trading'] as const;
export type LabStrategy = (typeof LAB_STRATEGIES)[number];

export const TEMPLATE_OF: Record<LabStrategy, TemplateName> = {
  mean_reversion: 'mean_reversion', momentum: 'momentum', pairs_trading: 'pairs',
};

const ALIASES: Partial<Record<LabStrategy, Record<string, string>>> = {
  mean_reversion: { threshold: 'entry_z' },
};

export function checkStrategy(name: string): LabStrategy {
  if ((LAB_STRATEGIES as readonly string[]).includes(name)) return name as LabStrategy;
  const near = closestName(name, LAB_STRATEGIES);
  throw new UsageError(`unknown strategy ${JSON.stringify(name)}`, {
    hint: `${near ? `did you mean --strategy ${near}? ` : ''}strategies: ${LAB_STRATEGIES.join(', ')}`,
  });
}

export type RawParams = Record<string, string | number>;

/** `k=v,k=v` or a JSON object of numbers and strings. Exit 2 on anything else. */
export function parseParamsText(text: string | undefined): RawParams {
  if (text === undefined || text.trim() === '') return {};
  const t = text.trim();
  if (t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new UsageError(`--params is not valid JSON: ${(e as Error).message}`, { hint: `write --params '{"fast":10,"slow":30}' or --params fast=10,slow=30` });
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError('--params JSON must be an object', { hint: `e.g. '{"fast":10,"slow":30}'` });
    const out: RawParams = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'number' && typeof x !== 'string') throw new UsageError(`--params ${k}: must be a number or a string, was ${formatValue(x)}`);
      out[k] = x;
    }
    return out;
  }
  const out: RawParams = {};
  for (const part of t.split(',')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--params: ${JSON.stringify(part)} is not key=value`, { hint: 'write --params window=20,threshold=1.5' });
    if (m[1]! in out) throw new UsageError(`--params: ${m[1]} is given twice`);
    const n = Number(m[2]);
    out[m[1]!] = m[2] !== '' && Number.isFinite(n) ? n : m[2]!;
  }
  return out;
}

export interface StrategyParams {
  /** Template parameters as the template functions take them (durations, `*_bars`, numbers). */
  template: Record<string, number | string>;
  /** Pairs: leg B as the user wrote it. */
  partner?: string;
}

/** Check every key against the template's parameters (did-you-mean), map aliases and bare-number lengths to bars. */
export function resolveStrategyParams(strategy: LabStrategy, raw: RawParams): StrategyParams {
  const template = TEMPLATE_OF[strategy];
  const names = templateParamNames(template);
  const durations = TEMPLATE_DURATIONS[template] as Record<string, string>;
  const aliases = ALIASES[strategy] ?? {};
  const extra = strategy === 'pairs_trading' ? ['partner'] : [];
  const known = [...names, ...Object.keys(aliases), ...extra];
  const out: StrategyParams = { template: {} };
  const set = (k: string, v: number | string, given: string): void => {
    if (k in out.template) throw new UsageError(`--params ${given}: sets ${k}, which is already given`, { hint: `give ${k} once` });
    out.template[k] = v;
  };
  for (const [k0, v] of Object.entries(raw)) {
    if (!known.includes(k0)) {
      const near = closestName(k0, known);
      throw new UsageError(`--params ${k0}: unknown parameter of ${strategy}`, {
        hint: `${near ? `did you mean ${near}? ` : ''}parameters: ${known.join(', ')}`,
      });
    }
    if (k0 === 'partner') {
      if (typeof v !== 'string') throw new UsageError(`--params partner: must be a symbol such as ETH-USDT, was ${formatValue(v)}`);
      out.partner = v;
      continue;
    }
    const k = aliases[k0] ?? k0;
    if (k in durations) {
      if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 1) throw new UsageError(`--params ${k0}: a length in bars must be a whole number >= 1, was ${v}`, { hint: `or a duration such as ${k0}=4h` });
        set(durations[k]!, v, k0);
      } else set(k, v, k0);
      continue;
    }
    if (typeof v !== 'number') throw new UsageError(`--params ${k0}: must be a number, was ${formatValue(v)}`);
    set(k, v, k0);
  }
  if (strategy === 'pairs_trading' && out.partner === undefined) {
    throw new UsageError('pairs_trading needs a partner (leg B)', { hint: 'e.g. --params partner=ETH-USDT' });
  }
  return out;
}

/**
 * The blueprint of a lab run: the template with the user's parameters at the run's interval, fixed-notional
 * sizing of --dollar-per-trade, bound to the digest of the costs it runs under. Template refusals (exit_z >=
 * entry_z, fast >= slow, a duration that is not whole bars) surface as the template's SpecError (exit 3).
 */
export function labBlueprint(o: {
  strategy: LabStrategy; params: StrategyParams; instruments: InstrumentKey[]; timeframe: Timeframe;
  notionalUsd: number; costDigest: string;
}): Blueprint {
  const sizing: Sizing = { method: 'fixed_notional', notional_usd: o.notionalUsd };
  const common = { cost_digest: o.costDigest, plan_hash: '0'.repeat(64), timeframe: o.timeframe, sizing };
  const p = o.params.template as never;
  if (o.strategy === 'mean_reversion') return meanReversionBlueprint({ ...common, ...(p as object), instrument: o.instruments[0]! });
  if (o.strategy === 'momentum') return momentumBlueprint({ ...common, ...(p as object), instrument: o.instruments[0]! });
  return pairsBlueprint({ ...common, ...(p as object), instruments: [o.instruments[0]!, o.instruments[1]!] });
}

/** `BTC-USDT`, `BTC/USDT`, `BTC/USDT:USDT` or `BTCUSDT` -> the lake symbol `BTCUSDT`. */
export function lakeSymbol(s: string): string {
  const base = s.split(':')[0]!;
  const sym = base.replace(/[-/_]/g, '').toUpperCase();
  if (!/^[A-Z0-9]{2,30}$/.test(sym)) {
    throw new UsageError(`--symbol ${JSON.stringify(s)} is not a symbol`, { hint: 'write BASE-QUOTE, e.g. BTC-USDT' });
  }
  return sym;
}

/** The ccxt symbol to download a lake symbol with (`BTCUSDT` on um -> `BTC/USDT:USDT`), for the ingest hint. */
export function ccxtSymbol(userSymbol: string, market: 'spot' | 'um' | 'cm'): string {
  const base = userSymbol.split(':')[0]!;
  const m = /^([A-Za-z0-9]+)[-/_]([A-Za-z0-9]+)$/.exec(base);
  const [b, q] = m ? [m[1]!.toUpperCase(), m[2]!.toUpperCase()] : [base.toUpperCase().replace(/USDT$/, ''), 'USDT'];
  return market === 'um' ? `${b}/${q}:${q}` : `${b}/${q}`;
}
