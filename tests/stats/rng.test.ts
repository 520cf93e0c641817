import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';

describe('Xoshiro128ss', () => {
  test('matches the reference xoshiro128** for state (1, 2, 3, 4)', () => {
    // Hand-computed from the reference C code (prng.di.unimi.it/xoshiro128starstar.c):
    // out1 = rotl(2*5, 7)*9 = 11520; state -> (7, 0, 1026, 12288); out2 = rotl(0, 7)*9 = 0;
    // state -> (12295, 1029, 1029, 25165824); out3 = rotl(1029*5, 7)*9 = 5927040.
    const g = new Xoshiro128ss(1, 2, 3, 4);
    expect([g.nextU32(), g.nextU32(), g.nextU32()]).toEqual([11520, 0, 5927040]);
  });

  test('the same (seed, stream) repeats; other seeds and streams differ', () => {
    const take = (g: Xoshiro128ss) => Array.from({ length: 8 }, () => g.nextU32());
    expect(take(Xoshiro128ss.fromSeed(42, 3))).toEqual(take(Xoshiro128ss.fromSeed(42, 3)));
    expect(take(Xoshiro128ss.fromSeed(42, 3))).not.toEqual(take(Xoshiro128ss.fromSeed(43, 3)));
    expect(take(Xoshiro128ss.fromSeed(42, 3))).not.toEqual(take(Xoshiro128ss.fromSeed(42, 4)));
    expect(take(Xoshiro128ss.fromSeed(42, 3, 0))).not.toEqual(take(Xoshiro128ss.fromSeed(42, 3, 1)));
    // Seeds beyond 32 bits and negative seeds are distinct too.
    expect(take(Xoshiro128ss.fromSeed(2 ** 40 + 1, 0))).not.toEqual(take(Xoshiro128ss.fromSeed(1, 0)));
    expect(take(Xoshiro128ss.fromSeed(-1, 0))).not.toEqual(take(Xoshiro128ss.fromSeed(1, 0)));
  });

  test('uniform() stays strictly inside (0, 1)', () => {
    const g = Xoshiro128ss.fromSeed(1, 0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 100000; i++) {
      const u = g.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThan(1);
  });

  test('normal() has mean 0, variance 1 and normal tail frequencies', () => {
    // 400k draws: standard errors 0.0016 (mean), 0.0022 (variance), 0.00033 (P(|z|>2) = 0.0455, from tables).
    const g = Xoshiro128ss.fromSeed(7, 1);
    const n = 400000;
    let s = 0;
    let q = 0;
    let tail2 = 0;
    let tail3 = 0;
    for (let i = 0; i < n; i++) {
      const z = g.normal();
      s += z;
      q += z * z;
      if (Math.abs(z) > 2) tail2++;
      if (Math.abs(z) > 3) tail3++;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.008);
    expect(Math.abs(q / n - 1)).toBeLessThan(0.011);
    expect(Math.abs(tail2 / n - 0.0455)).toBeLessThan(0.0017);
    expect(Math.abs(tail3 / n - 0.0027)).toBeLessThan(0.0005);
  });

  test('studentT5() has unit variance and fat tails (kurtosis 9 in theory)', () => {
    // Var(t_5) = 5/3 before the sqrt(3/5) scaling; excess kurtosis 6/(5-4) = 6. Sample kurtosis converges slowly,
    // so only "clearly above the normal's 3" is asserted.
    const g = Xoshiro128ss.fromSeed(11, 2);
    const n = 400000;
    let q = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const x = g.studentT5();
      q += x * x;
      k += x ** 4;
    }
    const v = q / n;
    expect(Math.abs(v - 1)).toBeLessThan(0.03);
    expect(k / n / (v * v)).toBeGreaterThan(5);
  });
});
