/**
 * Feature families: the explicit registry of what spec/features may name. Each family declares its parameters
 * (a JSON schema checked by the spec loader), whether it takes an `input`, the bar fields and observation kinds it
 * reads, and how it is computed for one instrument. Formulas and units: README.md beside this file.
 *
 * Point in time: every value at bar t uses bars 0..t and observations with ts_ms <= close(t) = ts_t + tf only.
 */
import { boolean, integer, number, type SpecSchema } from '../spec/schema.js';
import { asOfIndex, asOfValues } from './asof.js';
import {
  logReturn, rollingMax, rollingMean, rollingMin, rollingStd, rollingSum, rollingZscore,
} from '../stats/rolling.js';
import type { BarField, InstrumentSeries, Universe } from './types.js';

// Globals read once: inside vm contexts (jest) every global lookup in a hot loop goes through an interceptor.
const { abs, sqrt, min, max, floor } = Math;
const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

/** What a family's compute function sees for one instrument. */
export interface FeatureContext {
  series: InstrumentSeries;
  /** Bar length in ms (close(t) = ts_ms[t] + tfMs). */
  tfMs: number;
  /** Number of bars. */
  length: number;
  /** Pass-1 aggregates; present when the set has cross-sectional features. */
  universe: Universe | undefined;
  /** Intermediates shared between features of one instrument (1-bar returns, true range, ...). */
  cached<T>(key: string, make: () => T): T;
}

export interface FamilyResult {
  values: Float64Array;
  /** Set when the instrument lacks the data this family needs (the column is all NaN), e.g. "no open interest". */
  unavailable?: string;
  /** With `unavailable`: the missing input as a data name (open_interest, funding, market_cap, reference_symbol). */
  needs?: string;
}

export type CrossKind = 'breadth' | 'market_cap' | 'reference';

export interface FamilyDef {
  name: string;
  /** One-line formula, as in README.md. */
  formula: string;
  units: string;
  /** JSON-schema properties of `params` (defaults filled by the spec loader). */
  params: Record<string, SpecSchema>;
  /** True when the feature reads `input` (a bar field or another feature). */
  input: boolean;
  /** Bar columns read (besides ts_ms and the input). */
  barFields: readonly BarField[];
  /** Cross-sectional aggregate needed from pass 1 (buildUniverse). */
  cross?: CrossKind;
  compute(ctx: FeatureContext, params: Record<string, unknown>, input: Float64Array | undefined): FamilyResult;
}

const HOUR_MS = 3_600_000;
/** 10^6: Amihud is quoted per million quote units. */
const PER_MILLION = 1e6;

const window = (what: string): SpecSchema => integer(`window: ${what} (bars)`, { minimum: 1, maximum: 10_000_000 });
const excludeCurrent = (): SpecSchema =>
  boolean('true: the window is bars t-n..t-1 (x_t against its past); false: bars t-n+1..t', { default: false });
const maxAge = (hours: number): SpecSchema =>
  number('an observation older than this at the bar close counts as missing (hours)', { exclusiveMinimum: 0, default: hours });
const minInstruments = (): SpecSchema =>
  integer('NaN at bars where fewer universe instruments have a value (instruments)', { minimum: 1, default: 3 });

const nOf = (p: Record<string, unknown>): number => p.n as number;
const exclOf = (p: Record<string, unknown>): boolean => p.exclude_current === true;
const ageMsOf = (p: Record<string, unknown>): number => (p.max_age_hours as number) * HOUR_MS;

function bar(ctx: FeatureContext, f: BarField): Float64Array {
  return ctx.series.bars[f];
}

/** Shared 1-bar log returns ln(close_t / close_{t-1}). */
function ret1(ctx: FeatureContext): Float64Array {
  return logRet(ctx, 1);
}

function logRet(ctx: FeatureContext, n: number): Float64Array {
  return ctx.cached(`log_return:${n}`, () => logReturn(bar(ctx, 'close'), n));
}

