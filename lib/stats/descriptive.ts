/**
 * Descriptive statistics of a sample. Inputs are finite numbers: callers drop missing values (NaN) first. A NaN
 * that slips through propagates (the result is NaN), it is never skipped silently. An empty sample gives NaN.
 * All functions are pure and O(n), except median/quantile (one sort of a copy, O(n log n)).
 */

/** Arithmetic mean, sum(x) / n. NaN for an empty sample. */
export function mean(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  return s / n;
}

/**
 * Sum of squared deviations from the mean, by the corrected two-pass algorithm (Chan, Golub & LeVeque 1983):
 * sum((x - m)^2) - (sum(x - m))^2 / n, which removes the rounding error of the first-pass mean.
 */
function sumSquaredDeviations(x: ArrayLike<number>, m: number): number {
  const n = x.length;
  let ss = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    ss += d * d;
    s += d;
  }
  return ss - (s * s) / n;
}

/**
 * Variance with `ddof` delta degrees of freedom: sum((x - mean)^2) / (n - ddof). ddof = 1 (default) is the
 * unbiased sample variance (R `var`), ddof = 0 the population variance. NaN when n <= ddof.
 */
export function variance(x: ArrayLike<number>, ddof = 1): number {
  const n = x.length;
  if (n <= ddof || n === 0) return NaN;
  const m = mean(x);
  const ss = sumSquaredDeviations(x, m);
  return Math.max(ss, 0) / (n - ddof);
}

/** Standard deviation, sqrt(variance(x, ddof)); ddof = 1 by default (R `sd`). */
export function std(x: ArrayLike<number>, ddof = 1): number {
  return Math.sqrt(variance(x, ddof));
}

/** Central moments m2, m3, m4 with divisor n (population moments). */
function centralMoments(x: ArrayLike<number>): { m2: number; m3: number; m4: number } {
  const n = x.length;
  const m = mean(x);
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    const d2 = d * d;
    s2 += d2;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  return { m2: s2 / n, m3: s3 / n, m4: s4 / n };
}

/** Options of `skewness` and `kurtosis`. */
export interface MomentOptions {
  /**
   * true (default): the population (biased) estimator from moments with divisor n, g1 / b2 (scipy `bias=True`).
   * false: the bias-corrected estimator, G1 = g1 sqrt(n (n - 1)) / (n - 2) (adjusted Fisher-Pearson, n >= 3) and
   * G2 = ((n + 1) g2 + 6) (n - 1) / ((n - 2)(n - 3)) for the excess kurtosis g2 = b2 - 3 (n >= 4), as scipy
   * `skew(bias=False)` / `kurtosis(bias=False)`, SAS/SPSS/Excel SKEW/KURT (Joanes & Gill 1998, type 2).
   */
  bias?: boolean;
}

/** The two kurtosis conventions: 'pearson' (m4 / m2^2, normal = 3) and 'excess' (pearson - 3, normal = 0). */
export type KurtosisConvention = 'pearson' | 'excess';

export interface KurtosisOptions extends MomentOptions {
  /** 'pearson' (default, NON-excess: normal = 3, what PSR/DSR take) or 'excess' (normal = 0). */
  convention?: KurtosisConvention;
}

/**
 * Skewness. Default (bias = true): g1 = m3 / m2^(3/2) with population central moments m_k = mean((x - mean)^k)
 * (R `e1071::skewness(x, type = 1)`, scipy `skew(x, bias=True)`). bias = false: the adjusted Fisher-Pearson
 * G1 = g1 sqrt(n (n - 1)) / (n - 2) (e1071 type 2, scipy `skew(x, bias=False)`), NaN for n < 3.
 * NaN for n = 0 or zero variance.
 */
