/**
 * Effective number of independent tests among correlated ones, and the sampling variance of a Sharpe ratio under
 * the null, the two ingredients of the clustered DSR (lib/walkforward/deflation.ts).
 *
 *  - `symmetricEigenvalues`: cyclic Jacobi rotations (Golub & Van Loan, "Matrix Computations", 4th ed., 8.5.2-8.5.3;
 *    threshold strategy of Rutishauser / Numerical Recipes 3rd ed. 11.1 `Jacobi`) for a real symmetric matrix.
 *  - `liJiEffectiveTests`: Li & Ji (2005), "Adjusting multiple testing in multilocus analyses using the eigenvalues
 *    of a correlation matrix", Heredity 95, 221-227, eq. 5: M_eff = sum_i f(|lambda_i|) with
 *    f(x) = I(x >= 1) + (x - floor(x)) over the eigenvalues of the tests' correlation matrix. Independent tests
 *    (identity) -> M; perfectly correlated tests (all ones) -> 1.
 *  - `nullSharpeVariance`: the variance of a per-observation Sharpe estimate when the true Sharpe ratio is 0. For iid
 *    returns (any skewness and kurtosis) it is 1 / (n - 1): the Mertens (2002) / Bailey & Lopez de Prado (2012,
 *    eq. 8) variance (1 - skew SR + (kurt - 1)/4 SR^2) / (n - 1) at SR = 0. Under serial dependence it is scaled by
 *    the long-run variance ratio of the returns (Lo 2002, "The Statistics of Sharpe Ratios", Financial Analysts
 *    Journal 58(4), section "Non-IID returns": at SR = 0 the GMM variance of the estimator is the long-run variance
 *    of the mean over the variance), estimated with Newey-West Bartlett weights (lib/stats/hac.ts).
 */
import { neweyWestLag, neweyWestMean } from './hac.js';
import { variance } from './descriptive.js';
import { tred2Kernel } from './tred2_wasm.js';

/** Rows from which symmetricEigenvaluesQL's 'auto' takes the WebAssembly kernel (below, the JS loop: no memory to set up). */
export const WASM_QL_MIN = 16;

/**
 * Eigenvalues of a real symmetric matrix, ascending. Cyclic Jacobi sweeps until the off-diagonal mass is below
 * 1e-22 of the total squared mass (or 100 sweeps). Only the upper triangle is read after a symmetry check
 * (|a_ij - a_ji| <= 1e-9 (1 + |a_ij|)). Throws RangeError for a non-square or asymmetric matrix or a non-finite
 * entry. O(n^3) per sweep; 6-10 sweeps in practice.
 */
export function symmetricEigenvalues(m: readonly (readonly number[])[]): Float64Array {
  const n = m.length;
  const a: Float64Array[] = m.map((row, i) => {
    if (row.length !== n) throw new RangeError(`symmetricEigenvalues: row ${i} has ${row.length} values, expected ${n}`);
    return Float64Array.from(row);
  });
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = a[i]![j]!;
      if (!Number.isFinite(x)) throw new RangeError(`symmetricEigenvalues: entry (${i}, ${j}) is ${x}`);
      if (j > i && Math.abs(x - a[j]![i]!) > 1e-9 * (1 + Math.abs(x))) {
        throw new RangeError(`symmetricEigenvalues: not symmetric at (${i}, ${j}): ${x} vs ${a[j]![i]!}`);
      }
      total += x * x;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i]![j] = a[j]![i]!; // exact symmetry
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * a[p]![q]! * a[p]![q]!;
    if (!(off > 1e-22 * total)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const app = a[p]![p]!;
        const aqq = a[q]![q]!;
        // Golub & Van Loan Algorithm 8.5.1 (symmetric Schur): c, s annihilating a_pq
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        a[p]![q] = 0;
        a[q]![p] = 0;
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i]![i]!).sort();
}

