/**
 * One lab backtest: a DSL blueprint through lib/engine (runBlueprint) on the bars of a window, with the whole
 * history before the window behind it, in the walk-forward's conventions (lib/stages/walkforward pass 1): the
 * engine runs on bars [from, to), new entries stop two bars before the end and anything open is closed at the last
 * bar's open, the risk allocator caps gross leverage. Metrics are lib/stats/curve_metrics `curveMetrics` on the
 * engine's equity curve, so a lab run and the walk-forward report the same numbers for the same blueprint.
 */
import type { CostConfig } from '../costs/schema.js';
import { runBlueprint, type Blueprint, type Decision, type MarketSlice } from '../dsl/index.js';
import type { EngineResult, ExposureLedger, ExposurePolicy } from '../engine/index.js';
import { DataError } from '../errors.js';
import { barsPerYear, type Timeframe } from '../timeframe.js';
import { curveMetrics, equityReturns, type CurveMetrics } from '../stats/curve_metrics.js';
import type { ResolvedWindow } from './window.js';

export interface BacktestOptions {
  initialCash: number;
  /** Risk allocator cap on gross notional / equity (walk-forward default 2). */
  maxGrossLeverage: number;
  /** An experiment's exposure the blueprint is held to (labels keyed by slice index). */
  exposure?: ExposurePolicy;
}

export interface LabTrade {
  symbol: string;
  side: 'long' | 'short';
  entry_time: string;
  exit_time: string;
  qty: number;
  entry_price: number;
  exit_price: number;
  gross_pnl: number;
  fees: number;
  slippage_impact: number;
  funding: number;
  borrow: number;
  net_pnl: number;
  open: boolean;
}

export interface BacktestRun {
  blueprint: Blueprint;
  /** Slice indices of the engine run: bars [from, to). */
  from: number;
  to: number;
  result: EngineResult;
  decisions: Decision[];
  metrics: CurveMetrics;
  ts_ms: Float64Array;
  trades: LabTrade[];
  /** With options.exposure: the blocks, resizes, forced exits and accepted entries. */
  exposure?: ExposureLedger;
}

/** Slice bars [from, to) whose open time lies in [startMs, endMs). */
export function windowBars(ts: Float64Array, startMs: number, endMs: number): { from: number; to: number } {
  let from = 0;
  while (from < ts.length && ts[from]! < startMs) from++;
  let to = from;
  while (to < ts.length && ts[to]! < endMs) to++;
  return { from, to };
}

export function runLabBacktest(
  bp: Blueprint, slice: MarketSlice, costs: CostConfig, w: ResolvedWindow, o: BacktestOptions, where: string,
): BacktestRun {
  const { from, to } = windowBars(slice.ts_ms, w.startMs, w.endMs);
  if (to - from < 3) {
    throw new DataError(`the window ${w.start_utc} .. ${w.end_utc} holds ${to - from} ${bp.timeframe} bars of data, a backtest needs at least 3`, {
      file: where, field: 'window', value: w.spec,
    }, { hint: 'widen the window' });
  }
  const { result, decisions, exposure } = runBlueprint(bp, slice, costs, {
    initialCash: o.initialCash, risk: { maxGrossLeverage: o.maxGrossLeverage }, from, to, entryFrom: from, entryUntil: to - 2,
    ...(o.exposure ? { exposure: o.exposure } : {}),
  });
  const ts_ms = slice.ts_ms.subarray(from, to);
  const returns = equityReturns(result.equity, o.initialCash);
  const traded = new Float64Array(to - from);
  for (const e of result.orderLog) if (e.event === 'filled') traded[e.bar]! += Math.abs(e.qty * (e.price ?? 0));
  const metrics = curveMetrics({
    ts_ms, tfMs: slice.tfMs, returns, equity: result.equity, gross: result.gross, traded,
    tradePnls: result.trades.filter((t) => t.exitBar >= 0).map((t) => t.netPnl), barsPerYear: barsPerYear(bp.timeframe as Timeframe),
  });
  const iso = (x: number) => (Number.isFinite(x) ? new Date(x).toISOString() : '');
  const trades: LabTrade[] = result.trades.map((t) => ({
    symbol: slice.instruments[t.instrument]!.symbol,
    side: t.side === 1 ? 'long' : 'short',
    entry_time: iso(t.entryTs), exit_time: iso(t.exitTs), qty: t.maxQty,
    entry_price: t.entryPrice, exit_price: t.exitPrice, gross_pnl: t.grossPnl, fees: t.fees,
    slippage_impact: t.slippageImpact, funding: t.funding, borrow: t.borrow, net_pnl: t.netPnl, open: t.exitBar < 0,
  }));
  return { blueprint: bp, from, to, result, decisions, metrics, ts_ms, trades, ...(exposure ? { exposure } : {}) };
}
