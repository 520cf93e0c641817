/**
 * A fixed-capacity window of the most recent values, kept both in arrival order (a ring) and sorted, giving the
 * exact median and the exact median absolute deviation (MAD) of the window.
 *
 * push: O(log w) to find the evicted value, then one shift of the values between the evicted and the inserted
 * value's positions (O(w) worst case, short on average for a stationary series).
 * median: O(1). mad: O(log w): the absolute deviations from the median form two sorted sequences (below and above
 * the median, read outward from it), so their k-th smallest is found by a binary search over the split.
 * madLower / madUpper: O(1) bounds that let a threshold test skip the exact MAD for almost every value.
 * Values must be finite (NaN would break the order).
 */
import { UsageError } from '../errors.js';

export class SortedWindow {
  private readonly ring: Float64Array;
  /** Sorted values in [0, n), then +Infinity padding up to a power of two > capacity (for branchless search). */
  private readonly sorted: Float64Array;
  private readonly top: number; // half the padded length: the first step of the search
  private head = 0; // index of the oldest value in ring
  private n = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new UsageError(`SortedWindow: capacity must be a positive integer, was ${capacity}`);
    }
    let padded = 1;
    while (padded <= capacity) padded *= 2;
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(padded).fill(Infinity);
    this.top = padded / 2;
  }

  get size(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n === this.capacity;
  }

  /** Adds x (finite), evicting the oldest value when full. */
  push(x: number): void {
    const s = this.sorted;
    const n = this.n;
    if (n < this.capacity) {
      this.ring[(this.head + n) % this.capacity] = x;
      let q = n; // insertion sort step: shift larger values right
      while (q > 0 && s[q - 1]! > x) {
        s[q] = s[q - 1]!;
        q--;
      }
      s[q] = x;
      this.n = n + 1;
      return;
    }
    const old = this.ring[this.head]!;
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    // Replace `old` by `x` with one shift of the values between their two positions (memmove when long).
    const p = lowerBound(s, this.top, old); // s[p] === old
    let q: number;
    if (x >= old) {
      q = lowerBound(s, this.top, x) - 1; // last index with s[q] < x (at least p)
      if (q < p) q = p;
      s.copyWithin(p, p + 1, q + 1);
    } else {
      q = upperBound(s, this.top, x); // first index with s[q] > x (at most p)
      if (q > p) q = p;
      s.copyWithin(q + 1, q, p);
    }
    s[q] = x;
  }

  /** Median of the window (mean of the two middle values for an even count); NaN when empty. */
  median(): number {
    const n = this.n;
    if (n === 0) return NaN;
    const s = this.sorted;
    const h = n >> 1;
    return n & 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  }

  /** Median of |x - m| over the window, for m = median() (raw MAD, not scaled by 1.4826); NaN when empty. */
  mad(m: number = this.median()): number {
    const n = this.n;
    if (n === 0) return NaN;
    const split = lowerBound(this.sorted, this.top, m); // values below m: [0, split); at or above: [split, n)
    const h = n >> 1;
    return n & 1 ? this.kthDeviation(h, m, split) : (this.kthDeviation(h - 1, m, split) + this.kthDeviation(h, m, split)) / 2;
  }

  /**
   * Bounds on mad(m) in O(1), for a window of n values and h = n >> 1: with a = (n - 1 - h) >> 1 and b = a + h,
   * lower = min(m - s[a], s[b] - m) and upper = max(m - s[a], s[b] - m) satisfy lower <= mad(m) <= upper.
   * Upper: the h + 1 values s[a..b] all lie within `upper` of m, so the (h+1)-th smallest deviation is <= upper.
   * Lower: only the h - 1 values s[a+1..b-1] can lie strictly within `lower` of m, so the h-th smallest deviation
   * (and the (h+1)-th) is >= lower. Both are deviations computed like mad's, so comparisons agree exactly.
   */
  madLower(m: number): number {
    const h = this.n >> 1;
    const a = (this.n - 1 - h) >> 1;
    const dl = m - this.sorted[a]!;
    const du = this.sorted[a + h]! - m;
    return dl < du ? dl : du;
  }

  madUpper(m: number): number {
    const h = this.n >> 1;
    const a = (this.n - 1 - h) >> 1;
    const dl = m - this.sorted[a]!;
    const du = this.sorted[a + h]! - m;
    return dl > du ? dl : du;
  }

  /**
   * k-th smallest (0-based) of |s - m|, as the k-th of the union of A[i] = m - s[split-1-i] (i < split) and
   * B[j] = s[split+j] - m (j < n - split), both ascending.
   */
  private kthDeviation(k: number, m: number, split: number): number {
    const s = this.sorted;
    const nA = split;
    const nB = this.n - split;
    // A(i) = m - s[split - 1 - i], B(j) = s[split + j] - m (inlined: this runs once or twice per bar).
    // Take i values from A and k + 1 - i from B; find the i for which the partition is consistent.
    let lo = k + 1 - nB > 0 ? k + 1 - nB : 0;
    let hi = k + 1 < nA ? k + 1 : nA;
    while (lo <= hi) {
      const i = (lo + hi) >> 1;
      const j = k + 1 - i;
      if (i < nA && j > 0 && s[split + j - 1]! - m > m - s[split - 1 - i]!) {
        lo = i + 1; // too few from A
      } else if (i > 0 && j < nB && m - s[split - i]! > s[split + j]! - m) {
        hi = i - 1; // too many from A
      } else {
        const a = i > 0 ? m - s[split - i]! : -Infinity;
        const b = j > 0 ? s[split + j - 1]! - m : -Infinity;
        return a > b ? a : b;
      }
    }
    return NaN; // unreachable for 0 <= k < n
  }
}

/*
 * Branchless binary searches over an array padded with +Infinity to length 2 * top (top a power of two): the
 * comparison becomes arithmetic instead of a hard-to-predict branch (about twice as fast here).
 */

/** First index with s[idx] >= x. */
function lowerBound(s: Float64Array, top: number, x: number): number {
  let lo = -1;
  for (let step = top; step > 0; step >>= 1) lo += step * +(s[lo + step]! < x);
  return lo + 1;
}

/** First index with s[idx] > x. */
function upperBound(s: Float64Array, top: number, x: number): number {
  let lo = -1;
  for (let step = top; step > 0; step >>= 1) lo += step * +(s[lo + step]! <= x);
  return lo + 1;
}
