import { join } from 'node:path';
import { readTableFile, stringsOf, type DictColumn, type FoundPartition, type LakeDb } from '../lake/index.js';
import { EVENTS_TABLE } from '../lake/derived.js';
import type { EventRows } from './detect.js';
import { concatArrays } from '../arrays.js';

/**
 * Reads one instrument's lake/events partitions (from `listPartitions(lakeRoot, EVENTS_TABLE, {...})`, in month
 * order) back into `EventRows`, rows in file order: (ts_ms, event name) as the events stage wrote them.
 */
export async function readEventPartitions(db: LakeDb, lakeRoot: string, parts: readonly FoundPartition[]): Promise<EventRows> {
  const out: EventRows = { ts_ms: new Float64Array(0), event: [], family: [], direction: new Int32Array(0), attributes: [] };
  const ts: Float64Array[] = [];
  const dir: Int32Array[] = [];
  for (const p of parts) {
    const c = await readTableFile(db, join(lakeRoot, p.manifest.file), EVENTS_TABLE.columns);
    ts.push(c.ts_ms as Float64Array);
    dir.push(c.direction as Int32Array);
    for (const [key, col] of [['event', c.event], ['family', c.family], ['attributes', c.attributes]] as const) {
      for (const s of stringsOf(col as DictColumn)) out[key].push(s);
    }
  }
  out.ts_ms = concatArrays(ts, (n) => new Float64Array(n));
  out.direction = concatArrays(dir, (n) => new Int32Array(n));
  return out;
}
