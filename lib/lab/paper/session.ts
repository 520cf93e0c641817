/**
 * A paper-trading session on a replay of bars (docs/lab.md "Paper trading"). The broker is the one engine
 * (lib/engine, deterministic: fills at the next open, limits only when traded through, stops on touch, never outside
 * the bar's range, capacity cut at max_participation of the bar's volume, the one cost model): the DSL strategy's
 * orders pass through an order generator that quantizes them to the market's rules (quantize.ts) and through the
 * ordered risk guards (guards.ts) before they reach it. Durability: `state.jsonl` is the session's journal: every
 * bar that has events (and a progress bar at least every PROGRESS_MS) gets a group ending with its checkpoint
 * (equity, positions, resting orders, latch); groups are appended with synchronous writes, several per write
 * (FLUSH_BYTES / FLUSH_MS; at once with an order mirror, on a latch change, at the last bar). A fill is acknowledged
 * once its group is written; nothing outside the loop reports it before (files and logs come after the journal; with
 * an order mirror every group is written at once, right after its bar's mirror lines, which a rerun trims).
 * A kill -9 at any point loses only groups not yet written (never an acknowledged one), and the rerun of the
 * same command verifies the journal by replaying the recorded bars through the deterministic engine, rehydrates the
 * FIFO inventory from the journaled fills, and continues after the last acknowledged bar to the same final state as
 * an uninterrupted run. A completed session is not recomputed: rerunning its command reports it; a latched
 * (REDUCING/HALTED) one is refused until `live reset`.
 */
import { appendFileSync, closeSync, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isProcessAlive } from '../../process.js';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { prepareRun, type Blueprint, type MarketSlice } from '../../dsl/index.js';
import {
  Engine, guardStrategy, type ExternalOrderEvent, settleLedger, violationCounts, type EngineContext, type EngineInput, type EngineResult, type ExposureLedger, type ExposurePolicy,
  type OrderEvent, type Strategy,
} from '../../engine/index.js';
import type { CostConfig } from '../../costs/schema.js';
import { DataError, UsageError } from '../../errors.js';
import { digestJson } from '../../hash.js';
import { writeFileAtomic } from '../../fsx.js';
import { isoFormatter } from '../../timeframe.js';
import { silentLogger, type Logger } from '../../log.js';
import { FifoBook, type Fill, type Match } from './fifo.js';
import { checkBreakers, evaluateOrder, initialLatch, isRiskReducing, resetSession, riskDigest, type GuardEvent, type Latch, type RiskLimits } from './guards.js';
import { quantizeOrder, type MarketRules } from './quantize.js';
import { barsCsv, numText, Rows, type BarsColumns } from './csv_rows.js';

/** What a replay needs: a blueprint (compiled with lib/dsl prepareRun) or an engine input and strategy of its own. */
export interface ReplayInput {
  blueprint?: Blueprint;
  /** Instead of the blueprint: the engine input (bars [from, to) of the slice) and the strategy to replay. */
  run?: { input: EngineInput; strategy: Strategy };
  /** An experiment's exposure, enforced between the strategy and the order generator (lib/engine/exposure.ts). */
  exposure?: ExposurePolicy;
  slice: MarketSlice;
  /** Engine bars [from, to) of the slice: the replay. */
  from: number;
  to: number;
  costs: CostConfig;
  initialCash: number;
  limits: RiskLimits;
  rules: MarketRules;
  /** Everything that defines the session (its id is a digest of it). */
  identity: Record<string, unknown>;
  /**
   * Online feed: slice bars [0, barsKnown) have closed (the rest are NaN placeholders up to the window's end); the
   * session runs to the last of them and stays `running`. Undefined: all bars are known (an offline replay).
   */
  barsKnown?: number | undefined;
  /**
   * An order mirror (the ccxt adapter's dry-run): the log line of each submission, cancel or expiry, appended to
   * `<session>/adapter_logs.jsonl` with the bar before the bar's journal group (a rerun trims lines after the last
   * acknowledged bar, so a crash between the two writes never duplicates a request).
   */
  mirror?: ((e: OrderEvent, symbol: string, atMs: number, sessionId: string) => Record<string, unknown> | undefined) | undefined;
  /**
   * A live session: the exchange's fills and order ends by bar (the router's ledger, live_router.ts) replace the
   * engine's fill model (EngineInput.external); an exchange reject counts toward the consecutive-reject breaker.
   */
  external?: ((t: number) => readonly ExternalOrderEvent[] | undefined) | undefined;
}

export interface SessionInput extends ReplayInput {
  blueprint: Blueprint;
}


export type StateEvent =
  | ({ seq: number; bar: number; ts_ms: number } & GuardEvent)
  | { seq: number; bar: number; ts_ms: number; type: 'quantize'; decision: 'reject' | 'adjust'; message: string; numbers: Record<string, number> }
  | { seq: number; bar: number; ts_ms: number; type: 'order'; event: OrderEvent['event']; order_id: number; symbol: string; kind: string; qty: number; price: number | null; reason: string | null; fee: number | null }
  | { seq: number; bar: number; ts_ms: number; type: 'session'; message: string };

export function sessionId(identity: Record<string, unknown>): string {
  return `ps-${digestJson(identity).slice(0, 16)}`;
}

export function sessionDir(runsDir: string, id: string): string {
  if (!/^ps-[0-9a-f]{16}$/.test(id)) throw new UsageError(`--session ${JSON.stringify(id)} is not a session id`, { hint: 'a session id looks like ps-0123456789abcdef (printed by quantlab live trade)' });
  return join(runsDir, 'live', 'sessions', id);
}

type EventBody = StateEvent extends infer E ? (E extends unknown ? Omit<E, 'seq' | 'bar' | 'ts_ms'> : never) : never;
/** Wall time between two looks at the kill-switch file during a replay. */
export const KILL_CHECK_MS = 20;

export interface Pending { bar: number; ts: number; ev: EventBody }

