import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  LakeDb, listPartitions, groupPartitions, readPartitions, writeMonthlyPartitions, dictColumn, partitionColumns,
  type FoundPartition,
} from '../../lake/index.js';
import { featuresTable, EVENTS_TABLE } from '../../features/table.js';
import { detectEvents, eventFeatures, loadEventSpecs, requiredFeatures, type EventSet } from '../../events/index.js';
import { DataError } from '../../errors.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import type { EventsParams } from './params.js';

const INSTRUMENT_KEYS = ['exchange', 'market', 'symbol'] as const;

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
    const counts = new Map(set.events.map((e) => [e.name, 0]));
    const groups = [...groupPartitions(parts, INSTRUMENT_KEYS).values()];
    let total = 0;
    let done = 0;
    for (const group of groups) {
      if (ctx.signal.aborted) break;
      const instrument = INSTRUMENT_KEYS.map((k) => group[0]!.keys[k]).join('/');
      checkColumns(set, instrument, group, columns, lake);
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
      ctx.progress(++done, groups.length, 'instruments');
    }
    const silent = [...counts].filter(([, n]) => n === 0).map(([name]) => name);
    return {
      rows: { [EVENTS_TABLE.dir]: total },
      metrics: {
        instruments: groups.length,
        events: set.events.length,
        ...Object.fromEntries([...counts].map(([name, n]) => [`events_${name}`, n])),
      },
      ...(silent.length > 0 ? { warnings: [`events that never fired on any instrument: ${silent.join(', ')}`] } : {}),
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
