/**
 * Deterministic natural log and exp for the synthetic generator and the seeded RNG (rng.ts, ziggurat.ts).
 *
 * ECMAScript leaves Math.log/Math.exp "implementation-approximated", and an engine built with floating-point
 * contraction (FMA) on one CPU can round differently from another. These are straight ports of Sun's fdlibm
 * e_log.c and e_exp.c (error < 1 ulp) written with JavaScript's +, -, *, / only, which the language defines as
 * IEEE-754 double operations without contraction, plus exact bit access to the exponent. So every machine and
 * every Node version gives the same bits. The constants are fdlibm's; their hex words are in the comments and
 * were checked against the decimal literals.
 */

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

const LN2_HI = 6.93147180369123816490e-1; // 3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 3dea39ef 35793c76
const TWO54 = 1.8014398509481984e16; // 43500000 00000000
const LG1 = 6.666666666666735130e-1; // 3fe55555 55555593
const LG2 = 3.999999999940941908e-1; // 3fd99999 9997fa04
const LG3 = 2.857142874366239149e-1; // 3fd24924 94229359
const LG4 = 2.222219843214978396e-1; // 3fcc71c5 1d8e78af
const LG5 = 1.818357216161805012e-1; // 3fc74664 96cb03de
const LG6 = 1.531383769920937332e-1; // 3fc39a09 d078c69f
const LG7 = 1.479819860511658591e-1; // 3fc2f112 df3e5244

/** 2^-j for j = -1022 .. 1024 at index j + 1022; powers of two are exact doubles (2^-1024 is subnormal). */
const POW2_NEG = (() => {
  const t = new Float64Array(2047);
  t[1022] = 1;
  for (let j = 1; j <= 1022; j++) t[1022 - j] = t[1023 - j]! * 2;
  for (let j = 1; j <= 1024; j++) t[1022 + j] = t[1021 + j]! * 0.5;
  return t;
})();

/**
 * Natural logarithm, fdlibm __ieee754_log. The reduction x = 2^k * (1 + f) sets the exponent by an exact
 * multiplication with 2^-k instead of writing the high word back (same bits, faster).
 */
export function dlog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return x;
  let k = 0;
  F64[0] = x;
  let hx = U32[HI]!;
  if (hx < 0x00100000) {
    k -= 54; // subnormal: scale up
    x *= TWO54;
    F64[0] = x;
    hx = U32[HI]!;
  }
  const e = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000; // mantissa >= sqrt(2): use x/2 and k+1
  const kAdj = e + (i >> 20);
  x *= POW2_NEG[kAdj + 1022]!; // now in [sqrt(2)/2, sqrt(2))
  k += kAdj;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - r : k * LN2_HI - ((r - k * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const r = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
  }
  return k === 0 ? f - s * (f - r) : dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
}

const INV_LN2 = 1.44269504088896338700; // 3ff71547 652b82fe
const P1 = 1.66666666666666019037e-1; // 3fc55555 5555553e
const P2 = -2.77777777770155933842e-3; // bf66c16c 16bebd93
const P3 = 6.61375632143793436117e-5; // 3f11566a af25de2c
const P4 = -1.65339022054652515390e-6; // bebbbd41 c5d26bf1
const P5 = 4.13813679705723846039e-8; // 3e663769 72bea4d0
/** |x| above this saturates (exp(700) ~ 1e304); the generator never comes near it. */
const EXP_LIMIT = 700;

/** The double whose high word is hi and low word 0 (for fdlibm's high-word range tests). */
function fromHighWord(hi: number): number {
  U32[HI] = hi;
  U32[LO] = 0;
  return F64[0]!;
}
/** fdlibm tests the high word of |x|: hx > 0x3fd62e42, hx < 0x3ff0a2b2, hx < 0x3e300000. Same tests on values: */
const HALF_LN2_BOUND = fromHighWord(0x3fd62e43); // hx > 0x3fd62e42  <=>  |x| >= this
const THREE_HALF_LN2_BOUND = fromHighWord(0x3ff0a2b2); // hx < 0x3ff0a2b2  <=>  |x| < this
const TINY_BOUND = fromHighWord(0x3e300000); // 2^-28

/**
 * e^x, fdlibm __ieee754_exp for |x| <= 700 (the result is a normal double, so scaling by 2^k is one exact
 * multiplication). Inputs beyond +-700 are clamped; NaN stays NaN.
 */
export function dexp(x: number): number {
  if (x !== x) return NaN;
  if (x > EXP_LIMIT) x = EXP_LIMIT;
  else if (x < -EXP_LIMIT) x = -EXP_LIMIT;
  const ax = x < 0 ? -x : x;
  const neg = x < 0;
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (ax >= HALF_LN2_BOUND) {
    // |x| > 0.5 ln2: x = k*ln2 + r, |r| <= 0.5 ln2
    if (ax < THREE_HALF_LN2_BOUND) {
      hi = neg ? x + LN2_HI : x - LN2_HI;
      lo = neg ? -LN2_LO : LN2_LO;
      k = neg ? -1 : 1;
    } else {
      k = Math.trunc(INV_LN2 * x + (neg ? -0.5 : 0.5));
      hi = x - k * LN2_HI; // exact: k*LN2_HI has trailing zero bits
      lo = k * LN2_LO;
    }
    x = hi - lo;
  } else if (ax < TINY_BOUND) {
    return 1 + x; // |x| < 2^-28
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  return y * POW2_NEG[1022 - k]!; // * 2^k, exact
}
