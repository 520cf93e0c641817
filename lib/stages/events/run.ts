import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import {
  ColumnBuffers, LakeDb, listPartitions, groupPartitions, readPartitions, writeMonthlyPartitions, dictColumn, rowStrings, partitionColumns,
  type FoundPartition,
} from '../../lake/index.js';
import { digestJson } from '../../hash.js';
import { partitionsDigest, runShardsInProcess } from '../../stage/shard.js';
import { featuresTable, EVENTS_TABLE } from '../../lake/derived.js';
import { blockingFeatures, detectEvents, eventFeatures, loadEventSpecs, requiredFeatures, type EventSet, type EventVariant } from '../../events/index.js';
import { groupNotEvaluated, notEvaluatedWarnings, type NotEvaluated, type NotEvaluatedRow } from '../../features/availability.js';
import { DataError } from '../../errors.js';
import { readJsonIfExists, writeJsonAtomic } from '../../fsx.js';
import { FEATURES_INFO_FILE } from '../features/run.js';
import type { ShardSpec, StageContext, StageRunSummary } from '../../stage/definition.js';
import type { EventsParams } from './params.js';
import { EVENTS_INFO_FILE } from './files.js';

const INSTRUMENT_KEYS = ['exchange', 'market', 'symbol'] as const;
const WORKERS = 2;
/** Re-exported from ./files.ts (kept apart so readers of the files do not load this stage). */
export { EVENTS_INFO_FILE };

export interface EventsInfo {
  timeframe: string;
  instruments: number;
  counts: Record<string, number>;
  /**
   * Events that can never fire on some instruments because features they read are unavailable there, then (passed
   * on from the features stage) the features themselves, so discovery and the report see both.
   */
  not_evaluated: NotEvaluated[];
  /**
   * Per event, per instrument (exchange/market/symbol): occurrences kept and condition bars removed by the cooldown
   * (they fell within cooldown_bars of the previous occurrence). Read by the plan's feasibility report.
   */
  cooldown: Record<string, Record<string, { kept: number; removed: number }>>;
  /**
   * Every event: the spec entry it comes from and its variant dimensions (lib/events/variants.ts); an event without
   * `variants` is its own entry, direction both, its cooldown_bars.
   */
  variants: Record<string, EventVariant>;
}

/** What one instrument's events report to the reduce. */
export interface EventsShardResult {
  instrument: string;
  blocked: NotEvaluatedRow[];
  rows: number;
  counts: Record<string, number>;
  cooldown: Record<string, { kept: number; removed: number }>;
}

/** Per shard, read once by `list`: the instrument's features-partition groups and its unavailable features. */
interface EventsShardData {
  unavailable: [string, string][];
}

/** The feature columns present in any features file (the event specs are validated against them). */
interface EventsPrepared {
  known: string[];
}

/** Phase times of this process's shards, summed over instruments (two run at a time): logged by the unsharded run. */
const phases = { read_ms: 0, detect_ms: 0, write_ms: 0 };

/**
 * Per connection (one instrument at a time on each), the arrays an instrument's features are read into, kept for the
 * next instrument: nothing of an instrument's columns outlives its shard (the rows detected are new arrays).
 */
const readBuffers = new WeakMap<LakeDb, ColumnBuffers>();

const specCache = new Map<string, Promise<EventSet>>();
function eventSpecs(ctx: StageContext<EventsParams>, known: readonly string[]): Promise<EventSet> {
  const dir = join(ctx.specDir, 'events');
  const key = `${dir}\0${known.join(',')}`;
  let p = specCache.get(key);
  if (!p) specCache.set(key, (p = loadEventSpecs(dir, new Set(known))));
  return p;
}

async function featureParts(ctx: StageContext<EventsParams>): Promise<{ lake: string; parts: FoundPartition[] }> {
  const tf = ctx.params.timeframe;
  const lake = dirname(ctx.input('lake/features'));
  const parts = await listPartitions(lake, featuresTable([]), { timeframe: tf });
  if (parts.length === 0) {
    throw new DataError(`no features partitions for timeframe ${tf}`, { file: join(lake, 'features') }, {
      hint: `run the features stage with timeframe ${tf} first`,
    });
  }
  return { lake, parts };
}

/**
 * events in shards of one instrument; the reduce writes _events.json. The unsharded run is the same functions in
 * one process.
 */
