/**
 * Rolling two-series moments for the pairs strategy: hedge ratio, spread, z-score and the hedged portfolio's
 * volatility. Point in time: the value at bar t reads bars t-W+1..t only, and the running sums are recomputed exactly
 * at positions that depend on the past only (when a window becomes complete, then every max(2W, 2048) bars), so a
 * truncated series gives bit-identical values up to its end. Sums are of values shifted by the window means at the
 * last recomputation, which is redone early when a mean drifts more than 4 window standard deviations from its
 * shift (the cancellation in sum d^2 - (sum d)^2 / W then costs at most a factor 17 in precision).
 */
import { rollingZscore } from '../stats/rolling.js';

const { max, sqrt } = Math;
const NAN = Number.NaN;

/** Population (divisor W) variances and covariance of x and y over each complete window of finite pairs. */
export interface CoMoments {
  varX: Float64Array;
  varY: Float64Array;
  cov: Float64Array;
}

export function rollingCoMoments(x: Float64Array, y: Float64Array, w: number): CoMoments {
  if (!Number.isInteger(w) || w < 2) throw new RangeError(`window must be an integer >= 2, was ${w}`);
  if (x.length !== y.length) throw new RangeError(`series lengths differ: ${x.length} and ${y.length}`);
  const n = x.length;
  const varX = new Float64Array(n);
  const varY = new Float64Array(n);
  const cov = new Float64Array(n);
  const period = max(2 * w, 2048);
  const inv = 1 / w;
  let bad = 0; // non-finite pairs in the window
  let valid = false; // running sums describe the previous window
  let since = 0;
  let kx = 0, ky = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let t = 0; t < n; t++) {
    const a = x[t]!, b = y[t]!;
    if (a - a !== 0 || b - b !== 0) bad++;
    if (t >= w) {
      const c = x[t - w]!, d = y[t - w]!;
      if (c - c !== 0 || d - d !== 0) bad--;
    }
    if (t < w - 1 || bad > 0) {
      varX[t] = NAN; varY[t] = NAN; cov[t] = NAN;
      valid = false;
      continue;
    }
    if (valid && since < period) {
      const p = a - kx, q = b - ky;
      const r = x[t - w]! - kx, s = y[t - w]! - ky;
      sx += p - r; sy += q - s;
      sxx += p * p - r * r; syy += q * q - s * s; sxy += p * q - r * s;
      since++;
      // the window mean drifted more than 4 standard deviations from the shift: recompute (cancellation)
      if (sx * sx > 16 * (w * sxx - sx * sx) || sy * sy > 16 * (w * syy - sy * sy)) valid = false;
    }
    if (!valid || since >= period) {
      // exact state: shift by the window means (two passes), sums of the shifted values
      const lo = t - w + 1;
      let mx = 0, my = 0;
      for (let k = lo; k <= t; k++) { mx += x[k]!; my += y[k]!; }
      kx = mx * inv; ky = my * inv;
      sx = 0; sy = 0; sxx = 0; syy = 0; sxy = 0;
      for (let k = lo; k <= t; k++) {
        const p = x[k]! - kx, q = y[k]! - ky;
        sx += p; sy += q; sxx += p * p; syy += q * q; sxy += p * q;
      }
      valid = true;
      since = 0;
    }
    const mx = sx * inv, my = sy * inv;
    const vx = sxx * inv - mx * mx;
    const vy = syy * inv - my * my;
    varX[t] = vx > 0 ? vx : 0;
    varY[t] = vy > 0 ? vy : 0;
    cov[t] = sxy * inv - mx * my;
  }
  return { varX, varY, cov };
}

export interface PairsSeries {
  /** OLS slope of ln A on ln B over bars t-W+1..t (NaN: incomplete window or constant ln B). */
  beta: Float64Array;
  /** ln A_t - beta_t ln B_t. */
  spread: Float64Array;
  /** z-score of spread_t against spread_{t-Z+1..t} (population std; NaN for a constant window). */
  z: Float64Array;
}

/** Hedge ratio, spread and its z-score from the two log price series. */
export function pairsSeries(lnA: Float64Array, lnB: Float64Array, hedgeWindow: number, zWindow: number, fixedBeta?: number): PairsSeries {
  const n = lnA.length;
  if (fixedBeta !== undefined) {
    // a fixed hedge ratio: spread_t = ln A_t - beta ln B_t with the same beta at every bar
    const beta = new Float64Array(n).fill(fixedBeta);
    const spread = new Float64Array(n);
    for (let t = 0; t < n; t++) spread[t] = lnA[t]! - fixedBeta * lnB[t]!;
    return { beta, spread, z: rollingZscore(spread, zWindow) };
  }
  const m = rollingCoMoments(lnB, lnA, hedgeWindow);
  const beta = m.cov; // reuse: cov(lnB, lnA) / var(lnB)
  const spread = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const v = m.varX[t]!;
    const b = v > 0 ? beta[t]! / v : NAN;
    beta[t] = b;
    spread[t] = lnA[t]! - b * lnB[t]!;
  }
  return { beta, spread, z: rollingZscore(spread, zWindow) };
}

/**
 * Per-bar standard deviation of the hedged portfolio return rA - beta_t rB over the trailing window (1-bar log
 * returns, population moments, the current beta applied to the whole window).
 */
export function hedgedVolatility(rA: Float64Array, rB: Float64Array, beta: Float64Array, w: number): Float64Array {
  const m = rollingCoMoments(rA, rB, w);
  const out = m.varX;
  for (let t = 0; t < out.length; t++) {
    const b = beta[t]!;
    const v = m.varX[t]! + b * b * m.varY[t]! - 2 * b * m.cov[t]!;
    out[t] = v > 0 ? sqrt(v) : v <= 0 ? 0 : NAN; // tiny negative: rounding of a perfect hedge
  }
  return out;
}
