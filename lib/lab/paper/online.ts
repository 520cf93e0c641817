/**
 * The online feed of a paper session (`live trade --feed ccxt`, docs/lab.md "Online feed"): public candles polled
 * with ccxt (no keys), closed bars only (a bar whose close time is after the clock is still forming and is dropped),
 * placed on the session's fixed grid [history start, window end) whose future bars are NaN placeholders. Each poll
 * records the bars seen (bars.csv) and runs the session to the last closed bar through the same journal as the
 * replay (session.ts): a restart reloads the recorded bars, verifies the journal and fetches only what is newer.
 * The session is `complete` once the window's last bar has closed; until then it stays `running`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { MarketSlice } from '../../dsl/index.js';
import type { InstrumentKey } from '../../market.js';
import { openCcxt } from './ccxt_adapter.js';
import type { ExternalOrderEvent } from '../../engine/index.js';
import { lastAcknowledgedBar, runSession, sessionDir, sessionId, type CrashHook, type SessionInput, type SessionOutcome } from './session.js';

/**
 * A live session's order routing around each run of the session (live_router.ts): the exchange's events as the
 * engine's fills, a reconciliation before the run (the first bar not yet acknowledged), the routing after it.
 */
export interface LiveHooks {
  open(id: string, dir: string, t0Ms: number): Promise<{
    external: (t: number) => readonly ExternalOrderEvent[] | undefined;
    beforeRun(firstOpenBar: number): Promise<void>;
    afterRun(lastBar: number, state: string, complete: boolean): Promise<void>;
  }>;
}

export interface OnlineFeedOptions {
  exchangeId: string;
  /** ccxt unified symbol (BTC/USDT). */
  ccxtSymbol: string;
  key: InstrumentKey;
  timeframe: string;
  tfMs: number;
  /** Grid: history from gridStartMs, the session's window [startMs, endMs). */
  gridStartMs: number;
  startMs: number;
  endMs: number;
  pollMs: number;
  /** Stop after this many polls (the session stays running; the same command resumes it). */
  maxPolls: number;
  urls?: Record<string, unknown> | undefined;
  nowMs: () => number;
  sleep: (ms: number) => Promise<void>;
  /** ccxt's request throttle (default on; tests on a virtual clock turn it off). */
  throttle?: boolean | undefined;
}

export interface CandleSource { fetchOHLCV(symbol: string, timeframe: string, since?: number, limit?: number): Promise<unknown[]> }

/** Closed candles with open time >= sinceMs and < untilMs, by pages of up to 1000. */
export async function fetchClosedCandles(ex: CandleSource, o: Pick<OnlineFeedOptions, 'ccxtSymbol' | 'timeframe' | 'tfMs' | 'exchangeId'>, sinceMs: number, untilMs: number, nowMs: number): Promise<number[][]> {
  const out: number[][] = [];
  let since = sinceMs;
  for (let page = 0; page < 10_000 && since < untilMs; page++) {
    let rows: unknown[];
    try {
      rows = await ex.fetchOHLCV(o.ccxtSymbol, o.timeframe, since, 1000);
    } catch (e) {
      throw new DataError(`ccxt ${o.exchangeId} ${o.ccxtSymbol} ${o.timeframe} candles from ${new Date(since).toISOString()}: ${(e as Error).message}`, { file: `ccxt:${o.exchangeId}`, field: 'fetchOHLCV' }, { hint: 'check the network; the session is journaled: the same command resumes it' });
    }
    let last = -Infinity;
    for (const r of rows) {
      const row = r as number[];
      const [t, op, h, l, c, v] = row.map(Number) as [number, number, number, number, number, number];
      if (!(Number.isFinite(t) && t % o.tfMs === 0)) throw new DataError(`ccxt ${o.exchangeId} ${o.ccxtSymbol}: candle open time ${row[0]} is not on the ${o.timeframe} grid`, { file: `ccxt:${o.exchangeId}`, field: 'timestamp', value: String(row[0]) });
      if (!(h >= Math.max(op, c, l) && l <= Math.min(op, c) && l > 0 && v >= 0)) {
        throw new DataError(`ccxt ${o.exchangeId} ${o.ccxtSymbol}: candle ${new Date(t).toISOString()} is not a bar (o ${op} h ${h} l ${l} c ${c} v ${v})`, { file: `ccxt:${o.exchangeId}`, field: 'ohlcv', value: JSON.stringify(row) });
      }
      last = Math.max(last, t);
      if (t < since || t >= untilMs || t + o.tfMs > nowMs) continue; // before, after, or still forming
      if (out.length && t <= out[out.length - 1]![0]!) continue;
      out.push([t, op, h, l, c, v]);
    }
    if (rows.length === 0 || !(last >= since)) break;
    since = last + o.tfMs;
    if (since + o.tfMs > nowMs) break;
  }
  return out;
}

