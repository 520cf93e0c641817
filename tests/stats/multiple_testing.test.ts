import { describe, expect, test } from '@jest/globals';
import { pAdjust, type PAdjustMethod } from '../../lib/stats/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';

/*
 * Reference values: statsmodels/stats/tests/test_multi.py (statsmodels/statsmodels, commit 0123770f843f), which
 * hard-codes the output of R's multtest::mt.rawp2adjp (identical to stats::p.adjust for Bonferroni, Holm, BH, BY)
 * for three p-value sets: `pval0` / `res_multtest1`, `res_multtest3` and `res0_large`.
 */

/** res_multtest1: rows sorted by raw p; columns raw, Bonferroni, Holm, BH, BY (the other columns dropped). */
const MULTTEST1: [number, number, number, number, number][] = [
  [5.23656777208e-5, 5.2365677720800005e-4, 5.2365677720800005e-4, 5.2365677720800005e-4, 1.5337740764175588e-3],
  [2.8140506198e-4, 2.8140506197999998e-3, 2.5326455578199999e-3, 1.4070253098999999e-3, 4.1211324652269442e-3],
  [1.49877310796e-2, 1.49877310796e-1, 1.1990184863680001e-1, 4.995910359866667e-2, 1.4632862843720582e-1],
  [2.02732688798e-2, 2.0273268879799999e-1, 1.4191288215860001e-1, 5.0683172199499998e-2, 1.4844940238274187e-1],
  [1.77096952723e-1, 1, 1, 3.5419390544599999e-1, 1],
  [6.42193923795e-1, 1, 1, 8.9533672797500008e-1, 1],
  [6.80845947633e-1, 1, 1, 8.9533672797500008e-1, 1],
  [7.1626938238e-1, 1, 1, 8.9533672797500008e-1, 1],
  [8.38541367553e-1, 1, 1, 9.3171263061444454e-1, 1],
  [9.67833824309e-1, 1, 1, 9.67833824309e-1, 1],
];
/** pval0: the same p-values in their original (unsorted) order. */
const PVAL0 = [
  0.838541367553, 0.642193923795, 0.680845947633, 0.967833824309, 0.71626938238, 0.177096952723, 5.23656777208e-5,
  0.0202732688798, 0.00028140506198, 0.0149877310796,
];

/** res_multtest3 (10 p-values; ties in the adjusted values). */
const M3_RAW = [0.001, 0.002, 0.003, 0.004, 0.005, 0.05, 0.06, 0.07, 0.08, 0.09];
const M3: Record<PAdjustMethod, number[]> = {
  bonferroni: [0.01, 0.02, 0.03, 0.04, 0.05, 0.5, 0.6, 0.7, 0.8, 0.9],
  holm: [0.01, 0.018, 0.024, 0.028, 0.03, 0.25, 0.25, 0.25, 0.25, 0.25],
  BH: [0.01, 0.01, 0.01, 0.01, 0.01, 0.08333333333333334, 0.0857142857142857, 0.0875, 0.0888888888888889, 0.09],
  BY: [
    0.02928968253968254, 0.02928968253968254, 0.02928968253968254, 0.02928968253968254, 0.02928968253968254,
    0.2440806878306878, 0.2510544217687075, 0.2562847222222222, 0.260352733686067, 0.2636071428571428,
  ],
};

