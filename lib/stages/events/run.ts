import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  LakeDb, listPartitions, groupPartitions, readPartitions, writeMonthlyPartitions, dictColumn, partitionColumns,
  type FoundPartition,
} from '../../lake/index.js';
import { featuresTable, EVENTS_TABLE } from '../../lake/derived.js';
import { blockingFeatures, detectEvents, eventFeatures, loadEventSpecs, requiredFeatures, type EventSet, type EventVariant } from '../../events/index.js';
import { groupNotEvaluated, notEvaluatedWarnings, type NotEvaluated, type NotEvaluatedRow } from '../../features/availability.js';
import { DataError } from '../../errors.js';
import { readJsonIfExists, writeJsonAtomic } from '../../fsx.js';
import { FEATURES_INFO_FILE } from '../features/run.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import type { EventsParams } from './params.js';

const INSTRUMENT_KEYS = ['exchange', 'market', 'symbol'] as const;
/** Beside the event partitions: counts and the events that could not be evaluated (read by discovery). */
export const EVENTS_INFO_FILE = '_events.json';

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

/** The events stage's work, loaded only when the stage runs. One instrument in memory at a time. */
export async function runEvents(ctx: StageContext<EventsParams>): Promise<StageRunSummary> {
  const tf = ctx.params.timeframe;
  const lake = dirname(ctx.input('lake/features'));
  const out = dirname(ctx.output('lake/events'));
  await mkdir(ctx.output('lake/events'), { recursive: true });
  const db = await LakeDb.open({ threads: 2 });
  try {
    const parts = await listPartitions(lake, featuresTable([]), { timeframe: tf });
    if (parts.length === 0) {
      throw new DataError(`no features partitions for timeframe ${tf}`, { file: join(lake, 'features') }, {
        hint: `run the features stage with timeframe ${tf} first`,
      });
    }
    const columns = await partitionColumns(db, lake, parts);
    const known = new Set<string>();
    for (const cols of columns.values()) for (const c of cols) if (c !== 'ts_ms') known.add(c);
    const set = await loadEventSpecs(join(ctx.specDir, 'events'), known);
    const needed = requiredFeatures(set);
    const { unavailable, features: featuresNotEvaluated } = await unavailableFeatures(join(ctx.input('lake/features'), FEATURES_INFO_FILE));
    const blocked: NotEvaluatedRow[] = [];
    const counts = new Map(set.events.map((e) => [e.name, 0]));
    const cooldown: EventsInfo['cooldown'] = Object.fromEntries(set.events.map((e) => [e.name, {}]));
    const groups = [...groupPartitions(parts, INSTRUMENT_KEYS).values()];
    let total = 0;
    let done = 0;
    for (const group of groups) {
      if (ctx.signal.aborted) break;
      const instrument = INSTRUMENT_KEYS.map((k) => group[0]!.keys[k]).join('/');
      checkColumns(set, instrument, group, columns, lake);
      const missing = unavailable.get(instrument);
      if (missing) {
        for (const ev of set.events) {
          const via = blockingFeatures(ev, new Set(missing.keys()));
          if (via.length > 0) blocked.push({ kind: 'event', name: ev.name, family: ev.family, instrument, needs: via.map((f) => missing.get(f)!), via });
        }
      }
      const cols = await readPartitions(db, lake, featuresTable(needed), group, ['ts_ms', ...needed]);
      const features: Record<string, Float64Array> = {};
      for (const f of needed) features[f] = cols[f] as Float64Array;
      let rows;
      try {
        rows = detectEvents(set, cols.ts_ms as Float64Array, features);
      } catch (e) {
        if (e instanceof DataError) throw new DataError(`${instrument} ${tf}: ${e.message}`, { file: join(lake, 'features') }, { hint: e.hint, cause: e });
        throw e;
      }
      const keys = { exchange: group[0]!.keys.exchange!, market: group[0]!.keys.market!, symbol: group[0]!.keys.symbol!, timeframe: tf };
      const written = await writeMonthlyPartitions(db, out, EVENTS_TABLE, keys, {
        ts_ms: rows.ts_ms,
        event: dictColumn(rows.event),
        family: dictColumn(rows.family),
        direction: rows.direction,
        attributes: dictColumn(rows.attributes),
      }, { tieBreak: ['event'] });
      total += written.reduce((s, m) => s + m.rows, 0);
      for (const name of rows.event) counts.set(name, counts.get(name)! + 1);
      for (const [name, c] of Object.entries(rows.cooldown)) cooldown[name]![instrument] = c;
      ctx.progress(++done, groups.length, 'instruments');
    }
    const notEvaluated = groupNotEvaluated(blocked, groups.length);
    const nowhere = new Set(notEvaluated.filter((e) => e.instruments.length === groups.length).map((e) => e.name));
    const silent = [...counts].filter(([name, n]) => n === 0 && !nowhere.has(name)).map(([name]) => name);
    const info: EventsInfo = { timeframe: tf, instruments: groups.length, counts: Object.fromEntries(counts), not_evaluated: [...notEvaluated, ...featuresNotEvaluated],
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
        instruments: groups.length,
        events: set.events.length,
        ...Object.fromEntries([...counts].map(([name, n]) => [`events_${name}`, n])),
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  } finally {
    db.close();
  }
}

/** Every file of the instrument must carry every feature its events read; else a located error. */
function checkColumns(
  set: EventSet, instrument: string, group: readonly FoundPartition[], columns: Map<string, Set<string>>, lake: string,
): void {
  for (const p of group) {
    const file = join(lake, p.manifest.file);
    const have = columns.get(file) ?? new Set<string>();
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
