/**
 * Metrics of an equity curve produced by the engine (per-bar equity at each bar's close), in the conventions of
 * lib/stats/performance.ts (empyrical) and lib/stats/sharpe.ts (Bailey & Lopez de Prado):
 *
 *  - returns: simple per-bar returns r_t = E_t / E_{t-1} - 1 (the first bar against the initial capital);
 *  - total return, CAGR, annualised volatility, Sharpe and Sortino use bars-per-year of the timeframe on a 24/7
 *    calendar (365.25 days: 5m -> 105,192), never 252;
 *  - max drawdown: the worst peak-to-trough fall of the equity curve (a negative fraction), Calmar = CAGR / |MDD|;
 *  - hit rate: the share of CLOSED round trips with a positive net PnL (after fees, slippage, funding, borrow); the
 *    per-bar share of positive returns would mostly count flat bars;
 *  - exposure: the share of bars holding any position (gross notional > 0 at the close);
 *  - turnover: notional traded (every fill, both sides) / mean equity / years (opening and closing a full book once
 *    is 2);
 *  - PSR and DSR are computed on DAILY returns (UTC days, compounded from the bars), where the normal
 *    approximation behind them is reasonable; 5m returns of a mostly-flat book are dominated by zeros and their
 *    skew/kurtosis estimates are unstable. PSR is against SR* = 0; DSR against the expected maximum Sharpe of
 *    `trials` skill-less trials with the cross-trial variance of daily Sharpe ratios (Bailey & Lopez de Prado 2014).
 *  - MinTRL (Bailey & Lopez de Prado 2012): the number of days with the same daily Sharpe, skewness and (Pearson)
 *    kurtosis needed for PSR >= 0.95, against SR* = 0 (`min_trl_days`, beside PSR) and against SR0
 *    (`min_trl_sr0_days`, beside DSR); NaN when undefined and when no length suffices (Sharpe <= SR*), which the
 *    summary's JSON writes as null. Compare with `n_days`.
 */
import { kurtosis, skewness } from './descriptive.js';
import {
  annualizedVolatility, cagr, calmar, maxDrawdown, sharpe as annualSharpe, sortino, totalReturn,
} from './performance.js';
import { expectedMaxSharpe, minTrackRecordLength, probabilisticSharpe, sharpeRatio } from './sharpe.js';

const DAY_MS = 86_400_000;

export interface CurveMetrics {
  total_return: number;
  cagr: number;
  volatility: number;
  sharpe: number;
  sortino: number;
  max_drawdown: number;
  calmar: number;
  hit_rate: number;
  turnover: number;
  exposure: number;
  n_trades: number;
  n_bars: number;
  n_days: number;
  /** Per-day Sharpe (not annualised), its skewness and non-excess kurtosis: the DSR inputs. */
  daily_sharpe: number;
  daily_skew: number;
  daily_kurtosis: number;
  psr: number;
  dsr: number;
  /** Annualised (sqrt(365.25)) benchmark Sharpe of the DSR: the best of `trials` skill-less strategies. */
  sr0_annual: number;
  /** MinTRL in days for PSR(0) >= MIN_TRL_CONFIDENCE; NaN when undefined or unreachable (daily Sharpe <= 0). */
  min_trl_days: number;
  /** MinTRL in days for PSR(SR0) >= MIN_TRL_CONFIDENCE (the DSR's benchmark); NaN without deflation or unreachable. */
  min_trl_sr0_days: number;
}

/** Confidence level of the reported minimum track record lengths (the PSR/DSR significance bar). */
export const MIN_TRL_CONFIDENCE = 0.95;

/** MinTRL with a Pearson kurtosis; NaN instead of Infinity (unreachable) so JSON keeps a number or null. */
function minTrl(sr: number, skew: number, kurt: number, benchmark: number): number {
  const v = minTrackRecordLength(sr, { skew, kurtosis: { value: kurt, convention: 'pearson' }, benchmark, confidence: MIN_TRL_CONFIDENCE });
  return Number.isFinite(v) ? v : NaN;
}

export interface CurveInput {
  ts_ms: ArrayLike<number>; // bar OPEN times
  tfMs: number;
  returns: ArrayLike<number>; // simple per-bar returns
  equity: ArrayLike<number>; // equity at each close
  gross: ArrayLike<number>; // gross notional held at each close
  traded: ArrayLike<number>; // notional traded in each bar (all fills)
  tradePnls: ArrayLike<number>; // net PnL of each closed round trip
  barsPerYear: number;
}

export interface DeflationInput {
  trials: number;
  /** Variance across the trials of their per-day Sharpe ratios. */
  varianceOfDailySharpes: number;
}

