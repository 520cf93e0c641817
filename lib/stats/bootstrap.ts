/**
 * The stationary bootstrap of Politis & Romano (1994) for a dependent series, a percentile confidence interval of
 * its mean, and the Politis & White (2004) automatic mean block length (with the Patton, Politis & White 2009
 * correction).
 *
 * Randomness comes from `Xoshiro128ss.fromSeed(seed, 0)` (lib/ingest/synthetic/rng.ts): the same seed gives the
 * same replicates on every machine.
 */
import { Xoshiro128ss } from '../ingest/synthetic/rng.js';
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
  const buf = stat ? new Float64Array(n) : null;
  for (let r = 0; r < opts.reps; r++) {
    let idx = floor(rng.uniform() * n);
    let s = 0;
    for (let t = 0; t < n; t++) {
      if (t > 0) {
        if (rng.uniform() < p) idx = floor(rng.uniform() * n);
        else if (++idx === n) idx = 0;
      }
      const v = x[idx]!;
      if (buf) buf[t] = v;
      else s += v;
    }
    out[r] = stat ? stat(buf!) : s / n;
  }
  return out;
}

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

/**
 * Politis & White (2004) automatic mean block length for the STATIONARY bootstrap of the mean, with the
 * correction of Patton, Politis & White (2009) (D_SB = 2 g(0)^2). With c_k the sample autocovariances
 * (divisor n) and rho_k = c_k / c_0:
 *   K_N = max(5, ceil(sqrt(log10 n))), m_max = ceil(sqrt n) + K_N, b_max = ceil(min(3 sqrt n, n / 3));
 *   m = the smallest j >= 1 with |rho_j|, ..., |rho_{j+K_N-1}| all < 2 sqrt(log10(n) / n) (Patton's
 *   opt_block_length.m and Python arch convention); M = min(2 m, m_max), or m_max if there is no such j;
 *   lambda(t) = 1 for |t| <= 1/2, 2 (1 - |t|) for 1/2 < |t| <= 1 (flat-top kernel);
 *   G = 2 sum_{k=1..M} lambda(k/M) k c_k,  g0 = c_0 + 2 sum_{k=1..M} lambda(k/M) c_k;
 *   b = (2 G^2 / D_SB)^(1/3) n^(1/3) = (G / g0)^(2/3) n^(1/3), clamped to [1, b_max].
 * Returns 1 for n < 4 or a constant series. O(n m_max) = O(n^1.5).
 */
export function politisWhiteBlockLength(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 4) return 1;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const mu = s / n;
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = x[i]! - mu;
  const kn = Math.max(5, Math.ceil(Math.sqrt(Math.log10(n))));
  const mMax = Math.ceil(Math.sqrt(n)) + kn;
  const bMax = Math.ceil(Math.min(3 * Math.sqrt(n), n / 3));
  const lagMax = Math.min(mMax, n - 1);
  const acv = new Float64Array(lagMax + 1);
  for (let k = 0; k <= lagMax; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += e[t]! * e[t - k]!;
    acv[k] = c / n;
  }
  if (!(acv[0]! > 0)) return 1;
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
  let b = Math.cbrt((2 * g * g) / dsb) * Math.cbrt(n);
  if (Number.isNaN(b)) b = 1; // G = g0 = 0: no measurable dependence
  else if (!Number.isFinite(b)) b = bMax;
  return Math.min(Math.max(b, 1), bMax);
}
