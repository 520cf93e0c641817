/**
 * Multiple-testing adjustment of p-values, exactly as R's `stats::p.adjust` (src/library/stats/R/p.adjust.R).
 */

export type PAdjustMethod = 'BH' | 'BY' | 'bonferroni' | 'holm';

export const P_ADJUST_METHODS: readonly PAdjustMethod[] = ['BH', 'BY', 'bonferroni', 'holm'];

/**
 * Adjusted p-values in input order, as R `p.adjust(p, method)` with the default n:
 * n = the number of non-NaN p (NaN stays NaN and is not counted); p_(1) <= ... <= p_(n) the sorted values.
 *
 * - bonferroni: min(1, n p)
 * - holm (Holm 1979): step-down, q_(i) = min(1, max_{j <= i} (n - j + 1) p_(j))
 * - BH (Benjamini & Hochberg 1995): step-up, q_(i) = min(1, min_{j >= i} n / j * p_(j))
 * - BY (Benjamini & Yekutieli 2001): BH times c(n) = sum_{k=1..n} 1/k
 *
 * Ties get equal adjusted values; the input need not be sorted. With n <= 1 the input is returned unchanged
 * (as R does). Throws RangeError for a p outside [0, 1] or an unknown method. O(n log n).
 */
export function pAdjust(p: ArrayLike<number>, method: PAdjustMethod): Float64Array {
  if (!P_ADJUST_METHODS.includes(method)) {
    throw new RangeError(`pAdjust: unknown method ${JSON.stringify(method)} (use one of ${P_ADJUST_METHODS.join(', ')})`);
  }
  const out = Float64Array.from(p);
  const idx: number[] = [];
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (Number.isNaN(v)) continue;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`pAdjust: p[${i}] must be in [0, 1], was ${v}`);
    idx.push(i);
  }
  const n = idx.length;
  if (n <= 1) return out;
  if (method === 'bonferroni') {
    for (const i of idx) out[i] = Math.min(1, n * out[i]!);
    return out;
  }
  const src = Float64Array.from(out);
  // Stable ascending order by p (ties keep input order; the adjusted values of ties are equal either way).
  idx.sort((a, b) => src[a]! - src[b]! || a - b);
  if (method === 'holm') {
    let run = -Infinity;
    for (let k = 0; k < n; k++) {
      const i = idx[k]!;
      run = Math.max(run, (n - (k + 1) + 1) * src[i]!);
      out[i] = Math.min(1, run);
    }
    return out;
  }
  let factor = n;
  if (method === 'BY') {
    let q = 0;
    for (let k = 1; k <= n; k++) q += 1 / k;
    factor = q * n;
  }
  let run = Infinity;
  for (let k = n - 1; k >= 0; k--) {
    const i = idx[k]!;
    run = Math.min(run, (factor / (k + 1)) * src[i]!);
    out[i] = Math.min(1, run);
  }
  return out;
}
