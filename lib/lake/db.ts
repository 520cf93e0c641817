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
  static async open(opts: { threads?: number; memoryLimit?: string; fileCache?: boolean } = {}): Promise<LakeDb> {
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