export interface ReplayOptions {
  /** A forced kill-switch reading for bar t (a resumed prefix replays the journal's), undefined: read the file. */
  killAt?: (t: number) => boolean | undefined;
  /** `live reset`s by the bar at whose close they apply (before the breakers). */
  resets?: ReadonlyMap<number, string>;
  /** Called at the end of every bar's close, after the strategy: the engine's log and resting orders are final for it. */
  onBarEnd?: (t: number, engine: Engine, pending: readonly Pending[], denied: number, latch: Readonly<Latch>) => void;
  /** Stop after this bar (an online session: the bars after it have not closed yet); the result is then partial. */
  stopAfter?: number;
}

/** Thrown from the strategy callback to end a partial replay (caught in replaySession). */
class StopReplay extends Error {}

/** The replay through the engine with the order generator and guards between the strategy and the broker. */
export function replaySession(s: ReplayInput, killSwitchPresent: () => boolean, opts: ReplayOptions = {}): {
  result: EngineResult; pending: Pending[]; latch: Latch; denied: number; exposure?: ExposureLedger;
  /** False when the replay stopped at `stopAfter` (then `result` is undefined). */
  complete: boolean;
} {
  let input: EngineInput;
  let inner: Strategy;
  if (s.run) {
    ({ input, strategy: inner } = s.run);
  } else if (s.blueprint) {
    const p = prepareRun(s.blueprint, s.slice, s.costs, {
      initialCash: s.initialCash, risk: { maxGrossLeverage: 2 }, from: s.from, to: s.to, entryFrom: s.from, entryUntil: s.to - 2,
    });
    input = s.external !== undefined ? { ...p.input, external: s.external } : p.input;
    inner = p.compiled.strategy;
  } else {
    throw new UsageError('paper replay: give a blueprint or an engine input and strategy');
  }
  const guarded = s.exposure ? guardStrategy(input, inner, s.exposure, s.from) : undefined;
  const strategyOf = guarded ? guarded.strategy : inner;
  const latch = initialLatch();
  const live = s.external !== undefined;
  const pending: Pending[] = [];
  const syms = s.slice.instruments.map((k) => k.symbol);
  const tfMs = s.slice.tfMs;
  const close = input.bars.map((b) => b.close);
  let peak = s.initialCash;
  let rejects = 0;
  let denied = 0;
  let lastClose = -Infinity;
  let bar = 0;
  let tsNow = 0;
  let ctxNow: EngineContext | undefined;
  // The kill-switch file is looked at every bar close, at most once per KILL_CHECK_MS of wall time (a fast replay
  // would otherwise spend most of its time in stat calls); orders in a bar see the bar's reading.
  let killNow = false;
  let killCheckedAt = -Infinity;
  const readKill = (t: number) => {
    const forced = opts.killAt?.(t);
    if (forced !== undefined) { killNow = forced; return; }
    const w = performance.now();
    if (w - killCheckedAt >= KILL_CHECK_MS) { killNow = killSwitchPresent(); killCheckedAt = w; }
  };
  const barCtx = { positions: {}, marks: {}, equity: 0, peakEquity: 0, consecutiveRejects: 0, lastBarCloseMs: 0, nowMs: 0, killSwitchPresent: false };
  const guardCtx = () => {
    const c = ctxNow!;
    const positions: Record<string, number> = {};
    const marks: Record<string, number> = {};
    syms.forEach((sym, i) => { positions[sym] = c.position(i); marks[sym] = c.mark(i); });
    return { positions, marks, equity: c.equity(), peakEquity: peak, consecutiveRejects: rejects, lastBarCloseMs: lastClose, nowMs: tsNow + tfMs, killSwitchPresent: killNow };
  };
  const push = (ev: Pending['ev']) => pending.push({ bar, ts: tsNow, ev });
  const gate = (i: number, qty: number, kind: 'market' | 'limit' | 'stop', price: number, reduceOnly: boolean): { qty: number; price: number } | undefined => {
    const c = ctxNow!;
    const pos = c.position(i);
    const ref = c.mark(i);
    if (latch.state === 'HALTED' || (latch.state === 'REDUCING' && !isRiskReducing({ symbol: syms[i]!, qty, price: ref, reduceOnly }, pos))) {
      // the session state decides before the order generator: nothing reaches quantization (or the exchange)
      const r = evaluateOrder(latch, s.limits, guardCtx(), { symbol: syms[i]!, qty, price: kind === 'market' ? ref : price, ...(reduceOnly ? { reduceOnly } : {}) });
      for (const e of r.events) push(e);
      denied++;
      return undefined;
    }
    const q = quantizeOrder({ qty, kind, ...(kind === 'market' ? {} : { price }), refPrice: ref }, s.rules, pos);
    if (!q.ok) {
      rejects++;
      denied++;
      push({ type: 'quantize', decision: 'reject', message: `${syms[i]} ${kind} ${qty}: ${q.reason}`, numbers: q.numbers });
      for (const e of checkBreakers(latch, s.limits, guardCtx())) push(e);
      return undefined;
    }
    if (q.adjusted) push({ type: 'quantize', decision: 'adjust', message: `${syms[i]} ${kind} ${qty} -> ${q.qty}${q.price !== undefined ? ` @ ${q.price}` : ''}`, numbers: { qty, qty_quantized: q.qty, ...(q.price !== undefined ? { price, price_quantized: q.price } : {}) } });
    const r = evaluateOrder(latch, s.limits, guardCtx(), { symbol: syms[i]!, qty: q.qty, price: q.price ?? ref, ...(reduceOnly ? { reduceOnly } : {}) });
    for (const e of r.events) push(e);
    if (!r.allowed) { denied++; return undefined; }
    if (!live) rejects = 0; // live: the count restarts when the exchange fills an order (below), not when one is sent
    return { qty: q.qty, price: q.price ?? NaN };
  };
  const wrap = (c: EngineContext): EngineContext => ({
    nInstruments: c.nInstruments,
    position: (i) => c.position(i), avgEntry: (i) => c.avgEntry(i), mark: (i) => c.mark(i), cash: () => c.cash(), equity: () => c.equity(),
    openOrderCount: () => c.openOrderCount(), cancel: (id) => { if (id >= 0) c.cancel(id); },
    orderLive: (id) => c.orderLive(id), expectedCostBps: (i, q) => c.expectedCostBps(i, q),
    submitMarket: (i, qty, ttl, ro) => { const g = gate(i, qty, 'market', NaN, ro === true); return g ? c.submitMarket(i, g.qty, ttl, ro) : -1; },
    submitLimit: (i, qty, px, ttl, ro, po) => { const g = gate(i, qty, 'limit', px, ro === true); return g ? c.submitLimit(i, g.qty, g.price, ttl, ro, po) : -1; },
    submitStop: (i, qty, px, ttl, ro) => { const g = gate(i, qty, 'stop', px, ro === true); return g ? c.submitStop(i, g.qty, g.price, ttl, ro) : -1; },
  });
  let wrapped: EngineContext | undefined;
  const engine = new Engine(input);
  let rejCursor = 0;
  const onBarEnd = opts.onBarEnd;
  const resets = opts.resets;
  const stopAfter = opts.stopAfter ?? Infinity;
  let result: EngineResult;
  try {
    result = engine.run((t, ts, ctx) => {
    if (t > stopAfter) throw new StopReplay();
    bar = t;
    tsNow = ts;
    ctxNow = ctx;
    wrapped ??= wrap(ctx);
    for (let i = 0; i < close.length; i++) if (close[i]![t] === close[i]![t]) { lastClose = ts + tfMs; break; }
    if (live) {
      // the exchange's rejects (applied at this bar's fill phase) count toward the consecutive-reject breaker; a fill
      // by the exchange restarts the count
      const lg = engine.orderEvents();
      for (; rejCursor < lg.length; rejCursor++) {
        const ev = lg[rejCursor]!.event;
        if (ev === 'rejected') rejects++;
        else if (ev === 'filled') rejects = 0;
      }
    }
    const eq = ctx.equity();
    if (eq > peak) peak = eq;
    if (resets !== undefined && resets.has(t)) { resetSession(latch, resets.get(t)!); rejects = 0; peak = eq; }
    readKill(t);
    barCtx.equity = eq; barCtx.peakEquity = peak; barCtx.consecutiveRejects = rejects; barCtx.lastBarCloseMs = lastClose;
    barCtx.nowMs = ts + tfMs; barCtx.killSwitchPresent = killNow;
    const trips = checkBreakers(latch, s.limits, barCtx);
    for (let k = 0; k < trips.length; k++) push(trips[k]!);
    strategyOf(t, ts, wrapped);
    if (onBarEnd !== undefined) onBarEnd(t, engine, pending, denied, latch);
    });
  } catch (e) {
    if (!(e instanceof StopReplay)) throw e;
    return { result: undefined as unknown as EngineResult, pending, latch, denied, complete: false };
  }
  return { result, pending, latch, denied, complete: true, ...(guarded ? { exposure: settleLedger(guarded.ledger, result.orderLog) } : {}) };
}

