/**
 * Seeded random numbers for the synthetic generator and the statistics (bootstrap, ONC, tests), in plain 32-bit integer math (Math.imul, shifts, xor), so
 * the same seed gives the same stream on every machine.
 *
 * - `Xoshiro128ss`: xoshiro128** 1.1 (Blackman & Vigna, prng.di.unimi.it/xoshiro128starstar.c), period 2^128 - 1.
 * - Seeding: a (seed, stream, substream) triple is hashed with splitmix32-style finalisers into the 128-bit
 *   state, so the market factor and every symbol get independent streams that do not depend on each other.
 * - `normal()`: the ziggurat method (ziggurat.ts), about one 32-bit draw per normal; no trigonometry.
 * - `studentT5()`: Student-t with 5 degrees of freedom scaled to unit variance:
 *   t = Z / sqrt(chi2_5 / 5), chi2_5 = -2 ln(U1 U2) + Z'^2 (chi2_4 is an exponential sum), times sqrt(3/5)
 *   because Var(t_5) = 5/3. Excess kurtosis 6 (kurtosis 9).
 * Every draw function consumes a data-independent number of outputs given the stream, so two runs that differ
 * only in what is done with the numbers (planted edges on or off) see the same innovations.
 */
import { dexp, dlog } from './detmath.js';
import { ZIG_M, ZIG_R, ZIGGURAT } from './ziggurat.js';

const imul = Math.imul; // module-level: a global lookup in a hot loop is slow under jest's vm context
const TWO_POW_32 = 4294967296;
const INV_2_32 = 1 / TWO_POW_32;
const SQRT_3_5 = Math.sqrt(3 / 5);
const { kn: KN, wn: WN, fn: FN } = ZIGGURAT;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32-style finaliser: a bijective 32-bit mix. */
function mix32(x: number): number {
  x = imul(x ^ (x >>> 16), 0x85ebca6b);
  x = imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Xoshiro128ss {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Raw state; must not be all zero. */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s3 = 1;
  }

  /**
   * A stream for (seed, stream, substream). seed is any safe integer (negative allowed); stream and substream
   * are small non-negative integers naming what the numbers are for (market factor, symbol index, ...).
   */
  static fromSeed(seed: number, stream: number, substream = 0): Xoshiro128ss {
    const lo = seed % TWO_POW_32 | 0;
    const hi = Math.floor(seed / TWO_POW_32) | 0;
    let h = mix32(lo ^ 0x9e3779b9);
    h = mix32(h ^ hi ^ 0x7f4a7c15);
    h = mix32(h ^ stream ^ 0x632be5ab);
    h = mix32(h ^ substream ^ 0x1b873593);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) | 0; // splitmix32 increment
      words.push(mix32(h));
    }
    return new Xoshiro128ss(words[0]!, words[1]!, words[2]!, words[3]!);
  }

  /**
   * The state as four int32 words (s0, s1, s2, s3), for a hot loop that steps the generator in its own locals and
   * must draw this stream's numbers (lib/stats/bootstrap.ts stationaryMeans, tested against uniform()).
   */
  stateWords(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** Next 32-bit output as an unsigned integer. */
  nextU32(): number {
    const s1 = this.s1;
    const result = imul(rotl(imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on the open interval (0, 1): (k + 0.5) / 2^32, never 0 or 1, so log() is always finite. */
  uniform(): number {
    return (this.nextU32() + 0.5) * INV_2_32;
  }

  /**
   * The next `out.length` uniform() values into `out`, the same numbers in the same order as that many uniform()
   * calls (the state kept in locals through the loop: for a hot loop that draws many numbers).
   */
  fillUniform(out: Float64Array): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const result = imul(rotl(imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = (result + 0.5) * INV_2_32;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Standard normal, ziggurat method (ziggurat.ts); the tail and wedges use dlog/dexp. */
  normal(): number {
    for (;;) {
      const u = this.nextU32();
      const i = u & 127;
      const j = (u >>> 7) - ZIG_M; // signed magnitude in [-2^24, 2^24)
      const x = j * WN[i]!;
      if ((j < 0 ? -j : j) < KN[i]!) return x;
      if (i === 0) {
        // Tail beyond r (Marsaglia 1964).
        let xt = 0;
        let y = 0;
        do {
          xt = -dlog(this.uniform()) / ZIG_R;
          y = -dlog(this.uniform());
        } while (y + y < xt * xt);
        return j > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      if (FN[i]! + this.uniform() * (FN[i - 1]! - FN[i]!) < dexp(-0.5 * x * x)) return x;
    }
  }

  /** Exponential with mean 1. */
  exponential(): number {
    return -dlog(this.uniform());
  }

  /** Student-t with 5 dof scaled to unit variance (kurtosis 9). */
  studentT5(): number {
    const z = this.normal();
    const w = this.normal();
    const chi2 = -2 * dlog(this.uniform() * this.uniform()) + w * w;
    return z * Math.sqrt(5 / chi2) * SQRT_3_5;
  }
}