/**
 * Eigenvalues of a real symmetric matrix, ascending, by Householder reduction to tridiagonal form and the implicit
 * QL algorithm with Wilkinson shifts (Numerical Recipes 3rd ed. 11.3 `tred2` without eigenvectors and 11.4 `tqli`;
 * Golub & Van Loan 4th ed. 8.3). O(n^3) once (about 4/3 n^3 flops) instead of Jacobi's n^3 per sweep: the Li & Ji
 * counts of clusters of hundreds of trials need it. Same checks and errors as symmetricEigenvalues (which it is
 * tested against). Throws RangeError if an eigenvalue needs more than 50 QL iterations.
 */
export function symmetricEigenvaluesQL(m: readonly ArrayLike<number>[], kernel: 'auto' | 'wasm' | 'js' = 'auto'): Float64Array {
  const n = m.length;
  m.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`symmetricEigenvaluesQL: row ${i} has ${row.length} values, expected ${n}`);
  });
  // the reduction's pass over two rows in a WebAssembly SIMD kernel (lib/stats/tred2_wasm.ts, the same bits) where it
  // is available ('auto', from WASM_QL_MIN rows): the matrix, p and q then live in its memory (row i at i n doubles,
  // p and q after the matrix, the kernel's two sums after them)
  const wk = kernel !== 'js' && (kernel === 'wasm' || n >= WASM_QL_MIN) ? tred2Kernel((n * n + 2 * n + 2) * 8) : null;
  if (kernel === 'wasm' && !wk) throw new RangeError("symmetricEigenvaluesQL: the WebAssembly SIMD kernel is not available in this runtime or the matrix exceeds its memory (use kernel 'auto')");
  const buf = wk?.memory.buffer;
  const a: Float64Array[] = m.map((row, i) => {
    if (!buf) return Float64Array.from(row);
    const r = new Float64Array(buf, i * n * 8, n);
    r.set(row);
    return r;
  });
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const x = a[i]![j]!;
      if (!Number.isFinite(x) || !Number.isFinite(a[j]![i]!)) throw new RangeError(`symmetricEigenvaluesQL: entry (${i}, ${j}) is ${x}`);
      if (j > i && Math.abs(x - a[j]![i]!) > 1e-9 * (1 + Math.abs(x))) throw new RangeError(`symmetricEigenvaluesQL: not symmetric at (${i}, ${j}): ${x} vs ${a[j]![i]!}`);
    }
  }
  // the lower triangle is what the reduction reads: take it from the upper one (exact symmetry)
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i]![j] = a[j]![i]!;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // tred2 (no eigenvectors), with each step's rank-2 update A -= u q' + q u' of rows 0..l deferred into the next step's
  // pass over those rows (issue 12): row r is updated element by element (the same arithmetic on each element as
  // updating the whole triangle first) and then read by the next step's matrix-vector product while it is in cache,
  // one pass over the triangle per step instead of two. `pu`, `pq`: the pending update's u (the previous step's row,
  // which no later step changes) and q; null when the previous step made none.
  let pOff = n * n * 8;
  let pqOff = pOff + n * 8;
  let p = buf ? new Float64Array(buf, pOff, n) : new Float64Array(n);
  let pu: Float64Array | null = null;
  let puOff = 0;
  let pq = buf ? new Float64Array(buf, pqOff, n) : new Float64Array(n);
  const outOff = pqOff + n * 8;
  const out = buf ? new Float64Array(buf, outOff, 2) : new Float64Array(2);
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    const ai = a[i]!;
    if (pu) rank2Row(ai, i, pu, pq);
    let made = false;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(ai[k]!);
      if (scale === 0) {
        e[i] = ai[l]!;
      } else {
        for (let k = 0; k <= l; k++) {
          ai[k] = ai[k]! / scale;
          h += ai[k]! * ai[k]!;
        }
        let f = ai[l]!;
        const g0 = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g0;
        h -= f * g0;
        ai[l] = f - g0;
        f = 0;
        // p = A u (u = ai[0..l], A's lower triangle), p_j = sum over k ascending of A[max(j,k)][min(j,k)] u_k. Row r
        // of the triangle holds p_r's terms k <= r and the term k = r of every p_c, c < r; taking the rows in order
        // adds each p_j's terms in ascending k, as the column-reading loop did (same sums, bit for bit), with
        // contiguous reads only (issue 12: the column reads were ~40 % of the eigenvalues' time)
        if (pu) {
          let r = 0;
          if (wk) {
            // columns below 2 floor(r / 2) in the kernel, the rest (one column at most, and the corner) in JS
            for (; r + 1 <= l; r += 2) {
              const pairs = r >> 1;
              if (pairs > 0) {
                wk.rows2(r * n * 8, (r + 1) * n * 8, i * n * 8, puOff, pqOff, pOff, pairs, outOff, pu[r]!, pq[r]!, pu[r + 1]!, pq[r + 1]!, ai[r]!, ai[r + 1]!);
                fusedRows2(a[r]!, a[r + 1]!, r, ai, pu, pq, p, 2 * pairs, out[0]!, out[1]!);
              } else {
                fusedRows2(a[r]!, a[r + 1]!, r, ai, pu, pq, p, 0, 0, 0);
              }
            }
          } else {
            for (; r + 3 <= l; r += 4) fusedRows4(a, r, ai, pu, pq, p);
            for (; r + 1 <= l; r += 2) fusedRows2(a[r]!, a[r + 1]!, r, ai, pu, pq, p, 0, 0, 0);
          }
          if (r <= l) fusedRow(a[r]!, r, ai, pu, pq, p);
        } else {
          for (let r = 0; r <= l; r++) {
            const ar = a[r]!;
            const ur = ai[r]!;
            let g = 0;
            for (let c = 0; c < r; c++) {
              const x = ar[c]!;
              g += x * ai[c]!;
              p[c] = p[c]! + x * ur;
            }
            p[r] = g + ar[r]! * ur;
          }
        }
        for (let j = 0; j <= l; j++) {
          p[j] = p[j]! / h;
          f += p[j]! * ai[j]!;
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) p[j] = p[j]! - hh * ai[j]!;
        // p now holds q: the update of rows 0..l is this step's pending one
        const t = pq;
        pq = p;
        p = t;
        const tOff = pqOff;
        pqOff = pOff;
        pOff = tOff;
        pu = ai;
        puOff = i * n * 8;
        made = true;
      }
    } else {
      e[i] = ai[l]!;
    }
    if (!made && pu) {
      // no reduction this step: the pending update of rows 0..l is applied on its own
      for (let r = 0; r <= l; r++) rank2Row(a[r]!, r, pu, pq);
      pu = null;
    }
    d[i] = h;
  }
  for (let i = 0; i < n; i++) d[i] = a[i]![i]!;
  // tqli (no eigenvectors)
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  const EPS = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let mm: number;
    do {
      for (mm = l; mm < n - 1; mm++) {
        const dd = Math.abs(d[mm]!) + Math.abs(d[mm + 1]!);
        if (Math.abs(e[mm]!) <= EPS * dd) break;
      }
      if (mm !== l) {
        if (iter++ === 50) throw new RangeError('symmetricEigenvaluesQL: too many iterations');
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[mm]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = mm - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] = d[i + 1]! - p;
            e[mm] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (r === 0 && i >= l) continue;
        d[l] = d[l]! - p;
        e[l] = g;
        e[mm] = 0;
      }
    } while (mm !== l);
  }
  return d.sort();
}

