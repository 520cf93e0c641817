/**
 * ONC: Optimal Number of Clusters (Lopez de Prado & Lewis 2019, "Detection of false investment strategies using
 * unsupervised learning methods", Quantitative Finance 19(9); code in Lopez de Prado 2020, "Machine Learning for
 * Asset Managers", snippets 4.1-4.2). Used to count the effectively independent trials behind a backtest
 * (Lopez de Prado 2019, "A data science solution to the multiple-testing crisis in financial research", JFDS 1(1)).
 *
 * Followed as published:
 *  - distance x_ij = sqrt((1 - rho_ij) / 2) (a NaN correlation counts as 0); each row of x is a point;
 *  - base clustering: k-means (Euclidean, on the rows of x) for every k in 2..maxClusters and nInit initialisations;
 *    the kept partition maximises the quality q = mean(silhouette) / std(silhouette) over all points (the first
 *    maximum wins);
 *  - top level: per-cluster t-statistics t_c = mean / std (population std) of the silhouettes of its members; the
 *    clusters below the mean t are re-clustered recursively (only when there are at least two of them); the
 *    re-clustered partition replaces them only when the mean cluster t of the new partition exceeds the mean t of the
 *    clusters that were redone.
 * Choices where the published code leaves a gap: k-means++ initialisation seeded from Xoshiro128ss(seed, init, k)
 * (deterministic; scikit-learn's KMeans draws them at random), Lloyd iterations to convergence (max 300), an emptied
 * cluster re-seeded at the point farthest from its centroid; a singleton's silhouette is 0 (scikit-learn); a
 * singleton cluster has no t-statistic (NaN, the published code divides 0 by 0) and is never re-clustered; a cluster
 * whose silhouettes do not vary has t = +Infinity when they are positive (tight: never redone). n <= 2 items: every
 * item is its own cluster (k-means needs k >= 2 and k < n).
 * The base clustering's runs may be shared with worker threads (OncOptions.threads, lib/stats/onc_worker.ts): each run
 * depends on its (init, k) seed alone and the first maximum is taken in the same order, so the result does not depend
 * on the number of threads.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Xoshiro128ss } from './rng.js';
import { wasmDots } from './dots_wasm.js';

export interface OncOptions {
  /** Largest k tried (default n - 1). */
  maxClusters?: number;
  /** k-means initialisations per k (default 10, as published). */
  nInit?: number;
  /** Seed of the k-means++ initialisations (default 0). */
  seed?: number;
  /**
   * Threads sharing the base clustering's k-means runs (this one + worker threads; default min(cores, 4) from
   * ONC_PARALLEL_MIN_ITEMS items up, else 1). The result does not depend on it: every run is seeded by its (init, k)
   * alone and the first maximum is taken in the same order.
   */
  threads?: number;
  /** The worker threads' module (default lib/stats/onc_worker.js; tests pass ones that fail or vanish). */
  workerUrl?: URL;
  /** How long (ms) to wait for a run a worker claimed before making it on this thread too (default 60 s). */
  stallMs?: number;
}

/** Items from which oncClusters shares its k-means runs with worker threads by default (below, start-up costs more). */
export const ONC_PARALLEL_MIN_ITEMS = 128;

export interface OncResult {
  /** Clusters as sorted item indices, ordered by their first item. */
  clusters: number[][];
  /** Cluster index of each item. */
  labels: Int32Array;
  /** Silhouette of each item under the final partition. */
  silhouettes: Float64Array;
}

/**
 * Centred, unit-norm rows of equal-length series: z_i[t] = (s_i[t] - mean_i) / ||s_i - mean_i||, a row of NaN where
 * a series does not vary. The Pearson correlation of series i and j is then sum_t z_i[t] * z_j[t] (t ascending),
 * which `correlationsAmong`, `correlationSubmatrix` and `correlationMatrix` compute.
 */
export interface StandardizedSeries {
  n: number;
  len: number;
  z: Float64Array[];
}

/**
 * Standardized rows (as StandardizedSeries' z) read one at a time: `row(i)` may return an array the next call reuses
 * (rows spilled to a file: lib/stats/spilled_rows.ts, or rows from two stores). The correlation functions take it
 * where they take StandardizedSeries, with the same sums.
 */
export interface SeriesRows {
  n: number;
  len: number;
  row(i: number): ArrayLike<number>;
}

export type SeriesSource = StandardizedSeries | SeriesRows;

