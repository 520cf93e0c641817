/**
 * Rolling beta with shrinkage toward 1 (Vasicek 1973, "A note on using cross-sectional information in Bayesian
 * estimation of security betas", J. Finance 28(5); Blume 1975 uses the same target of 1 with weight ~1/3):
 *   beta_ols = cov(r_i, r_m) / var(r_m) over the `window` days ending at d where both returns are finite
 *   (sample moments, ddof 1 on both, so they cancel), beta = (1 - lambda) beta_ols + lambda * 1.
 * With fewer than `minObs` pairs the estimate is the prior, 1. Point in time: uses returns up to d.
 */
export function olsBeta(y: ArrayLike<number>, x: ArrayLike<number>): { beta: number; n: number } {
  let n = 0, sx = 0, sy = 0;
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!) && Number.isFinite(x[i]!)) { n++; sx += x[i]!; sy += y[i]!; }
  if (n < 2) return { beta: NaN, n };
  const mx = sx / n, my = sy / n;
  let cxy = 0, cxx = 0;
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!) && Number.isFinite(x[i]!)) { cxy += (x[i]! - mx) * (y[i]! - my); cxx += (x[i]! - mx) ** 2; }
  return { beta: cxx > 0 ? cxy / cxx : NaN, n };
}

export function shrinkBeta(betaOls: number, lambda: number): number {
  return (1 - lambda) * betaOls + lambda * 1;
}

/** beta_d of y on x from the window [d - window + 1, d]. */
export function rollingBeta(y: Float64Array, x: Float64Array, window: number, lambda: number, minObs: number): Float64Array {
  const out = new Float64Array(y.length).fill(1);
  for (let d = 0; d < y.length; d++) {
    const lo = Math.max(0, d - window + 1);
    const { beta, n } = olsBeta(y.subarray(lo, d + 1), x.subarray(lo, d + 1));
    out[d] = n >= minObs && Number.isFinite(beta) ? shrinkBeta(beta, lambda) : 1;
  }
  return out;
}