/**
 * Row r of the deferred update fused with the product (see symmetricEigenvaluesQL): each a_rc (c <= r) takes the
 * update a_rc -= u_r q_c + q_r u_c (u, q the pending `uu`, `qq`), then p_c += a_rc v_r (c < r) and
 * p_r = sum_{c < r} a_rc v_c + a_rr v_r, v the current step's u (`ai`), sums in ascending c as before. From column
 * c0 with the row's sum so far g0 (0, 0: the whole row; fusedRows4 has done the columns below c0).
 */
function fusedRow(ar: Float64Array, r: number, ai: Float64Array, uu: Float64Array, qq: Float64Array, p: Float64Array, c0 = 0, g0 = 0): void {
  const ur = ai[r]!;
  const fr = uu[r]!;
  const gr = qq[r]!;
  let g = g0;
  for (let c = c0; c < r; c++) {
    const x = ar[c]! - (fr * qq[c]! + gr * uu[c]!);
    ar[c] = x;
    g += x * ai[c]!;
    p[c] = p[c]! + x * ur;
  }
  const x = ar[r]! - (fr * qq[r]! + gr * uu[r]!);
  ar[r] = x;
  p[r] = g + x * ur;
}

/**
 * fusedRow for rows r and r + 1 in one pass: each p_c still takes row r's term before row r + 1's. From column c0
 * with the rows' sums so far s0, s1 (0, +0, +0: the whole rows; the WebAssembly kernel does the columns below c0).
 */
