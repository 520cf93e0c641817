/**
 * The experiments database: SQLite (better-sqlite3) at `<data_dir>/experiments/experiments.sqlite`, never inside
 * the lake. WAL mode, synchronous=FULL, a busy timeout so writers from several processes queue instead of failing,
 * and numbered migrations recorded in `schema_version` (each applied in an IMMEDIATE transaction, so two processes
 * opening a fresh file at once migrate it exactly once).
 *
 * Every table carries experiment_id and run_id. Rows that a replay may write again (orders, fills, position
 * snapshots, risk allocations) have natural primary keys and are inserted with ON CONFLICT DO NOTHING, so a run
 * restarted after kill -9 neither loses committed rows nor duplicates them.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, SpecError } from '../errors.js';
import type { MetricResult } from './metrics.js';
import type { ExperimentSpec, ExperimentStatus } from './schema.js';
import BetterSqlite3 from 'better-sqlite3';

type Database = BetterSqlite3.Database;

export const LEARNING_BOOK = 'learning';

export const EVENT_TYPES = ['experiment_created', 'experiment_status_changed', 'experiment_metric', 'experiment_blocked'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Numbered migrations; append only (a released migration is never edited). */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE experiment_specs (
    experiment_id TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL,           -- the invocation that created the row
    status        TEXT NOT NULL CHECK (status IN ('draft','running','paused','invalidated','ready_for_exploitation')),
    spec_json     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  ) STRICT;
  CREATE TABLE experiment_runs (
    run_id        TEXT PRIMARY KEY,
    experiment_id TEXT NOT NULL REFERENCES experiment_specs(experiment_id),
    mode          TEXT NOT NULL CHECK (mode IN ('backtest','paper')),
    status        TEXT NOT NULL CHECK (status IN ('running','finished','failed')),
    started_at    TEXT NOT NULL,
    ended_at      TEXT
  ) STRICT;
  CREATE TABLE experiment_events (
    event_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    learning_book TEXT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('experiment_created','experiment_status_changed','experiment_metric','experiment_blocked')),
    actor         TEXT NOT NULL,
    reason        TEXT,
    before_status TEXT,
    after_status  TEXT,
    payload_json  TEXT NOT NULL,
    created_at    TEXT NOT NULL
  ) STRICT;
  CREATE INDEX experiment_events_by_experiment ON experiment_events (experiment_id, event_id);
  CREATE TABLE orders (
    experiment_id TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    symbol        TEXT NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('buy','sell')),
    order_type    TEXT NOT NULL CHECK (order_type IN ('market','limit','post_only')),
    qty           REAL NOT NULL,
    limit_price   REAL,
    status        TEXT NOT NULL,
    PRIMARY KEY (run_id, order_id)
  ) STRICT;
  CREATE TABLE fills (
    experiment_id TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    fill_id       TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    symbol        TEXT NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('buy','sell')),
    qty           REAL NOT NULL,
    price         REAL NOT NULL,
    fee_usd       REAL NOT NULL,
    PRIMARY KEY (run_id, fill_id)
  ) STRICT;
  CREATE TABLE position_snapshots (
    experiment_id TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    symbol        TEXT NOT NULL,
    qty           REAL NOT NULL,
    avg_price     REAL NOT NULL,
    unrealized_usd REAL NOT NULL,
    PRIMARY KEY (run_id, symbol, ts_ms)
  ) STRICT;
  CREATE TABLE risk_allocations (
    experiment_id TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    symbol        TEXT NOT NULL,
    notional_usd  REAL NOT NULL,
    risk_usd      REAL NOT NULL,
    PRIMARY KEY (run_id, symbol, ts_ms)
  ) STRICT;
  CREATE TABLE block_events (
    block_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    experiment_id TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    symbol        TEXT NOT NULL,
    rule          TEXT NOT NULL,
    detail_json   TEXT NOT NULL
  ) STRICT;
  `,
  // 2: block rows of a run are idempotent (a run restarted after kill -9 writes its blocks again); orders may be
  // stops (the protective stop the exposure attaches to every entry)
  `
  CREATE TABLE orders_v2 (
    experiment_id TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    ts_ms         INTEGER NOT NULL,
    symbol        TEXT NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('buy','sell')),
    order_type    TEXT NOT NULL CHECK (order_type IN ('market','limit','post_only','stop')),
    qty           REAL NOT NULL,
    limit_price   REAL,
    status        TEXT NOT NULL,
    PRIMARY KEY (run_id, order_id)
  ) STRICT;
  INSERT INTO orders_v2 SELECT * FROM orders;
  DROP TABLE orders;
  ALTER TABLE orders_v2 RENAME TO orders;
  ALTER TABLE block_events ADD COLUMN block_key TEXT;
  CREATE UNIQUE INDEX block_events_by_key ON block_events (run_id, block_key);
  `,
];

export interface StoredEvent {
  event_id: number;
  experiment_id: string;
  run_id: string;
  learning_book: string;
  type: EventType;
  actor: string;
  reason: string | null;
  before_status: ExperimentStatus | null;
  after_status: ExperimentStatus | null;
  payload: unknown;
  created_at: string;
}

export interface EventInput {
  experiment_id: string;
  run_id: string;
  type: EventType;
  actor: string;
  reason?: string | null;
  before_status?: ExperimentStatus | null;
  after_status?: ExperimentStatus | null;
  payload?: unknown;
}

export interface StoreOptions {
  /** Clock for created_at / updated_at (tests pin it). */
  now?: () => Date;
  /** Milliseconds a writer waits for another process's lock before failing (default 10 s). */
  busyTimeoutMs?: number;
}

export function storePath(dataDir: string): string {
  return join(dataDir, 'experiments', 'experiments.sqlite');
}

export class ExperimentStore {
  readonly db: Database;
  readonly file: string;
  private readonly now: () => Date;

  private constructor(db: Database, file: string, now: () => Date) {
    this.db = db;
    this.file = file;
    this.now = now;
  }

  /** Opens (creating and migrating when needed) the store of `dataDir`. */
  static open(dataDir: string, options: StoreOptions = {}): ExperimentStore {
    const file = storePath(dataDir);
    mkdirSync(join(dataDir, 'experiments'), { recursive: true });
    const db = new BetterSqlite3(file, { timeout: options.busyTimeoutMs ?? 10_000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new ExperimentStore(db, file, options.now ?? (() => new Date()));
  }

  /**
   * Opens an existing store READ-ONLY for viewers (the dashboard): no folder or file created, no pragma set, no
   * migration; a missing file is refused (DataError); any write through it fails (SQLITE_READONLY).
   */
  static openReadOnly(dataDir: string): ExperimentStore {
    const file = storePath(dataDir);
    if (existsSync(`${file}-wal`)) {
      // A writer has the store open (or died with it open): its latest commits are in the WAL, so read through it.
      // The -wal and -shm files exist already; a read-only connection creates nothing.
      return new ExperimentStore(new BetterSqlite3(file, { readonly: true, fileMustExist: true }), file, () => new Date());
    }
    // No WAL: a read-only SQLite connection on a WAL-mode file would create -wal and -shm beside it. Read a snapshot
    // of the file instead (opened with flag 'r') and open it in memory; the header's WAL marks (bytes 18-19 = 2) are
    // set to rollback (1) in the copy, as an in-memory database cannot be in WAL mode.
    let buf: Buffer;
    try {
      buf = readFileSync(file, { flag: 'r' });
    } catch (e) {
      throw new DataError(`cannot read the experiment store: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file }, { hint: 'quantlab experiment create writes it' });
    }
    if (buf.length >= 20 && buf[18] === 2 && buf[19] === 2) {
      buf[18] = 1;
      buf[19] = 1;
    }
    return new ExperimentStore(new BetterSqlite3(buf, { readonly: true }), file, () => new Date());
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return currentVersion(this.db);
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  /**
   * Stores a new experiment as draft with created_at = updated_at = now and writes `experiment_created`. The spec
   * must come from the loader (validated, defaults filled). Refuses an id that exists and a status other than draft.
   */
  create(spec: ExperimentSpec, ctx: { run_id: string; actor: string; source: string }): ExperimentSpec {
    if (spec.status !== 'draft') {
      throw new SpecError([`${ctx.source} status: a new experiment starts as "draft", was "${spec.status}"`], {
        hint: 'remove status from the spec (or set it to draft); status changes only through start/pause/resume/invalidate/promote',
      });
    }
    const at = this.nowIso();
    const stored: ExperimentSpec = { ...spec, created_at: at, updated_at: at };
    this.db.transaction(() => {
      const exists = this.db.prepare('SELECT status FROM experiment_specs WHERE experiment_id = ?').get(spec.id) as { status: string } | undefined;
      if (exists) {
        throw new DataError(`experiment "${spec.id}" already exists (status ${exists.status})`, { file: this.file, field: 'experiment_id', value: spec.id }, {
          hint: 'choose a new id (e.g. bump the -vN suffix); a stored spec is never overwritten',
        });
      }
      this.db.prepare('INSERT INTO experiment_specs (experiment_id, run_id, status, spec_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(spec.id, ctx.run_id, 'draft', JSON.stringify(stored), at, at);
      this.insertEvent({ experiment_id: spec.id, run_id: ctx.run_id, type: 'experiment_created', actor: ctx.actor, after_status: 'draft', payload: { source: ctx.source } }, at);
    }).immediate();
    return stored;
  }

  get(id: string): ExperimentSpec | undefined {
    const row = this.db.prepare('SELECT spec_json FROM experiment_specs WHERE experiment_id = ?').get(id) as { spec_json: string } | undefined;
    return row ? (JSON.parse(row.spec_json) as ExperimentSpec) : undefined;
  }

  /** The spec, or a DataError naming the id and what exists. */
  require(id: string): ExperimentSpec {
    const spec = this.get(id);
    if (spec) return spec;
    const ids = this.list().map((s) => s.id);
    throw new DataError(`no experiment "${id}"`, { file: this.file, field: 'experiment_id', value: id }, {
      hint: ids.length ? `known: ${ids.join(', ')}` : 'the store is empty: `quantlab experiment create <spec.yaml>` first',
    });
  }

  list(): ExperimentSpec[] {
    const rows = this.db.prepare('SELECT spec_json FROM experiment_specs ORDER BY experiment_id').all() as { spec_json: string }[];
    return rows.map((r) => JSON.parse(r.spec_json) as ExperimentSpec);
  }

  events(id?: string): StoredEvent[] {
    const rows = (id === undefined
      ? this.db.prepare('SELECT * FROM experiment_events ORDER BY event_id').all()
      : this.db.prepare('SELECT * FROM experiment_events WHERE experiment_id = ? ORDER BY event_id').all(id)) as (Omit<StoredEvent, 'payload'> & { payload_json: string })[];
    return rows.map(({ payload_json, ...r }) => ({ ...r, payload: JSON.parse(payload_json) as unknown }));
  }

  /** Appends one audit event (its own transaction). */
  appendEvent(e: EventInput): number {
    return this.insertEvent(e, this.nowIso());
  }

  /** Records an aggregated metric as an `experiment_metric` event. */
  recordMetric(ctx: { experiment_id: string; run_id: string; actor: string }, result: MetricResult): number {
    return this.appendEvent({ ...ctx, type: 'experiment_metric', payload: { ...result, value: Number.isFinite(result.value) ? result.value : null } });
  }

  /** A blocked order or entry: a block_events row and an `experiment_blocked` event, atomically. */
  recordBlock(ctx: { experiment_id: string; run_id: string; actor: string }, block: { ts_ms: number; symbol: string; rule: string; detail: Record<string, unknown> }): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO block_events (experiment_id, run_id, ts_ms, symbol, rule, detail_json) VALUES (?, ?, ?, ?, ?, ?)')
        .run(ctx.experiment_id, ctx.run_id, block.ts_ms, block.symbol, block.rule, JSON.stringify(block.detail));
      this.insertEvent({ ...ctx, type: 'experiment_blocked', reason: block.rule, payload: { ts_ms: block.ts_ms, symbol: block.symbol, ...block.detail } }, this.nowIso());
    }).immediate();
  }

  /**
   * Blocks of a run, idempotent by `key` (unique within the run): each new one is a block_events row and an
   * `experiment_blocked` event, written together; one already stored is skipped (no second event). Batched in
   * transactions of `batch` blocks. Returns how many were new.
   */
  recordBlocks(ctx: { experiment_id: string; run_id: string; actor: string }, blocks: readonly { key: string; ts_ms: number; symbol: string; rule: string; detail: Record<string, unknown> }[], batch = 500): number {
    const ins = this.db.prepare(`INSERT INTO block_events (experiment_id, run_id, ts_ms, symbol, rule, detail_json, block_key)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    let added = 0;
    for (let k = 0; k < blocks.length; k += batch) {
      const part = blocks.slice(k, k + batch);
      this.db.transaction(() => {
        const at = this.nowIso();
        for (const b of part) {
          if (ins.run(ctx.experiment_id, ctx.run_id, b.ts_ms, b.symbol, b.rule, JSON.stringify(b.detail), b.key).changes !== 1) continue;
          added++;
          this.insertEvent({ ...ctx, type: 'experiment_blocked', reason: b.rule, payload: { ts_ms: b.ts_ms, symbol: b.symbol, ...b.detail } }, at);
        }
      }).immediate();
    }
    return added;
  }

  /**
   * Registers a run, or resumes it when the run id is already stored (a rerun of the same command after a crash):
   * the same experiment and mode are required; its status goes back to running. Returns the previous status.
   */
  beginOrResumeRun(run: { run_id: string; experiment_id: string; mode: 'backtest' | 'paper' }): 'new' | 'running' | 'finished' | 'failed' {
    return this.db.transaction((): 'new' | 'running' | 'finished' | 'failed' => {
      const r = this.db.prepare('SELECT * FROM experiment_runs WHERE run_id = ?').get(run.run_id) as { experiment_id: string; mode: string; status: 'running' | 'finished' | 'failed' } | undefined;
      if (!r) {
        this.beginRun(run);
        return 'new';
      }
      if (r.experiment_id !== run.experiment_id || r.mode !== run.mode) {
        throw new DataError(`run "${run.run_id}" belongs to ${r.experiment_id} (${r.mode}), not ${run.experiment_id} (${run.mode})`, { file: this.file, field: 'run_id', value: run.run_id }, {
          hint: 'a run id names one experiment and mode; choose another --run_id',
        });
      }
      this.db.prepare("UPDATE experiment_runs SET status = 'running', ended_at = NULL WHERE run_id = ?").run(run.run_id);
      return r.status;
    }).immediate();
  }

  /**
   * Fills already stored for a run that a recomputation does not reproduce (missing from `rows`, or with another
   * time, side, quantity or price): a resumed run must be the same run (same code, same data).
   */
  conflictingFills(runId: string, rows: readonly FillRow[]): string[] {
    const want = new Map(rows.map((r) => [r.fill_id, r]));
    const have = this.db.prepare('SELECT fill_id, ts_ms, side, qty, price FROM fills WHERE run_id = ?').all(runId) as Pick<FillRow, 'fill_id' | 'ts_ms' | 'side' | 'qty' | 'price'>[];
    const bad: string[] = [];
    for (const h of have) {
      const w = want.get(h.fill_id);
      if (!w || w.ts_ms !== h.ts_ms || w.side !== h.side || w.qty !== h.qty || w.price !== h.price) bad.push(h.fill_id);
    }
    return bad;
  }

  /** Rows stored for a run, per table. */
  runCounts(runId: string): Record<'orders' | 'fills' | 'position_snapshots' | 'risk_allocations' | 'block_events', number> {
    const c = (table: string) => (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as { n: number }).n;
    return { orders: c('orders'), fills: c('fills'), position_snapshots: c('position_snapshots'), risk_allocations: c('risk_allocations'), block_events: c('block_events') };
  }

  /** Registers a backtest or paper run of a stored experiment (status running). */
  beginRun(run: { run_id: string; experiment_id: string; mode: 'backtest' | 'paper' }): void {
    this.require(run.experiment_id);
    this.db.prepare("INSERT INTO experiment_runs (run_id, experiment_id, mode, status, started_at) VALUES (?, ?, ?, 'running', ?)")
      .run(run.run_id, run.experiment_id, run.mode, this.nowIso());
  }

  /** Closes a run; only a running run can be closed. */
  endRun(runId: string, status: 'finished' | 'failed'): void {
    const r = this.db.prepare("UPDATE experiment_runs SET status = ?, ended_at = ? WHERE run_id = ? AND status = 'running'").run(status, this.nowIso(), runId);
    if (r.changes !== 1) {
      throw new DataError(`no running experiment run "${runId}"`, { file: this.file, field: 'run_id', value: runId }, { hint: 'a run is closed once; check the run id' });
    }
  }

  runs(experimentId: string): { run_id: string; experiment_id: string; mode: string; status: string; started_at: string; ended_at: string | null }[] {
    return this.db.prepare('SELECT * FROM experiment_runs WHERE experiment_id = ? ORDER BY started_at, run_id').all(experimentId) as never;
  }

  /** Inserts orders; one already stored (same run_id, order_id) is skipped. Returns how many were new. */
  insertOrders(rows: readonly OrderRow[]): number {
    return this.insertMany(`INSERT INTO orders (experiment_id, run_id, order_id, ts_ms, symbol, side, order_type, qty, limit_price, status)
      VALUES (@experiment_id, @run_id, @order_id, @ts_ms, @symbol, @side, @order_type, @qty, @limit_price, @status) ON CONFLICT DO NOTHING`, rows);
  }

  /** Inserts fills; a fill already stored (same run_id, fill_id) is skipped. Returns how many were new. */
  insertFills(rows: readonly FillRow[]): number {
    return this.insertMany(`INSERT INTO fills (experiment_id, run_id, fill_id, order_id, ts_ms, symbol, side, qty, price, fee_usd)
      VALUES (@experiment_id, @run_id, @fill_id, @order_id, @ts_ms, @symbol, @side, @qty, @price, @fee_usd) ON CONFLICT DO NOTHING`, rows);
  }

  /** Inserts position snapshots; one already stored (run_id, symbol, ts_ms) is skipped. */
  insertPositionSnapshots(rows: readonly PositionSnapshotRow[]): number {
    return this.insertMany(`INSERT INTO position_snapshots (experiment_id, run_id, ts_ms, symbol, qty, avg_price, unrealized_usd)
      VALUES (@experiment_id, @run_id, @ts_ms, @symbol, @qty, @avg_price, @unrealized_usd) ON CONFLICT DO NOTHING`, rows);
  }

  /** Inserts risk allocations; one already stored (run_id, symbol, ts_ms) is skipped. */
  insertRiskAllocations(rows: readonly RiskAllocationRow[]): number {
    return this.insertMany(`INSERT INTO risk_allocations (experiment_id, run_id, ts_ms, symbol, notional_usd, risk_usd)
      VALUES (@experiment_id, @run_id, @ts_ms, @symbol, @notional_usd, @risk_usd) ON CONFLICT DO NOTHING`, rows);
  }

  private insertMany(sql: string, rows: readonly object[]): number {
    const stmt = this.db.prepare(sql);
    return this.db.transaction(() => rows.reduce((n, r) => n + stmt.run(r).changes, 0)).immediate();
  }

  /** insertOrders / insertFills / ... in transactions of `batch` rows (each committed on its own). */
  insertBatched(table: 'orders' | 'fills' | 'position_snapshots' | 'risk_allocations', rows: readonly object[], batch: number): number {
    const f = { orders: this.insertOrders, fills: this.insertFills, position_snapshots: this.insertPositionSnapshots, risk_allocations: this.insertRiskAllocations }[table];
    let n = 0;
    for (let k = 0; k < rows.length; k += batch) n += f.call(this, rows.slice(k, k + batch) as never);
    return n;
  }

  /** Latest stored status (the column; the spec JSON is kept in step by every transition). */
  status(id: string): ExperimentStatus {
    return this.require(id).status;
  }

  /** Used by lifecycle.ts inside its transaction. */
  insertEvent(e: EventInput, at: string): number {
    const r = this.db.prepare(`INSERT INTO experiment_events
      (experiment_id, run_id, learning_book, type, actor, reason, before_status, after_status, payload_json, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(e.experiment_id, e.run_id, LEARNING_BOOK, e.type, e.actor, e.reason ?? null, e.before_status ?? null, e.after_status ?? null, JSON.stringify(e.payload ?? {}), at);
    return Number(r.lastInsertRowid);
  }
}

export interface OrderRow {
  experiment_id: string;
  run_id: string;
  order_id: string;
  ts_ms: number;
  symbol: string;
  side: 'buy' | 'sell';
  order_type: 'market' | 'limit' | 'post_only' | 'stop';
  qty: number;
  limit_price: number | null;
  status: string;
}

export interface PositionSnapshotRow {
  experiment_id: string;
  run_id: string;
  ts_ms: number;
  symbol: string;
  qty: number;
  avg_price: number;
  unrealized_usd: number;
}

export interface RiskAllocationRow {
  experiment_id: string;
  run_id: string;
  ts_ms: number;
  symbol: string;
  notional_usd: number;
  risk_usd: number;
}

export interface FillRow {
  experiment_id: string;
  run_id: string;
  fill_id: string;
  order_id: string;
  ts_ms: number;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  fee_usd: number;
}

function currentVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

function migrate(db: Database, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT');
  db.transaction(() => {
    const have = currentVersion(db);
    if (have > MIGRATIONS.length) {
      throw new DataError(`database schema version ${have} is newer than this code knows (${MIGRATIONS.length})`, { file, field: 'schema_version', value: have }, {
        hint: 'update quantlab before opening this database',
      });
    }
    for (let v = have + 1; v <= MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v - 1]!);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(v, new Date().toISOString());
    }
  }).immediate();
}

