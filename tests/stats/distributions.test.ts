import { describe, expect, test } from '@jest/globals';
import {
  logGamma, normalCdf, normalQuantile, regularizedIncompleteBeta, studentTCdf, studentTTwoSidedP,
} from '../../lib/stats/index.js';
import { simpson } from './helpers.js';

// Module-level copies: in jest's vm context a global lookup (Math.pow) inside a hot integrand is very slow.
const { pow, cos } = Math;

/** Upper normal tail Q(x), x > 0, by the Laplace continued fraction phi(x) / (x + 1/(x + 2/(x + 3/(x + ...)))). */
function normalTailCF(x: number, terms = 4000): number {
  let f = x;
  for (let k = terms; k >= 1; k--) f = x + k / f;
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) / f;
}

describe('normalCdf', () => {
  test('Abramowitz & Stegun (1964) Table 26.1 values, 15 decimals', () => {
    // A&S Table 26.1 P(x): P(1) = 0.841344746068543, P(2) = 0.977249868051821, P(3) = 0.998650101968370,
    // P(0.5) = 0.691462461274013.
    expect(Math.abs(normalCdf(1) - 0.841344746068543)).toBeLessThan(1e-15);
    expect(Math.abs(normalCdf(2) - 0.977249868051821)).toBeLessThan(1e-15);
    expect(Math.abs(normalCdf(3) - 0.99865010196837)).toBeLessThan(1e-15);
    expect(Math.abs(normalCdf(0.5) - 0.691462461274013)).toBeLessThan(1e-15);
    expect(normalCdf(0)).toBe(0.5);
  });

  test('R 4.x pnorm values in the tails: pnorm(-10) = 7.619853024160527e-24, pnorm(-1.96) = 0.02499789514822043', () => {
    expect(normalCdf(-10) / 7.619853024160527e-24 - 1).toBeLessThan(1e-14);
    expect(Math.abs(normalCdf(-1.96) - 0.02499789514822043)).toBeLessThan(1e-16);
  });

  test('lower tail matches the Laplace continued fraction to 1e-13 relative (x = 1.5 .. 37)', () => {
    for (const x of [1.5, 2, 3, 4.5, 5.6, 6, 8, 12, 20, 30, 37]) {
      const ref = normalTailCF(x);
      expect(Math.abs(normalCdf(-x) / ref - 1)).toBeLessThan(1e-13);
    }
  });

  test('symmetry Phi(z) + Phi(-z) = 1, limits, NaN', () => {
    for (const z of [0.1, 0.66, 0.7, 1.3, 2.9, 5.65, 5.7, 7.5]) expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 15);
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-60)).toBe(0);
    expect(normalCdf(NaN)).toBeNaN();
  });
});

describe('normalQuantile (AS 241)', () => {
  test('published percentage points (R 4.x qnorm, A&S Table 26.5): 1.6448536269514722, 1.959963984540054, ...', () => {
    const table: [number, number][] = [
      [0.95, 1.6448536269514722],
      [0.975, 1.959963984540054],
      [0.99, 2.3263478740408408],
      [0.995, 2.5758293035489004],
      [0.999, 3.090232306167813],
      [0.5, 0],
    ];
    for (const [p, z] of table) {
      expect(Math.abs(normalQuantile(p) - z)).toBeLessThan(1e-14);
      expect(Math.abs(normalQuantile(1 - p) + z)).toBeLessThan(1e-14);
    }
  });

  test('round trip Phi(Phi^{-1}(p)) = p, central and extreme p (all three AS 241 branches)', () => {
    // Lower tail, relative: d ln Phi / dz = phi(z)/Phi(z) ~ |z|, so one ulp of z (|z| 2.2e-16) moves Phi by about
    // z^2 2.2e-16 relative: tolerance 4e-16 (2 + z^2).
    for (const p of [1e-300, 1e-100, 1e-20, 1e-12, 1e-5, 0.01, 0.0749, 0.075, 0.2, 0.5]) {
      const z = normalQuantile(p);
      expect(Math.abs(normalCdf(z) / p - 1)).toBeLessThan(4e-16 * (2 + z * z));
    }
    // Upper half, absolute.
    for (const p of [0.5, 0.7, 0.925, 0.9251, 0.99, 1 - 1e-10]) {
      expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-15);
    }
  });

  test('edges: 0 -> -inf, 1 -> inf, outside [0, 1] or NaN -> NaN', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.1)).toBeNaN();
    expect(normalQuantile(NaN)).toBeNaN();
  });
});

