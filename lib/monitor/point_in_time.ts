/**
 * The monitor's point-in-time daily series, as named columns for the look-ahead check (`npm run lookahead`,
 * lib/lookahead checkDailyTruncation): every feature raw and z-scored (breadth, dominance, momentum, dispersion,
 * funding spread, OI change, vols), the alt index return, the composite score, the raw and hysteresis labels, and
 * per alt the rolling OLS beta to the majors leg before (`beta_ols:<SYM>`) and after (`beta:<SYM>`) the shrinkage
 * toward 1, exactly as the backtest computes them. A beta is reported only on days the alt has a close (the prior 1
 * on other days is no information), so an alt not yet listed at a cut has an all-NaN prefix.
 */
import type { MonitorConfig } from './config.js';
import { FEATURE_NAMES } from './config.js';
import { computeFeatures, isAlt } from './features.js';
import { regimeSeries } from './regime.js';
import { rollingBeta } from './beta.js';
import { majorsLegReturns } from './backtest.js';
import { simpleReturns, type Panel } from './panel.js';

export function pointInTimeColumns(p: Panel, cfg: MonitorConfig): Record<string, Float64Array> {
  const n = p.days.length;
  const f = computeFeatures(p, cfg.features);
  const reg = regimeSeries(f.z, cfg.regime, n);
  const out: Record<string, Float64Array> = {};
  for (const name of FEATURE_NAMES) {
    out[name] = f.raw[name];
    out[`${name}_z`] = f.z[name];
  }
  out.alt_index_ret = f.alt_index_ret;
  out.score = reg.score;
  out.raw_label = Float64Array.from(reg.raw_label);
  out.label = Float64Array.from(reg.label);
  const rets = p.close.map(simpleReturns);
  const rM = majorsLegReturns(p, rets, cfg.backtest.long_leg.weights);
  const b = cfg.backtest.beta;
  const onTradingDays = (x: Float64Array, a: number) => Float64Array.from(x, (v, d) => (Number.isFinite(p.close[a]![d]!) ? v : NaN));
  for (let a = 0; a < p.symbols.length; a++) {
    if (!isAlt(p, a)) continue;
    out[`beta_ols:${p.symbols[a]}`] = onTradingDays(rollingBeta(rets[a]!, rM, b.window_days, 0, b.min_obs), a);
    out[`beta:${p.symbols[a]}`] = onTradingDays(rollingBeta(rets[a]!, rM, b.window_days, b.shrinkage, b.min_obs), a);
  }
  return out;
}

/** The panel as known at the close of day c - 1: its first c days. */
export function truncatePanel(p: Panel, c: number): Panel {
  const s = <T extends Float64Array | null>(x: T) => (x ? x.slice(0, c) : x) as T;
  return {
    ...p, days: p.days.slice(0, c), close: p.close.map(s), volume_usd: p.volume_usd.map(s), mcap: p.mcap.map(s), funding: p.funding.map(s),
    oi_usd: p.oi_usd.map(s), ...(p.total_cap ? { total_cap: p.total_cap.slice(0, c) } : {}),
  };
}
