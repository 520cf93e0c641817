/**
 * Effective sample sizes.
 */

/**
 * The two conventions for the ESS of n overlapping h-bar forward windows:
 *  - 'exact': n^2 / sum_{i,j} max(0, 1 - |s_i - s_j| / h), the finite-n variance ratio of the mean of the n
 *    overlapping h-bar sums under iid bar returns (uses the actual starts);
 *  - 'n/h': n / h, the simple rule (its large-n limit for an occurrence at every bar; it ignores the starts, so it
 *    understates the ESS of sparse occurrences and can overstate it for repeated starts).
 */
export type EssOverlapConvention = 'exact' | 'n/h';
export const ESS_OVERLAP_CONVENTIONS: readonly EssOverlapConvention[] = ['exact', 'n/h'];

/**
 * ESS of n occurrences whose forward windows of h bars overlap, assuming iid bar returns. Convention 'exact'
 * (default):
 *   ESS = n^2 / sum_{i,j} max(0, 1 - |s_i - s_j| / h)
 * (the variance of the mean of n overlapping h-bar sums relative to n independent ones). `starts` are the bar
 * indices of the occurrences, sorted ascending (repeats allowed: they overlap fully); h > 0 bars.
 * Equals n when no two windows overlap (all gaps >= h), and n / h in the limit of an occurrence at every bar
 * (for consecutive starts exactly n^2 / (n + (h - 1)(3n - h - 1) / 3) for integer h <= n).
 * Convention 'n/h': n / h whatever the starts (`essOverlapSimple`); the starts are still validated.
 * 0 for n = 0. O(n * overlap) with a sliding pointer. Throws RangeError for unsorted starts, h <= 0 or an unknown
 * convention.
 */
export function essOverlap(starts: ArrayLike<number>, h: number, convention: EssOverlapConvention = 'exact'): number {
  if (!(h > 0)) throw new RangeError(`essOverlap: h must be > 0, was ${h}`);
  if (convention !== 'exact' && convention !== 'n/h') throw new RangeError(`essOverlap: convention must be 'exact' or 'n/h', was ${String(convention)}`);
  const n = starts.length;
  if (n === 0) return 0;
  if (convention === 'n/h') {
    for (let i = 1; i < n; i++) {
      if (!(starts[i]! >= starts[i - 1]!)) {
        throw new RangeError(`essOverlap: starts must be sorted ascending, starts[${i - 1}] = ${starts[i - 1]} > starts[${i}] = ${starts[i]}`);
      }
    }
    return essOverlapSimple(n, h);
  }
  let total = n; // diagonal terms, weight 1
  for (let i = 0; i < n; i++) {
    const si = starts[i]!;
    if (i > 0 && !(si >= starts[i - 1]!)) {
      throw new RangeError(`essOverlap: starts must be sorted ascending, starts[${i - 1}] = ${starts[i - 1]} > starts[${i}] = ${si}`);
    }
    for (let j = i + 1; j < n; j++) {
      const d = starts[j]! - si;
      if (d >= h) break;
      total += 2 * (1 - d / h);
    }
  }
  return (n * n) / total;
}

/**
 * The simple overlap ESS n / h (the 'n/h' convention of `essOverlap`): n h-bar windows count as n / h independent
 * ones. n >= 0, h > 0 (h < 1 gives more than n: no clamping). Throws RangeError for h <= 0 or n < 0.
 */
export function essOverlapSimple(n: number, h: number): number {
  if (!(h > 0)) throw new RangeError(`essOverlapSimple: h must be > 0, was ${h}`);
  if (!(n >= 0)) throw new RangeError(`essOverlapSimple: n must be >= 0, was ${n}`);
  return n / h;
}

/** ESS of n observations of a stationary AR(1) with coefficient phi (|phi| < 1): n (1 - phi) / (1 + phi). */
export function essAr1(n: number, phi: number): number {
  if (!(phi > -1 && phi < 1)) throw new RangeError(`essAr1: phi must be in (-1, 1), was ${phi}`);
  return (n * (1 - phi)) / (1 + phi);
}

/**
 * ESS of a stationary series from its sample autocorrelations, ESS = n / tau with the integrated autocorrelation
 * time tau = 1 + 2 sum_k rho_k estimated by Geyer's (1992) initial monotone sequence: with
 * Gamma_m = rho_{2m} + rho_{2m+1} (rho_0 = 1), the sum runs over the initial run of positive Gamma_m, each capped
 * at the previous one, tau = -1 + 2 sum Gamma_m. rho_k = c_k / c_0 with c_k = (1/n) sum (x_t - xbar)(x_{t+k} - xbar).
 * `maxLag` (default n - 1) bounds the lags used. The cost is O(n K) for the K lags actually summed (the sum stops
 * at the first non-positive pair). A series with negative lag-1 autocorrelation can have ESS > n; tau is floored
 * at 1 / log10(n) (as Stan does), so ESS <= n log10(n). NaN for n < 2 or a constant series.
 */
export function essFromAutocorrelation(x: ArrayLike<number>, maxLag?: number): number {
  const n = x.length;
  if (n < 2) return NaN;
  const kMax = Math.min(maxLag ?? n - 1, n - 1);
  if (!(kMax >= 0)) throw new RangeError(`essFromAutocorrelation: maxLag must be >= 0, was ${maxLag}`);
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const m = s / n;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = x[i]! - m;
  const acov = (k: number): number => {
    let c = 0;
    for (let t = 0; t + k < n; t++) c += e[t]! * e[t + k]!;
    return c / n;
  };
  const c0 = acov(0);
  if (!(c0 > 0)) return NaN;
  let sum = 0;
  let prev = Infinity;
  for (let mIdx = 0; 2 * mIdx <= kMax; mIdx++) {
    const k0 = 2 * mIdx;
    const r0 = k0 === 0 ? 1 : acov(k0) / c0;
    const r1 = k0 + 1 <= kMax ? acov(k0 + 1) / c0 : 0;
    let g = r0 + r1;
    if (!(g > 0)) break;
    if (g > prev) g = prev;
    prev = g;
    sum += g;
  }
  // A strongly negative lag-1 correlation can drive tau towards 0 or below; cap it as Stan does
  // (tau >= 1 / log10(n), stan/analyze/mcmc/compute_effective_sample_size.hpp), so ESS <= n log10(n).
  const tau = Math.max(-1 + 2 * sum, 1 / Math.log10(Math.max(n, 10)));
  return n / tau;
}