/** `inPlace(i)`: series i, a Float64Array, is overwritten with its row (the caller gives it up; no copy is held). */
export function standardizeSeries(series: readonly ArrayLike<number>[], inPlace?: (i: number) => boolean): StandardizedSeries {
  const n = series.length;
  const len = n ? series[0]!.length : 0;
  const z = series.map((s, i) => {
    if (s.length !== len) throw new RangeError(`correlationMatrix: series ${i} has ${s.length} values, series 0 has ${len}`);
    let m = 0;
    for (let t = 0; t < len; t++) m += s[t]!;
    m /= len;
    let ss = 0;
    // in place: each value is read before it is overwritten, so the results are those of a copy
    // (by its tag, which a Float64Array made in another realm carries too)
    const d = inPlace?.(i) && Object.prototype.toString.call(s) === '[object Float64Array]' ? (s as Float64Array) : new Float64Array(len);
    for (let t = 0; t < len; t++) { d[t] = s[t]! - m; ss += d[t]! * d[t]!; }
    const sd = Math.sqrt(ss);
    for (let t = 0; t < len; t++) d[t] = sd > 0 ? d[t]! / sd : NaN;
    return d;
  });
  return { n, len, z };
}

/** Columns of a dot-product tile kept in cache together, and the span of t summed per pass over them. */
const TILE_COLS = 32;
const TILE_T = 1024;

/**
 * out[x * cols.length + y] += sum_t z[rows[x]][t] * z[cols[y]][t], each sum in ascending t (so each value is the
 * plain loop's, bit for bit: the tiles only change which sums are in progress together; a 2 x 4 block of them per
 * pass over t). `upper`: rows and cols are the same list and only y >= x is needed (some y < x are summed too; the
 * caller ignores them).
 */
function dots(zs: SeriesSource, rows: ArrayLike<number>, cols: ArrayLike<number>, out: Float64Array, upper: boolean): void {
  dotSums(zs, rows, cols, out, upper, 'auto');
}

/**
 * `dots` with a chosen kernel: 'wasm' (lib/stats/dots_wasm.ts: the same sums, two per f64x2 instruction, bit for bit
 * the JS loop's), 'js' (the loop below), 'auto' (wasm where WebAssembly SIMD is available, else js). Returns the
 * kernel used. Exported for the tests that hold the two to the same bits.
 */
export function dotSums(zs: SeriesSource, rows: ArrayLike<number>, cols: ArrayLike<number>, out: Float64Array, upper: boolean, kernel: 'auto' | 'wasm' | 'js'): 'wasm' | 'js' {
  const row = 'z' in zs ? (i: number) => zs.z[i]! : (i: number) => zs.row(i);
  if (kernel !== 'js' && wasmDots({ row, len: zs.len, rows, cols, upper, tileCols: TILE_COLS, tileT: TILE_T }, out)) return 'wasm';
  if (kernel === 'wasm') throw new RangeError("dotSums: the WebAssembly SIMD kernel is not available in this runtime or the series exceed its memory (use kernel 'auto')");
  if ('z' in zs) dotsJs(zs, rows, cols, out, upper);
  else dotsJsByChunks(zs, rows, cols, out, upper);
  return 'js';
}

/** Rows and columns a chunk of the JS loop over SeriesRows copies at a time. */
const JS_CHUNK = 64;

/**
 * dotsJs over rows read one at a time: chunks of rows and columns copied, each chunk's sums started from `out`'s
 * values and written back (each sum is the same, in the same order; under `upper` the blocks under the diagonal are
 * skipped, and some sums with y < x are computed and ignored as dotsJs does).
 */