/** res0_large (30 p-values). */
const L_RAW = [
  0.00031612, 0.0003965, 0.00048442, 0.00051932, 0.00101436, 0.00121506, 0.0014516, 0.00265684, 0.00430043,
  0.01743686, 0.02080285, 0.02785414, 0.0327198, 0.03494679, 0.04206808, 0.08067095, 0.23882767, 0.28352304,
  0.36140401, 0.43565145, 0.44866768, 0.45368782, 0.48282088, 0.49223781, 0.55451638, 0.6207473, 0.71847853,
  0.72424145, 0.85950263, 0.89032747,
];
const ones = (k: number): number[] => new Array<number>(k).fill(1);
const L: Record<PAdjustMethod, number[]> = {
  bonferroni: [
    0.0094836, 0.011895, 0.0145326, 0.0155796, 0.0304308, 0.0364518, 0.043548, 0.0797052, 0.1290129, 0.5231058,
    0.6240855, 0.8356242, 0.981594, ...ones(17),
  ],
  holm: [
    0.0094836, 0.0114985, 0.01356376, 0.01402164, 0.02637336, 0.0303765, 0.0348384, 0.06110732, 0.09460946,
    0.36617406, 0.416057, 0.52922866, 0.5889564, 0.59409543, 0.67308928, ...ones(15),
  ],
  BH: [
    0.0038949, 0.0038949, 0.0038949, 0.0038949, 0.0060753, 0.0060753, 0.006221142857142857, 0.00996315,
    0.01433476666666667, 0.05231058, 0.05673504545454545, 0.06963535, 0.07488597857142856, 0.07488597857142856,
    0.08413616, 0.15125803125, 0.421460594117647, 0.4725384, 0.570637910526316, 0.6152972625, 0.6152972625,
    0.6152972625, 0.6152972625, 0.6152972625, 0.665419656, 0.7162468846153845, 0.775972982142857, 0.775972982142857,
    0.889140651724138, 0.89032747,
  ],
  BY: [
    0.01556007537622183, 0.01556007537622183, 0.01556007537622183, 0.01556007537622183, 0.02427074531648065,
    0.02427074531648065, 0.02485338565390302, 0.0398026560334295, 0.0572672083580799, 0.2089800939109816,
    0.2266557764630925, 0.2781923271071372, 0.2991685206792373, 0.2991685206792373, 0.336122876445059,
    0.6042738882921044, ...ones(14),
  ],
};

function expectAll(got: Float64Array, want: readonly number[], relTol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(relTol * Math.max(1e-300, Math.abs(want[i]!)));
  }
}

/** Brute-force definitions, O(n^2), on the non-NaN values (written from the formulas, not from R's code). */
function bruteForce(p: number[], method: PAdjustMethod): number[] {
  const vals = p.filter((v) => !Number.isNaN(v));
  const n = vals.length;
  const sorted = [...vals].sort((a, b) => a - b);
  const cn = method === 'BY' ? Array.from({ length: n }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b, 0) : 1;
  return p.map((v) => {
    if (Number.isNaN(v) || n <= 1) return v;
    // rank i = position of v among the sorted values (first occurrence: ties share the best rank's result).
    const i = sorted.indexOf(v) + 1;
    let q: number;
    if (method === 'bonferroni') q = n * v;
    else if (method === 'holm') {
      q = -Infinity;
      for (let j = 1; j <= i; j++) q = Math.max(q, (n - j + 1) * sorted[j - 1]!);
      // ties: the last tied position can only raise the running max; Holm uses the step-down max up to i.
      const last = sorted.lastIndexOf(v) + 1;
      for (let j = i + 1; j <= last; j++) q = Math.max(q, (n - j + 1) * sorted[j - 1]!);
    } else {
      q = Infinity;
      for (let j = i; j <= n; j++) q = Math.min(q, ((cn * n) / j) * sorted[j - 1]!);
    }
    return Math.min(1, q);
  });
}

describe('pAdjust against R (statsmodels test_multi.py reference data)', () => {
  test('res_multtest1: unsorted input pval0, every method', () => {
    const cols: Record<PAdjustMethod, number> = { bonferroni: 1, holm: 2, BH: 3, BY: 4 };
    for (const method of ['bonferroni', 'holm', 'BH', 'BY'] as const) {
      const got = pAdjust(PVAL0, method);
      const want = PVAL0.map((p) => MULTTEST1.find((r) => r[0] === p)![cols[method]]!);
      expectAll(got, want, 1e-15);
    }
  });

  test('res_multtest3 (ties in the adjusted values) and res0_large (30 p-values)', () => {
    for (const method of ['bonferroni', 'holm', 'BH', 'BY'] as const) {
      expectAll(pAdjust(M3_RAW, method), M3[method], 1e-15);
      expectAll(pAdjust(L_RAW, method), L[method], 1e-14);
      // Reversed input gives the reversed output.
      expectAll(pAdjust([...L_RAW].reverse(), method), [...L[method]].reverse(), 1e-14);
    }
  });
});