function allNaN(n: number): Float64Array {
  return new Float64Array(n).fill(NAN);
}

/** Grid index of each bar in the universe (-1 when off the grid or outside it). */
function universeIndex(ctx: FeatureContext, u: Universe): Int32Array {
  return ctx.cached('universe_index', () => {
    const ts = ctx.series.bars.ts_ms;
    const out = new Int32Array(ts.length);
    for (let i = 0; i < ts.length; i++) {
      const s = ts[i]! / u.tfMs;
      const k = s - u.slot0;
      out[i] = floor(s) === s && k >= 0 && k < u.length ? k : -1;
    }
    return out;
  });
}

function needUniverse(ctx: FeatureContext, family: string): Universe {
  if (!ctx.universe) throw new Error(`${family} is cross-sectional: computeInstrumentFeatures needs the universe from buildUniverse`);
  return ctx.universe;
}

/** `|r_t| / quote volume_t * 1e6` and an indicator of bars with quote volume > 0 (Amihud 2002 skips no-trade bars). */
function amihudTerms(ctx: FeatureContext): { term: Float64Array; traded: Float64Array } {
  return ctx.cached('amihud_terms', () => {
    const r = ret1(ctx);
    const qv = quoteVolume(ctx);
    const term = new Float64Array(ctx.length);
    const traded = new Float64Array(ctx.length);
    for (let t = 0; t < ctx.length; t++) {
      const q = qv[t]!;
      const a = abs(r[t]!);
      if (!(q >= 0) || q === INF || a !== a) {
        term[t] = NAN;
        traded[t] = NAN;
      } else if (q === 0) {
        term[t] = 0;
        traded[t] = 0;
      } else {
        term[t] = (a / q) * PER_MILLION;
        traded[t] = 1;
      }
    }
    return { term, traded };
  });
}

/** quote_volume, or close * volume where quote_volume is NaN (sources with OHLCV only). */
function quoteVolume(ctx: FeatureContext): Float64Array {
  return ctx.cached('quote_volume', () => {
    const qv = bar(ctx, 'quote_volume');
    const c = bar(ctx, 'close');
    const v = bar(ctx, 'volume');
    const out = new Float64Array(ctx.length);
    for (let t = 0; t < ctx.length; t++) out[t] = qv[t]! === qv[t]! ? qv[t]! : c[t]! * v[t]!;
    return out;
  });
}

/** True range max(high_t, close_{t-1}) - min(low_t, close_{t-1}); NaN at t = 0 and when any input is missing. */
function trueRange(ctx: FeatureContext): Float64Array {
  return ctx.cached('true_range', () => {
    const h = bar(ctx, 'high');
    const l = bar(ctx, 'low');
    const c = bar(ctx, 'close');
    const out = new Float64Array(ctx.length);
    if (ctx.length > 0) out[0] = NAN;
    for (let t = 1; t < ctx.length; t++) {
      const pc = c[t - 1]!;
      out[t] = max(h[t]!, pc) - min(l[t]!, pc); // NaN in, NaN out
    }
    return out;
  });
}

function ratioMinusOne(num: Float64Array, den: Float64Array): Float64Array {
  const out = new Float64Array(num.length);
  for (let t = 0; t < out.length; t++) {
    const d = den[t]!;
    out[t] = d > 0 ? num[t]! / d - 1 : NAN;
  }
  return out;
}

function fundingOf(ctx: FeatureContext) {
  const f = ctx.series.funding;
  return f && f.ts_ms.length > 0 ? f : undefined;
}

const NO_FUNDING = 'no funding settlements';
const NO_OI = 'no open interest';