function dotsJsByChunks(src: SeriesRows, rows: ArrayLike<number>, cols: ArrayLike<number>, out: Float64Array, upper: boolean): void {
  const nr = rows.length;
  const nc = cols.length;
  const copy = (idx: ArrayLike<number>, a: number, b: number): Float64Array[] => Array.from({ length: b - a }, (_, k) => Float64Array.from(src.row(idx[a + k]!)));
  for (let c0 = 0; c0 < nc; c0 += JS_CHUNK) {
    const c1 = Math.min(nc, c0 + JS_CHUNK);
    const colRows = copy(cols, c0, c1);
    for (let r0 = 0; r0 < (upper ? c1 : nr); r0 += JS_CHUNK) {
      const r1 = Math.min(nr, r0 + JS_CHUNK);
      const local: StandardizedSeries = { n: r1 - r0 + c1 - c0, len: src.len, z: [...copy(rows, r0, r1), ...colRows] };
      const w = c1 - c0;
      const o = new Float64Array((r1 - r0) * w);
      for (let x = r0; x < r1; x++) for (let y = c0; y < c1; y++) o[(x - r0) * w + y - c0] = out[x * nc + y]!;
      dotsJs(local, Int32Array.from({ length: r1 - r0 }, (_, k) => k), Int32Array.from({ length: w }, (_, k) => r1 - r0 + k), o, false);
      for (let x = r0; x < r1; x++) for (let y = c0; y < c1; y++) out[x * nc + y] = o[(x - r0) * w + y - c0]!;
    }
  }
}

function dotsJs(zs: StandardizedSeries, rows: ArrayLike<number>, cols: ArrayLike<number>, out: Float64Array, upper: boolean): void {
  const { z, len } = zs;
  const nr = rows.length;
  const nc = cols.length;
  for (let y0 = 0; y0 < nc; y0 += TILE_COLS) {
    const y1 = Math.min(nc, y0 + TILE_COLS);
    const xEnd = upper ? y1 : nr; // under `upper`, rows past the tile's last column have nothing in it
    for (let t0 = 0; t0 < len; t0 += TILE_T) {
      const t1 = Math.min(len, t0 + TILE_T);
      let x = 0;
      for (; x + 2 <= xEnd; x += 2) {
        const za = z[rows[x]!]!;
        const zb = z[rows[x + 1]!]!;
        const oa = x * nc;
        const ob = oa + nc;
        let y = upper && x > y0 ? x : y0;
        for (; y + 4 <= y1; y += 4) {
          const z0 = z[cols[y]!]!;
          const z1 = z[cols[y + 1]!]!;
          const z2 = z[cols[y + 2]!]!;
          const z3 = z[cols[y + 3]!]!;
          let a0 = out[oa + y]!;
          let a1 = out[oa + y + 1]!;
          let a2 = out[oa + y + 2]!;
          let a3 = out[oa + y + 3]!;
          let b0 = out[ob + y]!;
          let b1 = out[ob + y + 1]!;
          let b2 = out[ob + y + 2]!;
          let b3 = out[ob + y + 3]!;
          for (let t = t0; t < t1; t++) {
            const a = za[t]!;
            const b = zb[t]!;
            const w0 = z0[t]!;
            const w1 = z1[t]!;
            const w2 = z2[t]!;
            const w3 = z3[t]!;
            a0 += a * w0;
            a1 += a * w1;
            a2 += a * w2;
            a3 += a * w3;
            b0 += b * w0;
            b1 += b * w1;
            b2 += b * w2;
            b3 += b * w3;
          }
          out[oa + y] = a0;
          out[oa + y + 1] = a1;
          out[oa + y + 2] = a2;
          out[oa + y + 3] = a3;
          out[ob + y] = b0;
          out[ob + y + 1] = b1;
          out[ob + y + 2] = b2;
          out[ob + y + 3] = b3;
        }
        for (; y < y1; y++) {
          const w = z[cols[y]!]!;
          let a0 = out[oa + y]!;
          let b0 = out[ob + y]!;
          for (let t = t0; t < t1; t++) {
            a0 += za[t]! * w[t]!;
            b0 += zb[t]! * w[t]!;
          }
          out[oa + y] = a0;
          out[ob + y] = b0;
        }
      }
      for (; x < xEnd; x++) {
        const za = z[rows[x]!]!;
        const oa = x * nc;
        for (let y = upper && x > y0 ? x : y0; y < y1; y++) {
          const w = z[cols[y]!]!;
          let a0 = out[oa + y]!;
          for (let t = t0; t < t1; t++) a0 += za[t]! * w[t]!;
          out[oa + y] = a0;
        }
      }
    }
  }
}

const corrOf = (i: number, j: number, s: number) => (i === j && Number.isFinite(s) ? 1 : Math.max(-1, Math.min(1, s)));

/** Pearson correlations of series `rows` (each) with series `cols`, row-major (rows.length x cols.length). */
export function correlationsAmong(zs: SeriesSource, rows: ArrayLike<number>, cols: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  dots(zs, rows, cols, out, false);
  for (let x = 0; x < rows.length; x++) for (let y = 0; y < cols.length; y++) out[x * cols.length + y] = corrOf(rows[x]!, cols[y]!, out[x * cols.length + y]!);
  return out;
}