describe('pAdjust edge cases', () => {
  test('tied raw p-values get equal adjusted values (hand-worked)', () => {
    // n = 4, sorted 0.01 0.01 0.04 0.04.
    // BH: ranks 4..1: 0.04, min(0.04, 4/3*0.04) = 0.04, min(0.04, 2*0.01) = 0.02, min(0.02, 4*0.01) = 0.02.
    // Holm: 4*0.01 = 0.04, max(0.04, 3*0.01) = 0.04, max(0.04, 2*0.04) = 0.08, max(0.08, 1*0.04) = 0.08.
    const p = [0.04, 0.01, 0.04, 0.01];
    expect(Array.from(pAdjust(p, 'BH'))).toEqual([0.04, 0.02, 0.04, 0.02]);
    expect(Array.from(pAdjust(p, 'holm'))).toEqual([0.08, 0.04, 0.08, 0.04]);
    expect(Array.from(pAdjust(p, 'bonferroni'))).toEqual([0.16, 0.04, 0.16, 0.04]);
  });

  test('NaN stays NaN and is not counted in n (R: p.adjust(c(0.01, NA, 0.02), "BH") = 0.02 NA 0.02)', () => {
    const bh = pAdjust([0.01, NaN, 0.02], 'BH');
    expect(bh[0]).toBeCloseTo(0.02, 17);
    expect(bh[1]).toBeNaN();
    expect(bh[2]).toBeCloseTo(0.02, 17);
    const bonf = pAdjust([0.01, NaN, 0.02], 'bonferroni');
    expect([bonf[0], bonf[2]]).toEqual([0.02, 0.04]);
    // BY with n = 2: c(2) = 1.5 -> 0.03, 0.03.
    const by = pAdjust([0.01, NaN, 0.02], 'BY');
    expect(by[0]).toBeCloseTo(0.03, 16);
    expect(by[2]).toBeCloseTo(0.03, 16);
  });

  test('n <= 1: returned unchanged (R returns p0 when n <= 1)', () => {
    for (const method of ['bonferroni', 'holm', 'BH', 'BY'] as const) {
      expect(Array.from(pAdjust([0.3], method))).toEqual([0.3]);
      const r = pAdjust([NaN, 0.3, NaN], method);
      expect(r[1]).toBe(0.3);
      expect(r[0]).toBeNaN();
      expect(pAdjust([], method).length).toBe(0);
    }
  });

  test('capped at 1; input is not modified; bad input throws', () => {
    const p = Float64Array.from([0.5, 0.9, 0.7]);
    for (const method of ['bonferroni', 'holm', 'BH', 'BY'] as const) {
      for (const v of pAdjust(p, method)) expect(v).toBeLessThanOrEqual(1);
    }
    expect(Array.from(p)).toEqual([0.5, 0.9, 0.7]);
    expect(() => pAdjust([0.1, 1.2], 'BH')).toThrow(RangeError);
    expect(() => pAdjust([0.1, -0.2], 'BH')).toThrow(RangeError);
    expect(() => pAdjust([0.1], 'fdr' as PAdjustMethod)).toThrow(RangeError);
  });

  test('matches the O(n^2) brute-force definitions on random p with many ties and NaNs', () => {
    const rng = Xoshiro128ss.fromSeed(7, 3);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(rng.uniform() * 60);
      const p = Array.from({ length: n }, () => {
        const u = rng.uniform();
        if (u < 0.1) return NaN;
        return Math.round(rng.uniform() ** 3 * 50) / 50; // coarse grid: many ties, some 0
      });
      for (const method of ['bonferroni', 'holm', 'BH', 'BY'] as const) {
        const got = pAdjust(p, method);
        const want = bruteForce(p, method);
        for (let i = 0; i < n; i++) {
          if (Number.isNaN(want[i]!)) expect(got[i]).toBeNaN();
          else expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-15);
        }
      }
    }
  });
});
