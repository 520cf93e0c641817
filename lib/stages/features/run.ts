import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { LakeDb, TABLES, writeMonthlyPartitions } from '../../lake/index.js';
import {
  buildUniverse, computeInstrumentFeaturesDetailed, featureNames, featuresTable, familyOf, groupNotEvaluated, loadFeatureSpecs,
  needsUniverse, notEvaluatedWarnings, requiredBarFields, universeNeeds, type FeatureSet, type InstrumentSeries, type NotEvaluated,
  type Universe,
} from '../../features/index.js';
import { DataError } from '../../errors.js';
import { writeJsonAtomic } from '../../fsx.js';
import type { ShardSpec, StageContext, StageRunSummary } from '../../stage/definition.js';
import { partitionsDigest, runShardsInProcess } from '../../stage/shard.js';
import { listCleanedInstruments, readInstrumentSeries } from './load.js';
import type { FeaturesParams } from './params.js';
import { FEATURES_INFO_FILE } from './files.js';

const WORKERS = 2;
/** Re-exported from ./files.ts (kept apart so readers of the files do not load this stage). */
export { FEATURES_INFO_FILE };

export interface InstrumentStats {
  id: string;
  rows: number;
  first_ts_ms: number | null;
  last_ts_ms: number | null;
  nan: Record<string, number>;
  unavailable: Record<string, string>;
  /** Unavailable features: the missing input ('open_interest', ...). */
  needs: Record<string, string>;
}

/** What the features shards share: the feature set's cross-section (pass 1), when a feature reads it. */
export interface FeaturesPrepared {
  universe: Universe | undefined;
}

const specCache = new Map<string, Promise<FeatureSet>>();
function featureSpecs(ctx: StageContext<FeaturesParams>): Promise<FeatureSet> {
  const dir = join(ctx.specDir, 'features');
  let p = specCache.get(dir);
  if (!p) specCache.set(dir, (p = loadFeatureSpecs(dir)));
  return p;
}

function instrumentKey(label: string): { exchange: string; market: string; symbol: string } {
  const [exchange, market, symbol] = label.split('/') as [string, string, string];
  return { exchange, market, symbol };
}

/**
 * features in shards of one instrument. Pass 1 (the cross-section: breadth, reference returns, market caps) needs
 * every instrument and is the prepare step; pass 2 computes and writes one instrument per shard; the reduce writes
 * _features.json. The unsharded run is the same functions in one process.
 */