/** Pearson correlation matrix of series `idx` (symmetric, idx.length^2, row-major). */
export function correlationSubmatrix(zs: SeriesSource, idx: ArrayLike<number>): Float64Array {
  const m = idx.length;
  const out = new Float64Array(m * m);
  dots(zs, idx, idx, out, true);
  for (let x = 0; x < m; x++) {
    for (let y = x; y < m; y++) {
      const v = corrOf(idx[x]!, idx[y]!, out[x * m + y]!);
      out[x * m + y] = v;
      out[y * m + x] = v;
    }
  }
  return out;
}

/** Pearson correlation matrix of equal-length series (NaN where a series does not vary). */
export function correlationMatrix(series: readonly ArrayLike<number>[]): number[][] {
  const zs = standardizeSeries(series);
  const n = zs.n;
  const flat = correlationSubmatrix(zs, Int32Array.from({ length: n }, (_, i) => i));
  return Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
}

/** The ONC distance matrix sqrt((1 - rho) / 2), NaN correlations taken as 0. */
export function correlationDistance(corr: readonly (readonly number[])[]): number[][] {
  return corr.map((row) => row.map((r) => Math.sqrt((1 - (Number.isNaN(r) ? 0 : r)) / 2)));
}

function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) { const d = a[t]! - b[t]!; s += d * d; }
  return s;
}

/**
 * sqDist(a, b) when it is at most `limit`, else Infinity (the sum stops once it exceeds the limit). The terms are >= 0
 * and rounded addition is monotonic, so partial sums never decrease: a sum that passed the limit ends above it, and
 * one that did not is the exact full sum. A caller keeping a strict minimum over candidates decides exactly as with
 * full sums, at a fraction of the work (issue 12: k-means dominated the walk-forward stage at 500 blueprints).
 */
function sqDistWithin(a: ArrayLike<number>, b: ArrayLike<number>, limit: number): number {
  const s = sqDistPartial(a, b, limit);
  return s > limit ? Infinity : s;
}

/** sqDistWithin's sum: the exact full sum when it is at most `limit`, else the partial sum that passed it (> limit). */
function sqDistPartial(a: ArrayLike<number>, b: ArrayLike<number>, limit: number): number {
  let s = 0;
  const n = a.length;
  let t = 0;
  while (t < n) {
    const end = t + 16 < n ? t + 16 : n; // test the limit every 16 terms
    for (; t < end; t++) { const d = a[t]! - b[t]!; s += d * d; }
    if (s > limit) return s;
  }
  return s;
}

