import { join } from 'node:path';
import { readTableFile, stringsOf, type DictColumn, type FoundPartition, type LakeDb } from '../lake/index.js';
import { EVENTS_TABLE } from '../features/table.js';
import type { EventRows } from './detect.js';

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
  out.ts_ms = concat(ts, Float64Array);
  out.direction = concat(dir, Int32Array);
  return out;
}

function concat<A extends Float64Array | Int32Array>(parts: A[], ctor: new (n: number) => A): A {
  const out = new ctor(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p as never, off);
    off += p.length;
  }
  return out;
}