describe('logGamma', () => {
  test('integers: ln Gamma(n) = sum_{k<n} ln k (exact factorial identity)', () => {
    let ref = 0;
    for (let n = 1; n <= 60; n++) {
      if (n > 1) ref += Math.log(n - 1);
      expect(Math.abs(logGamma(n) - ref)).toBeLessThan(1e-13 * Math.max(1, ref));
    }
  });

  test('half integers and known constants: Gamma(1/2) = sqrt(pi), Gamma(3/2) = sqrt(pi)/2, Gamma(1/3) = 2.678938534707747633', () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(logGamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 14);
    expect(logGamma(1 / 3)).toBeCloseTo(Math.log(2.678938534707747633), 14);
    // Reflection: Gamma(-1/2) = -2 sqrt(pi) -> ln|Gamma| = ln(2 sqrt(pi)).
    expect(logGamma(-0.5)).toBeCloseTo(Math.log(2 * Math.sqrt(Math.PI)), 14);
    expect(logGamma(0)).toBe(Infinity);
    expect(logGamma(-3)).toBe(Infinity);
  });

  test('large x: Stirling series (x - 1/2) ln x - x + ln sqrt(2 pi) + 1/(12x) - 1/(360x^3) + 1/(1260x^5)', () => {
    for (const x of [50.5, 100, 1234.5, 1e5, 1e7]) {
      const ref = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
      expect(Math.abs(logGamma(x) / ref - 1)).toBeLessThan(1e-14);
    }
  });
});

describe('regularizedIncompleteBeta', () => {
  test('closed forms: I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, I_x(1/2, 1/2) = (2/pi) asin(sqrt x)', () => {
    for (const x of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]) {
      for (const a of [0.3, 1, 2.5, 17]) {
        expect(regularizedIncompleteBeta(x, a, 1)).toBeCloseTo(Math.pow(x, a), 13);
        expect(regularizedIncompleteBeta(x, 1, a)).toBeCloseTo(1 - Math.pow(1 - x, a), 13);
      }
      expect(regularizedIncompleteBeta(x, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(x)), 13);
    }
  });

  test('integer a, b: the binomial identity I_x(a, b) = sum_{j=a}^{a+b-1} C(a+b-1, j) x^j (1-x)^(a+b-1-j)', () => {
    const choose = (n: number, k: number): number => {
      let r = 1;
      for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
      return r;
    };
    for (const [a, b] of [[2, 3], [5, 5], [1, 7], [10, 4], [30, 25]] as const) {
      for (const x of [0.05, 0.2, 0.5, 0.61, 0.9]) {
        const m = a + b - 1;
        let ref = 0;
        for (let j = a; j <= m; j++) ref += choose(m, j) * Math.pow(x, j) * Math.pow(1 - x, m - j);
        expect(Math.abs(regularizedIncompleteBeta(x, a, b) - ref)).toBeLessThan(1e-13);
      }
    }
  });

  test('non-integer a, b: numerical integration of the beta density (Simpson, 200000 intervals)', () => {
    // a, b >= 2.5 keep the integrand smooth enough at 0 and 1 for Simpson's rule (error O(h^2.5) at worst).
    for (const [a, b] of [[2.5, 3.7], [4.2, 2.6], [7.5, 12.25]] as const) {
      const f = (u: number): number => pow(u, a - 1) * pow(1 - u, b - 1);
      const total = simpson(f, 0, 1, 200_000);
      for (const x of [0.1, 0.35, 0.5, 0.8]) {
        const ref = simpson(f, 0, x, 200_000) / total;
        expect(Math.abs(regularizedIncompleteBeta(x, a, b) - ref)).toBeLessThan(1e-10);
      }
    }
  });

  test('symmetry I_x(a, b) = 1 - I_{1-x}(b, a); edges and domain', () => {
    for (const [x, a, b] of [[0.3, 2.2, 9.1], [0.9, 0.7, 0.4], [0.5, 100, 120]] as const) {
      expect(regularizedIncompleteBeta(x, a, b) + regularizedIncompleteBeta(1 - x, b, a)).toBeCloseTo(1, 13);
    }
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(regularizedIncompleteBeta(-0.1, 2, 3)).toBeNaN();
    expect(regularizedIncompleteBeta(0.5, 0, 3)).toBeNaN();
  });
});