/** Seeded k-means (k-means++ start, Lloyd iterations) of the rows of `points`; returns labels 0..k-1. */
export function kMeans(points: readonly ArrayLike<number>[], k: number, rng: Xoshiro128ss, maxIter = 300): Int32Array {
  const n = points.length;
  if (!(k >= 1 && k <= n)) throw new RangeError(`kMeans: k must be in 1..${n}, was ${k}`);
  const dim = points[0]!.length;
  const centers: Float64Array[] = [Float64Array.from(points[Math.min(n - 1, Math.floor(rng.uniform() * n))]!)];
  const d2 = points.map((p) => sqDist(p, centers[0]!));
  // the first centre at the least distance from each point, as the start chooses them: the first Lloyd assignment
  // (every distance to the start's centres, the first strict minimum wins) is this, without summing them again
  const nearest = new Int32Array(n);
  while (centers.length < k) {
    const total = d2.reduce((a, b) => a + b, 0);
    let pick = n - 1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < n; i++) { u -= d2[i]!; if (u < 0) { pick = i; break; } }
    } else {
      pick = Math.min(n - 1, Math.floor(rng.uniform() * n));
    }
    const c = Float64Array.from(points[pick]!);
    const m = centers.length;
    centers.push(c);
    for (let i = 0; i < n; i++) {
      const d = sqDistWithin(points[i]!, c, d2[i]!);
      if (d < d2[i]!) { d2[i] = d; nearest[i] = m; }
    }
  }
  const labels = new Int32Array(n).fill(-1);
  // Distances remembered across iterations (issue 12): per (point, centre) the exact squared distance (state 1) or a
  // partial sum that passed the limit it was asked under (state 2: a lower bound). A centre whose members did not
  // change is recomputed bit for bit the same (same members, same order), so it is left as it is and its remembered
  // distances stay valid; a centre that moved forgets them. A remembered exact value v answers sqDistWithin(limit)
  // exactly (v when v <= limit, else "beyond"), a lower bound above the limit too; anything else is summed again.
  const memo = new Float64Array(n * k);
  const state = new Uint8Array(n * k);
  const moved = new Uint8Array(k).fill(1);
  const membersChanged = new Uint8Array(k);
  let fullUpdate = true;
  for (let iter = 0; iter < maxIter; iter++) {
    for (let c = 0; c < k; c++) if (moved[c]) for (let i = 0; i < n; i++) state[i * k + c] = 0;
    membersChanged.fill(0);
    let changed = false;
    if (iter === 0) {
      labels.set(nearest);
      changed = n > 0;
    }
    for (let i = 0; iter > 0 && i < n; i++) {
      let best = 0;
      let bd = Infinity;
      // the distance to the point's current centre bounds the search; the first strict minimum wins, as before
      const own = labels[i]!;
      const row = i * k;
      let dOwn = Infinity;
      if (own >= 0) {
        if (state[row + own] === 1) dOwn = memo[row + own]!;
        else { dOwn = sqDist(points[i]!, centers[own]!); memo[row + own] = dOwn; state[row + own] = 1; }
      }
      for (let c = 0; c < k; c++) {
        let d: number;
        if (c === own) d = dOwn;
        else {
          const limit = bd < dOwn ? bd : dOwn;
          const st = state[row + c]!;
          const v = memo[row + c]!;
          if (st === 1) d = v <= limit ? v : Infinity;
          else if (st === 2 && v > limit) d = Infinity;
          else {
            const sum = sqDistPartial(points[i]!, centers[c]!, limit);
            memo[row + c] = sum;
            if (sum > limit) { state[row + c] = 2; d = Infinity; } else { state[row + c] = 1; d = sum; }
          }
        }
        if (d < bd) { bd = d; best = c; }
      }
      if (labels[i] !== best) {
        if (own >= 0) membersChanged[own] = 1;
        membersChanged[best] = 1;
        labels[i] = best;
        changed = true;
      }
    }
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) counts[labels[i]!]!++;
    let emptied = false;
    for (let c = 0; c < k; c++) if (counts[c] === 0) emptied = true;
    if (fullUpdate || emptied) {
      // every centre recomputed, and emptied ones re-seeded, exactly as the published procedure does it
      for (const c of centers) c.fill(0);
      for (let i = 0; i < n; i++) {
        const c = centers[labels[i]!]!;
        for (let t = 0; t < dim; t++) c[t] = c[t]! + points[i]![t]!;
      }
      for (let c = 0; c < k; c++) {
        if (counts[c]! > 0) { for (let t = 0; t < dim; t++) centers[c]![t]! /= counts[c]!; continue; }
        // an emptied cluster: re-seed at the point farthest from its own centroid
        let far = 0;
        let fd = -1;
        for (let i = 0; i < n; i++) {
          const d = sqDist(points[i]!, centers[labels[i]!]!);
          if (d > fd && counts[labels[i]!]! > 1) { fd = d; far = i; }
        }
        counts[labels[far]!]!--;
        labels[far] = c;
        counts[c] = 1;
        centers[c] = Float64Array.from(points[far]!);
        changed = true;
      }
      moved.fill(1);
      // a re-seed leaves the centre that lost its point as it was (its old members' mean): the next update redoes all
      fullUpdate = emptied;
    } else {
      for (let c = 0; c < k; c++) {
        moved[c] = membersChanged[c]!;
        if (!membersChanged[c]) continue;
        const cen = centers[c]!;
        cen.fill(0);
        for (let i = 0; i < n; i++) {
          if (labels[i] !== c) continue;
          for (let t = 0; t < dim; t++) cen[t] = cen[t]! + points[i]![t]!;
        }
        for (let t = 0; t < dim; t++) cen[t]! /= counts[c]!;
      }
    }
    if (!changed) break;
  }
  return labels;
}

/** Silhouette of each point (Rousseeuw 1987) under Euclidean distance between rows; 0 for a singleton's member. */
export function silhouetteSamples(points: readonly ArrayLike<number>[], labels: ArrayLike<number>): Float64Array {
  return silhouetteFromDistances(rowDistances(points), labels);
}