export const eventsShards: ShardSpec<EventsParams, EventsPrepared, EventsShardResult | undefined> = {
  by: 'instrument',
  // Each features file's data is read once (its footer twice, from the OS cache): DuckDB's file cache only grew.
  fileCache: false,
  list: async (ctx) => {
    const { parts } = await featureParts(ctx);
    const { unavailable } = await unavailableFeatures(join(ctx.input('lake/features'), FEATURES_INFO_FILE));
    return [...groupPartitions(parts, INSTRUMENT_KEYS).values()].map((group) => {
      const label = INSTRUMENT_KEYS.map((k) => group[0]!.keys[k]).join('/');
      const data: EventsShardData = { unavailable: [...(unavailable.get(label) ?? new Map<string, string>())] };
      return { label, input_digest: digestJson([partitionsDigest(group), data]), data };
    });
  },
  prepare: async (ctx, _shards, db) => {
    const { lake, parts } = await featureParts(ctx);
    const columns = await partitionColumns(db, lake, parts);
    footerColumnsOf.set(ctx, columns);
    const known = new Set<string>();
    for (const cols of columns.values()) for (const c of cols) if (c !== 'ts_ms') known.add(c);
    await eventSpecs(ctx, [...known]); // a bad event spec fails here, before any shard starts
    return { known: [...known] };
  },
  runShard: async (ctx, shard, prepared, conn) => {
    if (ctx.signal.aborted) return undefined;
    const tf = ctx.params.timeframe;
    const lake = dirname(ctx.input('lake/features'));
    const out = dirname(ctx.output('lake/events'));
    await mkdir(ctx.output('lake/events'), { recursive: true });
    const set = await eventSpecs(ctx, prepared.known);
    const needed = requiredFeatures(set);
    const instrument = shard.label;
    const [exchange, market, symbol] = instrument.split('/') as [string, string, string];
    const group = await listPartitions(lake, featuresTable([]), { exchange, market, symbol, timeframe: tf });
    checkColumns(set, needed, instrument, group, await groupColumns(ctx, conn, lake, group), lake);
    const blocked: NotEvaluatedRow[] = [];
    const missing = new Map((shard.data as EventsShardData).unavailable);
    if (missing.size > 0) {
      for (const ev of set.events) {
        const via = blockingFeatures(ev, new Set(missing.keys()));
        if (via.length > 0) blocked.push({ kind: 'event', name: ev.name, family: ev.family, instrument, needs: via.map((f) => missing.get(f)!), via });
      }
    }
    let t0 = performance.now();
    let buffers = readBuffers.get(conn);
    if (!buffers) readBuffers.set(conn, (buffers = new ColumnBuffers()));
    const cols = await readPartitions(conn, lake, featuresTable(needed), group, ['ts_ms', ...needed], { buffers });
    phases.read_ms += performance.now() - t0;
    t0 = performance.now();
    const features: Record<string, Float64Array> = {};
    for (const f of needed) features[f] = cols[f] as Float64Array;
    let rows;
    try {
      rows = detectEvents(set, cols.ts_ms as Float64Array, features);
    } catch (e) {
      if (e instanceof DataError) throw new DataError(`${instrument} ${tf}: ${e.message}`, { file: join(lake, 'features') }, { hint: e.hint, cause: e });
      throw e;
    }
    phases.detect_ms += performance.now() - t0;
    t0 = performance.now();
    const keys = { exchange: group[0]!.keys.exchange!, market: group[0]!.keys.market!, symbol: group[0]!.keys.symbol!, timeframe: tf };
    const written = await writeMonthlyPartitions(conn, out, EVENTS_TABLE, keys, {
      ts_ms: rows.ts_ms,
      event: dictColumn(rows.event),
      family: dictColumn(rows.family),
      direction: rows.direction,
      attributes: rowStrings(rows.attributes), // nearly one value per row: no dictionary
    }, { tieBreak: ['event'] });
    phases.write_ms += performance.now() - t0;
    // rows per event: what the cooldown kept (detectEvents counts them), for the events that fired
    const counts: Record<string, number> = {};
    for (const [name, c] of Object.entries(rows.cooldown)) if (c.kept > 0) counts[name] = c.kept;
    return { instrument, blocked, rows: written.reduce((a, m) => a + m.rows, 0), counts, cooldown: rows.cooldown };
  },
  reduce: async (ctx, shards, results, prepared) => {
    const tf = ctx.params.timeframe;
    const set = await eventSpecs(ctx, prepared.known);
    await mkdir(ctx.output('lake/events'), { recursive: true });
    const { features: featuresNotEvaluated } = await unavailableFeatures(join(ctx.input('lake/features'), FEATURES_INFO_FILE));
    const blocked: NotEvaluatedRow[] = [];
    const counts = new Map(set.events.map((e) => [e.name, 0]));
    const cooldown: EventsInfo['cooldown'] = Object.fromEntries(set.events.map((e) => [e.name, {}]));
    let total = 0;
    for (const r of results) {
      if (r === undefined) continue;
      blocked.push(...r.blocked);
      total += r.rows;
      for (const [name, n] of Object.entries(r.counts)) counts.set(name, counts.get(name)! + n);
      for (const [name, c] of Object.entries(r.cooldown)) cooldown[name]![r.instrument] = c;
    }
    const n = shards.length;
    const notEvaluated = groupNotEvaluated(blocked, n);
    const nowhere = new Set(notEvaluated.filter((e) => e.instruments.length === n).map((e) => e.name));
    const silent = [...counts].filter(([name, k]) => k === 0 && !nowhere.has(name)).map(([name]) => name);
    const info: EventsInfo = { timeframe: tf, instruments: n, counts: Object.fromEntries(counts), not_evaluated: [...notEvaluated, ...featuresNotEvaluated],
      cooldown, variants: Object.fromEntries(set.events.map((e) => [e.name, e.variant ?? { of: e.name, direction: 'both' as const, cooldown_bars: e.cooldown_bars }])),
    };
    await writeJsonAtomic(join(ctx.output('lake/events'), EVENTS_INFO_FILE), info);
    const warnings = [
      ...notEvaluatedWarnings(notEvaluated),
      ...(silent.length > 0 ? [`events that never fired on any instrument: ${silent.join(', ')} (their conditions never held on this data: loosen them in spec/events if that is unexpected)`] : []),
    ];
    return {
      rows: { [EVENTS_TABLE.dir]: total },
      metrics: {
        instruments: n,
        events: set.events.length,
        ...Object.fromEntries([...counts].map(([name, k]) => [`events_${name}`, k])),
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  },
};

/** The events stage's work, loaded only when the stage runs. Two instruments at a time, one in memory each. */
export async function runEvents(ctx: StageContext<EventsParams>): Promise<StageRunSummary> {
  const summary = await runShardsInProcess(eventsShards, ctx, WORKERS, 'event timings');
  ctx.log.info(Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])), 'event phases (summed over instruments)');
  return summary;
}