function csv(header: string[], rows: (string | number | boolean | null)[][]): string {
  return [header.join(','), ...rows.map((r) => r.map((x) => (x === null ? '' : String(x))).join(','))].join('\n') + '\n';
}

/** The engine's order event as a journal event body. */
function orderBody(syms: readonly string[], e: OrderEvent): EventBody {
  return {
    type: 'order', event: e.event, order_id: e.orderId, symbol: syms[e.instrument]!, kind: e.kind, qty: e.qty,
    price: e.price ?? null, reason: e.reason ?? null, fee: e.fee ?? null,
  };
}

/** Submissions and cancels happen at the bar's close (after its guard events); fills, cuts and expiries before. */
const closePhase = (e: OrderEvent): boolean => e.event === 'submitted' || e.event === 'cancelled';

/** A resting order as a checkpoint records it. */
export interface OpenOrder { order_id: number; symbol: string; kind: string; qty: number; price: number | null; submitted_bar: number; last_bar: number | null; reduce_only: boolean }

/** The journal's checkpoint line: everything acknowledged up to the close of `bar` (relative to the replay). */
export interface Checkpoint {
  type: 'checkpoint';
  bar: number;
  ts_ms: number;
  next_seq: number;
  state: Latch['state'];
  tripped: Latch['tripped'];
  equity: number;
  cash: number;
  positions: Record<string, number>;
  open_orders: OpenOrder[];
  n_fills: number;
  n_orders_denied: number;
}

export interface SessionState {
  session_id: string;
  status: 'running' | 'complete';
  state: Latch['state'];
  tripped: Latch['tripped'];
  equity: number;
  cash: number;
  positions: Record<string, number>;
  open_orders: OpenOrder[];
  last_bar_ts_ms: number;
  bars_processed: number;
  risk_digest: string;
  blueprint_id: string;
  n_fills: number;
  n_orders_denied: number;
}

export interface SessionOutcome {
  id: string;
  dir: string;
  state: SessionState;
  /** The command found the session complete (nothing to do). */
  resumed: boolean;
  /** Bars replayed from the journal (verified, not journaled again) before new bars were processed; 0 on a fresh start. */
  resumedAfterBars: number;
}

/** Test hook: SIGKILL this process right after journaling the bar (`torn`: after writing half of its group). */
export interface CrashHook { afterBar: number; torn: boolean }

/** Rows of bars.csv from which an offline replay formats it on a worker thread (below: inline). */
export const BARS_ASIDE_ROWS = 50_000;

/** bars.csv written by a worker thread (bars_worker.ts); resolves when it is in place (atomically). */
function writeBarsAside(file: string, columns: BarsColumns): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./bars_worker.js', import.meta.url), { workerData: { file, columns } });
    let done = false;
    w.once('message', () => { done = true; });
    w.once('error', reject);
    w.once('exit', (code) => (done ? resolve() : reject(new Error(`the bars.csv writer (worker thread) exited with code ${code} before writing ${file}`))));
  });
}

