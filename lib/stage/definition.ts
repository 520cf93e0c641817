import type { Logger } from '../log.js';
import type { LakeDb } from '../lake/index.js';

/**
 * A stage is data first: what it reads, what it writes, its parameters' schema, and `run`.
 * Paths in `inputs` and `outputs` are relative to the data directory (e.g. 'lake/cleaned'); the orchestrator
 * derives the graph from them. `externalInputs` are paths outside the data directory (a source folder).
 * `specs` are spec files relative to the spec directory.
 */
export interface StageDefinition<P = Record<string, unknown>> {
  name: string;
  description: string;
  paramsSchema: JsonSchemaObject;
  inputs: (params: P) => string[];
  externalInputs?: (params: P) => string[];
  specs: (params: P) => string[];
  outputs: readonly string[];
  usesCosts: boolean;
  /**
   * True when the outputs name the run that wrote them (the strategy report's header shows its run id). Apart from
   * the run id they are byte-identical on identical inputs; the contract suite compares them with the run id replaced.
   */
  stampsRunId?: boolean;
  /**
   * Checks of the resolved parameters that need no data and catch a usage mistake (throw a UsageError, exit 2):
   * run by the orchestrator for every selected stage before it takes the lock (dry runs too), and by the stage.
   */
  preflight?: (params: P) => void;
  run: (ctx: StageContext<P>) => Promise<StageRunSummary>;
  /**
   * How the stage splits into shards (ShardSpec below; run sharded with `npm run all -- --sharded`). A loader, so
   * the orchestrator, which only needs to know that the stage splits, never loads the stage's code.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  shards?: () => Promise<ShardSpec<P, any, any>>;
}

export interface JsonSchemaObject {
  type: 'object';
  properties: Record<string, object>;
  required?: string[];
  additionalProperties: false;
  [k: string]: unknown;
}

export interface StageContext<P> {
  params: P;
  runId: string;
  dataDir: string;
  specDir: string;
  log: Logger;
  /** Absolute path of a declared input (committed by the stage that produced it). */
  input: (path: string) => string;
  /** Absolute path to write a declared output into (a staging area; renamed into place on success). */
  output: (path: string) => string;
  /** The currently committed version of a declared output, if any (for incremental stages). */
  previousOutput: (path: string) => string | undefined;
  /** The resolved cost config and its digest, for stages with usesCosts. */
  costs: { config: unknown; digest: string } | undefined;
  /** Injected clock (ms since epoch); QUANTLAB_NOW_MS fixes it for reproducible provenance. */
  now: () => number;
  signal: AbortSignal;
  /** Report progress of long work; logged at most every few seconds. */
  progress: (done: number, total: number, unit: string) => void;
}

/** What a stage reports back; recorded in its manifest and the run record. */
export interface StageRunSummary {
  rows?: Record<string, number>;
  metrics?: Record<string, number | string | boolean>;
  warnings?: string[];
}

export function defineStage<P>(def: StageDefinition<P>): StageDefinition<P> {
  return def;
}

/**
 * The shard contract (docs/scale.md). A stage that can split declares `shards` in its definition: how its work
 * divides (`by`), the shards of a run (`list`, read from the committed inputs, in a fixed order, each with a digest
 * of exactly the input bytes it reads), an optional whole-cross-section step before the shards (`prepare`: its
 * value is handed to every shard and to the reduce), the work of one shard (`runShard`: it writes only that
 * shard's files through `ctx.output`) and the step that needs every shard's result (`reduce`: the stage-wide
 * files and the run summary).
 *
 * The same four functions make the unsharded run (`runShardsInProcess` in lib/stage/shard.ts, the stage's `run`), so a sharded run and
 * an unsharded run write the same bytes by construction: each shard's files depend on its own inputs and the
 * prepared value only, and the reduce sees the results in the plan's order whatever order they finished in.
 */
export interface ShardSpec<P, Prep = unknown, R = unknown> {
  /**
   * What one shard is: 'instrument' (exchange/market/symbol); 'candidate range' (a contiguous range of the plan's
   * candidates, labelled `candidates 0-99`); 'blueprint x window' (walk-forward: a group of (blueprint, window)
   * cells). Shown in plans and run summaries.
   */
  by: 'instrument' | 'candidate range' | 'blueprint x window';
  /**
   * The shards of this run, in the order the reduce sees their results. `o.digests: false` (the unsharded run in one
   * process, which never reads them): a stage may leave `input_digest` empty instead of computing it.
   */
  list: (ctx: StageContext<P>, db: LakeDb, o?: { digests: boolean }) => Promise<ShardItem[]>;
  /**
   * The cross-section step (features: the universe's breadth and reference returns). Its value must survive
   * `v8.serialize` (the sharded run hands it to shard processes as a file); its bytes enter every shard's
   * fingerprint, so a change of the cross-section recomputes every shard.
   */
  prepare?: (ctx: StageContext<P>, shards: readonly ShardItem[], db: LakeDb) => Promise<Prep>;
  /**
   * The parameters a shard's work reads (default: all). A shard's fingerprint takes these instead of the whole set,
   * so changing a parameter only the reduce reads (walk-forward's selection rule) reuses every shard.
   */
  shardParams?: (params: P) => unknown;
  /**
   * One shard's work; its result goes to the reduce. It must be JSON data; non-finite numbers and -0 are kept exactly
   * (`encodeShardResult` in lib/stage/shard.ts), anything JSON cannot carry (typed arrays, Maps) is refused.
   */
  runShard: (ctx: StageContext<P>, shard: ShardItem, prepared: Prep, db: LakeDb) => Promise<R>;
  /**
   * Every shard's result in one process (the unsharded run), equal to `runShard` of each shard in turn, for a stage
   * whose shards are ranges of one list that each touch most instruments (discovery, bridge): the union is worked
   * instrument by instrument, so each instrument is read once per run instead of once per range (a range-by-range
   * run re-read them all: an LRU cache of instruments misses every time when they do not all fit). `concurrency`
   * instruments at a time, on their own connections; progress counts instruments.
   */
  runTogether?: (ctx: StageContext<P>, shards: readonly ShardItem[], prepared: Prep, db: LakeDb, concurrency: number) => Promise<R[]>;
  reduce: (ctx: StageContext<P>, shards: readonly ShardItem[], results: readonly R[], prepared: Prep, db: LakeDb) => Promise<StageRunSummary>;
  /**
   * false: the stage's DuckDB keeps no external file cache (lib/lake/db.ts LakeDb.open fileCache), for a stage that
   * reads each input file's data once: the cache would only grow with the files read (events: ~3 MB per instrument
   * of 5m features over two years, so peak memory followed the instrument count). Default: the cache is kept.
   */
  fileCache?: false;
  /**
   * DuckDB threads of the stage's database (default 2, one per core). 1 for a stage that runs two shards at once on
   * their own connections, each query then on its caller's thread: a second DuckDB thread per query only adds
   * scheduling (features: its Parquet writes take ~40 % less CPU at 1 thread, the same bytes).
   */
  threads?: number;
}

/**
 * One shard: its label (an instrument id) and a digest of the input bytes it reads (its partitions' sha256s; the
 * source files it reads, for a stage with externalInputs: the shard's fingerprint leaves the whole folder's out).
 */
export interface ShardItem {
  label: string;
  input_digest: string;
  /** Small per-shard facts read once by `list` (JSON; part of the input digest's subject: include them in it). */
  data?: unknown;
}

