/**
 * `live diff`: the bars a session saw (bars.csv: the history and the replay) run through the backtest engine with
 * the same blueprint, costs and capital (runBlueprint, no guards, no quantization), and every trade that differs
 * from the session's (time, side, size beyond one lot, price) is reported with the reason found in state.jsonl
 * (a guard denial or a quantization refusal at that bar), or `unexplained`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBlueprint, type Blueprint } from '../../dsl/index.js';
import type { CostConfig } from '../../costs/schema.js';
import type { TradeRecord } from '../../engine/index.js';
import type { InstrumentKey } from '../../market.js';
import { DataError } from '../../errors.js';
import { sessionDir } from './session.js';
import type { MarketRules } from './quantize.js';

export interface TradeDiff {
  symbol: string;
  side: 'long' | 'short';
  entry_time: string;
  field: 'missing_in_session' | 'missing_in_backtest' | 'exit_time' | 'size' | 'entry_price' | 'exit_price';
  session: number | string | null;
  backtest: number | string | null;
  reason: string;
}

type SessionTrade = TradeRecord & { symbol: string };

export async function diffSession(runsDir: string, id: string): Promise<{ diffs: TradeDiff[]; session_trades: number; backtest_trades: number }> {
  const dir = sessionDir(runsDir, id);
  let input: {
    blueprint: Blueprint; costs: CostConfig; initial_cash: number; rules: MarketRules; from_index: number; to_index: number; tf_ms: number; instruments: InstrumentKey[];
  };
  try {
    input = JSON.parse(await readFile(join(dir, 'input.json'), 'utf8'));
  } catch {
    throw new DataError(`no session ${id}`, { file: join(dir, 'input.json'), field: 'session', value: id }, { hint: 'run quantlab live trade first; sessions are under runs/live/sessions/' });
  }
  const syms = input.instruments.map((k) => k.symbol);
  const lines = (await readFile(join(dir, 'bars.csv'), 'utf8')).trim().split('\n').slice(1);
  const n = input.to_index;
  const m = syms.length;
  if (lines.length !== n * m) throw new DataError(`bars.csv holds ${lines.length} rows, expected ${n} bars x ${m} instruments`, { file: join(dir, 'bars.csv') });
  const ts_ms = new Float64Array(n);
  const bars = syms.map(() => ({ open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) }));
  lines.forEach((l, r) => {
    const [t, , o, h, lo, c, v] = l.split(',');
    const k = Math.floor(r / m);
    const i = r % m;
    ts_ms[k] = Number(t);
    const b = bars[i]!;
    b.open[k] = Number(o); b.high[k] = Number(h); b.low[k] = Number(lo); b.close[k] = Number(c); b.volume[k] = Number(v);
  });
  // funding and tradable spans come from the session's recorded blueprint inputs: a paper replay of a perp needs them
  const fundingFile = join(dir, 'funding.json');
  let funding: { ts_ms: number[]; rate: number[] }[] | undefined;
  let tradable: ({ start_ms: number; end_ms: number } | null)[] | undefined;
  try {
    const f = JSON.parse(await readFile(fundingFile, 'utf8'));
    funding = f.funding;
    tradable = f.tradable;
  } catch {
    funding = undefined;
  }
  const { result } = runBlueprint(input.blueprint, {
    instruments: input.instruments, ts_ms, tfMs: input.tf_ms, bars, features: syms.map(() => ({})), events: syms.map(() => new Map()),
    ...(funding ? { funding: funding.map((f) => (f ? { ts_ms: Float64Array.from(f.ts_ms), rate: Float64Array.from(f.rate) } : undefined)) } : {}),
    ...(tradable ? { tradable: tradable.map((x) => x ?? undefined) } : {}),
  }, input.costs, { initialCash: input.initial_cash, risk: { maxGrossLeverage: 2 }, from: input.from_index, to: n, entryFrom: input.from_index, entryUntil: n - 2 });
  const sess = JSON.parse(await readFile(join(dir, 'engine_trades.json'), 'utf8')) as SessionTrade[];
  const events = (await readFile(join(dir, 'state.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; decision?: string; ts_ms?: number; message?: string; order?: { symbol: string }; rule?: string });
  const iso = (x: number) => (Number.isFinite(x) ? new Date(x).toISOString() : 'open');
  const key = (t: { instrument: number; entryTs: number; side: number }) => `${t.instrument}|${t.entryTs}|${t.side}`;
  const bt = result.trades;
  const sMap = new Map(sess.map((t) => [key(t), t]));
  const bMap = new Map(bt.map((t) => [key(t), t]));
  const why = (symbol: string, entryTs: number): string => {
    const signalTs = entryTs - input.tf_ms; // orders are sent at the close of the bar before the fill
    const hit = events.find((e) => e.ts_ms === signalTs && ((e.type === 'guard' && e.decision === 'deny' && e.order?.symbol === symbol) || (e.type === 'quantize' && e.decision === 'reject' && e.message?.startsWith(`${symbol} `))));
    if (!hit) return 'unexplained';
    return hit.type === 'guard' ? `guard ${hit.rule} denied the order: ${hit.message}` : `quantization refused the order: ${hit.message}`;
  };
  const diffs: TradeDiff[] = [];
  const lot = input.rules.lot_size;
  const tick = input.rules.tick_size;
  for (const b of bt) {
    const s = sMap.get(key(b));
    const base = { symbol: syms[b.instrument]!, side: (b.side === 1 ? 'long' : 'short') as 'long' | 'short', entry_time: iso(b.entryTs) };
    if (!s) { diffs.push({ ...base, field: 'missing_in_session', session: null, backtest: b.maxQty, reason: why(base.symbol, b.entryTs) }); continue; }
    if (s.exitTs !== b.exitTs && !(Number.isNaN(s.exitTs) && Number.isNaN(b.exitTs))) diffs.push({ ...base, field: 'exit_time', session: iso(s.exitTs), backtest: iso(b.exitTs), reason: why(base.symbol, b.exitTs) });
    if (Math.abs(s.maxQty - b.maxQty) >= lot) diffs.push({ ...base, field: 'size', session: s.maxQty, backtest: b.maxQty, reason: why(base.symbol, b.entryTs) });
    if (Math.abs(s.entryPrice - b.entryPrice) > tick / 2) diffs.push({ ...base, field: 'entry_price', session: s.entryPrice, backtest: b.entryPrice, reason: 'unexplained' });
    if (Math.abs(s.exitPrice - b.exitPrice) > tick / 2) diffs.push({ ...base, field: 'exit_price', session: s.exitPrice, backtest: b.exitPrice, reason: 'unexplained' });
  }
  for (const s of sess) {
    if (!bMap.has(key(s))) diffs.push({ symbol: s.symbol, side: s.side === 1 ? 'long' : 'short', entry_time: iso(s.entryTs), field: 'missing_in_backtest', session: s.maxQty, backtest: null, reason: 'unexplained' });
  }
  return { diffs, session_trades: sess.length, backtest_trades: bt.length };
}