export function skewness(x: ArrayLike<number>, opts: MomentOptions = {}): number {
  const n = x.length;
  if (n === 0) return NaN;
  const { m2, m3 } = centralMoments(x);
  if (!(m2 > 0)) return NaN;
  const g1 = m3 / Math.pow(m2, 1.5);
  if (opts.bias ?? true) return g1;
  if (n < 3) return NaN;
  return (g1 * Math.sqrt(n * (n - 1))) / (n - 2);
}

/**
 * Kurtosis. Default: NON-excess (Pearson) population kurtosis b2 = m4 / m2^2 with population central moments; a
 * normal sample gives about 3. This is the convention of the PSR/DSR formulas (Bailey & Lopez de Prado), which use
 * (kurtosis - 1) / 4. `convention: 'excess'` subtracts 3. bias = false: the bias-corrected excess kurtosis
 * G2 = ((n + 1) g2 + 6)(n - 1) / ((n - 2)(n - 3)), g2 = b2 - 3 (scipy `kurtosis(x, bias=False)`, e1071 type 2),
 * plus 3 in the Pearson convention; NaN for n < 4. NaN for n = 0 or zero variance.
 */
export function kurtosis(x: ArrayLike<number>, opts: KurtosisOptions = {}): number {
  const n = x.length;
  const convention = opts.convention ?? 'pearson';
  if (convention !== 'pearson' && convention !== 'excess') throw new RangeError(`kurtosis: convention must be 'pearson' or 'excess', was ${String(convention)}`);
  if (n === 0) return NaN;
  const { m2, m4 } = centralMoments(x);
  if (!(m2 > 0)) return NaN;
  const b2 = m4 / (m2 * m2);
  if (opts.bias ?? true) return convention === 'excess' ? b2 - 3 : b2; // b2 itself, bit for bit, when Pearson
  if (n < 4) return NaN;
  const G2 = (((n + 1) * (b2 - 3) + 6) * (n - 1)) / ((n - 2) * (n - 3));
  return convention === 'excess' ? G2 : G2 + 3;
}

/** A sorted copy (ascending); NaN if any value is NaN (returned as null). */
function sortedCopy(x: ArrayLike<number>): Float64Array | null {
  const s = Float64Array.from(x);
  for (let i = 0; i < s.length; i++) if (Number.isNaN(s[i]!)) return null;
  s.sort();
  return s;
}

/** Type-7 quantile of an ascending sorted array (R: (1 - h) * x[lo] + h * x[hi], index = 1 + (n - 1) p). */
function quantileSorted(s: Float64Array, p: number): number {
  const n = s.length;
  const index = (n - 1) * p;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const qlo = s[lo]!;
  const h = index - lo;
  if (!(h > 0) || s[hi]! === qlo) return qlo;
  return (1 - h) * qlo + h * s[hi]!;
}

function checkProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: probability must be in [0, 1], was ${p}`);
}

/**
 * Sample quantile, R `quantile(x, p, type = 7)` (the default of R and numpy): with sorted x and
 * index = (n - 1) p (0-based), lo = floor(index), h = index - lo: (1 - h) x[lo] + h x[lo + 1].
 * NaN for an empty sample or when x holds a NaN. Throws RangeError for p outside [0, 1].
 */
export function quantile(x: ArrayLike<number>, p: number): number {
  checkProbability(p);
  if (x.length === 0) return NaN;
  const s = sortedCopy(x);
  return s ? quantileSorted(s, p) : NaN;
}

/** Several type-7 quantiles with one sort (same definition as `quantile`). */
export function quantiles(x: ArrayLike<number>, ps: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ps.length);
  for (let i = 0; i < ps.length; i++) checkProbability(ps[i]!);
  const s = x.length ? sortedCopy(x) : null;
  for (let i = 0; i < ps.length; i++) out[i] = s ? quantileSorted(s, ps[i]!) : NaN;
  return out;
}

/** Median (type-7 quantile at 1/2: the middle value, or the mean of the two middle values). */
export function median(x: ArrayLike<number>): number {
  return quantile(x, 0.5);
}