/** Wall time between two progress checkpoints on bars without events. */
export const PROGRESS_MS = 250;
/**
 * Batched journal writes (a replay computes bars far faster than one write per bar): the groups of several bars are
 * written with one synchronous write once FLUSH_BYTES are pending or FLUSH_MS of wall time passed since the last
 * write (and at once with an order mirror, on a latch state change, at the last bar). A group is acknowledged when
 * written, not when computed: until then nothing outside the loop has seen its fills.
 */
export const FLUSH_BYTES = 256 * 1024;
export const FLUSH_MS = 100;

/** A journal event line: JSON.stringify({ seq, bar, ts_ms, ...body }) without building the merged object. */
function eventLine(seq: number, bar: number, ts: number, b: EventBody): string {
  return `{"seq":${seq},"bar":${bar},"ts_ms":${ts},${JSON.stringify(b).slice(1)}`;
}

interface JournalRead {
  /** Acknowledged event lines (seq >= 0) as written. */
  events: string[];
  last: Checkpoint | undefined;
  resets: Map<number, string>;
  /** The `live reset` lines, parsed. */
  resetLines: Record<string, unknown>[];
  killTrips: Set<number>;
  fills: Fill[];
  hasStart: boolean;
}

/**
 * Read the journal: its acknowledged prefix is every line up to the last checkpoint (a group of a bar is written
 * with one write ending with its checkpoint); lines after it are a torn, unacknowledged group and are dropped
 * (reset lines written later are kept).
 */
async function readJournal(file: string, syms: readonly string[], log: Logger, id: string): Promise<JournalRead> {
  const out: JournalRead = { events: [], last: undefined, resets: new Map(), resetLines: [], killTrips: new Set(), fills: [], hasStart: false };
  if (!existsSync(file)) return out;
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1); // the last piece is '' or a torn line
  let lastCk = -1;
  const parsed = complete.map((l, k) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      if (k < complete.length - 1) throw new DataError(`session journal line ${k + 1} is not JSON`, { file, line: k + 1, value: l.slice(0, 80) }, { hint: 'the journal is append-only: restore it or start a new session' });
      return undefined;
    }
  });
  parsed.forEach((p, k) => { if (p?.type === 'checkpoint') lastCk = k; });
  const keep: string[] = [];
  let dropped = 0;
  parsed.forEach((p, k) => {
    if (p === undefined) { dropped++; return; }
    if (k <= lastCk || p.seq === -1 || p.seq === 'reset') keep.push(complete[k]!);
    else dropped++;
  });
  const tornBytes = text.endsWith('\n') ? 0 : lines[lines.length - 1]!.length;
  if (dropped > 0 || tornBytes > 0) {
    log.warn({ session: id, dropped_lines: dropped, torn_bytes: tornBytes }, `session ${id}: dropped ${dropped} unacknowledged journal lines after the last checkpoint (${tornBytes} bytes of a torn line)`);
    await writeFileAtomic(file, keep.map((l) => l + '\n').join(''));
  }
  for (const l of keep) {
    const p = JSON.parse(l) as Record<string, unknown>;
    if (p.seq === -1) out.hasStart = true;
    else if (p.seq === 'reset') { out.resets.set((p.after_bar as number) + 1, String(p.message).replace(/^reset: /, '')); out.resetLines.push(p); }
    else if (p.type === 'checkpoint') out.last = p as unknown as Checkpoint;
    else if (typeof p.seq === 'number') {
      out.events.push(l);
      if (p.type === 'guard' && p.rule === 'kill_switch' && p.decision === 'trip') out.killTrips.add(p.bar as number);
      if (p.type === 'order' && p.event === 'filled') {
        out.fills.push({ fill_id: `f${out.fills.length}`, symbol: p.symbol as string, qty: p.qty as number, price: p.price as number, ts_ms: p.ts_ms as number });
      }
    }
  }
  void syms;
  return out;
}

/** The last acknowledged bar of a session's journal (its last complete checkpoint line; -1 when none). */
export async function lastAcknowledgedBar(dir: string): Promise<number> {
  const file = join(dir, 'state.jsonl');
  if (!existsSync(file)) return -1;
  const text = await readFile(file, 'utf8');
  const end = text.endsWith('\n') ? text.length : text.lastIndexOf('\n') + 1;
  let k = text.lastIndexOf('{"type":"checkpoint"', end);
  while (k > 0 && text[k - 1] !== '\n') k = text.lastIndexOf('{"type":"checkpoint"', k - 1);
  if (k < 0) return -1;
  const line = text.slice(k, text.indexOf('\n', k));
  return (JSON.parse(line) as Checkpoint).bar;
}

/** Hold the session's lock file (pid) while running; a lock of a dead process is taken over. */
async function lockSession(dir: string, id: string): Promise<() => void> {
  const file = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => { try { unlinkSync(file); } catch { /* already gone */ } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) {
        throw new DataError(`session ${id} is in use by process ${pid}`, { file, field: 'pid', value: pid }, { hint: 'wait for it to finish (or stop it) and run the command again' });
      }
      await rm(file, { force: true });
    }
  }
  throw new DataError(`session ${id}: could not take its lock`, { file }, { hint: 'remove the .lock file if no process runs the session' });
}

function checkpointOf(engine: Engine, syms: readonly string[], t: number, ts: number, nextSeq: number, latch: Latch, nFills: number, denied: number): Checkpoint {
  const positions: Record<string, number> = {};
  syms.forEach((sym, i) => { positions[sym] = engine.position(i); });
  return {
    type: 'checkpoint', bar: t, ts_ms: ts, next_seq: nextSeq, state: latch.state, tripped: { ...latch.tripped }, equity: engine.equity(), cash: engine.cash(),
    positions, open_orders: engine.openOrders().map((o) => ({ order_id: o.id, symbol: syms[o.instrument]!, kind: o.kind, qty: o.qty, price: o.price, submitted_bar: o.submittedBar, last_bar: o.lastBar, reduce_only: o.reduceOnly })),
    n_fills: nFills, n_orders_denied: denied,
  };
}

