/**
 * Series arithmetic for the report: drawdown of an equity curve and min/max downsampling for charts.
 *
 * Equity curves here are sampled values E_t (starting at 1), possibly with NaN for missing samples. NaN is a gap:
 * it is carried through (a NaN equity has a NaN drawdown) and the running peak skips it, it is never read as 0.
 */

// module-level: a global lookup in a hot loop is slow under jest's vm context
const { isFinite: isFiniteNum } = Number;

/**
 * Drawdown of a sampled equity curve: dd_t = E_t / max(E_first, .., E_t) - 1 (<= 0), the running peak over finite
 * samples only. The first finite sample is the first peak (the report's curves start at 1, the starting capital,
 * so this matches lib/stats drawdownSeries, which counts the starting capital as a peak).
 */
export function drawdownFromEquity(equity: ArrayLike<number>): Float64Array {
  const n = equity.length;
  const out = new Float64Array(n);
  let peak = NaN;
  for (let i = 0; i < n; i++) {
    const e = equity[i]!;
    if (!isFiniteNum(e)) {
      out[i] = NaN;
      continue;
    }
    if (!(e <= peak)) peak = e; // also takes the first finite sample (peak NaN)
    out[i] = peak > 0 ? e / peak - 1 : NaN;
  }
  return out;
}

/** Minimum of the finite values and its index; { value: NaN, index: -1 } when there is none. */
export function finiteMin(y: ArrayLike<number>): { value: number; index: number } {
  let value = NaN;
  let index = -1;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (isFiniteNum(v) && !(v >= value)) {
      value = v;
      index = i;
    }
  }
  return { value, index };
}

/** Last finite value divided by the first one, minus 1 (total return of a sampled equity curve); NaN if fewer than 2. */
export function equityTotalReturn(equity: ArrayLike<number>): number {
  let first = NaN;
  let last = NaN;
  let k = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (!isFiniteNum(e)) continue;
    if (k === 0) first = e;
    last = e;
    k++;
  }
  return k >= 2 && first > 0 ? last / first - 1 : NaN;
}

/** Maximum drawdown (<= 0) of a sampled equity curve; NaN without finite samples. */
export function equityMaxDrawdown(equity: ArrayLike<number>): number {
  return finiteMin(drawdownFromEquity(equity)).value;
}

/**
 * Indices to keep when drawing n points into about maxPoints: the series is cut into buckets of consecutive
 * indices and each bucket keeps the index of its minimum and of its maximum (in index order), so a spike or a
 * drawdown trough survives at any zoom (averaging or striding would smooth it away). The first and last index are
 * always kept, and the first NaN of a bucket is kept so a gap in the data stays a gap in the line. With n <=
 * maxPoints every index is kept. At most maxPoints + (number of buckets holding a NaN) indices.
 */
export function downsampleIndices(y: ArrayLike<number>, maxPoints: number): Int32Array {
  const n = y.length;
  if (!(maxPoints >= 4)) throw new RangeError(`downsampleIndices: maxPoints must be >= 4, was ${maxPoints}`);
  if (n <= maxPoints) return Int32Array.from({ length: n }, (_, i) => i);
  const buckets = Math.floor((maxPoints - 2) / 2);
  const keep = new Int32Array(maxPoints + buckets);
  let k = 0;
  keep[k++] = 0;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.max(1, Math.floor((b * n) / buckets));
    const hi = Math.min(n - 1, Math.floor(((b + 1) * n) / buckets));
    let iMin = -1;
    let iMax = -1;
    let iNaN = -1;
    let vMin = NaN; // y[iMin], y[iMax]: kept, not read again
    let vMax = NaN;
    for (let i = lo; i < hi; i++) {
      const v = y[i]!;
      if (v !== v) { // NaN
        if (iNaN < 0) iNaN = i;
        continue;
      }
      if (iMin < 0 || v < vMin) {
        iMin = i;
        vMin = v;
      }
      if (iMax < 0 || v > vMax) {
        iMax = i;
        vMax = v;
      }
    }
    // Emit the (up to 3) indices in increasing order, without duplicates: min and max (one index when they are the
    // same, none when the bucket has no number) and the first NaN, which is neither (no array per bucket)
    if (iMin < 0) {
      if (iNaN >= 0) keep[k++] = iNaN;
      continue;
    }
    const a = iMin < iMax ? iMin : iMax;
    const c = iMin < iMax ? iMax : iMin;
    if (iNaN >= 0 && iNaN < a) keep[k++] = iNaN;
    keep[k++] = a;
    if (iNaN > a && iNaN < c) keep[k++] = iNaN;
    if (c !== a) keep[k++] = c;
    if (iNaN > c) keep[k++] = iNaN;
  }
  keep[k++] = n - 1;
  return keep.slice(0, k);
}

/** Downsample a series (x, y) with downsampleIndices. */
export function downsampleMinMax(
  x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number,
): { x: Float64Array; y: Float64Array } {
  if (x.length !== y.length) throw new RangeError(`downsampleMinMax: x has ${x.length} points, y has ${y.length}`);
  const idx = downsampleIndices(y, maxPoints);
  const ox = new Float64Array(idx.length);
  const oy = new Float64Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    ox[j] = x[idx[j]!]!;
    oy[j] = y[idx[j]!]!;
  }
  return { x: ox, y: oy };
}
