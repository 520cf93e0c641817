/**
 * The stationary bootstrap of Politis & Romano (1994) and the circular block bootstrap of Politis & Romano (1992)
 * for a dependent series, a percentile confidence interval of its mean, and the Politis & White (2004) automatic
 * block lengths of both (with the Patton, Politis & White 2009 correction), returned as computed.
 *
 * Randomness comes from `Xoshiro128ss.fromSeed(seed, 0)` (lib/stats/rng.ts): the same seed gives the
 * same replicates on every machine.
 */
import { Xoshiro128ss } from './rng.js';
import { quantiles, std } from './descriptive.js';

// Module-level copies: inside a vm context (jest) every global lookup in a hot loop is very slow.
const floor = Math.floor;
const abs = Math.abs;

export interface StationaryBootstrapOptions {
  /** Mean block length (>= 1): each step starts a new block with probability p = 1 / meanBlock. */
  meanBlock: number;
  /** Number of bootstrap replicates (integer >= 1). */
  reps: number;
  /** Seed of the random stream (any safe integer). */
  seed: number;
  /** Statistic of one resample; default: its mean (computed without materialising the resample). */
  statistic?: (resample: Float64Array) => number;
}

function checkOptions(fn: string, x: ArrayLike<number>, o: { meanBlock: number; reps: number; seed: number }): void {
  if (x.length === 0) throw new RangeError(`${fn}: empty series`);
  if (!(o.meanBlock >= 1) || !Number.isFinite(o.meanBlock)) throw new RangeError(`${fn}: meanBlock must be a finite number >= 1, was ${o.meanBlock}`);
  if (!(Number.isInteger(o.reps) && o.reps >= 1)) throw new RangeError(`${fn}: reps must be an integer >= 1, was ${o.reps}`);
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`${fn}: seed must be a safe integer, was ${o.seed}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new RangeError(`${fn}: x[${i}] is not finite (${x[i]}); drop missing values first`);
  }
}

/**
 * `reps` stationary-bootstrap replicates of a statistic (default: the mean) of the series x (time order).
 * A resample of length n is built block by block: a block starts at a uniform random index, continues with the
 * following indices (wrapping from n - 1 to 0), and each next observation starts a new block with probability
 * p = 1 / meanBlock, so block lengths are geometric with mean meanBlock (Politis & Romano 1994). meanBlock = 1 is
 * the iid bootstrap. Every step draws one uniform (new block or not) and each new block one more, so the stream
 * use does not depend on the data. O(reps * n).
 */
export function stationaryBootstrap(x: ArrayLike<number>, opts: StationaryBootstrapOptions): Float64Array {
  checkOptions('stationaryBootstrap', x, opts);
  const n = x.length;
  const p = 1 / opts.meanBlock;
  const rng = Xoshiro128ss.fromSeed(opts.seed, 0);
  const out = new Float64Array(opts.reps);
  const stat = opts.statistic;
  if (!stat) return stationaryMeans(x instanceof Float64Array ? x : Float64Array.from(x), p, rng, opts.reps);
  const buf = new Float64Array(n);
  for (let r = 0; r < opts.reps; r++) {
    let idx = floor(rng.uniform() * n);
    for (let t = 0; t < n; t++) {
      if (t > 0) {
        if (rng.uniform() < p) idx = floor(rng.uniform() * n);
        else if (++idx === n) idx = 0;
      }
      buf[t] = x[idx]!;
    }
    out[r] = stat(buf);
  }
  return out;
}

/**
 * The default statistic of `stationaryBootstrap` (the mean of each resample) without the resample: the same draws
 * in the same order and each replicate summed in the same order, so every value is bit-for-bit that of the general
 * loop (tests/stats/bootstrap.test.ts). The generator is stepped in locals here (xoshiro128** 1.1 as
 * Xoshiro128ss.nextU32, u = (u32 + 0.5) / 2^32 as uniform(); floor(u n) as (u n) | 0, equal for 0 <= u n < 2^31):
 * 1.5-1.6x faster than reading the uniforms from a batch buffer (issue 12: the bridge's ~460M steps at 50 x 2y).
 */
function stationaryMeans(x: Float64Array, p: number, rng: Xoshiro128ss, reps: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(reps);
  let [s0, s1, s2, s3] = rng.stateWords();
  let m = 0;
  let u = 0;
  let k = 0;
  for (let r = 0; r < reps; r++) {
    m = imul(s1, 5);
    u = ((imul((m << 7) | (m >>> 25), 9) >>> 0) + 0.5) * INV_2_32;
    k = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= k; s3 = (s3 << 11) | (s3 >>> 21);
    let idx = (u * n) | 0;
    let s = 0;
    s += x[idx]!;
    for (let t = 1; t < n; t++) {
      m = imul(s1, 5);
      u = ((imul((m << 7) | (m >>> 25), 9) >>> 0) + 0.5) * INV_2_32;
      k = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= k; s3 = (s3 << 11) | (s3 >>> 21);
      if (u < p) {
        // a new block: its start is the next draw
        m = imul(s1, 5);
        u = ((imul((m << 7) | (m >>> 25), 9) >>> 0) + 0.5) * INV_2_32;
        k = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= k; s3 = (s3 << 11) | (s3 >>> 21);
        idx = (u * n) | 0;
      } else if (++idx === n) idx = 0;
      s += x[idx]!;
    }
    out[r] = s / n;
  }
  return out;
}

const imul = Math.imul;
const INV_2_32 = 1 / 4294967296;

export interface BootstrapCIOptions {
  meanBlock: number;
  reps: number;
  seed: number;
  /** Confidence level in (0, 1), e.g. 0.95. */
  level: number;
}

export interface BootstrapCI {
  /** Percentile interval of the bootstrap means: type-7 quantiles at (1 - level) / 2 and (1 + level) / 2. */
  lo: number;
  hi: number;
  /** Standard deviation of the bootstrap means (ddof = 1): the bootstrap standard error of the mean. */
  se: number;
  /** Sample mean of x. */
  mean: number;
}

/** Stationary-bootstrap percentile confidence interval of the mean of x (see `stationaryBootstrap`). */
export function bootstrapCI(x: ArrayLike<number>, opts: BootstrapCIOptions): BootstrapCI {
  if (!(opts.level > 0 && opts.level < 1)) throw new RangeError(`bootstrapCI: level must be in (0, 1), was ${opts.level}`);
  const reps = stationaryBootstrap(x, { meanBlock: opts.meanBlock, reps: opts.reps, seed: opts.seed });
  const a = (1 - opts.level) / 2;
  const [lo, hi] = quantiles(reps, [a, 1 - a]);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return { lo: lo!, hi: hi!, se: reps.length > 1 ? std(reps) : NaN, mean: s / x.length };
}

/** Politis & White block lengths as computed, before any clamping (see `politisWhiteBlockLengths`). */
export interface PolitisWhiteBlockLengths {
  /** Stationary-bootstrap mean block length (G^2 / g0^2)^(1/3) n^(1/3) (D_SB = 2 g0^2). NaN when undefined. */
  stationary: number;
  /** Circular-block-bootstrap block length (3/2)^(1/3) x stationary (D_CB = (4/3) g0^2). NaN when undefined. */
  circular: number;
  /** The paper's upper bound b_max = ceil(min(3 sqrt n, n / 3)) (Patton's code and arch clamp to it). */
  bMax: number;
  /** The flat-top lag window M used (0 when undefined). */
  M: number;
  /** The first lag m-hat of K_N insignificant autocorrelations, or -1 if none up to m_max (then M = m_max). */
  mHat: number;
  n: number;
}

/**
 * Politis & White (2004) automatic block lengths for the STATIONARY and the CIRCULAR block bootstrap of the mean,
 * with the correction of Patton, Politis & White (2009) (D_SB = 2 g(0)^2, D_CB = (4/3) g(0)^2), RETURNED AS
 * COMPUTED: no rounding, no clamping (callers clamp with `clampBlockLength` and report it). With c_k the sample
 * autocovariances (divisor n) and rho_k = c_k / c_0:
 *   K_N = max(5, ceil(sqrt(log10 n))), m_max = ceil(sqrt n) + K_N, b_max = ceil(min(3 sqrt n, n / 3));
 *   m = the smallest j >= 1 with |rho_j|, ..., |rho_{j+K_N-1}| all < 2 sqrt(log10(n) / n) (Patton's
 *   opt_block_length.m and Python arch convention); M = min(2 m, m_max), or m_max if there is no such j;
 *   lambda(t) = 1 for |t| <= 1/2, 2 (1 - |t|) for 1/2 < |t| <= 1 (flat-top kernel);
 *   G = 2 sum_{k=1..M} lambda(k/M) k c_k,  g0 = c_0 + 2 sum_{k=1..M} lambda(k/M) c_k;
 *   b_SB = (2 G^2 / D_SB)^(1/3) n^(1/3) = (G / g0)^(2/3) n^(1/3),  b_CB = (2 G^2 / D_CB)^(1/3) n^(1/3).
 * The value can be below 1 (weak dependence: G near 0, even exactly 0) or above b_max (strong dependence; +inf if
 * g0 = 0 with G != 0). NaN for n < 4, a constant series or G = g0 = 0. O(n m_max) = O(n^1.5).
 */
export function politisWhiteBlockLengths(x: ArrayLike<number>): PolitisWhiteBlockLengths {
  const n = x.length;
  const bMax = n > 0 ? Math.ceil(Math.min(3 * Math.sqrt(n), n / 3)) : 0;
  const undefinedResult = { stationary: NaN, circular: NaN, bMax, M: 0, mHat: -1, n };
  if (n < 4) return undefinedResult;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const mu = s / n;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = x[i]! - mu;
  const kn = Math.max(5, Math.ceil(Math.sqrt(Math.log10(n))));
  const mMax = Math.ceil(Math.sqrt(n)) + kn;
  const lagMax = Math.min(mMax, n - 1);
  const acv = new Float64Array(lagMax + 1);
  for (let k = 0; k <= lagMax; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += e[t]! * e[t - k]!;
    acv[k] = c / n;
  }
  if (!(acv[0]! > 0)) return undefinedResult;
  const cv = 2 * Math.sqrt(Math.log10(n) / n);
  let mHat = -1;
  for (let j = 1; j + kn - 1 <= lagMax; j++) {
    let ok = true;
    for (let k = j; k < j + kn; k++) {
      if (!(abs(acv[k]! / acv[0]!) < cv)) {
        ok = false;
        break;
      }
    }
    if (ok) {
      mHat = j;
      break;
    }
  }
  const M = Math.min(mHat > 0 ? 2 * mHat : mMax, lagMax);
  let g = 0;
  let g0 = acv[0]!;
  for (let k = 1; k <= M; k++) {
    const u = k / M;
    const lam = u <= 0.5 ? 1 : 2 * (1 - u);
    g += 2 * lam * k * acv[k]!;
    g0 += 2 * lam * acv[k]!;
  }
  const dsb = 2 * g0 * g0;
  const dcb = (4 / 3) * g0 * g0;
  return {
    stationary: Math.cbrt((2 * g * g) / dsb) * Math.cbrt(n),
    circular: Math.cbrt((2 * g * g) / dcb) * Math.cbrt(n),
    bMax, M, mHat, n,
  };
}

/**
 * The Politis & White (2004) stationary-bootstrap mean block length AS COMPUTED (the `stationary` field of
 * `politisWhiteBlockLengths`): not clamped, not rounded; NaN for n < 4 or a constant series. Clamp with
 * `clampBlockLength` before use and report the clamping.
 */
export function politisWhiteBlockLength(x: ArrayLike<number>): number {
  return politisWhiteBlockLengths(x).stationary;
}

/** A block length made usable, with what was done to it. */
export interface ClampedBlockLength {
  /** The block length to use: in [lo, hi], an integer when `integer` was asked. */
  block: number;
  /** The value given (as computed). */
  raw: number;
  /** 'none', 'low' (raised to lo), 'high' (lowered to hi) or 'undefined' (raw NaN: lo used). */
  clamped: 'none' | 'low' | 'high' | 'undefined';
  lo: number;
  hi: number;
}

/**
 * Clamps a computed block length to [lo, hi] (default lo = 1, hi = b_max = ceil(min(3 sqrt n, n / 3)), the bound
 * of Politis & White's and Patton's code) and says so; NaN becomes lo ('undefined'). `integer: true` rounds to the
 * nearest integer first (for the circular block bootstrap, whose blocks have a fixed integer length). hi < lo
 * (tiny n) uses lo. Throws RangeError for n < 1 or lo < 1.
 */
export function clampBlockLength(
  raw: number, n: number, o: { lo?: number; hi?: number; integer?: boolean } = {},
): ClampedBlockLength {
  if (!(n >= 1)) throw new RangeError(`clampBlockLength: n must be >= 1, was ${n}`);
  const lo = o.lo ?? 1;
  if (!(lo >= 1)) throw new RangeError(`clampBlockLength: lo must be >= 1, was ${lo}`);
  const hi = Math.max(o.hi ?? Math.ceil(Math.min(3 * Math.sqrt(n), n / 3)), lo);
  if (Number.isNaN(raw)) return { block: lo, raw, clamped: 'undefined', lo, hi };
  const v = o.integer ? Math.round(raw) : raw;
  if (v < lo) return { block: lo, raw, clamped: 'low', lo, hi };
  if (v > hi) return { block: o.integer ? Math.floor(hi) : hi, raw, clamped: 'high', lo, hi };
  return { block: v, raw, clamped: 'none', lo, hi };
}

export interface CircularBlockBootstrapOptions {
  /** Block length: an integer in [1, n]. */
  blockLength: number;
  /** Number of bootstrap replicates (integer >= 1). */
  reps: number;
  /** Seed of the random stream (any safe integer). */
  seed: number;
  /** Statistic of one resample; default: its mean (computed without materialising the resample). */
  statistic?: (resample: Float64Array) => number;
}

/**
 * `reps` circular-block-bootstrap replicates (Politis & Romano 1992, "A circular block-resampling procedure for
 * stationary data") of a statistic (default: the mean) of the series x (time order). The data are wrapped on a
 * circle; a resample of length n is ceil(n / b) blocks of b consecutive observations (indices wrap from n - 1 to
 * 0), each starting at a uniform random index, the last block cut to fill exactly n. Every block start is one
 * draw from `Xoshiro128ss.fromSeed(seed, 0)` (the same conventions as `stationaryBootstrap`), so the stream use
 * does not depend on the data. b = 1 is the iid bootstrap; unlike the moving-block bootstrap every observation is
 * equally likely, so E*[mean*] = mean(x) exactly. Exact conditional variance of the mean when b divides n:
 * Var*(mean*) = (1/n) [c(0) + 2 sum_{k=1}^{b-1} (1 - k/b) c(k)], c the circular autocovariances. O(reps n).
 */
export function circularBlockBootstrap(x: ArrayLike<number>, opts: CircularBlockBootstrapOptions): Float64Array {
  const fn = 'circularBlockBootstrap';
  if (x.length === 0) throw new RangeError(`${fn}: empty series`);
  const n = x.length;
  if (!(Number.isInteger(opts.blockLength) && opts.blockLength >= 1 && opts.blockLength <= n)) {
    throw new RangeError(`${fn}: blockLength must be an integer in [1, n = ${n}], was ${opts.blockLength}`);
  }
  checkOptions(fn, x, { meanBlock: opts.blockLength, reps: opts.reps, seed: opts.seed });
  const b = opts.blockLength;
  const rng = Xoshiro128ss.fromSeed(opts.seed, 0);
  const out = new Float64Array(opts.reps);
  const stat = opts.statistic;
  const buf = stat ? new Float64Array(n) : null;
  for (let r = 0; r < opts.reps; r++) {
    let s = 0;
    let idx = 0;
    for (let t = 0; t < n; t++) {
      if (t % b === 0) idx = floor(rng.uniform() * n);
      else if (++idx === n) idx = 0;
      const v = x[idx]!;
      if (buf) buf[t] = v;
      else s += v;
    }
    out[r] = stat ? stat(buf!) : s / n;
  }
  return out;
}
