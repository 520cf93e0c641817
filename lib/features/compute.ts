/**
 * Pass 2: every feature of a set for one instrument, in dependency order. Pure: the result depends only on the
 * instrument's inputs and the pass-1 universe, and the value at bar t only on bars 0..t and observations known by
 * close(t) (see families.ts), so truncating all inputs at a cut leaves every value at t <= cut bit-identical.
 */
import { DataError } from '../errors.js';
import { timeframeMs } from '../timeframe.js';
import { checkAscending } from './asof.js';
import { familyOf, type FeatureContext } from './families.js';
import { BAR_INPUTS, type BarField, type FeatureSet, type InstrumentSeries, type Universe } from './types.js';
import { buildUniverse, instrumentKeyId } from './universe.js';

export interface InstrumentFeatures {
  /** One column per feature, in spec order, aligned with the bars. */
  columns: Record<string, Float64Array>;
  /** Features whose input data this instrument lacks (all NaN), with the reason. */
  unavailable: Record<string, string>;
  /** The same features: the missing input as a data name ('open_interest', 'funding', ...). */
  needs: Record<string, string>;
}

/** Bar fields the set reads (the stage loads only these). */
export function requiredBarFields(set: FeatureSet): BarField[] {
  const need = new Set<BarField>();
  for (const f of set.features) {
    for (const b of familyOf(f.family).barFields) need.add(b);
    if (f.input !== undefined && (BAR_INPUTS as readonly string[]).includes(f.input)) need.add(f.input as BarField);
  }
  return BAR_INPUTS.filter((b) => need.has(b));
}

/** Pass 2 for one instrument; columns in spec order. See computeInstrumentFeaturesDetailed for availability. */
export function computeInstrumentFeatures(set: FeatureSet, series: InstrumentSeries, universe?: Universe): Record<string, Float64Array> {
  return computeInstrumentFeaturesDetailed(set, series, universe).columns;
}

export function computeInstrumentFeaturesDetailed(set: FeatureSet, series: InstrumentSeries, universe?: Universe): InstrumentFeatures {
  const id = instrumentKeyId(series.key);
  const ts = series.bars.ts_ms;
  const n = ts.length;
  checkAscending(ts, `${id} bars`, true);
  for (const f of requiredBarFields(set)) {
    const col = series.bars[f];
    if (!col || col.length !== n) throw new DataError(`${id}: bars.${f} has ${col?.length ?? 0} rows, ts_ms has ${n}`, { field: f });
  }
  for (const [what, cols] of [['funding', series.funding], ['open interest', series.openInterest], ['market caps', series.marketCap]] as const) {
    if (!cols) continue;
    checkAscending(cols.ts_ms, `${id} ${what}`, false);
    for (const [k, v] of Object.entries(cols)) {
      if ((v as Float64Array).length !== cols.ts_ms.length) throw new DataError(`${id} ${what}: ${k} has ${(v as Float64Array).length} rows, ts_ms has ${cols.ts_ms.length}`, { field: k });
    }
  }
  const cache = new Map<string, unknown>();
  const ctx: FeatureContext = {
    series,
    tfMs: timeframeMs(series.timeframe),
    length: n,
    universe,
    cached: <T>(key: string, make: () => T): T => {
      if (cache.has(key)) return cache.get(key) as T;
      const v = make();
      cache.set(key, v);
      return v;
    },
  };
  if (universe?.timeframe !== undefined && universe.timeframe !== series.timeframe) {
    throw new DataError(`${id} is ${series.timeframe} but the universe was built from ${universe.timeframe} bars`, { field: 'timeframe', value: series.timeframe });
  }
  const values = new Map<string, Float64Array>();
  const unavailable: Record<string, string> = {};
  const needs: Record<string, string> = {};
  for (const f of set.order) {
    let input: Float64Array | undefined;
    if (f.input !== undefined) input = values.get(f.input) ?? series.bars[f.input as BarField];
    const r = familyOf(f.family).compute(ctx, f.params, input);
    if (r.values.length !== n) throw new Error(`feature ${f.name}: ${r.values.length} values for ${n} bars`);
    values.set(f.name, r.values);
    if (r.unavailable) {
      unavailable[f.name] = r.unavailable;
      if (r.needs) needs[f.name] = r.needs;
    } else if (f.input !== undefined && unavailable[f.input] !== undefined) {
      // computed on a feature this instrument cannot have: as unavailable as its input
      unavailable[f.name] = `input ${f.input}: ${unavailable[f.input]}`;
      if (needs[f.input]) needs[f.name] = needs[f.input]!;
    }
  }
  // A family may hand back a shared intermediate (log_return's array is cached for rel_strength): copy any column
  // that is the same array as another, so callers can own every column.
  const columns: Record<string, Float64Array> = {};
  const seen = new Set<Float64Array>();
  for (const f of set.features) {
    let v = values.get(f.name)!;
    if (seen.has(v)) v = v.slice();
    seen.add(v);
    columns[f.name] = v;
  }
  return { columns, unavailable, needs };
}

/**
 * Both passes over in-memory series (convenience for tests and the look-ahead checker). Keyed by
 * `exchange/market/symbol`. All series must share one timeframe when the set has cross-sectional features.
 */
export async function computeAllFeatures(
  set: FeatureSet, seriesList: readonly InstrumentSeries[],
): Promise<Map<string, Record<string, Float64Array>>> {
  const universe = await buildUniverse(set, seriesList);
  const out = new Map<string, Record<string, Float64Array>>();
  for (const s of seriesList) {
    const id = instrumentKeyId(s.key);
    if (out.has(id)) throw new DataError(`instrument ${id} appears twice`, { field: 'key', value: id });
    out.set(id, computeInstrumentFeatures(set, s, universe));
  }
  return out;
}
