/**
 * Per-sample values of the catalog's execution, microstructure and risk metrics, from fills, trades and bars; the
 * engine and the paper loop (not on main yet) will call these, then evaluateMetric aggregates them. Pure.
 *
 * Conventions: side +1 long / -1 short; percentages are percent (0.5 = 0.5 %); bps = 1e-4.
 */
import { median, std } from '../stats/descriptive.js';
import { maxDrawdown } from '../stats/performance.js';

/** Slippage of one fill against the decision price, in bps, positive when it costs (buying above, selling below). */
export function slippageBps(side: 1 | -1, decisionPrice: number, fillPrice: number): number {
  return (side * (fillPrice - decisionPrice) / decisionPrice) * 1e4;
}

export interface Excursion {
  /** Maximum adverse excursion: the worst move against the position while open, percent of entry (>= 0). */
  mae_pct: number;
  /** Maximum favourable excursion, percent of entry (>= 0). */
  mfe_pct: number;
}

/**
 * MAE and MFE of a trade from the highs and lows of the bars it was open in (entry bar included when the entry
 * happened at its open). A long's adverse extreme is the lowest low, a short's the highest high.
 */
export function excursions(side: 1 | -1, entryPrice: number, highs: ArrayLike<number>, lows: ArrayLike<number>): Excursion {
  if (highs.length !== lows.length) throw new RangeError(`excursions: highs and lows differ in length (${highs.length}, ${lows.length})`);
  let hi = entryPrice;
  let lo = entryPrice;
  for (let i = 0; i < highs.length; i++) {
    if (highs[i]! > hi) hi = highs[i]!;
    if (lows[i]! < lo) lo = lows[i]!;
  }
  const up = ((hi - entryPrice) / entryPrice) * 100;
  const down = ((entryPrice - lo) / entryPrice) * 100;
  return side === 1 ? { mae_pct: down, mfe_pct: up } : { mae_pct: up, mfe_pct: down };
}

/** R multiple: the trade's per-unit PnL over the per-unit risk at entry (the stop distance in price). */
export function rMultiple(side: 1 | -1, entryPrice: number, exitPrice: number, stopDistancePrice: number): number {
  if (!(stopDistancePrice > 0)) return NaN;
  return (side * (exitPrice - entryPrice)) / stopDistancePrice;
}

/** The stop distance in price of an exposure: stop_distance_pct of the entry, or stop_distance_atr ATRs. */
export function stopDistancePrice(exposure: { stop_distance_pct?: number; stop_distance_atr?: number }, entryPrice: number, atr: number): number {
  if (exposure.stop_distance_pct !== undefined) return (entryPrice * exposure.stop_distance_pct) / 100;
  if (exposure.stop_distance_atr !== undefined) return exposure.stop_distance_atr * atr;
  return NaN;
}

/** Realized volatility before an entry: sample std of the `window` log close-to-close returns ending at bar t, in percent (not annualized). */
export function realizedVolShortPct(close: ArrayLike<number>, t: number, window: number): number {
  if (window < 2 || t - window < 0 || t >= close.length) return NaN;
  const r = new Float64Array(window);
  for (let i = 0; i < window; i++) r[i] = Math.log(close[t - window + 1 + i]! / close[t - window + i]!);
  return std(r) * 100;
}

/** Volume of bar t over the median volume of the `lookback` bars before it. */
export function volumeMultiple(volume: ArrayLike<number>, t: number, lookback: number): number {
  if (lookback < 1 || t - lookback < 0 || t >= volume.length) return NaN;
  const m = median(Array.from({ length: lookback }, (_, i) => volume[t - lookback + i]!));
  return m > 0 ? volume[t]! / m : NaN;
}

/** Largest peak-to-trough drop of an equity curve, in percent (>= 0), from its period returns (lib/stats maxDrawdown). */
export function maxDrawdownPct(equity: ArrayLike<number>): number {
  if (equity.length < 2) return equity.length === 1 ? 0 : NaN;
  const r = new Float64Array(equity.length - 1);
  for (let i = 1; i < equity.length; i++) r[i - 1] = equity[i]! / equity[i - 1]! - 1;
  return -maxDrawdown(r) * 100;
}