export const featuresShards: ShardSpec<FeaturesParams, FeaturesPrepared, InstrumentStats | undefined> = {
  by: 'instrument',
  threads: 1,
  // no DuckDB file cache: it kept every instrument's cleaned files read by the cross-section and the shards to the
  // end (peak 470 -> 390 MB at 50 symbols x 2 years, 308 -> 315 MB at 5; the second read of a file comes from the page
  // cache; issue 12)
  fileCache: false,
  list: async (ctx) => {
    const tf = ctx.params.timeframe;
    const lake = dirname(ctx.input('lake/cleaned'));
    const instruments = await listCleanedInstruments(lake, tf);
    if (instruments.length === 0) {
      throw new DataError(`no cleaned bars of timeframe ${tf}`, { file: join(lake, TABLES.cleanBars.dir) }, {
        hint: `run clean with timeframe ${tf} (or add it to clean.extra_timeframes) first`,
      });
    }
    return instruments.map((i) => ({ label: i.id, input_digest: partitionsDigest([...i.bars, ...i.funding, ...i.openInterest, ...i.marketCap]) }));
  },
  prepare: async (ctx, _shards, db) => {
    const tf = ctx.params.timeframe;
    const set = await featureSpecs(ctx);
    if (!needsUniverse(set)) return { universe: undefined };
    const lake = dirname(ctx.input('lake/cleaned'));
    const instruments = await listCleanedInstruments(lake, tf);
    const needs = universeNeeds(set);
    // One instrument at a time, close (and market caps) only.
    const stream = async function* (): AsyncGenerator<InstrumentSeries> {
      for (const inst of instruments) {
        if (ctx.signal.aborted) return;
        yield await readInstrumentSeries(db, lake, inst, tf, {
          barFields: ['close'], funding: false, openInterest: false, marketCap: needs.marketCaps.length > 0,
        });
      }
    };
    const universe = await buildUniverse(set, stream());
    ctx.log.info({ members: universe.members.length, references: universe.references, grid_bars: universe.length }, 'cross-section built');
    return { universe };
  },
  runShard: async (ctx, shard, prepared, conn) => {
    if (ctx.signal.aborted) return undefined;
    const tf = ctx.params.timeframe;
    const set = await featureSpecs(ctx);
    const names = featureNames(set);
    const lake = dirname(ctx.input('lake/cleaned'));
    const out = dirname(ctx.output('lake/features'));
    const [inst] = await listCleanedInstruments(lake, tf, instrumentKey(shard.label));
    if (!inst) throw new DataError(`${shard.label}: no cleaned bars of timeframe ${tf}`, { file: join(lake, TABLES.cleanBars.dir) }, { hint: 'the cleaned lake changed after the shards were listed: run again' });
    const families = new Set(set.features.map((f) => f.family));
    const s = await readInstrumentSeries(conn, lake, inst, tf, {
      barFields: requiredBarFields(set),
      funding: ['funding_level', 'funding_new', 'funding_zscore'].some((f) => families.has(f)),
      openInterest: families.has('oi_change'),
      marketCap: false,
    });
    const r = computeInstrumentFeaturesDetailed(set, s, prepared.universe);
    const ts = s.bars.ts_ms;
    await writeMonthlyPartitions(conn, out, featuresTable(names), { ...inst.key, timeframe: tf }, { ts_ms: ts, ...r.columns });
    const nan: Record<string, number> = {};
    for (const name of names) {
      const col = r.columns[name]!;
      let k = 0;
      for (let i = 0; i < col.length; i++) if (col[i] !== col[i]) k++;
      nan[name] = k;
    }
    return {
      id: inst.id, rows: ts.length, first_ts_ms: ts.length ? ts[0]! : null, last_ts_ms: ts.length ? ts[ts.length - 1]! : null,
      nan, unavailable: r.unavailable, needs: r.needs,
    };
  },
  reduce: async (ctx, _shards, stats, prepared) => {
    const tf = ctx.params.timeframe;
    const set = await featureSpecs(ctx);
    const names = featureNames(set);
    const table = featuresTable(names);
    const universe = prepared.universe;
    const outDir = ctx.output('lake/features');
    await mkdir(outDir, { recursive: true });
    const completed = stats.filter((x): x is InstrumentStats => x !== undefined);
    const rows = completed.reduce((a, x) => a + x.rows, 0);
    const nanShare: Record<string, number> = {};
    for (const name of names) nanShare[name] = rows ? round6(completed.reduce((a, x) => a + x.nan[name]!, 0) / rows) : 1;
    const notEvaluated = featuresNotEvaluated(names, completed);
    const warnings = [...notEvaluatedWarnings(notEvaluated), ...unavailableWarnings(names, completed)];
    await writeJsonAtomic(join(outDir, FEATURES_INFO_FILE), {
      timeframe: tf,
      features: set.features.map((f) => ({
        name: f.name, family: f.family, params: f.params, ...(f.input !== undefined ? { input: f.input } : {}),
        description: f.description, formula: familyOf(f.family).formula, units: familyOf(f.family).units,
      })),
      cross_section: crossSectionInfo(set, universe),
      rows,
      nan_share: nanShare,
      instruments: completed.map(({ nan: _nan, ...x }) => x),
      // features an instrument cannot have (its input data is absent): read by the events stage
      not_evaluated: notEvaluated,
    });
    return {
      rows: { [table.dir]: rows },
      metrics: {
        instruments: completed.length,
        features: names.length,
        ...(universe ? { universe_members: universe.members.length, reference: universe.references.join(',') || 'none' } : {}),
        ...Object.fromEntries(names.map((n) => [`nan_share_${n}`, nanShare[n]!])),
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  },
};

/** The features stage's work, loaded only when the stage runs: pass 1, then two instruments at a time (2 cores). */
export async function runFeatures(ctx: StageContext<FeaturesParams>): Promise<StageRunSummary> {
  return runShardsInProcess(featuresShards, ctx, WORKERS, 'feature timings');
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Features whose input data is absent, per feature and missing input, with the instruments concerned. */
function featuresNotEvaluated(names: readonly string[], stats: readonly InstrumentStats[]): NotEvaluated[] {
  const rows = stats.flatMap((s) => names.filter((n) => s.needs[n] !== undefined).map((n) => ({
    kind: 'feature' as const, name: n, instrument: s.id, needs: [s.needs[n]!],
  })));
  return groupNotEvaluated(rows, stats.length);
}

/**
 * Unavailable features without a known missing input (the others are said "not evaluated: needs ..."):
 * "x: unavailable for 15 of 15 instruments (reason)".
 */
function unavailableWarnings(names: readonly string[], stats: readonly InstrumentStats[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const byReason = new Map<string, number>();
    for (const s of stats) {
      const r = s.unavailable[name];
      if (r !== undefined && s.needs[name] === undefined) byReason.set(r, (byReason.get(r) ?? 0) + 1);
    }
    for (const [reason, k] of byReason) out.push(`${name}: unavailable for ${k} of ${stats.length} instruments (${reason})`);
  }
  return out;
}

function crossSectionInfo(set: FeatureSet, u: Universe | undefined) {
  return {
    universe: set.cross_section.universe,
    reference_symbols: set.cross_section.reference_symbols,
    members: u?.members ?? [],
    references_found: u?.references ?? [],
  };
}
