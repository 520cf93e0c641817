import { LakeDb, mapWithConnections, type FoundPartition } from '../lake/index.js';
import { QuantError } from '../errors.js';
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

/**
 * The DuckDB a sharded stage's phases run on: 2 threads (2 cores) unless the stage says otherwise (ShardSpec.threads),
 * the stage's file-cache choice (ShardSpec.fileCache).
 */
export function openShardDb(spec: Pick<ShardSpec<never>, 'fileCache' | 'threads'>): Promise<LakeDb> {
  return LakeDb.open({ threads: spec.threads ?? 2, ...(spec.fileCache === false ? { fileCache: false } : {}) });
}

async function runShards<P, Prep, R>(spec: ShardSpec<P, Prep, R>, ctx: StageContext<P>, db: LakeDb, concurrency: number): Promise<StageRunSummary> {
  const shards = await spec.list(ctx, db, { digests: false }); // input digests serve sharded runs only
  const prepared = spec.prepare ? await spec.prepare(ctx, shards, db) : (undefined as Prep);
  if (ctx.signal.aborted) return {};
  if (spec.runTogether) {
    const together = await spec.runTogether(ctx, shards, prepared, db, concurrency);
    if (ctx.signal.aborted) return {};
    // as a sharded run hands each shard's result to the reduce (through _shard.json)
    const results = together.map((r, i) => passAsJson(r, shards[i]!.label));
    return spec.reduce(ctx, shards, results, prepared, db);
  }
  let done = 0;
  const results = await mapWithConnections(db, shards, concurrency, async (s, conn) => {
    if (ctx.signal.aborted) return undefined as R;
    // the result as a sharded run hands it to the reduce (through _shard.json), so both see the same values
    const r = passAsJson(await spec.runShard(ctx, s, prepared, conn), s.label);
    ctx.progress(++done, shards.length, spec.by === 'instrument' ? 'instruments' : `shards (${spec.by})`);
    return r;
  });
  if (ctx.signal.aborted) return {};
  return spec.reduce(ctx, shards, results, prepared, db);
}

/** A shard's input digest from the partitions it reads: their files and content hashes (from their manifests). */
export function partitionsDigest(parts: readonly FoundPartition[]): string {
  return digestJson(parts.map((p) => [p.manifest.file, p.manifest.sha256]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0)));
}

/**
 * Shard results travel as JSON (_shard.json, state/shards/<stage>.json). JSON would turn NaN and +-Infinity into null
 * and -0 into 0, and a statistic's NaN (an untestable candidate) must reach the reduce as NaN: `encodeShardResult`
 * writes those numbers as {"$num": "NaN" | "Infinity" | "-Infinity" | "-0"} and refuses what JSON cannot carry
 * (typed arrays, Maps, class instances: a located error naming the path in the result); `decodeShardResult` restores
 * them. Finite numbers survive JSON exactly (shortest round-trip form).
 */
export function encodeShardResult(v: unknown, where = 'result'): unknown {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { [NUM_TAG]: 'NaN' };
    if (v === Infinity || v === -Infinity) return { [NUM_TAG]: String(v) };
    if (Object.is(v, -0)) return { [NUM_TAG]: '-0' };
    return v;
  }
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x, i) => encodeShardResult(x, `${where}[${i}]`));
  const proto = typeof v === 'object' ? Object.getPrototypeOf(v) as unknown : undefined;
  if (proto !== Object.prototype && proto !== null) {
    const kind = typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
    throw new QuantError(`a shard result must be JSON data: ${where} is a ${kind}`, { hint: 'return numbers, strings, booleans, arrays and plain objects from runShard' });
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === NUM_TAG) throw new QuantError(`a shard result must not use the key ${NUM_TAG} (${where})`, { hint: 'it marks numbers JSON cannot carry: rename the field' });
    out[k] = encodeShardResult(x, `${where}.${k}`);
  }
  return out;
}

export function decodeShardResult(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decodeShardResult);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === NUM_TAG && typeof o[NUM_TAG] === 'string') return Number(o[NUM_TAG]);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeShardResult(o[k]);
  return out;
}

const NUM_TAG = '$num';

/**
 * A result exactly as the reduce of a sharded run receives it (encoded, through JSON text, decoded), built in one
 * walk without the text: the same checks and errors as `encodeShardResult`, and what the round trip gives, which is
 * each number itself (finite ones survive JSON exactly, the others travel tagged), an undefined array item as null,
 * an undefined property left out, plain objects and arrays rebuilt with their keys in the same order.
 */
export function passAsJson<R>(r: R, label: string): R {
  if (r === undefined) return r;
  const out = jsonCopy(r);
  // something JSON cannot carry: the encoder names it (a located error)
  if (out === NOT_JSON) {
    encodeShardResult(r, `shard ${label}: result`);
    throw new QuantError(`shard ${label}: result is not JSON data`, { hint: 'return numbers, strings, booleans, arrays and plain objects from runShard' });
  }
  return out as R;
}

const NOT_JSON = Symbol('not JSON data');

function jsonCopy(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null || v === undefined) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = jsonCopy(v[i]);
      if (c === NOT_JSON) return c;
      out[i] = c ?? null;
    }
    return out;
  }
  const proto = typeof v === 'object' ? Object.getPrototypeOf(v) as unknown : undefined;
  if (proto !== Object.prototype && proto !== null) return NOT_JSON;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === NUM_TAG) return NOT_JSON;
    const c = jsonCopy(x);
    if (c === NOT_JSON) return c;
    if (c !== undefined) out[k] = c;
  }
  return out;
}
