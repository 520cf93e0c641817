/**
 * The walk-forward's output files and the out-of-sample table's columns, apart from the stage's code: the report
 * reads them, and importing them from run.ts would load the whole walk-forward (engine, DSL, statistics: ~0.14 s of
 * CPU) into the report stage for three constants.
 */
import type { ColumnSchema } from '../../lake/index.js';

export const OOS_FILE = 'oos.parquet';
export const TRADES_FILE = 'trades.parquet';
export const SUMMARY_FILE = 'summary.json';

const f = (name: string, description: string): ColumnSchema => ({ name, type: 'f64', description });
const i32 = (name: string, description: string): ColumnSchema => ({ name, type: 'i32', description });

export const OOS_COLUMNS: readonly ColumnSchema[] = [
  { name: 'ts_ms', type: 'ts', description: 'bar OPEN time of an out-of-sample (test) bar; values at its close' },
  i32('window', 'walk-forward window index'),
  f('ret', 'simple return of the out-of-sample book over the bar'),
  f('equity', 'stitched out-of-sample equity (1 at the start)'),
  f('gross_leverage', 'gross notional / equity at the close'),
  f('benchmark_equity', 'buy-and-hold of the benchmark symbol over the same bars (1 at the start)'),
];
