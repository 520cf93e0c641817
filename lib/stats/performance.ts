/**
 * Performance metrics of a per-period SIMPLE return series r_t (P_t / P_{t-1} - 1, in time order), with the
 * conventions of empyrical (quantopian/empyrical, empyrical/stats.py) so results can be compared with it.
 *
 * Annualisation is always explicit: `periodsPerYear` is the number of return periods in a year. Crypto trades
 * 24/7, so use lib/timeframe.ts `barsPerYear(tf)` (365.25 days: 5m -> 105,192, 1h -> 8,766); never 252.
 *
 * Inputs are finite numbers: callers drop missing periods first (or, for a flat period, pass 0). A NaN that slips
 * through propagates to the result; it is never skipped. Unlike empyrical (which uses nanmean/nanstd), nothing here
 * ignores NaN. Every metric is a statistic of the whole series: computing it at time t on r_0..r_t only uses data
 * known at t (no look-ahead), but the full-sample value must not be fed back into a decision inside that sample.
 * Invalid arguments (periodsPerYear <= 0, mismatched lengths) throw RangeError.
 */
import { mean, std } from './descriptive.js';
import { sharpeRatio } from './sharpe.js';

function checkPeriods(periodsPerYear: number, fn: string): void {
  if (!(periodsPerYear > 0) || !Number.isFinite(periodsPerYear)) {
    throw new RangeError(`${fn}: periodsPerYear must be a finite number > 0, was ${periodsPerYear}`);
  }
}

/** Equity multiple after all periods, prod(1 + r_t) (1 = flat). NaN for an empty series. */
function growth(returns: ArrayLike<number>): number {
  if (returns.length === 0) return NaN;
  let g = 1;
  for (let i = 0; i < returns.length; i++) g *= 1 + returns[i]!;
  return g;
}

/** Compounded total return prod(1 + r_t) - 1 (empyrical `cum_returns_final`). NaN for an empty series. */
export function totalReturn(returns: ArrayLike<number>): number {
  return growth(returns) - 1;
}

/**
 * Compound annual growth rate (empyrical `annual_return`): G^(periodsPerYear / n) - 1 with G = prod(1 + r_t) and
 * n = number of periods (years = n / periodsPerYear). -1 when the equity is wiped out (G <= 0). NaN for n = 0.
 */
export function cagr(returns: ArrayLike<number>, periodsPerYear: number): number {
  checkPeriods(periodsPerYear, 'cagr');
  const g = growth(returns);
  if (Number.isNaN(g)) return NaN;
  if (g <= 0) return -1;
  return Math.pow(g, periodsPerYear / returns.length) - 1;
}

/** Annualised volatility std(r, ddof = 1) sqrt(periodsPerYear) (empyrical `annual_volatility`). NaN for n < 2. */
export function annualizedVolatility(returns: ArrayLike<number>, periodsPerYear: number): number {
  checkPeriods(periodsPerYear, 'annualizedVolatility');
  if (returns.length < 2) return NaN;
  return std(returns) * Math.sqrt(periodsPerYear);
}

/** r - riskFree, riskFree a per-period rate (a number, or a series of the same length). */
function excess(returns: ArrayLike<number>, riskFree: number | ArrayLike<number>, fn: string): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n);
  if (typeof riskFree === 'number') {
    for (let i = 0; i < n; i++) out[i] = returns[i]! - riskFree;
  } else {
    if (riskFree.length !== n) {
      throw new RangeError(`${fn}: riskFree has ${riskFree.length} periods, returns have ${n}`);
    }
    for (let i = 0; i < n; i++) out[i] = returns[i]! - riskFree[i]!;
  }
  return out;
}

/**
 * Annualised Sharpe ratio (empyrical `sharpe_ratio`): mean(r - rf) / std(r - rf, ddof = 1) * sqrt(periodsPerYear),
 * rf a PER-PERIOD risk-free rate (default 0; a number or a series aligned with returns). This is the
 * per-observation `sharpeRatio` of sharpe.ts times sqrt(periodsPerYear); use that one for PSR/DSR.
 * NaN for n < 2 or zero standard deviation (empyrical gives NaN or inf there).
 */
export function sharpe(
  returns: ArrayLike<number>, periodsPerYear: number, riskFree: number | ArrayLike<number> = 0,
): number {
  checkPeriods(periodsPerYear, 'sharpe');
  return sharpeRatio(excess(returns, riskFree, 'sharpe')) * Math.sqrt(periodsPerYear);
}

/**
 * Annualised downside deviation (empyrical `downside_risk`): sqrt(mean(min(r_t - required, 0)^2)) *
 * sqrt(periodsPerYear), the mean taken over ALL n periods (divisor n, not the number of losing periods).
 * `required` is a per-period rate (default 0). NaN for n = 0.
 */