describe('Student t', () => {
  // Closed forms (e.g. Wikipedia "Student's t-distribution", special cases; Johnson, Kotz & Balakrishnan ch. 28).
  const closed: Record<number, (t: number) => number> = {
    1: (t) => 0.5 + Math.atan(t) / Math.PI,
    2: (t) => 0.5 + t / (2 * Math.sqrt(2 + t * t)),
    3: (t) => 0.5 + (t / (Math.sqrt(3) * (1 + (t * t) / 3)) + Math.atan(t / Math.sqrt(3))) / Math.PI,
    4: (t) => 0.5 + (3 / 8) * (t / Math.sqrt(1 + (t * t) / 4)) * (1 - (t * t) / (12 * (1 + (t * t) / 4))),
  };

  test('CDF equals the closed forms for df = 1, 2, 3, 4', () => {
    for (const df of [1, 2, 3, 4]) {
      for (const t of [-50, -7.5, -2, -0.9, -1e-3, 0, 0.2, 1, 2.228, 4, 12]) {
        expect(Math.abs(studentTCdf(t, df) - closed[df]!(t))).toBeLessThan(1e-14);
      }
    }
  });

  test('non-integer df: numerical integration of the density (t = sqrt(df) tan(theta))', () => {
    // F(t) = int_{-pi/2}^{atan(t/sqrt(df))} cos^(df-1)(theta) dtheta / int_{-pi/2}^{pi/2} cos^(df-1)(theta) dtheta.
    for (const df of [3.5, 6.3, 25.7]) {
      const f = (th: number): number => pow(cos(th), df - 1);
      const total = simpson(f, -Math.PI / 2, Math.PI / 2, 100_000);
      for (const t of [-3, -1.1, 0.4, 2.5]) {
        const ref = simpson(f, -Math.PI / 2, Math.atan(t / Math.sqrt(df)), 100_000) / total;
        expect(Math.abs(studentTCdf(t, df) - ref)).toBeLessThan(1e-11);
      }
    }
  });

  test('t tables (NIST/SEMATECH e-Handbook 1.3.6.7.2, 3 decimals): the critical value brackets the quantile', () => {
    // Upper-tail probability alpha -> critical value t (rounded to 3 decimals), so F(t - 5e-4) < 1 - alpha < F(t + 5e-4).
    const rows: [number, number, number][] = [
      [1, 0.05, 6.314], [1, 0.025, 12.706], [1, 0.005, 63.657],
      [5, 0.05, 2.015], [5, 0.025, 2.571], [5, 0.005, 4.032],
      [10, 0.05, 1.812], [10, 0.025, 2.228], [10, 0.005, 3.169],
      [30, 0.05, 1.697], [30, 0.025, 2.042], [30, 0.005, 2.75],
      [100, 0.05, 1.66], [100, 0.025, 1.984], [100, 0.005, 2.626],
    ];
    for (const [df, alpha, t] of rows) {
      expect(studentTCdf(t - 5e-4, df)).toBeLessThan(1 - alpha);
      expect(studentTCdf(t + 5e-4, df)).toBeGreaterThan(1 - alpha);
    }
    // The brief's example: t = 2.228 with df = 10 is the two-sided 5% point.
    expect(studentTTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 4);
    // R: qt(0.975, 10) = 2.228138851986274 -> two-sided p = 0.05.
    expect(Math.abs(studentTTwoSidedP(2.228138851986274, 10) - 0.05)).toBeLessThan(1e-12);
  });

  test('two-sided p: symmetric, 1 at t = 0, 0 at infinity, tends to the normal for large df', () => {
    expect(studentTTwoSidedP(0, 7)).toBe(1);
    expect(studentTTwoSidedP(Infinity, 7)).toBe(0);
    expect(studentTTwoSidedP(-2.5, 7.5)).toBe(studentTTwoSidedP(2.5, 7.5));
    expect(studentTTwoSidedP(2, Infinity)).toBeCloseTo(2 * normalCdf(-2), 15);
    // Large df: Fisher's (1925) expansion F_df(t) = Phi(t) - phi(t) (t^3 + t) / (4 df) + O(df^-2), so
    // (p_t / p_normal - 1) df -> phi(t) (t^3 + t) / (4 Q(t)) = 24.6234 at t = 3 (checks the large-df accuracy).
    const phi3 = Math.exp(-4.5) / Math.sqrt(2 * Math.PI);
    const limit = (phi3 * 30) / (4 * normalCdf(-3));
    for (const df of [1e4, 1e5, 1e6]) {
      const scaled = (studentTTwoSidedP(3, df) / (2 * normalCdf(-3)) - 1) * df;
      expect(Math.abs(scaled / limit - 1)).toBeLessThan(20 / df + 1e-4);
    }
    // Small p stays accurate (no 1 - x cancellation): df = 1 closed form 1 - 2 atan(t)/pi = 2 atan(1/t)/pi.
    expect(studentTTwoSidedP(1e6, 1) / ((2 * Math.atan(1e-6)) / Math.PI) - 1).toBeLessThan(1e-12);
    expect(studentTTwoSidedP(1, 0)).toBeNaN();
    expect(studentTTwoSidedP(NaN, 3)).toBeNaN();
  });

  test('CDF and two-sided p agree: p = 2 min(F(t), 1 - F(t))', () => {
    for (const df of [1.5, 9, 240]) {
      for (const t of [-4, -0.3, 0.8, 3.3]) {
        const F = studentTCdf(t, df);
        expect(studentTTwoSidedP(t, df)).toBeCloseTo(2 * Math.min(F, 1 - F), 14);
      }
    }
  });
});
