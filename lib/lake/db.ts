import { DuckDBInstance, type DuckDBConnection } from './duckdb_api.js';

/**
 * The one place that opens DuckDB. Every DuckDB detail stays inside lib/lake; callers hold a LakeDb.
 * In-memory database: the lake lives in Parquet files, DuckDB is only the engine that reads and writes them.
 */
export class LakeDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    private readonly ownsInstance = true,
  ) {}

  /** Another connection to the same database (its own temp tables), for work done concurrently. */
  async fork(): Promise<LakeDb> {
    return new LakeDb(this.instance, await this.instance.connect(), false);
  }

  /**
   * `fileCache: false`: no external file cache (DuckDB keeps the bytes of every Parquet file it read in its buffer
   * pool otherwise): for a reader that opens each file once, where the cache only grows with the files read.
   */
  static async open(opts: LakeDbOptions = {}): Promise<LakeDb> {
    const key = optionsKey(opts);
    const early = preopened.get(key);
    if (early) {
      preopened.delete(key);
      const db = await early.catch(() => undefined);
      if (db) return db;
      // the early open failed: open again here, which reports the failure
    }
    return LakeDb.create(opts);
  }

  /**
   * Start opening a database with these options in the background and return it: the next `open` with the same
   * options (in this process) takes it instead of opening another. A stage process calls this before its fingerprint
   * (StageDefinition.warmup), so that DuckDB's start-up (the instance, its threads, the first connection: ~30-50 ms on a
   * native thread) runs while this thread hashes code and specs. The returned database may also serve early reads
   * on a forked connection. A failure is left to that later `open`, which opens again and reports it.
   */
  static preopen(opts: LakeDbOptions = {}): Promise<LakeDb> {
    const key = optionsKey(opts);
    let p = preopened.get(key);
    if (!p) {
      p = LakeDb.create(opts);
      p.catch(() => undefined); // never an unhandled rejection: `open` reports it
      preopened.set(key, p);
    }
    return p;
  }

  private static async create(opts: LakeDbOptions): Promise<LakeDb> {
    const config: Record<string, string> = { preserve_insertion_order: 'true' };
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.fileCache === false) config.enable_external_file_cache = 'false';
    const instance = await DuckDBInstance.create(':memory:', config);
    const conn = await instance.connect();
    // Text timestamps without an offset ('2025-01-21 00:05:00', Binance metrics create_time) are UTC, whatever the
    // machine's time zone: DuckDB would otherwise read them in the local zone. GLOBAL: forked connections too.
    await conn.run(`SET GLOBAL TimeZone = 'UTC'`);
    return new LakeDb(instance, conn);
  }

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  /** Rows as JS values (small results only: counts, first bad row, aggregates). */
  async rows(sql: string): Promise<unknown[][]> {
    const r = await this.conn.runAndReadAll(sql);
    return r.getRows() as unknown[][];
  }

  async rowObjects(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.conn.runAndReadAll(sql);
    return r.getRowObjects() as Record<string, unknown>[];
  }

  close(): void {
    this.conn.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

/** What `LakeDb.open` takes. */
export interface LakeDbOptions {
  threads?: number;
  memoryLimit?: string;
  fileCache?: boolean;
}

/** Databases being opened ahead of use (LakeDb.preopen), by their options. */
const preopened = new Map<string, Promise<LakeDb>>();

function optionsKey(o: LakeDbOptions): string {
  return JSON.stringify([o.threads ?? null, o.memoryLimit ?? null, o.fileCache === false]);
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** SQL identifier. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}

/** Numbers DuckDB returns as bigint become JS numbers (exact below 2^53, which every count and ms timestamp is). */
export function num(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return NaN;
  return Number(v);
}
