/**
 * The realtime quote loop, source-agnostic: a feed gives each bar's open when it starts (the quotes are computed
 * then and emitted at once) and the complete bar when it ends (paper fills against it, through the same MmBook as
 * the backtest). Warm-up bars go through the book first so sigma is known from the first iteration. Nothing here
 * places an order: the loop is paper only (lib/mm/modes.ts guards live).
 */
import { MmBook, inferTick, runMarketMaker, type Fill, type MmCosts, type MmParams } from './backtest.js';
import type { MmBars, MmFunding } from './data.js';

export interface FeedBar {
  ts_ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface BarFeed {
  /** complete bars before the first iteration (oldest first) */
  warmup(): Promise<FeedBar[]>;
  /** the next bar's open time and open price when it starts, or null when the feed has ended */
  nextOpen(): Promise<{ ts_ms: number; open: number } | null>;
  /** that bar, complete */
  complete(ts_ms: number): Promise<FeedBar>;
}

/** Bars that grow one at a time, viewed as MmBars (capacity doubles). */
export class GrowingBars implements MmBars {
  file = 'realtime';
  ts_ms = new Float64Array(64);
  open = new Float64Array(64);
  high = new Float64Array(64);
  low = new Float64Array(64);
  close = new Float64Array(64);
  volume = new Float64Array(64);
  length = 0;
  constructor(readonly timeframe: MmBars['timeframe'], readonly tfMs: number) {}
  push(b: FeedBar): number {
    if (this.length === this.ts_ms.length) {
      for (const k of ['ts_ms', 'open', 'high', 'low', 'close', 'volume'] as const) {
        const a = new Float64Array(this.length * 2);
        a.set(this[k]);
        this[k] = a;
      }
    }
    const i = this.length++;
    this.ts_ms[i] = b.ts_ms; this.open[i] = b.open; this.high[i] = b.high; this.low[i] = b.low; this.close[i] = b.close; this.volume[i] = b.volume;
    return i;
  }
  /** set the later fields of bar i once it is complete */
  complete(i: number, b: FeedBar): void {
    this.high[i] = b.high; this.low[i] = b.low; this.close[i] = b.close; this.volume[i] = b.volume;
  }
}

export interface QuoteLine {
  type: 'quote';
  iteration: number;
  ts_utc: string;
  symbol: string;
  mode: 'paper';
  mid: number;
  bid: number | null;
  ask: number | null;
  spread_bps: number | null;
  inventory_lots: number;
  sigma_bps_per_sqrt_s: number | null;
}

export interface FillLine {
  type: 'paper_fills';
  iteration: number;
  ts_utc: string;
  fills: { side: 'buy' | 'sell'; price: number; qty: number }[];
  position_base: number;
  equity_usd: number;
}

export interface RealtimeResult {
  iterations: number;
  /** position (base units) at the end, before the end-of-run flattening */
  position_base: number;
  /** equity after flattening at taker cost, USD */
  equity_usd: number;
  fills: Fill[];
}

/** Runs `iterations` iterations; each emitted line goes to `emit` (the caller writes stdout and the jsonl file). */
export async function runRealtime(o: {
  feed: BarFeed; params: MmParams; costs: MmCosts; funding?: MmFunding; timeframe: MmBars['timeframe']; tfMs: number;
  symbol: string; iterations: number; tick?: number; emit: (line: QuoteLine | FillLine) => void | Promise<void>;
}): Promise<RealtimeResult> {
  if (!(Number.isInteger(o.iterations) && o.iterations >= 1)) throw new RangeError(`iterations must be an integer >= 1, was ${o.iterations}`);
  const bars = new GrowingBars(o.timeframe, o.tfMs);
  const warm = await o.feed.warmup();
  for (const w of warm) bars.push(w);
  const tick = o.tick && o.tick > 0 ? o.tick : inferTick(bars);
  const book = new MmBook(o.params, o.costs, 'through', tick, o.tfMs, o.funding);
  for (let i = 0; i < warm.length; i++) {
    book.quote(bars, i);
    book.settle(bars, i);
  }
  let done = 0;
  for (let it = 0; it < o.iterations; it++) {
    const start = await o.feed.nextOpen();
    if (!start) break;
    const i = bars.push({ ts_ms: start.ts_ms, open: start.open, high: NaN, low: NaN, close: NaN, volume: NaN });
    const q = book.quote(bars, i);
    const fin = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
    await o.emit({
      type: 'quote', iteration: it, ts_utc: new Date(start.ts_ms).toISOString(), symbol: o.symbol, mode: 'paper', mid: start.open,
      bid: fin(q?.bid), ask: fin(q?.ask), spread_bps: q && Number.isFinite(q.ask - q.bid) ? ((q.ask - q.bid) / start.open) * 1e4 : null,
      inventory_lots: q?.inventory_lots ?? (book.pos * start.open) / o.params.lot_notional_usd, sigma_bps_per_sqrt_s: fin(q?.sigma_bps_per_sqrt_s),
    });
    const bar = await o.feed.complete(start.ts_ms);
    bars.complete(i, bar);
    const before = book.fills.length;
    const s = book.settle(bars, i);
    await o.emit({
      type: 'paper_fills', iteration: it, ts_utc: new Date(start.ts_ms + o.tfMs).toISOString(),
      fills: book.fills.slice(before).map((f) => ({ side: f.side === 1 ? 'buy' : 'sell', price: f.price, qty: f.qty })),
      position_base: book.pos, equity_usd: s.equity,
    });
    done++;
  }
  const position = book.pos;
  book.flatten();
  return { iterations: done, position_base: position, equity_usd: book.equity(), fills: book.fills };
}

/** A feed replaying lake bars: warm-up bars [from - warm, from), then one bar per iteration, waiting tf / speed. */
export function replayFeed(b: MmBars, from: number, warm: number, speed: number, sleep: (ms: number) => Promise<void>): BarFeed {
  let next = from;
  const row = (i: number): FeedBar => ({ ts_ms: b.ts_ms[i]!, open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! });
  return {
    warmup: async () => Array.from({ length: Math.min(warm, from) }, (_, j) => row(from - Math.min(warm, from) + j)),
    nextOpen: async () => (next < b.ts_ms.length ? { ts_ms: b.ts_ms[next]!, open: b.open[next]! } : null),
    complete: async (ts) => {
      if (speed > 0) await sleep(b.tfMs / speed);
      const i = next++;
      if (b.ts_ms[i] !== ts) throw new Error(`replay out of step: expected bar ${ts}, at ${b.ts_ms[i]}`);
      return row(i);
    },
  };
}

/** The bars [from, to) of b as their own MmBars. */
export function sliceBars(b: MmBars, from: number, to: number): MmBars {
  return {
    file: b.file, timeframe: b.timeframe, tfMs: b.tfMs, ts_ms: b.ts_ms.slice(from, to), open: b.open.slice(from, to), high: b.high.slice(from, to),
    low: b.low.slice(from, to), close: b.close.slice(from, to), volume: b.volume.slice(from, to),
  };
}

export interface Reconciliation {
  iterations: number;
  paper: { equity_usd: number; position_base: number };
  backtest: { equity_usd: number; position_base: number };
  equity_diff_usd: number;
  position_diff_base: number;
  reconciled: boolean;
}

/**
 * A paper run of the realtime loop over bars [from, from + iterations) (after `warm` warm-up bars) against the
 * backtest of the same bars: equity after the end-of-run flattening and the position before it must agree to 1e-6.
 */
export async function reconcilePaper(b: MmBars, funding: MmFunding | undefined, p: MmParams, costs: MmCosts, from: number, iterations: number, symbol: string): Promise<Reconciliation> {
  const warm = p.vol_window_bars + 1;
  const tick = p.tick_size > 0 ? p.tick_size : inferTick(b);
  const rt = await runRealtime({
    feed: replayFeed(b, from, warm, 0, async () => {}), params: p, costs, funding, timeframe: b.timeframe, tfMs: b.tfMs, symbol, iterations, tick,
    emit: () => {},
  });
  const lo = Math.max(0, from - warm);
  const bt = runMarketMaker(sliceBars(b, lo, from + rt.iterations), funding, { ...p, tick_size: tick }, costs, 'through');
  // the backtest's position before its final liquidation: its fills, or 0 once the kill switch has flattened it
  const posBt = bt.kill.tripped ? 0 : bt.fills.reduce((s, f) => s + f.side * f.qty, 0);
  const eqDiff = Math.abs(rt.equity_usd - bt.pnl.net_pnl_usd);
  const posDiff = Math.abs(rt.position_base - posBt);
  return {
    iterations: rt.iterations, paper: { equity_usd: rt.equity_usd, position_base: rt.position_base },
    backtest: { equity_usd: bt.pnl.net_pnl_usd, position_base: posBt }, equity_diff_usd: eqDiff, position_diff_base: posDiff,
    reconciled: eqDiff <= 1e-6 && posDiff <= 1e-9,
  };
}