function fusedRows2(a0: Float64Array, a1: Float64Array, r: number, ai: Float64Array, uu: Float64Array, qq: Float64Array, p: Float64Array, c0: number, s0: number, s1: number): void {
  const u0 = ai[r]!;
  const u1 = ai[r + 1]!;
  const f0 = uu[r]!;
  const g0 = qq[r]!;
  const f1 = uu[r + 1]!;
  const g1 = qq[r + 1]!;
  for (let c = c0; c < r; c++) {
    const qc = qq[c]!;
    const uc = uu[c]!;
    const vc = ai[c]!;
    const x0 = a0[c]! - (f0 * qc + g0 * uc);
    const x1 = a1[c]! - (f1 * qc + g1 * uc);
    a0[c] = x0;
    a1[c] = x1;
    s0 += x0 * vc;
    s1 += x1 * vc;
    p[c] = p[c]! + x0 * u0 + x1 * u1;
  }
  // column r: row r's diagonal ends p_r; row r + 1's entry adds to it and to s1
  const xd0 = a0[r]! - (f0 * qq[r]! + g0 * uu[r]!);
  a0[r] = xd0;
  const x1r = a1[r]! - (f1 * qq[r]! + g1 * uu[r]!);
  a1[r] = x1r;
  s1 += x1r * ai[r]!;
  p[r] = s0 + xd0 * u0 + x1r * u1;
  const xd1 = a1[r + 1]! - (f1 * qq[r + 1]! + g1 * uu[r + 1]!);
  a1[r + 1] = xd1;
  p[r + 1] = s1 + xd1 * u1;
}

/**
 * fusedRow for rows r..r + 3: the columns c < r of the four rows in one pass (each p_c takes rows r, r + 1, r + 2,
 * r + 3's terms in that order), then the corner c >= r row by row in ascending order (each row's sum goes on in
 * ascending c, each p_c of the corner is set by its own row before the later rows add to it): every sum in the order
 * of the one-row loop.
 */