/**
 * Run, resume or report the session. Every bar with events (and a progress checkpoint at least every PROGRESS_MS)
 * gets a group of `state.jsonl` ending with its checkpoint; groups go out in batched synchronous writes (see
 * FLUSH_BYTES): a fill is acknowledged once its group is written. A rerun verifies the journal by replaying the recorded bars
 * through the same deterministic engine (every acknowledged event must come out identical, the checkpoint's
 * equity, positions and resting orders too, and the FIFO inventory rehydrated from the journaled fills must hold
 * the engine's positions), then continues after the last acknowledged bar. `killSwitchPresent` is read at every
 * bar close after that bar (the prefix uses the journal's readings).
 */
export async function runSession(s: SessionInput, runsDir: string, log: Logger, killSwitchPresent: () => boolean, crash?: CrashHook): Promise<SessionOutcome> {
  const id = sessionId(s.identity);
  const dir = sessionDir(runsDir, id);
  const stFile = join(dir, 'state.json');
  const readState = async (): Promise<SessionState | undefined> => (existsSync(stFile) ? JSON.parse(await readFile(stFile, 'utf8')) as SessionState : undefined);
  const done = await readState();
  if (done?.status === 'complete') return reportComplete(done, id, dir, stFile, log);
  await mkdir(join(dir, 'logs'), { recursive: true });
  const unlock = await lockSession(dir, id);
  try {
    const again = await readState(); // another process may have completed it while we waited for the lock
    if (again?.status === 'complete') return reportComplete(again, id, dir, stFile, log);
    return await runLocked(s, id, dir, log, killSwitchPresent, crash);
  } finally {
    unlock();
  }
}

function reportComplete(st: SessionState, id: string, dir: string, file: string, log: Logger): SessionOutcome {
  if (st.state !== 'ACTIVE') {
    throw new DataError(`session ${id} is ${st.state} (${Object.values(st.tripped).join('; ')})`, { file, field: 'state', value: st.state }, {
      hint: `review it, then: quantlab live reset --session ${id} --reason "..."`,
    });
  }
  log.info({ session: id, bars_processed: st.bars_processed }, `session ${id} is complete: all ${st.bars_processed} bars of its replay were processed; nothing to do`);
  return { id, dir, state: st, resumed: true, resumedAfterBars: st.bars_processed };
}

