import { describe, expect, test } from '@jest/globals';
import { dexp, dlog } from '../../lib/stats/detmath.js';

/** Distance in units of the last place of b (2^-52 relative to b's binade). */
function ulps(a: number, b: number): number {
  const e = Math.floor(Math.log2(Math.abs(b)));
  return Math.abs(a - b) / 2 ** (e - 52);
}

describe('deterministic log and exp (fdlibm ports)', () => {
  test('exact values: ln 1 = 0, exp 0 = 1, ln 2 and e to the last bit', () => {
    // Math.LN2 and Math.E are the correctly rounded doubles of ln 2 and e (ECMAScript). fdlibm's exp(1) is the
    // double just above e (2.7182818284590455, within its < 1 ulp bound), as Sun's fdlibm itself returns.
    expect(dlog(1)).toBe(0);
    expect(dexp(0)).toBe(1);
    expect(dlog(2)).toBe(Math.LN2);
    expect(dexp(1)).toBe(2.7182818284590455);
    expect(ulps(dexp(1), Math.E)).toBeLessThanOrEqual(1);
    expect(dlog(Math.E)).toBe(1);
  });

  test('special inputs: log of 0, negatives, NaN, Infinity and subnormals', () => {
    expect(dlog(0)).toBe(-Infinity);
    expect(dlog(-1)).toBeNaN();
    expect(dlog(NaN)).toBeNaN();
    expect(dlog(Infinity)).toBe(Infinity);
    // ln(2^-1074) = -1074 ln 2 = -744.4400719213812 (hand: 1074 * 0.6931471805599453).
    expect(dlog(Number.MIN_VALUE)).toBeCloseTo(-744.4400719213812, 12);
    expect(dexp(NaN)).toBeNaN();
  });

  test('agree with the platform log/exp within 1 ulp over 40 decades and +-699', () => {
    // The reference is the engine's Math.log/Math.exp (fdlibm in V8 too); fdlibm promises < 1 ulp error.
    let worstLog = 0;
    let worstExp = 0;
    for (let i = 0; i <= 20000; i++) {
      const x = 10 ** (-20 + (40 * i) / 20000) * (1 + (i % 7) * 1e-3);
      worstLog = Math.max(worstLog, ulps(dlog(x), Math.log(x)));
      const y = -699 + (1398 * i) / 20000 + (i % 11) * 1e-4;
      worstExp = Math.max(worstExp, ulps(dexp(y), Math.exp(y)));
    }
    expect(worstLog).toBeLessThanOrEqual(1);
    expect(worstExp).toBeLessThanOrEqual(1);
  });

  test('exp clamps its argument to +-700', () => {
    expect(dexp(1000)).toBe(dexp(700));
    expect(dexp(-1000)).toBe(dexp(-700));
  });
});