/** Euclidean distances between the rows of `points` (n x n). */
function rowDistances(points: readonly ArrayLike<number>[]): Float64Array[] {
  const n = points.length;
  return rowDistancesInto(points, Array.from({ length: n }, () => new Float64Array(n)));
}

function rowDistancesInto(points: readonly ArrayLike<number>[], d: Float64Array[]): Float64Array[] {
  const n = points.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = Math.sqrt(sqDist(points[i]!, points[j]!));
      d[i]![j] = v;
      d[j]![i] = v;
    }
  }
  return d;
}

function silhouetteFromDistances(d: readonly Float64Array[], labels: ArrayLike<number>): Float64Array {
  const n = d.length;
  let k = 0;
  for (let i = 0; i < n; i++) k = Math.max(k, labels[i]! + 1);
  const size = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) size[labels[i]!]!++;
  const s = new Float64Array(n);
  const sum = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    sum.fill(0);
    const row = d[i]!;
    for (let j = 0; j < n; j++) if (j !== i) sum[labels[j]!] = sum[labels[j]!]! + row[j]!;
    const own = labels[i]!;
    if (size[own]! <= 1) { s[i] = 0; continue; }
    const a = sum[own]! / (size[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && size[c]! > 0) b = Math.min(b, sum[c]! / size[c]!);
    const m = Math.max(a, b);
    s[i] = !Number.isFinite(b) ? 0 : m > 0 ? (b - a) / m : 0;
  }
  return s;
}

function meanOf(x: readonly number[]): number {
  return x.reduce((a, b) => a + b, 0) / x.length;
}

function stdOf(x: readonly number[], ddof: number): number {
  const m = meanOf(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) * (b - m), 0) / (x.length - ddof));
}

/** t = mean / std (population) of a cluster's silhouettes: NaN for a singleton, +Infinity for constant positive ones. */
export function clusterTStat(silh: readonly number[]): number {
  if (silh.length < 2) return NaN;
  const m = meanOf(silh);
  const s = stdOf(silh, 0);
  if (s > 1e-12) return m / s;
  return m > 0 ? Infinity : m < 0 ? -Infinity : NaN;
}

interface Partition { clusters: number[][]; silh: Float64Array }

function labelsOf(clusters: readonly number[][], n: number): Int32Array {
  const l = new Int32Array(n);
  clusters.forEach((c, k) => { for (const i of c) l[i] = k; });
  return l;
}

function normalise(clusters: number[][]): number[][] {
  return clusters.map((c) => [...c].sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
}

/**
 * The base clustering's runs, shared between threads (issue 12: ~400 k-means runs of ~700 points dominated the
 * clustered DSR). Run r is (init, k) = (floor(r / (maxK - 1)), 2 + r mod (maxK - 1)): the order the first-maximum
 * rule reads them. Each thread claims runs from `ctrl[0]` and writes run r's labels to labels[r n ..], its quality to
 * q[r], then its done-flag ctrl[CTRL_HEAD + r] (DONE_HERE, DONE_WORKER, or FAILED: the main thread does it again).
 */
export interface BaseJob {
  n: number;
  dim: number;
  maxK: number;
  nInit: number;
  seed: number;
  /** Points, row-major n x dim. */
  x: Float64Array;
  /** Euclidean distances between the points, row-major n x n. */
  d: Float64Array;
  labels: Int32Array;
  q: Float64Array;
  ctrl: Int32Array;
}

const CTRL_HEAD = 1;
/** Done-flags of a run: made by the thread that called oncClusters, by a worker, or failed in a worker (redo it). */
const DONE_HERE = 1;
const DONE_WORKER = 3;
const FAILED = 2;

/** How the base clustering shares its runs: threads for n items, the workers' module, the stall wait (OncOptions). */
interface Sharing {
  threads: (n: number) => number;
  workerUrl: URL;
  stallMs: number;
}

/**
 * Base-clustering runs made so far in this process, how many of them worker threads made, and how many the calling
 * thread made again after a worker failed or stalled on them (for tests and benches).
 */
export const oncThreadUse = { runs: 0, workerRuns: 0, redone: 0 };

function rowsOf(flat: Float64Array, n: number, dim: number): Float64Array[] {
  return Array.from({ length: n }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));
}

