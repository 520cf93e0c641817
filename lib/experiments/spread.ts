/**
 * Bar-based bid-ask spread estimate of Corwin, S. A. and Schultz, P. (2012), "A Simple Way to Estimate Bid-Ask
 * Spreads from Daily High and Low Prices", Journal of Finance 67(2), 719-760. For two consecutive bars t, t+1:
 *
 *   beta  = ln(H_t / L_t)^2 + ln(H_t+1 / L_t+1)^2
 *   gamma = ln(max(H_t, H_t+1) / min(L_t, L_t+1))^2
 *   alpha = (sqrt(2 beta) - sqrt(beta)) / (3 - 2 sqrt 2) - sqrt(gamma / (3 - 2 sqrt 2))
 *   S     = 2 (e^alpha - 1) / (1 + e^alpha)            (a fraction of the price; x 1e4 for bps)
 *
 * As in the paper, a gap between bars is removed before the pair is used: when L_t+1 > C_t both H_t+1 and L_t+1 are
 * lowered by L_t+1 - C_t, when H_t+1 < C_t both are raised by C_t - H_t+1; and negative two-bar estimates are set to
 * zero (the paper's main variant). Applied to intraday bars as well as daily ones (the derivation needs only that
 * variance scales with the interval). Pure.
 */

const K = 3 - 2 * Math.SQRT2;

/** One two-bar spread estimate as a fraction of the price (not floored). NaN when a price is not positive/finite. */
export function corwinSchultzPair(h0: number, l0: number, h1: number, l1: number): number {
  if (!(h0 > 0 && l0 > 0 && h1 > 0 && l1 > 0) || !Number.isFinite(h0 + l0 + h1 + l1)) return NaN;
  const beta = Math.log(h0 / l0) ** 2 + Math.log(h1 / l1) ** 2;
  const gamma = Math.log(Math.max(h0, h1) / Math.min(l0, l1)) ** 2;
  const alpha = (Math.sqrt(2 * beta) - Math.sqrt(beta)) / K - Math.sqrt(gamma / K);
  return (2 * (Math.exp(alpha) - 1)) / (1 + Math.exp(alpha));
}

export interface SpreadBars {
  high: ArrayLike<number>;
  low: ArrayLike<number>;
  /** When given, the gap adjustment of the paper is applied. */
  close?: ArrayLike<number>;
}

/**
 * The spread estimate of every pair of consecutive bars, in bps (length n - 1; element i is the pair (i, i+1)),
 * negative estimates set to 0, NaN where a price is missing or not positive.
 */
export function corwinSchultzSpreadBps(bars: SpreadBars): Float64Array {
  const { high, low, close } = bars;
  if (high.length !== low.length || (close && close.length !== high.length)) {
    throw new RangeError(`corwinSchultzSpreadBps: high, low${close ? ', close' : ''} differ in length (${high.length}, ${low.length}${close ? `, ${close.length}` : ''})`);
  }
  const n = high.length;
  const out = new Float64Array(Math.max(0, n - 1));
  for (let t = 0; t + 1 < n; t++) {
    let h1 = high[t + 1]!;
    let l1 = low[t + 1]!;
    if (close) {
      const c0 = close[t]!;
      if (l1 > c0) {
        const d = l1 - c0;
        h1 -= d;
        l1 -= d;
      } else if (h1 < c0) {
        const d = c0 - h1;
        h1 += d;
        l1 += d;
      }
    }
    const s = corwinSchultzPair(high[t]!, low[t]!, h1, l1);
    out[t] = Number.isNaN(s) ? NaN : Math.max(0, s) * 1e4;
  }
  return out;
}