function fusedRows4(a: readonly Float64Array[], r: number, ai: Float64Array, uu: Float64Array, qq: Float64Array, p: Float64Array): void {
  const a0 = a[r]!;
  const a1 = a[r + 1]!;
  const a2 = a[r + 2]!;
  const a3 = a[r + 3]!;
  const u0 = ai[r]!;
  const u1 = ai[r + 1]!;
  const u2 = ai[r + 2]!;
  const u3 = ai[r + 3]!;
  const f0 = uu[r]!;
  const f1 = uu[r + 1]!;
  const f2 = uu[r + 2]!;
  const f3 = uu[r + 3]!;
  const g0 = qq[r]!;
  const g1 = qq[r + 1]!;
  const g2 = qq[r + 2]!;
  const g3 = qq[r + 3]!;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let c = 0; c < r; c++) {
    const qc = qq[c]!;
    const uc = uu[c]!;
    const vc = ai[c]!;
    const x0 = a0[c]! - (f0 * qc + g0 * uc);
    const x1 = a1[c]! - (f1 * qc + g1 * uc);
    const x2 = a2[c]! - (f2 * qc + g2 * uc);
    const x3 = a3[c]! - (f3 * qc + g3 * uc);
    a0[c] = x0;
    a1[c] = x1;
    a2[c] = x2;
    a3[c] = x3;
    s0 += x0 * vc;
    s1 += x1 * vc;
    s2 += x2 * vc;
    s3 += x3 * vc;
    p[c] = p[c]! + x0 * u0 + x1 * u1 + x2 * u2 + x3 * u3;
  }
  const sums = [s0, s1, s2, s3];
  for (let j = 0; j < 4; j++) fusedRow(a[r + j]!, r + j, ai, uu, qq, p, r, sums[j]!);
}

/** Row r of tred2's rank-2 update: a_rk -= u_r q_k + q_r u_k, k <= r (the published loop's arithmetic per element). */
function rank2Row(ar: Float64Array, r: number, u: Float64Array, q: Float64Array): void {
  const fr = u[r]!;
  const gr = q[r]!;
  for (let k = 0; k <= r; k++) ar[k] = ar[k]! - (fr * q[k]! + gr * u[k]!);
}

/**
 * Li & Ji (2005) effective number of independent tests of a correlation matrix: sum over its eigenvalues of
 * I(|lambda| >= 1) + (|lambda| - floor(|lambda|)), an eigenvalue within 1e-9 n of an integer taken as that integer.
 * For a correlation matrix (unit diagonal) the result is an integer, n - sum over lambda >= 1 of (floor(lambda) - 1),
 * and is returned as one (a sum within 1e-9 n of an integer is rounded). 0 for an empty matrix. Throws as symmetricEigenvalues.
 */
export function liJiEffectiveTests(corr: readonly ArrayLike<number>[]): number {
  const n = corr.length;
  let m = 0;
  for (const l of symmetricEigenvaluesQL(corr)) {
    // f jumps at every integer >= 2 (f(2 - e) ~ 2, f(2) = 1): an eigenvalue within rounding of an integer is that
    // integer (n identical series give lambda = n up to ~1e-15, which must count 1, not 2)
    const r = Math.round(Math.abs(l));
    const x = Math.abs(Math.abs(l) - r) <= 1e-9 * Math.max(1, n) ? r : Math.abs(l);
    m += (x >= 1 ? 1 : 0) + (x - Math.floor(x));
  }
  // of a correlation matrix (trace n) the sum is n - sum_{lambda >= 1} (floor(lambda) - 1), an integer: drop the
  // rounding noise of the eigenvalues
  const r = Math.round(m);
  return Math.abs(m - r) <= 1e-9 * Math.max(1, n) ? r : m;
}

/**
 * Variance of the per-observation Sharpe estimate of `returns` if their true Sharpe ratio were 0:
 * rho / (n - 1) with rho = long-run variance / variance, both biased (1/n) moments: rho = n se_NW^2 / gamma_0,
 * se_NW the Newey-West standard error of the mean with `lags` (default neweyWestLag(n)). rho = 1 for serially
 * uncorrelated returns; so the iid value is 1 / (n - 1), the Mertens variance at SR = 0. NaN for n < 2 or returns
 * that do not vary.
 */
export function nullSharpeVariance(returns: ArrayLike<number>, lags = neweyWestLag(returns.length)): number {
  const n = returns.length;
  if (n < 2) return NaN;
  const g0 = variance(returns, 0);
  if (!(g0 > 0)) return NaN;
  const se = neweyWestMean(returns, lags).se;
  return (n * se * se) / g0 / (n - 1);
}