/** ONC's quality of a partition: mean / std (ddof 1) of the silhouettes (+-Infinity when they do not vary). */
function qualityOf(silh: Float64Array): number {
  const arr = Array.from(silh);
  const sd = stdOf(arr, 1);
  return sd > 1e-12 ? meanOf(arr) / sd : meanOf(arr) > 0 ? Infinity : -Infinity;
}

/** Claims and computes runs until none is left (the main thread and each worker run this). */
export function runBaseJob(job: BaseJob, inWorker = false): void {
  const { n, dim, maxK } = job;
  const pts = rowsOf(job.x, n, dim);
  const d = rowsOf(job.d, n, n);
  const runs = job.nInit * (maxK - 1);
  for (let r = Atomics.add(job.ctrl, 0, 1); r < runs; r = Atomics.add(job.ctrl, 0, 1)) {
    try {
      baseRun(job, pts, d, r);
      Atomics.store(job.ctrl, CTRL_HEAD + r, inWorker ? DONE_WORKER : DONE_HERE);
    } catch (e) {
      Atomics.store(job.ctrl, CTRL_HEAD + r, FAILED);
      Atomics.notify(job.ctrl, CTRL_HEAD + r);
      throw e;
    }
    Atomics.notify(job.ctrl, CTRL_HEAD + r);
  }
}

function baseRun(job: BaseJob, pts: readonly Float64Array[], d: readonly Float64Array[], r: number): void {
  const kCount = job.maxK - 1;
  const init = Math.floor(r / kCount);
  const k = 2 + (r % kCount);
  const labels = kMeans(pts, k, Xoshiro128ss.fromSeed(job.seed, init, k));
  job.labels.set(labels, r * job.n);
  job.q[r] = qualityOf(silhouetteFromDistances(d, labels));
}

function newBaseJob(x: readonly Float64Array[], maxK: number, nInit: number, seed: number, shared: boolean): BaseJob {
  const n = x.length;
  const dim = n ? x[0]!.length : 0;
  const runs = nInit * (maxK - 1);
  const f64 = (len: number) => (shared ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len));
  const xf = f64(n * dim);
  for (let i = 0; i < n; i++) xf.set(x[i]!, i * dim);
  const d = f64(n * n);
  rowDistancesInto(rowsOf(xf, n, dim), rowsOf(d, n, n));
  const i32 = (len: number) => (shared ? new Int32Array(new SharedArrayBuffer(len * 4)) : new Int32Array(len));
  return { n, dim, maxK, nInit, seed, x: xf, d, labels: i32(runs * n), q: f64(runs), ctrl: i32(CTRL_HEAD + runs) };
}

/**
 * Runs every (init, k) with `threads` threads (this one and threads - 1 workers, lib/stats/onc_worker.ts). A worker
 * that cannot start or fails leaves its runs to this thread (same results: each run depends on its seed only).
 */
function runAll(job: BaseJob, threads: number, sh: Sharing): void {
  const workers: Worker[] = [];
  for (let w = 1; w < threads; w++) {
    try {
      const worker = new Worker(sh.workerUrl, { workerData: job });
      // an error (module not found, a failed run) is answered by this thread doing the runs that were not done
      worker.on('error', () => {});
      worker.unref();
      workers.push(worker);
    } catch {
      break;
    }
  }
  runBaseJob(job);
  const runs = job.nInit * (job.maxK - 1);
  oncThreadUse.runs += runs;
  const pts = workers.length ? rowsOf(job.x, job.n, job.dim) : [];
  const d = workers.length ? rowsOf(job.d, job.n, job.n) : [];
  for (let r = 0; r < runs; r++) {
    const since = Date.now();
    for (;;) {
      const st = Atomics.load(job.ctrl, CTRL_HEAD + r);
      if (st === DONE_HERE) break;
      if (st === DONE_WORKER) { oncThreadUse.workerRuns++; break; }
      // a failed run, or one a worker has held for stallMs (a worker that died without a word, or starved):
      // made here (were the worker alive after all, it writes the same values)
      if (st === FAILED || Date.now() - since > sh.stallMs) {
        baseRun(job, pts, d, r);
        oncThreadUse.redone++;
        break;
      }
      Atomics.wait(job.ctrl, CTRL_HEAD + r, 0, Math.min(1000, sh.stallMs));
    }
  }
  for (const w of workers) void w.terminate();
}

