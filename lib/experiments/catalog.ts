/**
 * The metric catalog: every name an ExperimentSpec may use in `metrics[].name`, with its unit and family. A spec
 * naming a metric outside this list, or giving it another unit, is refused (lib/experiments/rules.ts). Pure.
 */

export const METRIC_UNITS = ['bps', 'pct', 'usd', 'count', 'ratio', 'seconds'] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

export type MetricFamily = 'execution' | 'microstructure' | 'risk' | 'violations';

export interface CatalogEntry {
  unit: MetricUnit;
  family: MetricFamily;
  description: string;
}

export const METRIC_CATALOG: Readonly<Record<string, CatalogEntry>> = {
  // execution
  slippage_bps: { unit: 'bps', family: 'execution', description: 'fill price against the decision price, signed against the trade, per fill' },
  fill_rate: { unit: 'ratio', family: 'execution', description: 'filled orders / submitted orders' },
  time_to_fill_seconds: { unit: 'seconds', family: 'execution', description: 'submission to (last) fill, per filled order' },
  post_only_reject_rate: { unit: 'ratio', family: 'execution', description: 'post_only orders rejected for crossing / post_only orders submitted' },
  // microstructure
  spread_bps_mean: { unit: 'bps', family: 'microstructure', description: 'Corwin-Schultz (2012) high-low spread estimate, per bar pair' },
  spread_bps_p95: { unit: 'bps', family: 'microstructure', description: 'Corwin-Schultz (2012) high-low spread estimate, per bar pair (aggregate p95)' },
  realized_vol_short: { unit: 'pct', family: 'microstructure', description: 'realized volatility of log returns over the short window before entry' },
  volume_multiple: { unit: 'ratio', family: 'microstructure', description: 'bar volume at entry / median volume of the lookback' },
  // risk
  mae_pct: { unit: 'pct', family: 'risk', description: 'maximum adverse excursion of a trade, percent of entry price' },
  mfe_pct: { unit: 'pct', family: 'risk', description: 'maximum favourable excursion of a trade, percent of entry price' },
  max_drawdown_pct: { unit: 'pct', family: 'risk', description: 'largest peak-to-trough drop of the experiment equity, percent' },
  r_multiple: { unit: 'ratio', family: 'risk', description: 'trade PnL / risk at entry (stop distance x size)' },
  // rule-violation counters
  hold_time_exceeded_count: { unit: 'count', family: 'violations', description: 'positions force-closed at max_hold_minutes' },
  stop_missing_count: { unit: 'count', family: 'violations', description: 'entries refused for lacking a stop' },
  no_learn_zone_block_count: { unit: 'count', family: 'violations', description: 'entries blocked outside the allowed regimes' },
  slippage_block_count: { unit: 'count', family: 'violations', description: 'orders blocked because expected slippage exceeded max_slippage_bps' },
  post_only_cross_reject_count: { unit: 'count', family: 'violations', description: 'post_only orders rejected because they would cross' },
  trades_per_day_block_count: { unit: 'count', family: 'violations', description: 'entries blocked by max_trades_per_day' },
  notional_cap_block_count: { unit: 'count', family: 'violations', description: 'orders blocked by max_notional_usd' },
  short_block_count: { unit: 'count', family: 'violations', description: 'short entries blocked because allow_short is false' },
};

export const METRIC_NAMES: readonly string[] = Object.keys(METRIC_CATALOG).sort();