/** The registry: every family spec/features may name. */
export const FAMILIES: readonly FamilyDef[] = [
  {
    name: 'log_return',
    formula: 'ln(close_t / close_{t-n})',
    units: 'log return (0.01 ~ +1%)',
    params: { n: window('return horizon') },
    input: false,
    barFields: ['close'],
    compute: (ctx, p) => ({ values: logRet(ctx, nOf(p)) }),
  },
  {
    name: 'realized_vol',
    formula: 'sqrt(sum_{i=t-n+1..t} r_i^2), r_i = ln(close_i / close_{i-1})',
    units: 'log return over n bars, not annualised',
    params: { n: window('bars of 1-bar returns') },
    input: false,
    barFields: ['close'],
    compute: (ctx, p) => {
      const r = ret1(ctx);
      const sq = new Float64Array(ctx.length);
      for (let t = 0; t < sq.length; t++) sq[t] = r[t]! * r[t]!;
      const s = rollingSum(sq, nOf(p));
      for (let t = 0; t < s.length; t++) s[t] = sqrt(s[t]!);
      return { values: s };
    },
  },
  {
    name: 'zscore',
    formula: '(x_t - mean(x over window)) / std(x over window), population std; NaN when std = 0',
    units: 'standard deviations',
    params: { n: window('bars'), exclude_current: excludeCurrent() },
    input: true,
    barFields: [],
    compute: (_ctx, p, x) => ({ values: rollingZscore(x!, nOf(p), { excludeCurrent: exclOf(p) }) }),
  },
  {
    name: 'mean',
    formula: 'mean(x over window)',
    units: 'units of the input',
    params: { n: window('bars'), exclude_current: excludeCurrent() },
    input: true,
    barFields: [],
    compute: (_ctx, p, x) => ({ values: rollingMean(x!, nOf(p), { excludeCurrent: exclOf(p) }) }),
  },
  {
    name: 'std',
    formula: 'population std (divisor n) of x over window',
    units: 'units of the input',
    params: { n: window('bars'), exclude_current: excludeCurrent() },
    input: true,
    barFields: [],
    compute: (_ctx, p, x) => ({ values: rollingStd(x!, nOf(p), { excludeCurrent: exclOf(p) }) }),
  },
  {
    name: 'volume_zscore',
    formula: 'zscore of volume (base units) over window',
    units: 'standard deviations',
    params: { n: window('bars'), exclude_current: excludeCurrent() },
    input: false,
    barFields: ['volume'],
    compute: (ctx, p) => ({ values: rollingZscore(bar(ctx, 'volume'), nOf(p), { excludeCurrent: exclOf(p) }) }),
  },
  {
    name: 'amihud',
    formula: 'mean over bars i in t-n+1..t with QV_i > 0 of |r_i| / QV_i * 1e6; QV = quote_volume, else close * volume',
    units: 'log return per million quote units (1/(1e6 quote))',
    params: { n: window('bars') },
    input: false,
    barFields: ['close', 'volume', 'quote_volume'],
    compute: (ctx, p) => {
      const { term, traded } = amihudTerms(ctx);
      const s = rollingSum(term, nOf(p));
      const k = rollingSum(traded, nOf(p));
      for (let t = 0; t < s.length; t++) s[t] = k[t]! > 0 ? s[t]! / k[t]! : NAN;
      return { values: s };
    },
  },
  {
    name: 'range',
    formula: '(high_t - low_t) / close_t',
    units: 'fraction of price',
    params: {},
    input: false,
    barFields: ['high', 'low', 'close'],
    compute: (ctx) => {
      const h = bar(ctx, 'high');
      const l = bar(ctx, 'low');
      const c = bar(ctx, 'close');
      const out = new Float64Array(ctx.length);
      for (let t = 0; t < out.length; t++) out[t] = c[t]! > 0 ? (h[t]! - l[t]!) / c[t]! : NAN;
      return { values: out };
    },
  },
  {
    name: 'atr',
    formula: 'mean(TR over t-n+1..t) / close_t, TR_i = max(high_i, close_{i-1}) - min(low_i, close_{i-1})',
    units: 'fraction of price',
    params: { n: window('bars') },
    input: false,
    barFields: ['high', 'low', 'close'],
    compute: (ctx, p) => {
      const m = rollingMean(trueRange(ctx), nOf(p));
      const c = bar(ctx, 'close');
      for (let t = 0; t < m.length; t++) m[t] = c[t]! > 0 ? m[t]! / c[t]! : NAN;
      return { values: m };
    },
  },
  {
    name: 'dist_high',
    formula: 'close_t / max(high over window) - 1',
    units: 'fraction (> 0: close above the window high)',
    params: { n: window('bars'), exclude_current: excludeCurrent() },
    input: false,
    barFields: ['high', 'close'],
    compute: (ctx, p) => ({
      values: ratioMinusOne(bar(ctx, 'close'), rollingMax(bar(ctx, 'high'), nOf(p), { excludeCurrent: exclOf(p) })),
    }),
  },
  {
    name: 'dist_low',
    formula: 'close_t / min(low over window) - 1',
    units: 'fraction (< 0: close below the window low)',
    params: { n: window('bars'), exclude_current: excludeCurrent() },
    input: false,
    barFields: ['low', 'close'],
    compute: (ctx, p) => ({
      values: ratioMinusOne(bar(ctx, 'close'), rollingMin(bar(ctx, 'low'), nOf(p), { excludeCurrent: exclOf(p) })),
    }),
  },
  {
    name: 'funding_level',
    formula: 'rate of the last settlement with ts <= close(t) (as-of)',
    units: 'rate per funding interval (0.0001 = 1 bp; > 0: longs pay)',
    params: { max_age_hours: maxAge(24) },
    input: false,
    barFields: [],
    compute: (ctx, p) => {
      const f = fundingOf(ctx);
      if (!f) return { values: allNaN(ctx.length), unavailable: NO_FUNDING, needs: 'funding' };
      return { values: asOfValues(ctx.series.bars.ts_ms, ctx.tfMs, f.ts_ms, f.funding_rate, ageMsOf(p)) };
    },
  },
  {
    name: 'funding_new',
    formula: '1 when a settlement has ts in (ts_t, close(t)], else 0; NaN before the first settlement is known',
    units: 'indicator (0/1)',
    params: {},
    input: false,
    barFields: [],
    compute: (ctx) => {
      const f = fundingOf(ctx);
      if (!f) return { values: allNaN(ctx.length), unavailable: NO_FUNDING, needs: 'funding' };
      const ts = ctx.series.bars.ts_ms;
      const atClose = asOfIndex(ts, ctx.tfMs, f.ts_ms);
      const atOpen = asOfIndex(ts, 0, f.ts_ms);
      const out = new Float64Array(ctx.length);
      for (let t = 0; t < out.length; t++) out[t] = atClose[t]! < 0 ? NAN : atClose[t]! > atOpen[t]! ? 1 : 0;
      return { values: out };
    },
  },
  {
    name: 'funding_zscore',
    formula: 'zscore of the settlement rate over the last n settlements (population std), as of close(t)',
    units: 'standard deviations',
    params: { n: window('settlements'), exclude_current: excludeCurrent(), max_age_hours: maxAge(24) },
    input: false,
    barFields: [],
    compute: (ctx, p) => {
      const f = fundingOf(ctx);
      if (!f) return { values: allNaN(ctx.length), unavailable: NO_FUNDING, needs: 'funding' };
      const z = rollingZscore(f.funding_rate, nOf(p), { excludeCurrent: exclOf(p) });
      return { values: asOfValues(ctx.series.bars.ts_ms, ctx.tfMs, f.ts_ms, z, ageMsOf(p)) };
    },
  },
  {
    name: 'oi_change',
    formula: 'ln(OI_t / OI_{t-n}), OI_t = open interest (base units) as of close(t)',
    units: 'log change',
    params: { n: window('bars'), max_age_hours: maxAge(24) },
    input: false,
    barFields: [],
    compute: (ctx, p) => {
      const oi = ctx.series.openInterest;
      if (!oi || oi.ts_ms.length === 0) return { values: allNaN(ctx.length), unavailable: NO_OI, needs: 'open_interest' };
      const age = ageMsOf(p);
      const level = ctx.cached(`oi_asof:${age}`, () => asOfValues(ctx.series.bars.ts_ms, ctx.tfMs, oi.ts_ms, oi.open_interest, age));
      return { values: logReturn(level, nOf(p)) };
    },
  },
  {
    name: 'breadth',
    formula: 'share of universe instruments with log_return_n > 0 at t, among those with a value',
    units: 'fraction in [0, 1]',
    params: { n: window('return horizon'), min_instruments: minInstruments() },
    input: false,
    barFields: [],
    cross: 'breadth',
    compute: (ctx, p) => {
      const u = needUniverse(ctx, 'breadth');
      const agg = u.breadth.get(nOf(p));
      if (!agg) throw new Error(`the universe has no breadth aggregates for n = ${nOf(p)}: build it from the same feature set`);
      const idx = universeIndex(ctx, u);
      const min = p.min_instruments as number;
      const out = new Float64Array(ctx.length);
      for (let t = 0; t < out.length; t++) {
        const k = idx[t]!;
        const v = k >= 0 ? agg.valid[k]! : 0;
        out[t] = v >= min ? agg.positive[k]! / v : NAN;
      }
      return { values: out };
    },
  },
  {
    name: 'btc_dominance',
    formula: 'reference symbol market cap / sum of market caps of distinct universe symbols (as of close(t))',
    units: 'fraction in [0, 1]',
    params: { min_instruments: minInstruments(), max_age_hours: maxAge(48) },
    input: false,
    barFields: [],
    cross: 'market_cap',
    compute: (ctx, p) => {
      const u = needUniverse(ctx, 'btc_dominance');
      const agg = u.marketCaps.get(ageMsOf(p));
      if (!agg) throw new Error('the universe has no market-cap aggregates for this max_age_hours: build it from the same feature set');
      const idx = universeIndex(ctx, u);
      const min = p.min_instruments as number;
      const out = new Float64Array(ctx.length);
      let any = false;
      for (let t = 0; t < out.length; t++) {
        const k = idx[t]!;
        if (k < 0 || agg.count[k]! < min) {
          out[t] = NAN;
          continue;
        }
        const r = agg.reference[k]!;
        const s = agg.sum[k]!;
        out[t] = r > 0 && s > 0 ? r / s : NAN;
        if (out[t] === out[t]) any = true;
      }
      return any ? { values: out } : { values: out, unavailable: 'no market caps for the reference and universe', needs: 'market_cap' };
    },
  },
  {
    name: 'rel_strength',
    formula: 'log_return_n(instrument) - log_return_n(reference) at t',
    units: 'log return difference',
    params: { n: window('return horizon') },
    input: false,
    barFields: ['close'],
    cross: 'reference',
    compute: (ctx, p) => {
      const u = needUniverse(ctx, 'rel_strength');
      const ref = u.referenceReturns.get(nOf(p));
      if (!ref) throw new Error(`the universe has no reference returns for n = ${nOf(p)}: build it from the same feature set`);
      const own = logRet(ctx, nOf(p));
      const idx = universeIndex(ctx, u);
      const out = new Float64Array(ctx.length);
      for (let t = 0; t < out.length; t++) {
        const k = idx[t]!;
        out[t] = k >= 0 ? own[t]! - ref[k]! : NAN;
      }
      return u.references.length > 0 ? { values: out } : { values: out, unavailable: 'no reference symbol in the universe', needs: 'reference_symbol' };
    },
  },
];

export const FAMILY_BY_NAME: ReadonlyMap<string, FamilyDef> = new Map(FAMILIES.map((f) => [f.name, f]));

export function familyOf(name: string): FamilyDef {
  const f = FAMILY_BY_NAME.get(name);
  if (!f) throw new Error(`unknown feature family ${JSON.stringify(name)}`);
  return f;
}