/**
 * Column names per features file, as this run's `prepare` read them from every file's footer (one query), by run
 * context: a shard of the same run in the same process reuses them instead of reading its files' footers again (15
 * queries, ~0.15 s of CPU on the real lake); another run, even in the same process, reads its own.
 */
const footerColumnsOf = new WeakMap<object, Map<string, Set<string>>>();

/** The columns of the group's files: from this run's `prepare` when it ran in this process, else read. */
async function groupColumns(ctx: object, conn: LakeDb, lake: string, group: readonly FoundPartition[]): Promise<Map<string, Set<string>>> {
  const footerColumns = footerColumnsOf.get(ctx);
  if (!footerColumns) return partitionColumns(conn, lake, group);
  const known = new Map<string, Set<string>>();
  for (const p of group) {
    const file = join(lake, p.manifest.file);
    const cols = footerColumns.get(file);
    if (!cols) return partitionColumns(conn, lake, group);
    known.set(file, cols);
  }
  return known;
}

/**
 * Every file of the instrument must carry every feature its events read (`needed`: requiredFeatures(set)); else a
 * located error, for the first file, event and feature missing in that order. A file with every needed feature is
 * passed on one look per feature (the events' feature lists are only walked for a file that lacks one: they cost an
 * allocation or three per event and file, ~4,000 calls a run on the real lake, and a compilation of their own).
 */
function checkColumns(
  set: EventSet, needed: readonly string[], instrument: string, group: readonly FoundPartition[], columns: Map<string, Set<string>>, lake: string,
): void {
  for (const p of group) {
    const file = join(lake, p.manifest.file);
    const have = columns.get(file) ?? new Set<string>();
    if (needed.every((f) => have.has(f))) continue;
    for (const ev of set.events) {
      for (const f of eventFeatures(ev)) {
        if (have.has(f)) continue;
        throw new DataError(
          `instrument ${instrument} has no feature column ${f} (needed by event ${ev.name}, ${ev.source.file}:${ev.source.line}:${ev.source.col})`,
          { file, field: f },
          { hint: `add ${f} to spec/features and rerun the features stage, or remove it from event ${ev.name}` },
        );
      }
    }
  }
}

/**
 * instrument id -> (unavailable feature -> missing input), from the features stage's info file. A feature unavailable
 * for a reason without a named input counts as needing 'its input data'. No file (a lake from before it existed):
 * nothing is known to be unavailable.
 */
async function unavailableFeatures(file: string): Promise<{ unavailable: Map<string, Map<string, string>>; features: NotEvaluated[] }> {
  const out = new Map<string, Map<string, string>>();
  const info = await readJsonIfExists<{
    instruments?: { id: string; unavailable?: Record<string, string>; needs?: Record<string, string> }[];
    not_evaluated?: NotEvaluated[];
  }>(file);
  for (const inst of info?.instruments ?? []) {
    const m = new Map<string, string>();
    for (const f of Object.keys(inst.unavailable ?? {})) m.set(f, inst.needs?.[f] ?? 'its input data');
    if (m.size > 0) out.set(inst.id, m);
  }
  return { unavailable: out, features: info?.not_evaluated ?? [] };
}
