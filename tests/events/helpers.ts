export { issuesOf, asyncIssuesOf } from '../helpers/spec_errors.js';

/** The default feature names the event specs may use (the features helper's default set). */
export const DEFAULT_FEATURES: ReadonlySet<string> = new Set([
  'ret_1', 'ret_12', 'ret_48', 'ret_288', 'rv_12', 'rv_288', 'ret1_z_288_excl', 'vol_z_288_excl', 'amihud_288',
  'range_1', 'atr_14', 'dist_high_288_excl', 'dist_low_288_excl', 'funding_level', 'funding_new', 'funding_z_21',
  'oi_change_12', 'oi_change_288', 'breadth_12', 'breadth_288', 'btc_dominance', 'rel_strength_12', 'rel_strength_288',
]);

/** A Float64Array from numbers (NaN for missing). */
export function f64(values: readonly number[]): Float64Array {
  return Float64Array.from(values);
}

/** A 5m bar grid of n bars from 2024-01-01. */
export function grid(n: number, stepMs = 300_000, start = Date.UTC(2024, 0, 1)): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => start + i * stepMs);
}