async function runLocked(s: SessionInput, id: string, dir: string, log: Logger, killSwitchPresent: () => boolean, crash: CrashHook | undefined): Promise<SessionOutcome> {
  const t0 = Date.now();
  const syms = s.slice.instruments.map((k) => k.symbol);
  const ts = s.slice.ts_ms;
  const n = s.to - s.from;
  const iso = isoFormatter();
  const jfile = join(dir, 'state.jsonl');
  const j = await readJournal(jfile, syms, log, id);
  const known = s.barsKnown ?? s.to;
  const barsFile = join(dir, 'bars.csv');
  const columns = (): BarsColumns => ({ ts: s.slice.ts_ms, symbols: syms, known, bars: s.slice.bars.map((b) => ({ open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume })) });
  const writeBars = async () => writeFileAtomic(barsFile, barsCsv(columns()));
  // An offline replay's bars.csv (a copy of the lake bars it replays, for live diff: the replay and a resume read
  // the lake) is formatted on a worker thread while the loop runs when it is large, awaited before the session is
  // reported; a rerun writes it again when a kill came first.
  let barsAside: Promise<void> | undefined;
  const startBars = () => {
    barsAside = known * syms.length < BARS_ASIDE_ROWS ? writeBars() : writeBarsAside(barsFile, columns());
    barsAside.catch(() => { /* awaited below; this only marks it handled if the loop throws first */ });
  };
  // online: the bars seen so far are recorded before any of them is journaled (a restart replays exactly them)
  if (s.barsKnown !== undefined) await writeBars();
  if (!j.hasStart) {
    // the session's inputs first (what the journal is a replay of), then its first line
    await writeFileAtomic(join(dir, 'input.json'), JSON.stringify({ blueprint: s.blueprint, costs: s.costs, initial_cash: s.initialCash, limits: s.limits, rules: s.rules, identity: s.identity, from_index: s.from, to_index: s.to, from_ts_ms: ts[s.from], to_ts_ms: ts[s.to - 1]! + s.slice.tfMs, tf_ms: s.slice.tfMs, instruments: s.slice.instruments }, null, 2) + '\n');
    await writeFileAtomic(join(dir, 'funding.json'), JSON.stringify({
      funding: (s.slice.funding ?? []).map((f) => (f ? { ts_ms: [...f.ts_ms], rate: [...f.rate] } : null)),
      tradable: (s.slice.tradable ?? []).map((x) => x ?? null),
    }) + '\n');
    await writeFileAtomic(jfile, JSON.stringify({ seq: -1, type: 'session', message: `session ${id} started`, identity: s.identity }) + '\n');
  }
  if (s.barsKnown === undefined && (!j.hasStart || !existsSync(barsFile))) startBars();
  const K = j.last?.bar ?? -1; // last acknowledged bar
  const upto = known - 1 - s.from; // last bar to process now (relative)
  if (upto <= K && known < s.to) {
    log.info({ session: id, acknowledged_bar: K }, `session ${id}: no new closed bar since bar ${K + 1}`);
  }
  if (K >= n) throw new DataError(`session journal acknowledges bar ${K} but the replay has ${n} bars`, { file: jfile, field: 'bar', value: K }, { hint: 'the lake or the command changed since the session started: start a new session' });
  // FIFO inventory rehydrated from the acknowledged fills
  const book = new FifoBook();
  const matches: Match[] = [];
  for (const f of j.fills) matches.push(...book.apply(f));
  let nFills = j.fills.length;
  const ck0 = j.last;
  const running: SessionState = {
    session_id: id, status: 'running', state: ck0?.state ?? 'ACTIVE', tripped: ck0?.tripped ?? {}, equity: ck0?.equity ?? s.initialCash, cash: ck0?.cash ?? s.initialCash,
    positions: ck0?.positions ?? Object.fromEntries(syms.map((x) => [x, 0])), open_orders: ck0?.open_orders ?? [], last_bar_ts_ms: ck0?.ts_ms ?? NaN,
    bars_processed: K + 1, risk_digest: riskDigest(s.limits), blueprint_id: s.blueprint.id, n_fills: nFills, n_orders_denied: ck0?.n_orders_denied ?? 0,
  };
  // a view of the journal for readers while the session runs (the journal is the record): as of the last checkpoint
  await writeFileAtomic(join(dir, 'state.json'), JSON.stringify(running, null, 2) + '\n');
  if (K >= 0) log.info({ session: id, acknowledged_bar: K, fills: nFills, open_orders: j.last!.open_orders.length }, `session ${id}: resuming after bar ${K + 1} of ${n} (${iso(j.last!.ts_ms)}): verifying the journal by replay`);
  const diverge = (what: string, journaled: string, now: string): never => {
    throw new DataError(`session ${id}: the replay diverges from the journal at ${what}`, { file: jfile, field: what, value: `journal ${journaled.slice(0, 200)} | replay ${now.slice(0, 200)}` }, {
      hint: 'the code, the lake bars or the command changed since the session started: start a new session (or restore them)',
    });
  };
  const mirrorFile = join(dir, 'adapter_logs.jsonl');
  if (s.mirror !== undefined && existsSync(mirrorFile)) {
    const keep = (await readFile(mirrorFile, 'utf8')).split('\n').filter((l) => l !== '' && (() => { try { return (JSON.parse(l) as { bar: number }).bar <= K; } catch { return false; } })());
    await writeFileAtomic(mirrorFile, keep.map((l) => l + '\n').join(''));
  }
  const mirror = s.mirror;
  const fd = openSync(jfile, 'a');
  let seq = 0;
  let cursor = 0;
  let lIdx = 0;
  let pIdx = 0;
  let lastCk = performance.now(); // wall time of the last checkpoint (a progress one is due PROGRESS_MS after it)
  let lastFlush = lastCk;
  let flushedState: Latch['state'] = ck0?.state ?? 'ACTIVE';
  // Groups computed but not written yet: NOT acknowledged (nothing outside this loop has seen them; a kill drops
  // them and the rerun recomputes them from the same bars). See flushDue for when they are written.
  const buf: string[] = [];
  let bufBytes = 0;
  let writes = 0;
  let groups = 0;
  const trips: Record<string, unknown>[] = [];
  try {
    const r = replaySession(s, killSwitchPresent, {
      killAt: (t) => (t <= K ? j.killTrips.has(t) : undefined),
      resets: j.resets,
      onBarEnd: (t, engine, pending, denied, latch) => {
        const logv = engine.orderEvents();
        const lEnd = logv.length;
        if (lEnd === lIdx && pending.length === pIdx) {
          // a bar without events (most bars): nothing to verify before K; after it, a progress checkpoint at most
          // every PROGRESS_MS (the last bar, the last closed bar and a crash-hook bar always get one)
          if (t < K) return;
          if (t > K && t !== n - 1 && t !== upto && crash?.afterBar !== t && performance.now() - lastCk < PROGRESS_MS) return;
        }
        // this bar's events in journal order: fills/cuts/expiries, then the close's guard events, then submissions
        const body: EventBody[] = [];
        for (let k = lIdx; k < lEnd; k++) if (!closePhase(logv[k]!)) body.push(orderBody(syms, logv[k]!));
        for (let k = pIdx; k < pending.length; k++) body.push(pending[k]!.ev);
        for (let k = lIdx; k < lEnd; k++) if (closePhase(logv[k]!)) body.push(orderBody(syms, logv[k]!));
        const tsT = ts[s.from + t]!;
        if (t > K && mirror !== undefined) {
          let ml = '';
          for (let k = lIdx; k < lEnd; k++) {
            const e = logv[k]!;
            const line = mirror(e, syms[e.instrument]!, e.event === 'submitted' || e.event === 'cancelled' ? tsT + s.slice.tfMs : tsT, id);
            if (line !== undefined) ml += JSON.stringify({ bar: t, ...line }) + '\n';
          }
          if (ml !== '') appendFileSync(mirrorFile, ml);
        }
        const fillFrom = lIdx;
        lIdx = lEnd;
        pIdx = pending.length;
        for (const b of body) if (b.type === 'guard' && b.decision === 'trip') trips.push({ seq: seq + body.indexOf(b), bar: t, ts_ms: tsT, ...b });
        if (t <= K) {
          for (const b of body) {
            const line = eventLine(seq++, t, tsT, b);
            if (cursor >= j.events.length) diverge(`event seq ${seq - 1} (bar ${t})`, '(none)', line);
            if (j.events[cursor] !== line) diverge(`event seq ${seq - 1} (bar ${t})`, j.events[cursor]!, line);
            cursor++;
          }
          if (t === K) {
            if (cursor !== j.events.length) diverge(`the end of the acknowledged events (bar ${K})`, j.events[cursor]!, '(none)');
            const ck = checkpointOf(engine, syms, t, tsT, seq, latch, nFills, denied);
            const a = JSON.stringify({ ...j.last!, next_seq: 0 });
            const b = JSON.stringify({ ...ck, next_seq: 0 });
            if (a !== b) diverge(`the checkpoint of bar ${K}`, a, b);
            for (const sym of syms) {
              if (Math.abs(book.position(sym) - ck.positions[sym]!) > 1e-9 * Math.max(1, Math.abs(ck.positions[sym]!))) diverge(`the FIFO inventory of ${sym}`, String(book.position(sym)), String(ck.positions[sym]));
            }
          }
          return;
        }
        for (let k = fillFrom; k < lEnd; k++) {
          const f = logv[k]!;
          if (f.event !== 'filled') continue;
          const fill: Fill = { fill_id: `f${nFills++}`, symbol: syms[f.instrument]!, qty: f.qty, price: f.price!, ts_ms: f.ts_ms };
          for (const m of book.apply(fill)) matches.push(m);
        }
        const now = performance.now();
        lastCk = now;
        let group = '';
        for (const b of body) group += eventLine(seq++, t, tsT, b) + '\n';
        group += JSON.stringify(checkpointOf(engine, syms, t, tsT, seq, latch, nFills, denied)) + '\n';
        if (crash !== undefined && crash.afterBar === t) {
          if (buf.length > 0) writeSync(fd, buf.join(''));
          writeSync(fd, crash.torn ? group.slice(0, Math.max(1, Math.floor(group.length / 2))) : group);
          process.kill(process.pid, 'SIGKILL');
        }
        buf.push(group);
        bufBytes += group.length;
        groups++;
        // written (acknowledged) now when: an order mirror runs (its requests leave the process: each bar's group
        // follows its mirror lines before the next bar, as without batching), the latch changed state, it is the
        // last bar or the last closed one, FLUSH_BYTES are pending, or FLUSH_MS of wall time passed since the last write
        if (mirror !== undefined || latch.state !== flushedState || t === n - 1 || t === upto || bufBytes >= FLUSH_BYTES || now - lastFlush >= FLUSH_MS) {
          writeSync(fd, buf.join(''));
          writes++;
          buf.length = 0;
          bufBytes = 0;
          lastFlush = now;
          flushedState = latch.state;
        }
      },
      ...(known < s.to ? { stopAfter: Math.max(upto, K) } : {}),
    });
    const { result, latch, denied, exposure } = r;
    if (buf.length > 0) { writeSync(fd, buf.join('')); writes++; buf.length = 0; }
    closeSync(fd);
    await barsAside;
    if (!r.complete) {
      const last = (await readJournal(jfile, syms, log, id)).last;
      const st: SessionState = { ...running, state: latch.state, tripped: { ...latch.tripped }, ...(last ? { equity: last.equity, cash: last.cash, positions: last.positions, open_orders: last.open_orders, last_bar_ts_ms: last.ts_ms, bars_processed: last.bar + 1, n_fills: last.n_fills, n_orders_denied: last.n_orders_denied } : {}) };
      await writeFileAtomic(join(dir, 'state.json'), JSON.stringify(st, null, 2) + '\n');
      return { id, dir, state: st, resumed: false, resumedAfterBars: K + 1 };
    }
    return await publish(s, id, dir, log, { result, latch, denied, book, matches, nFills, t0, resumedAfter: K + 1, syms, n, iso, exposure, trips, resetLines: j.resetLines, journal: { groups, writes } });
  } catch (e) {
    try { closeSync(fd); } catch { /* closed */ }
    await barsAside?.catch(() => undefined);
    throw e;
  }
}

