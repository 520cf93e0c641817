import { LakeDb, mapWithConnections, type FoundPartition } from '../lake/index.js';
import { digestJson } from '../hash.js';
import type { ShardSpec, StageContext, StageRunSummary } from './definition.js';

/**
 * The unsharded run of a sharded stage, in one process: prepare, then the shards `concurrency` at a time on their
 * own connections, then the reduce over the results in list order. It opens the stage's DuckDB (2 threads, 2 cores)
 * and closes it; `timings`, when given, is the message of the log line with the run's wall time.
 */
export async function runShardsInProcess<P, Prep, R>(
  spec: ShardSpec<P, Prep, R>, ctx: StageContext<P>, concurrency: number, timings?: string,
): Promise<StageRunSummary> {
  const db = await openShardDb(spec);
  try {
    const t0 = performance.now();
    const summary = await runShards(spec, ctx, db, concurrency);
    if (timings !== undefined) ctx.log.info({ wall_ms: Math.round(performance.now() - t0) }, timings);
    return summary;
  } finally {
    db.close();
  }
}

/** The DuckDB a sharded stage's phases run on: 2 threads (2 cores), the stage's file-cache choice (ShardSpec.fileCache). */
export function openShardDb(spec: Pick<ShardSpec<never>, 'fileCache'>): Promise<LakeDb> {
  return LakeDb.open({ threads: 2, ...(spec.fileCache === false ? { fileCache: false } : {}) });
}

async function runShards<P, Prep, R>(spec: ShardSpec<P, Prep, R>, ctx: StageContext<P>, db: LakeDb, concurrency: number): Promise<StageRunSummary> {
  const shards = await spec.list(ctx, db);
  const prepared = spec.prepare ? await spec.prepare(ctx, shards, db) : (undefined as Prep);
  if (ctx.signal.aborted) return {};
  let done = 0;
  const results = await mapWithConnections(db, shards, concurrency, async (s, conn) => {
    if (ctx.signal.aborted) return undefined as R;
    const r = await spec.runShard(ctx, s, prepared, conn);
    ctx.progress(++done, shards.length, 'instruments');
    return r;
  });
  if (ctx.signal.aborted) return {};
  return spec.reduce(ctx, shards, results, prepared, db);
}

/** A shard's input digest from the partitions it reads: their files and content hashes (from their manifests). */
export function partitionsDigest(parts: readonly FoundPartition[]): string {
  return digestJson(parts.map((p) => [p.manifest.file, p.manifest.sha256]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0)));
}
