/**
 * The database rows of one experiment run, from the engine's order log and the exposure ledger: every key is
 * derived from the run (engine order ids, bars, symbols), so a rerun of the same run produces the same rows and the
 * store's ON CONFLICT DO NOTHING keeps them exactly once. Pure.
 *
 *   orders              one per submitted order: ts_ms = submission (the close of its bar), order_type market |
 *                       limit | post_only | stop, qty absolute with side, status = the order's last event
 *   fills               one per filled order (the engine fills an order at most once): fill_id `f<order>`, ts_ms =
 *                       the fill bar's open, price = the execution price (reference +/- slippage and impact), fee
 *   position_snapshots  after every bar with a fill of a symbol: position, average entry (reference prices) and the
 *                       unrealized PnL at that bar's close (ts_ms = the bar's close)
 *   risk_allocations    one per accepted entry: notional at the decision price and the risk to its stop
 *   blocks              one per refusal, resize, forced exit or post-only reject; key `<bar>:<symbol>:<rule>:<n>`
 */
import type { EngineBars, EngineResult, ExposureLedger } from '../engine/index.js';
import type { FillRow, OrderRow, PositionSnapshotRow, RiskAllocationRow } from './store.js';

export interface RunRows {
  orders: OrderRow[];
  fills: FillRow[];
  snapshots: PositionSnapshotRow[];
  allocations: RiskAllocationRow[];
  blocks: { key: string; ts_ms: number; symbol: string; rule: string; detail: Record<string, unknown> }[];
}

export function runRows(o: {
  experiment_id: string; run_id: string; symbols: readonly string[]; ts_ms: Float64Array; tfMs: number;
  bars: readonly EngineBars[]; result: EngineResult; ledger: ExposureLedger;
}): RunRows {
  const { experiment_id, run_id, symbols, ts_ms, tfMs, bars, result, ledger } = o;
  const id = { experiment_id, run_id };
  const post = new Set(ledger.entries.filter((e) => e.postOnly).map((e) => e.orderId));
  const orders = new Map<number, OrderRow>();
  const fills: FillRow[] = [];
  const snapshots: PositionSnapshotRow[] = [];
  const pos = new Float64Array(symbols.length);
  const avg = new Float64Array(symbols.length);
  const touched = new Set<number>();
  let bar = -1;
  const flush = () => {
    for (const i of touched) {
      const c = bars[i]!.close[bar]!;
      snapshots.push({ ...id, ts_ms: ts_ms[bar]! + tfMs, symbol: symbols[i]!, qty: pos[i]!, avg_price: pos[i] === 0 ? 0 : avg[i]!, unrealized_usd: pos[i] === 0 || !(c === c) ? 0 : pos[i]! * (c - avg[i]!) });
    }
    touched.clear();
  };
  for (const e of result.orderLog) {
    if (e.event === 'submitted') {
      const type = e.kind === 'limit' && post.has(e.orderId) ? 'post_only' : e.kind;
      orders.set(e.orderId, {
        ...id, order_id: `o${e.orderId}`, ts_ms: e.ts_ms + tfMs, symbol: symbols[e.instrument]!, side: e.qty > 0 ? 'buy' : 'sell',
        order_type: type, qty: Math.abs(e.qty), limit_price: e.kind === 'market' ? null : e.price ?? null, status: 'live',
      });
      continue;
    }
    const row = orders.get(e.orderId);
    if (row && e.event !== 'capacity_cut' && e.event !== 'resized') row.status = e.event;
    if (e.event !== 'filled') continue;
    if (!row) {
      // an order the engine submitted and filled in one bar (a position closed at the end of its funding span)
      orders.set(e.orderId, { ...id, order_id: `o${e.orderId}`, ts_ms: e.ts_ms, symbol: symbols[e.instrument]!, side: e.qty > 0 ? 'buy' : 'sell', order_type: 'market', qty: Math.abs(e.qty), limit_price: null, status: 'filled' });
    }
    if (e.bar !== bar) { if (bar >= 0) flush(); bar = e.bar; }
    const side = e.qty > 0 ? 1 : -1;
    const ref = e.price!;
    fills.push({
      ...id, fill_id: `f${e.orderId}`, order_id: `o${e.orderId}`, ts_ms: e.ts_ms, symbol: symbols[e.instrument]!, side: side > 0 ? 'buy' : 'sell',
      qty: Math.abs(e.qty), price: ref * (1 + (side * (e.costBps ?? 0)) / 1e4), fee_usd: e.fee ?? 0,
    });
    const i = e.instrument;
    const p = pos[i]!;
    const n = p + e.qty;
    if (p === 0 || Math.sign(p) === Math.sign(e.qty)) avg[i] = (p * avg[i]! + e.qty * ref) / n;
    else if (Math.sign(n) !== Math.sign(p) && n !== 0) avg[i] = ref;
    pos[i] = Math.abs(n) < 1e-12 * Math.max(Math.abs(p), Math.abs(e.qty)) ? 0 : n;
    touched.add(i);
  }
  if (bar >= 0) flush();
  const allocations: RiskAllocationRow[] = ledger.entries.map((en) => ({
    ...id, ts_ms: ts_ms[en.bar]! + tfMs, symbol: symbols[en.instrument]!,
    notional_usd: Math.abs(en.qty) * (en.limitPrice ?? en.decisionPrice), risk_usd: Math.abs(en.qty) * en.stopDistance,
  }));
  const seen = new Map<string, number>();
  const blocks = ledger.blocks.map((b) => {
    const base = `${b.bar}:${symbols[b.instrument]}:${b.rule}`;
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    return { key: `${base}:${k}`, ts_ms: b.ts_ms + tfMs, symbol: symbols[b.instrument]!, rule: b.rule, detail: { action: b.action, qty: b.qty, ...b.detail } };
  });
  return { orders: [...orders.values()], fills, snapshots, allocations, blocks };
}