interface Finished {
  result: EngineResult; latch: Latch; denied: number; book: FifoBook; matches: Match[]; nFills: number; t0: number; resumedAfter: number;
  syms: string[]; n: number; iso: (x: number) => string;
  /** The experiment exposure ledger when the session enforced one. */
  exposure?: ExposureLedger | undefined;
  /** The journal's guard trips (acknowledged prefix verified equal, the rest as journaled) and its reset lines. */
  trips: Record<string, unknown>[];
  resetLines: Record<string, unknown>[];
  /** Journal groups (checkpoints) appended by this run and the synchronous writes that carried them. */
  journal: { groups: number; writes: number };
}

/** The session's derived files, each written atomically, state.json (status complete) last. */
async function publish(s: SessionInput, id: string, dir: string, log: Logger, f: Finished): Promise<SessionOutcome> {
  const { result, latch, denied, book, matches, syms, n, iso } = f;
  const ts = s.slice.ts_ms;
  const positions: Record<string, number> = {};
  syms.forEach((sym, i) => { positions[sym] = result.positions[i]!; });
  // only trips change the state (resets are their own lines): kept while journaling, the journal is not reread
  const events = [...f.trips, ...f.resetLines];
  const stateChanges = events.filter((e) => e.type === 'guard' && typeof e.seq === 'number' && e.seq >= 0 && e.state_before !== e.state_after) as unknown as (StateEvent & GuardEvent)[];
  const resets = events.filter((e) => e.seq === 'reset') as unknown as (GuardEvent & { ts_ms: number; after_bar: number })[];
  const state: SessionState = {
    session_id: id, status: 'complete', state: latch.state, tripped: latch.tripped, equity: result.equity[n - 1]!, cash: result.cash[n - 1]!,
    positions, open_orders: [], last_bar_ts_ms: ts[s.to - 1]!, bars_processed: n, risk_digest: riskDigest(s.limits), blueprint_id: s.blueprint.id,
    n_fills: f.nFills, n_orders_denied: denied,
  };
  const md = [
    `# Paper session ${id}`, '',
    `- blueprint ${s.blueprint.id} (${s.blueprint.name}); replay of ${n} bars ${iso(ts[s.from]!)} .. ${iso(ts[s.to - 1]! + s.slice.tfMs)} from the lake`,
    `- risk limits digest ${state.risk_digest}: ${JSON.stringify(s.limits)}`,
    `- market rules: ${JSON.stringify(s.rules)}`, '',
    '## State changes', '',
    ...(stateChanges.length || resets.length
      ? [...stateChanges.map((e) => ({ at: e.ts_ms + s.slice.tfMs, line: `- ${iso(e.ts_ms + s.slice.tfMs)} ${e.state_before} -> ${e.state_after}: ${e.message}` })),
        ...resets.map((e) => ({ at: ts[s.from + e.after_bar]! + s.slice.tfMs, line: `- ${iso(e.ts_ms)} ${e.state_before} -> ACTIVE: ${e.message} (cleared: ${e.numbers.cleared || 'nothing'}; effective after the bar closing ${iso(ts[s.from + e.after_bar]! + s.slice.tfMs)})` }))]
        .sort((a, b) => a.at - b.at).map((x) => x.line)
      : ['- none: ACTIVE throughout']),
    '', `Final: ${state.state}, equity ${state.equity.toFixed(2)}, ${f.nFills} fills, ${denied} orders denied.`, '',
  ].join('\n');
  const orders = new Rows('order_id,bar_ts_utc,symbol,kind,event,qty,price,fee,slippage_impact,liquidity,reason');
  for (const e of result.orderLog) {
    orders.add(`${e.orderId},${iso(e.ts_ms)},${syms[e.instrument]!},${e.kind},${e.event},${e.qty},${e.price ?? ''},${e.fee ?? ''},${e.slippageImpact ?? ''},${e.liquidity ?? ''},${e.reason ? JSON.stringify(e.reason) : ''}`);
  }
  await writeFileAtomic(join(dir, 'orders.csv'), orders.text());
  await writeFileAtomic(join(dir, 'trades.csv'), csv(['symbol', 'side', 'qty', 'entry_price', 'exit_price', 'realized', 'open_fill', 'close_fill'],
    matches.map((m) => [m.symbol, m.side, m.qty, m.entry_price, m.exit_price, m.realized, m.open_fill_id, m.close_fill_id])));
  await writeFileAtomic(join(dir, 'positions.csv'), csv(['symbol', 'lot_qty', 'lot_price', 'lot_ts_utc', 'fill'],
    book.symbols().flatMap((sym) => book.lotsOf(sym).map((l) => [sym, l.qty, l.price, iso(l.ts_ms), l.fill_id]))));
  // cash and the cumulative costs change only on fills: their strings are reused between them
  const acct = new Rows('ts_utc,equity,cash,fees,slippage_impact,funding');
  const cash = numText(), fees = numText(), slip = numText(), fund = numText();
  for (let t = 0; t < n; t++) acct.add(`${iso(ts[s.from + t]!)},${result.equity[t]},${cash(result.cash[t]!)},${fees(result.fees[t]!)},${slip(result.slippageImpact[t]!)},${fund(result.funding[t]!)}`);
  await writeFileAtomic(join(dir, 'account.csv'), acct.text());
  await writeFileAtomic(join(dir, 'engine_trades.json'), JSON.stringify(result.trades.map((t) => ({ ...t, symbol: syms[t.instrument] }))) + '\n');
  await writeFileAtomic(join(dir, 'session.md'), md);
  if (f.exposure) {
    await writeFileAtomic(join(dir, 'exposure.json'), JSON.stringify({
      experiment_id: s.identity.experiment_id ?? null, counts: violationCounts(f.exposure),
      blocks: f.exposure.blocks.map((b) => ({ ...b, symbol: syms[b.instrument] })), entries: f.exposure.entries.map((e) => ({ ...e, symbol: syms[e.instrument] })),
    }, null, 1) + '\n');
  }
  await appendFile(join(dir, 'logs', 'run.log'), [
    { level: 'info', msg: f.resumedAfter > 0 ? `resumed after ${f.resumedAfter} acknowledged bars; replayed ${n} bars in ${Date.now() - f.t0} ms` : `replayed ${n} bars in ${Date.now() - f.t0} ms`, session: id, journal_groups: f.journal.groups, journal_writes: f.journal.writes },
    ...stateChanges.map((e) => ({ level: 'warn', msg: e.message, ts_utc: iso(e.ts_ms) })),
  ].map((x) => JSON.stringify(x) + '\n').join(''));
  await writeFileAtomic(join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  if (f.resumedAfter === 0) for (const e of stateChanges) log.warn({ session: id, rule: e.rule }, `${e.state_before} -> ${e.state_after}: ${e.message}`);
  log.info({ session: id, bars: n, resumed_after_bars: f.resumedAfter, fills: f.nFills, denied, state: state.state, equity: state.equity, journal_groups: f.journal.groups, journal_writes: f.journal.writes, ms: Date.now() - f.t0 }, 'paper session complete');
  return { id, dir, state, resumed: false, resumedAfterBars: f.resumedAfter };
}

/**
 * `live reset`: clear the latch with a reason. The reset line is appended to state.jsonl (effective after the last
 * acknowledged bar: a resumed session replays it there), a bullet to session.md; state.json rewritten.
 */
export async function resetSessionFolder(runsDir: string, id: string, reason: string, nowMs: number): Promise<SessionState> {
  const dir = sessionDir(runsDir, id);
  const file = join(dir, 'state.jsonl');
  if (!existsSync(file)) throw new DataError(`no session ${id}`, { file, field: 'session', value: id }, { hint: 'list sessions under runs/live/sessions/' });
  const unlock = await lockSession(dir, id);
  try {
    const j = await readJournal(file, [], silentLogger(), id);
    const stFile = join(dir, 'state.json');
    const st = existsSync(stFile) ? JSON.parse(await readFile(stFile, 'utf8')) as SessionState : undefined;
    const ck = j.last;
    const complete = st?.status === 'complete';
    const latch: Latch = complete ? { state: st!.state, tripped: st!.tripped } : { state: ck?.state ?? 'ACTIVE', tripped: { ...(ck?.tripped ?? {}) } };
    const ev = resetSession(latch, reason);
    const afterBar = complete ? st!.bars_processed - 1 : (ck?.bar ?? -1);
    await appendFile(file, JSON.stringify({ seq: 'reset', after_bar: afterBar, ts_ms: nowMs, ...ev }) + '\n');
    if (existsSync(join(dir, 'session.md'))) {
      await appendFile(join(dir, 'session.md'), `- ${new Date(nowMs).toISOString()} ${ev.state_before} -> ACTIVE: reset: ${reason} (cleared: ${ev.numbers.cleared || 'nothing'})\n`);
    }
    const base: SessionState = st ?? {
      session_id: id, status: 'running', state: latch.state, tripped: {}, equity: ck?.equity ?? NaN, cash: ck?.cash ?? NaN, positions: ck?.positions ?? {},
      open_orders: ck?.open_orders ?? [], last_bar_ts_ms: ck?.ts_ms ?? NaN, bars_processed: afterBar + 1, risk_digest: '', blueprint_id: '', n_fills: ck?.n_fills ?? 0, n_orders_denied: ck?.n_orders_denied ?? 0,
    };
    const next: SessionState = { ...base, state: latch.state, tripped: latch.tripped };
    await writeFileAtomic(stFile, JSON.stringify(next, null, 2) + '\n');
    return next;
  } finally {
    unlock();
  }
}