/** Load the bars a previous run of this session recorded (bars.csv) into the grid; returns how many bars are known. */
async function loadRecorded(dir: string, slice: MarketSlice): Promise<number> {
  const f = join(dir, 'bars.csv');
  if (!existsSync(f)) return 0;
  const lines = (await readFile(f, 'utf8')).trim().split('\n').slice(1);
  const b = slice.bars[0]!;
  lines.forEach((l, r) => {
    const [t, , o, h, lo, c, v] = l.split(',');
    if (Number(t) !== slice.ts_ms[r]) throw new DataError('recorded bar is off the session grid', { file: f, line: r + 2, field: 'ts_ms', value: t }, { hint: 'the session folder was edited: start a new session' });
    b.open[r] = Number(o); b.high[r] = Number(h); b.low[r] = Number(lo); b.close[r] = Number(c); b.volume[r] = Number(v);
  });
  return lines.length;
}

/**
 * Run an online paper session: poll, record, journal, until the window's last bar closed or `maxPolls` polls.
 * `build` makes the session input from the grid slice (blueprint, costs, limits, rules, identity).
 */
export async function runOnlineSession(
  o: OnlineFeedOptions, build: (slice: MarketSlice, from: number, to: number) => Omit<SessionInput, 'barsKnown'>,
  runsDir: string, log: Logger, killSwitchPresent: () => boolean, crash?: CrashHook, live?: LiveHooks,
): Promise<SessionOutcome & { polls: number }> {
  if (!(o.endMs > o.startMs)) throw new UsageError('--feed ccxt needs a window that ends after it starts');
  const n = Math.round((o.endMs - o.gridStartMs) / o.tfMs);
  const ts_ms = new Float64Array(n);
  for (let t = 0; t < n; t++) ts_ms[t] = o.gridStartMs + t * o.tfMs;
  const nan = () => new Float64Array(n).fill(NaN);
  const slice: MarketSlice = { instruments: [o.key], ts_ms, tfMs: o.tfMs, bars: [{ open: nan(), high: nan(), low: nan(), close: nan(), volume: nan() }], features: [{}], events: [new Map()] };
  const from = Math.round((o.startMs - o.gridStartMs) / o.tfMs);
  const input = build(slice, from, n);
  const id = sessionId(input.identity);
  const dir = sessionDir(runsDir, id);
  let known = await loadRecorded(dir, slice);
  const router = live ? await live.open(id, dir, o.startMs) : undefined;
  // a live session: every order sent but not ended is looked up at the exchange before anything else happens
  if (router) await router.beforeRun((await lastAcknowledgedBar(dir)) + 1);
  if (known > 0) log.info({ session: id, recorded_bars: known }, `session ${id}: ${known} recorded bars reloaded; fetching newer closed bars`);
  const ex = openCcxt(o.exchangeId, { urls: o.urls, rateLimit: o.throttle !== false });
  let out: SessionOutcome | undefined;
  let firstResume: number | undefined; // where this command's first run of the session resumed
  let polls = 0;
  for (;;) {
    const now = o.nowMs();
    const rows = await fetchClosedCandles(ex, o, o.gridStartMs + known * o.tfMs, o.endMs, now);
    polls++;
    const b = slice.bars[0]!;
    for (const [t, op, h, l, c, v] of rows) {
      const k = Math.round((t! - o.gridStartMs) / o.tfMs);
      b.open[k] = op!; b.high[k] = h!; b.low[k] = l!; b.close[k] = c!; b.volume[k] = v!;
      known = Math.max(known, k + 1);
    }
    // a bar the exchange skipped (a gap before a later candle) stays NaN: the engine fills nothing there
    log.info({ poll: polls, new_bars: rows.length, known_bars: known, of: n }, `poll ${polls}: ${rows.length} new closed ${o.timeframe} bars`);
    if (known > from) {
      if (router) await router.beforeRun((await lastAcknowledgedBar(dir)) + 1);
      out = await runSession({ ...input, barsKnown: known, ...(router ? { external: router.external } : {}) }, runsDir, log, killSwitchPresent, crash);
      if (router && !out.resumed) await router.afterRun(out.state.bars_processed - 1, out.state.state, out.state.status === 'complete');
      firstResume ??= out.resumedAfterBars;
    }
    if (known >= n || polls >= o.maxPolls) break;
    await o.sleep(o.pollMs);
  }
  if (out === undefined) {
    throw new DataError(`no closed bar of the window yet after ${polls} polls (the window starts ${new Date(o.startMs).toISOString()})`, { file: `ccxt:${o.exchangeId}`, field: 'window', value: new Date(o.nowMs()).toISOString() }, {
      hint: 'run the command again once the window has started (nothing was journaled)',
    });
  }
  return { ...out, resumedAfterBars: firstResume ?? 0, polls };
}
