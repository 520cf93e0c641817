/** The walk-forward's out-of-sample trades as the columns of trades.parquet (TRADE_COLUMNS in files.ts). */
import { dictColumn } from '../../lake/index.js';
import type { EngineResult } from '../../engine/index.js';
import type { Blueprint } from '../../dsl/index.js';
import type { Grid } from './io.js';

/** A trade of a test window: its blueprint and window, the engine run's offset on the grid, the run's instruments. */
export interface OosTrade { bp: number; window: number; offset: number; t: EngineResult['trades'][number]; instruments: string[] }

export function tradeColumns(rows: readonly OosTrade[], bps: readonly Blueprint[], grid: Grid) {
  const num = (g: (r: (typeof rows)[number]) => number) => Float64Array.from(rows, g);
  return {
    blueprint_id: dictColumn(rows.map((r) => bps[r.bp]!.id)),
    window: Int32Array.from(rows, (r) => r.window),
    symbol: dictColumn(rows.map((r) => r.instruments[r.t.instrument]!)),
    side: Int32Array.from(rows, (r) => r.t.side),
    entry_ts_ms: num((r) => grid.ts0 + (r.offset + r.t.entryBar) * grid.tfMs),
    exit_ts_ms: num((r) => (r.t.exitBar >= 0 ? grid.ts0 + (r.offset + r.t.exitBar) * grid.tfMs : NaN)),
    entry_price: num((r) => r.t.entryPrice), exit_price: num((r) => r.t.exitPrice), qty: num((r) => r.t.qty),
    gross_pnl: num((r) => r.t.grossPnl), fees: num((r) => r.t.fees), slippage_impact: num((r) => r.t.slippageImpact),
    funding: num((r) => r.t.funding), borrow: num((r) => r.t.borrow), net_pnl: num((r) => r.t.netPnl),
    mae: num((r) => r.t.mae), mfe: num((r) => r.t.mfe),
  };
}
