/**
 * A paper-trading session on an offline replay of lake bars (docs/lab.md "Paper trading"). The broker is the one
 * engine (lib/engine, deterministic: fills at the next open, limits only when traded through, stops on touch, never
 * outside the bar's range, capacity cut at max_participation of the bar's volume, the one cost model): the DSL
 * strategy's orders pass through an order generator that quantizes them to the market's rules (quantize.ts) and
 * through the ordered risk guards (guards.ts) before they reach it. A session replays its window in one engine pass
 * and publishes its folder atomically (hidden temp folder renamed into place), so a kill -9 at any point leaves
 * either no session or a complete one: no acknowledged fill can be lost, and the rerun of the same command
 * recomputes the same final state (the engine, the strategy and the replayed bars are deterministic). A completed
 * session is not recomputed: rerunning its command reports it; a latched (REDUCING/HALTED) one is refused until
 * `live reset`.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isProcessAlive } from '../../process.js';
import { join } from 'node:path';
import { prepareRun, type Blueprint, type MarketSlice } from '../../dsl/index.js';
import {
  Engine, guardStrategy, settleLedger, violationCounts, type EngineContext, type EngineInput, type EngineResult, type ExposureLedger, type ExposurePolicy,
  type OrderEvent, type Strategy,
} from '../../engine/index.js';
import type { CostConfig } from '../../costs/schema.js';
import { DataError, UsageError } from '../../errors.js';
import { digestJson } from '../../hash.js';
import { tempPathFor, writeFileAtomic } from '../../fsx.js';
import type { Logger } from '../../log.js';
import { FifoBook, type Match } from './fifo.js';
import { checkBreakers, evaluateOrder, initialLatch, isRiskReducing, resetSession, riskDigest, type GuardEvent, type Latch, type RiskLimits } from './guards.js';
import { quantizeOrder, type MarketRules } from './quantize.js';

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
}

export interface SessionInput extends ReplayInput {
  blueprint: Blueprint;
}

export interface SessionState {
  session_id: string;
  status: 'complete';
  state: Latch['state'];
  tripped: Latch['tripped'];
  equity: number;
  cash: number;
  positions: Record<string, number>;
  last_bar_ts_ms: number;
  bars_processed: number;
  risk_digest: string;
  blueprint_id: string;
  n_fills: number;
  n_orders_denied: number;
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

interface Pending { bar: number; ts: number; ev: EventBody }

/** The replay through the engine with the order generator and guards between the strategy and the broker. */
export function replaySession(s: ReplayInput, killSwitchPresent: () => boolean): {
  result: EngineResult; pending: Pending[]; latch: Latch; denied: number; exposure?: ExposureLedger;
} {
  let input: EngineInput;
  let inner: Strategy;
  if (s.run) {
    ({ input, strategy: inner } = s.run);
  } else if (s.blueprint) {
    const p = prepareRun(s.blueprint, s.slice, s.costs, {
      initialCash: s.initialCash, risk: { maxGrossLeverage: 2 }, from: s.from, to: s.to, entryFrom: s.from, entryUntil: s.to - 2,
    });
    input = p.input;
    inner = p.compiled.strategy;
  } else {
    throw new UsageError('paper replay: give a blueprint or an engine input and strategy');
  }
  const guarded = s.exposure ? guardStrategy(input, inner, s.exposure, s.from) : undefined;
  const strategyOf = guarded ? guarded.strategy : inner;
  const latch = initialLatch();
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
  const readKill = () => {
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
    rejects = 0;
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
  const result = new Engine(input).run((t, ts, ctx) => {
    bar = t;
    tsNow = ts;
    ctxNow = ctx;
    wrapped ??= wrap(ctx);
    for (let i = 0; i < close.length; i++) if (close[i]![t] === close[i]![t]) { lastClose = ts + tfMs; break; }
    const eq = ctx.equity();
    if (eq > peak) peak = eq;
    readKill();
    barCtx.equity = eq; barCtx.peakEquity = peak; barCtx.consecutiveRejects = rejects; barCtx.lastBarCloseMs = lastClose;
    barCtx.nowMs = ts + tfMs; barCtx.killSwitchPresent = killNow;
    const trips = checkBreakers(latch, s.limits, barCtx);
    for (let k = 0; k < trips.length; k++) push(trips[k]!);
    strategyOf(t, ts, wrapped);
  });
  return { result, pending, latch, denied, ...(guarded ? { exposure: settleLedger(guarded.ledger, result.orderLog) } : {}) };
}

function csv(header: string[], rows: (string | number | boolean | null)[][]): string {
  return [header.join(','), ...rows.map((r) => r.map((x) => (x === null ? '' : String(x))).join(','))].join('\n') + '\n';
}

/** Merge guard/quantize events (at bar closes) with the engine's order log (fills at bars) in time order. */
function stateEvents(s: SessionInput, pending: Pending[], log: readonly OrderEvent[]): StateEvent[] {
  const syms = s.slice.instruments.map((k) => k.symbol);
  const ts = s.slice.ts_ms;
  type Item = { bar: number; phase: number; k: number; ev: Pending['ev']; ts: number };
  const items: Item[] = [];
  // in a bar: fills happen first (phase 0), then the close where guards and submissions happen (phase 1)
  log.forEach((e, k) => {
    const phase = e.event === 'submitted' || e.event === 'cancelled' ? 1 : 0;
    items.push({ bar: e.bar, phase, k, ts: ts[s.from + e.bar]!, ev: {
      type: 'order', event: e.event, order_id: e.orderId, symbol: syms[e.instrument]!, kind: e.kind, qty: e.qty,
      price: e.price ?? null, reason: e.reason ?? null, fee: e.fee ?? null,
    } });
  });
  pending.forEach((p, k) => items.push({ bar: p.bar, phase: 1, k: -1e9 + k, ts: p.ts, ev: p.ev }));
  items.sort((a, b) => a.bar - b.bar || a.phase - b.phase || a.k - b.k);
  return items.map((it, seq) => ({ seq, bar: it.bar, ts_ms: it.ts, ...it.ev }) as StateEvent);
}

export interface SessionOutcome {
  id: string;
  dir: string;
  state: SessionState;
  resumed: boolean;
}

/**
 * Run (or report) the session. `killSwitchPresent` is read at every bar close and before every order.
 */
export async function runSession(s: SessionInput, runsDir: string, log: Logger, killSwitchPresent: () => boolean): Promise<SessionOutcome> {
  const id = sessionId(s.identity);
  const dir = sessionDir(runsDir, id);
  if (existsSync(join(dir, 'state.json'))) {
    const st = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as SessionState;
    if (st.state !== 'ACTIVE') {
      throw new DataError(`session ${id} is ${st.state} (${Object.values(st.tripped).join('; ')})`, { file: join(dir, 'state.json'), field: 'state', value: st.state }, {
        hint: `review it, then: quantlab live reset --session ${id} --reason "..."`,
      });
    }
    log.info({ session: id, bars_processed: st.bars_processed }, `session ${id} is complete: all ${st.bars_processed} bars of its replay were processed; nothing to do`);
    return { id, dir, state: st, resumed: true };
  }
  await removeDeadTemps(join(runsDir, 'live', 'sessions'), id);
  const t0 = Date.now();
  const { result, pending, latch, denied, exposure } = replaySession(s, killSwitchPresent);
  const events = stateEvents(s, pending, result.orderLog);
  const syms = s.slice.instruments.map((k) => k.symbol);
  const ts = s.slice.ts_ms;
  const n = s.to - s.from;
  // FIFO inventory from the fills (booked at the engine's reference price; costs are separate components)
  const book = new FifoBook();
  const matches: Match[] = [];
  const fills = result.orderLog.filter((e) => e.event === 'filled');
  fills.forEach((e, k) => matches.push(...book.apply({ fill_id: `f${k}`, symbol: syms[e.instrument]!, qty: e.qty, price: e.price!, ts_ms: e.ts_ms })));
  const positions: Record<string, number> = {};
  syms.forEach((sym, i) => { positions[sym] = result.positions[i]!; });
  const state: SessionState = {
    session_id: id, status: 'complete', state: latch.state, tripped: latch.tripped, equity: result.equity[n - 1]!, cash: result.cash[n - 1]!,
    positions, last_bar_ts_ms: ts[s.to - 1]!, bars_processed: n, risk_digest: riskDigest(s.limits), blueprint_id: s.blueprint.id,
    n_fills: fills.length, n_orders_denied: denied,
  };
  const stateChanges = events.filter((e) => e.type === 'guard' && e.state_before !== e.state_after) as (StateEvent & GuardEvent)[];
  const iso = (x: number) => new Date(x).toISOString();
  const md = [
    `# Paper session ${id}`, '',
    `- blueprint ${s.blueprint.id} (${s.blueprint.name}); replay of ${n} bars ${iso(ts[s.from]!)} .. ${iso(ts[s.to - 1]! + s.slice.tfMs)} from the lake`,
    `- risk limits digest ${state.risk_digest}: ${JSON.stringify(s.limits)}`,
    `- market rules: ${JSON.stringify(s.rules)}`, '',
    '## State changes', '',
    ...(stateChanges.length ? stateChanges.map((e) => `- ${iso(e.ts_ms + s.slice.tfMs)} ${e.state_before} -> ${e.state_after}: ${e.message}`) : ['- none: ACTIVE throughout']),
    '', `Final: ${state.state}, equity ${state.equity.toFixed(2)}, ${fills.length} fills, ${denied} orders denied.`, '',
  ].join('\n');
  const tmp = tempPathFor(dir);
  await mkdir(join(tmp, 'logs'), { recursive: true });
  try {
    const jsonl = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n') + (xs.length ? '\n' : '');
    await writeFile(join(tmp, 'state.jsonl'), jsonl([
      { seq: -1, type: 'session', message: `session ${id} started`, identity: s.identity },
      ...events,
    ]));
    await writeFile(join(tmp, 'orders.csv'), csv(['order_id', 'bar_ts_utc', 'symbol', 'kind', 'event', 'qty', 'price', 'fee', 'slippage_impact', 'liquidity', 'reason'],
      result.orderLog.map((e) => [e.orderId, iso(e.ts_ms), syms[e.instrument]!, e.kind, e.event, e.qty, e.price ?? null, e.fee ?? null, e.slippageImpact ?? null, e.liquidity ?? null, e.reason ? JSON.stringify(e.reason) : null])));
    await writeFile(join(tmp, 'trades.csv'), csv(['symbol', 'side', 'qty', 'entry_price', 'exit_price', 'realized', 'open_fill', 'close_fill'],
      matches.map((m) => [m.symbol, m.side, m.qty, m.entry_price, m.exit_price, m.realized, m.open_fill_id, m.close_fill_id])));
    await writeFile(join(tmp, 'positions.csv'), csv(['symbol', 'lot_qty', 'lot_price', 'lot_ts_utc', 'fill'],
      book.symbols().flatMap((sym) => book.lotsOf(sym).map((l) => [sym, l.qty, l.price, iso(l.ts_ms), l.fill_id]))));
    const acct: (string | number)[][] = [];
    for (let t = 0; t < n; t++) acct.push([iso(ts[s.from + t]!), result.equity[t]!, result.cash[t]!, result.fees[t]!, result.slippageImpact[t]!, result.funding[t]!]);
    await writeFile(join(tmp, 'account.csv'), csv(['ts_utc', 'equity', 'cash', 'fees', 'slippage_impact', 'funding'], acct));
    const barRows: (string | number)[][] = [];
    for (let t = 0; t < s.to; t++) s.slice.bars.forEach((b, i) => barRows.push([ts[t]!, syms[i]!, b.open[t]!, b.high[t]!, b.low[t]!, b.close[t]!, b.volume[t]!]));
    await writeFile(join(tmp, 'bars.csv'), csv(['ts_ms', 'symbol', 'open', 'high', 'low', 'close', 'volume'], barRows));
    await writeFile(join(tmp, 'funding.json'), JSON.stringify({
      funding: (s.slice.funding ?? []).map((f) => (f ? { ts_ms: [...f.ts_ms], rate: [...f.rate] } : null)),
      tradable: (s.slice.tradable ?? []).map((x) => x ?? null),
    }) + '\n');
    await writeFile(join(tmp, 'engine_trades.json'), JSON.stringify(result.trades.map((t) => ({ ...t, symbol: syms[t.instrument] }))) + '\n');
    await writeFile(join(tmp, 'session.md'), md);
    if (exposure) {
      await writeFile(join(tmp, 'exposure.json'), JSON.stringify({
        experiment_id: s.identity.experiment_id ?? null, counts: violationCounts(exposure),
        blocks: exposure.blocks.map((b) => ({ ...b, symbol: syms[b.instrument] })), entries: exposure.entries.map((e) => ({ ...e, symbol: syms[e.instrument] })),
      }, null, 1) + '\n');
    }
    await writeFile(join(tmp, 'logs', 'run.log'), jsonl([
      { level: 'info', msg: `replayed ${n} bars in ${Date.now() - t0} ms`, session: id },
      ...stateChanges.map((e) => ({ level: 'warn', msg: e.message, ts_utc: iso(e.ts_ms) })),
    ]));
    await writeFile(join(tmp, 'input.json'), JSON.stringify({ blueprint: s.blueprint, costs: s.costs, initial_cash: s.initialCash, limits: s.limits, rules: s.rules, identity: s.identity, from_index: s.from, to_index: s.to, from_ts_ms: ts[s.from], to_ts_ms: ts[s.to - 1]! + s.slice.tfMs, tf_ms: s.slice.tfMs, instruments: s.slice.instruments }, null, 2) + '\n');
    await writeFile(join(tmp, 'state.json'), JSON.stringify(state, null, 2) + '\n');
    await mkdir(join(runsDir, 'live', 'sessions'), { recursive: true });
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  for (const e of stateChanges) log.warn({ session: id, rule: e.rule }, `${e.state_before} -> ${e.state_after}: ${e.message}`);
  log.info({ session: id, bars: n, fills: fills.length, denied, state: state.state, equity: state.equity, ms: Date.now() - t0 }, 'paper session complete');
  return { id, dir, state, resumed: false };
}

/** Temp folders of this session left by a killed run (`.<id>.tmp-<pid>-<rand>`, pid no longer alive). */
async function removeDeadTemps(sessions: string, id: string): Promise<void> {
  if (!existsSync(sessions)) return;
  for (const e of await readdir(sessions)) {
    const m = new RegExp(`^\\.${id}\\.tmp-(\\d+)-`).exec(e);
    if (m && !isProcessAlive(Number(m[1]))) await rm(join(sessions, e), { recursive: true, force: true });
  }
}

/** `live reset`: clear the latch with a reason, appended to state.jsonl and session.md; state.json rewritten. */
export async function resetSessionFolder(runsDir: string, id: string, reason: string, nowMs: number): Promise<SessionState> {
  const dir = sessionDir(runsDir, id);
  const file = join(dir, 'state.json');
  if (!existsSync(file)) throw new DataError(`no session ${id}`, { file, field: 'session', value: id }, { hint: 'list sessions under runs/live/sessions/' });
  const st = JSON.parse(await readFile(file, 'utf8')) as SessionState;
  const latch: Latch = { state: st.state, tripped: st.tripped };
  const ev = resetSession(latch, reason);
  await appendFile(join(dir, 'state.jsonl'), JSON.stringify({ seq: 'reset', ts_ms: nowMs, ...ev }) + '\n');
  await appendFile(join(dir, 'session.md'), `- ${new Date(nowMs).toISOString()} ${ev.state_before} -> ACTIVE: reset: ${reason} (cleared: ${ev.numbers.cleared || 'nothing'})\n`);
  const next: SessionState = { ...st, state: latch.state, tripped: latch.tripped };
  await writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n');
  return next;
}