function base(x: readonly Float64Array[], maxK: number, nInit: number, seed: number, sh: Sharing): Partition {
  const threads = sh.threads(x.length);
  const n = x.length;
  const runs = nInit * (maxK - 1);
  const job = newBaseJob(x, maxK, nInit, seed, threads > 1);
  runAll(job, threads, sh);
  // the first maximum of q in (init, k) order, as the runs were once made one after another
  let best = -1;
  let bestQ = -Infinity;
  for (let r = 0; r < runs; r++) {
    if (best < 0 || job.q[r]! > bestQ) { best = r; bestQ = job.q[r]!; }
  }
  const labels = job.labels.subarray(best * n, (best + 1) * n);
  const k = 2 + (best % (maxK - 1));
  const clusters: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) clusters[labels[i]!]!.push(i);
  return { clusters: normalise(clusters.filter((c) => c.length > 0)), silh: silhouetteFromDistances(rowsOf(job.d, n, n), labels) };
}

function tStats(p: Partition): number[] {
  return p.clusters.map((c) => clusterTStat(c.map((i) => p.silh[i]!)));
}

function meanFinite(t: readonly number[]): number {
  const f = t.filter((v) => Number.isFinite(v));
  return f.length ? meanOf(f) : NaN;
}

function top(x: readonly Float64Array[], maxK: number, nInit: number, seed: number, sh: Sharing): Partition {
  const n = x.length;
  if (n <= 2) return { clusters: Array.from({ length: n }, (_, i) => [i]), silh: new Float64Array(n) };
  const p = base(x, Math.min(maxK, n - 1), nInit, seed, sh);
  const t = tStats(p);
  const tMean = meanFinite(t);
  const redo = p.clusters.map((_, k) => k).filter((k) => t[k]! < tMean);
  if (redo.length <= 1) return p;
  const keys = redo.flatMap((k) => p.clusters[k]!).sort((a, b) => a - b);
  const sub = keys.map((i) => Float64Array.from(keys, (j) => x[i]![j]!));
  const redoMean = meanOf(redo.map((k) => t[k]!));
  const q = top(sub, Math.min(maxK, keys.length - 1), nInit, seed, sh);
  const clusters = normalise([
    ...p.clusters.filter((_, k) => !redo.includes(k)),
    ...q.clusters.map((c) => c.map((i) => keys[i]!)),
  ]);
  const candidate: Partition = { clusters, silh: silhouetteSamples(x, labelsOf(clusters, n)) };
  const newMean = meanFinite(tStats(candidate));
  return newMean > redoMean ? candidate : p;
}

/**
 * ONC clustering of items given their correlation matrix (square, symmetric). Deterministic for a given seed.
 * Throws RangeError for a non-square matrix or options out of range.
 */
export function oncClusters(corr: readonly (readonly number[])[], o: OncOptions = {}): OncResult {
  const n = corr.length;
  for (const [i, row] of corr.entries()) {
    if (row.length !== n) throw new RangeError(`oncClusters: correlation row ${i} has ${row.length} values, expected ${n}`);
  }
  const nInit = o.nInit ?? 10;
  const maxK = o.maxClusters ?? n - 1;
  if (!(Number.isInteger(nInit) && nInit >= 1)) throw new RangeError(`oncClusters: nInit must be an integer >= 1, was ${nInit}`);
  if (!(Number.isInteger(maxK) && maxK >= 1)) {
    if (n > 2) throw new RangeError(`oncClusters: maxClusters must be an integer >= 1, was ${maxK}`);
  }
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) throw new RangeError(`oncClusters: threads must be an integer >= 1, was ${o.threads}`);
  if (o.stallMs !== undefined && !(o.stallMs > 0)) throw new RangeError(`oncClusters: stallMs must be > 0, was ${o.stallMs}`);
  const sh: Sharing = {
    threads: (m) => o.threads ?? (m >= ONC_PARALLEL_MIN_ITEMS ? Math.min(4, availableParallelism()) : 1),
    workerUrl: o.workerUrl ?? new URL('./onc_worker.js', import.meta.url),
    stallMs: o.stallMs ?? 60_000,
  };
  // rows as Float64Array everywhere inside (kMeans, the distances, the silhouettes): one element kind, so their loops
  // are compiled for it alone (a mix of arrays and typed arrays made them ~25 % slower)
  const x = correlationDistance(corr).map((row) => Float64Array.from(row));
  const p = top(x, Math.max(2, maxK), nInit, o.seed ?? 0, sh);
  return { clusters: p.clusters, labels: labelsOf(p.clusters, n), silhouettes: p.silh };
}