/** Simple returns of an equity curve against the starting capital. */
export function equityReturns(equity: ArrayLike<number>, initial: number): Float64Array {
  const r = new Float64Array(equity.length);
  let prev = initial;
  for (let t = 0; t < equity.length; t++) {
    const e = equity[t]!;
    r[t] = prev > 0 ? e / prev - 1 : NaN;
    prev = e;
  }
  return r;
}

/** Per-bar simple returns compounded into UTC days (a day = floor(open time / 1 day)); day keys in ms. */
export function dailyReturns(ts_ms: ArrayLike<number>, returns: ArrayLike<number>): { day_ms: Float64Array; returns: Float64Array } {
  const days = utcDays(ts_ms, returns.length);
  return { day_ms: days.day_ms, returns: dailyReturnsOn(days, returns) };
}

/** The UTC days of the first `n` bar open times: each day's key (ms) and its first bar (runs of equal keys). */
export interface UtcDays {
  day_ms: Float64Array;
  /** first[i] = the first bar of day i; first[day_ms.length] = n. */
  first: Int32Array;
}

export function utcDays(ts_ms: ArrayLike<number>, n: number = ts_ms.length): UtcDays {
  const days: number[] = [];
  const first: number[] = [];
  let cur = NaN;
  for (let t = 0; t < n; t++) {
    const d = Math.floor(ts_ms[t]! / DAY_MS) * DAY_MS;
    if (d !== cur) { days.push(d); first.push(t); cur = d; }
  }
  first.push(n);
  return { day_ms: Float64Array.from(days), first: Int32Array.from(first) };
}

/**
 * dailyReturns over days computed once (`utcDays` of the same bar times): each day's bars compounded in order. The
 * walk-forward's blueprints share one grid, so its days are found once instead of per blueprint (issue 12).
 */
export function dailyReturnsOn(days: UtcDays, returns: ArrayLike<number>): Float64Array {
  const nd = days.day_ms.length;
  if (days.first[nd] !== returns.length) throw new RangeError(`dailyReturnsOn: days of ${days.first[nd]} bars, ${returns.length} returns`);
  const out = new Float64Array(nd);
  for (let i = 0; i < nd; i++) {
    let g = 1;
    const end = days.first[i + 1]!;
    for (let t = days.first[i]!; t < end; t++) g *= 1 + returns[t]!;
    out[i] = g - 1;
  }
  return out;
}

export function curveMetrics(c: CurveInput, deflation?: DeflationInput): CurveMetrics {
  const n = c.returns.length;
  const ppy = c.barsPerYear;
  let exposed = 0;
  let traded = 0;
  let eqSum = 0;
  for (let t = 0; t < n; t++) {
    if (c.gross[t]! > 0) exposed++;
    traded += Math.abs(c.traded[t]!);
    eqSum += c.equity[t]!;
  }
  const years = n / ppy;
  const meanEq = eqSum / n;
  let wins = 0;
  for (let i = 0; i < c.tradePnls.length; i++) if (c.tradePnls[i]! > 0) wins++;
  const daily = dailyReturns(c.ts_ms, c.returns).returns;
  const dsr = sharpeRatio(daily);
  const skew = skewness(daily);
  const kurt = kurtosis(daily);
  let sr0 = NaN;
  let dsrP = NaN;
  if (deflation && deflation.trials >= 1 && deflation.varianceOfDailySharpes >= 0) {
    sr0 = expectedMaxSharpe(deflation.trials, deflation.varianceOfDailySharpes);
    dsrP = probabilisticSharpe(dsr, daily.length, skew, kurt, sr0);
  }
  return {
    total_return: n ? totalReturn(c.returns) : NaN,
    cagr: n ? cagr(c.returns, ppy) : NaN,
    volatility: n > 1 ? annualizedVolatility(c.returns, ppy) : NaN,
    sharpe: n > 1 ? annualSharpe(c.returns, ppy) : NaN,
    sortino: n ? sortino(c.returns, ppy) : NaN,
    max_drawdown: n ? maxDrawdown(c.returns) : NaN,
    calmar: n ? calmar(c.returns, ppy) : NaN,
    hit_rate: c.tradePnls.length ? wins / c.tradePnls.length : NaN,
    turnover: n && meanEq > 0 ? traded / meanEq / years : NaN,
    exposure: n ? exposed / n : NaN,
    n_trades: c.tradePnls.length,
    n_bars: n,
    n_days: daily.length,
    daily_sharpe: dsr,
    daily_skew: skew,
    daily_kurtosis: kurt,
    psr: probabilisticSharpe(dsr, daily.length, skew, kurt, 0),
    dsr: dsrP,
    sr0_annual: sr0 * Math.sqrt(365.25),
    min_trl_days: minTrl(dsr, skew, kurt, 0),
    min_trl_sr0_days: Number.isFinite(sr0) ? minTrl(dsr, skew, kurt, sr0) : NaN,
  };
}