export function downsideDeviation(returns: ArrayLike<number>, periodsPerYear: number, required = 0): number {
  checkPeriods(periodsPerYear, 'downsideDeviation');
  const n = returns.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.min(returns[i]! - required, 0);
    s += d * d;
  }
  return Math.sqrt(s / n) * Math.sqrt(periodsPerYear);
}

/**
 * Annualised Sortino ratio (empyrical `sortino_ratio`): mean(r - required) * periodsPerYear /
 * downsideDeviation(r, periodsPerYear, required). With no period below `required` it is +Infinity when the mean
 * excess is positive (as empyrical) and NaN when it is 0. NaN for n < 2.
 */
export function sortino(returns: ArrayLike<number>, periodsPerYear: number, required = 0): number {
  checkPeriods(periodsPerYear, 'sortino');
  if (returns.length < 2) return NaN;
  const m = mean(returns) - required;
  const dd = downsideDeviation(returns, periodsPerYear, required);
  if (dd === 0) return m > 0 ? Infinity : NaN;
  return (m * periodsPerYear) / dd;
}

/**
 * Drawdown after each period on the compounded equity curve E_t = prod_{s<=t}(1 + r_s), E_{-1} = 1:
 * dd_t = E_t / max(1, E_0, .., E_t) - 1 (<= 0). The starting capital counts as a peak, so a loss on the first
 * period is a drawdown (as empyrical `max_drawdown`, which prepends the starting value). Point-in-time: dd_t uses
 * r_0..r_t only.
 */
export function drawdownSeries(returns: ArrayLike<number>): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n);
  let e = 1;
  let peak = 1;
  for (let i = 0; i < n; i++) {
    e *= 1 + returns[i]!;
    if (e > peak) peak = e;
    out[i] = e / peak - 1;
  }
  return out;
}

/**
 * Maximum drawdown min_t dd_t of drawdownSeries, a number in [-1, 0] (negative, as empyrical `max_drawdown`;
 * 0 when the equity never falls below a previous peak). NaN for an empty series or a NaN return.
 */
export function maxDrawdown(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (n === 0) return NaN;
  const dd = drawdownSeries(returns);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const d = dd[i]!;
    if (Number.isNaN(d)) return NaN;
    if (d < m) m = d;
  }
  return m;
}

/**
 * Calmar ratio (empyrical `calmar_ratio`): cagr / |maxDrawdown| over the whole series. NaN when there is no
 * drawdown (maxDrawdown = 0) or the series is empty.
 */
export function calmar(returns: ArrayLike<number>, periodsPerYear: number): number {
  checkPeriods(periodsPerYear, 'calmar');
  const mdd = maxDrawdown(returns);
  if (!(mdd < 0)) return NaN;
  return cagr(returns, periodsPerYear) / -mdd;
}

/**
 * Hit rate: #(r_t > 0) / #(r_t != 0). Periods with an exactly zero return (flat, no position, or no price change)
 * are EXCLUDED from both counts, so a mostly-flat strategy is judged on the periods it was exposed. NaN when every
 * return is 0 or the series is empty. (research.md's per-event hit rate `y > 0` is a different statistic over
 * event outcomes.)
 */
export function hitRate(returns: ArrayLike<number>): number {
  let wins = 0;
  let nonZero = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i]!;
    if (Number.isNaN(r)) return NaN;
    if (r !== 0) {
      nonZero++;
      if (r > 0) wins++;
    }
  }
  return nonZero === 0 ? NaN : wins / nonZero;
}

/**
 * Exposure: share of periods holding a position, #(position_t != 0) / n, from a per-period position series (any
 * unit: weights, contracts, notional; the sign is ignored). NaN for an empty series or a NaN position.
 */
export function exposure(position: ArrayLike<number>): number {
  const n = position.length;
  if (n === 0) return NaN;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const p = position[i]!;
    if (Number.isNaN(p)) return NaN;
    if (p !== 0) k++;
  }
  return k / n;
}

/**
 * Annualised turnover: sum_t |traded_t| / mean_t(equity_t) / years, years = n / periodsPerYear. `traded` is the
 * notional traded in each period (buys plus sells, in the equity's currency; with weights use
 * |w_t - w_{t-1}| * equity_t) and `equity` the account equity of each period, both of length n. A value of 12 means
 * the book is traded 12 times its average equity per year (a one-way convention: opening and closing a full
 * position is 2). NaN for n = 0 or a non-positive mean equity. Throws RangeError on mismatched lengths.
 */
export function turnover(traded: ArrayLike<number>, equity: ArrayLike<number>, periodsPerYear: number): number {
  checkPeriods(periodsPerYear, 'turnover');
  const n = traded.length;
  if (equity.length !== n) {
    throw new RangeError(`turnover: traded has ${n} periods, equity has ${equity.length}`);
  }
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(traded[i]!);
  const meanEquity = mean(equity);
  if (!(meanEquity > 0)) return NaN;
  return s / meanEquity / (n / periodsPerYear);
}
