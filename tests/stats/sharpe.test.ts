import { describe, expect, test } from '@jest/globals';
import {
  EULER_GAMMA, deflatedSharpe, expectedMaxSharpe, normalCdf, probabilisticSharpe, sharpeRatio, sharpeStdError,
} from '../../lib/stats/index.js';
import { gaussian, simpson } from './helpers.js';

// Module-level copies: in jest's vm context a global lookup inside a hot integrand is very slow.
const { exp, pow, sqrt, PI } = Math;

describe('sharpeRatio', () => {
  test('mean / sd (ddof = 1), per observation', () => {
    // 1, 2, 3: mean 2, sample sd 1.
    expect(sharpeRatio([1, 2, 3])).toBe(2);
    expect(sharpeRatio([0.01, -0.02, 0.03, 0.0])).toBeCloseTo(0.005 / Math.sqrt(0.00043333333333333337), 14);
    expect(sharpeRatio([1])).toBeNaN();
    expect(sharpeRatio([1, 1, 1])).toBeNaN();
  });
});

describe('Deflated Sharpe Ratio: the numerical example of Bailey & Lopez de Prado (2014)', () => {
  test('N = 100 trials, V[SR] = 1/2 annualised, 5 years of daily data: SR0 = 0.1132, DSR = 0.9004', () => {
    // Bailey & Lopez de Prado, "The Deflated Sharpe Ratio", J. Portfolio Management 40(5), 2014, numerical example:
    // annualised SR 2.5 over T = 1250 daily observations (250 per year), skewness -3, kurtosis 10, N = 100
    // independent trials whose annualised Sharpe ratios have variance 1/2. Non-annualised: SR = 2.5 / sqrt(250),
    // V = 0.5 / 250. The paper reports E[max SR] = 0.1132 (non-annualised) and DSR = 0.9004.
    const sr = 2.5 / Math.sqrt(250);
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(sr0).toBeCloseTo(0.1132, 4);
    const dsr = deflatedSharpe(sr, 1250, -3, 10, 100, 0.5 / 250);
    expect(dsr).toBeCloseTo(0.9004, 4);
    // DSR is the PSR against SR0.
    expect(dsr).toBe(probabilisticSharpe(sr, 1250, -3, 10, sr0));
  });
});

describe('probabilisticSharpe (Bailey & Lopez de Prado 2012)', () => {
  test('hand-computed normal case: z = (0.1 - 0) sqrt(100) / sqrt(1 + (3 - 1)/4 * 0.01)', () => {
    // skew 0, kurtosis 3: variance term 1 + 0.5 sr^2 = 1.005; z = 1 / sqrt(1.005) = 0.99751...
    expect(probabilisticSharpe(0.1, 101, 0, 3, 0)).toBeCloseTo(normalCdf(1 / Math.sqrt(1.005)), 15);
  });

  test('PSR = Phi((sr - benchmark) / sigma_SR) with the Mertens (2002) standard error', () => {
    for (const [sr, n, g3, g4, b] of [[0.2, 60, -1.2, 7, 0.05], [0.05, 1000, 0.3, 4, 0], [-0.1, 30, 0, 3, 0]] as const) {
      const z = (sr - b) / sharpeStdError(sr, n, g3, g4);
      expect(probabilisticSharpe(sr, n, g3, g4, b)).toBeCloseTo(normalCdf(z), 15);
    }
  });

  test('properties: 1/2 at the benchmark; negative skew and fat tails lower the PSR of a positive SR', () => {
    expect(probabilisticSharpe(0.3, 50, -2, 9, 0.3)).toBe(0.5);
    const base = probabilisticSharpe(0.15, 100, 0, 3, 0);
    expect(probabilisticSharpe(0.15, 100, -1, 3, 0)).toBeLessThan(base);
    expect(probabilisticSharpe(0.15, 100, 0, 10, 0)).toBeLessThan(base);
    expect(probabilisticSharpe(0.15, 1, 0, 3, 0)).toBeNaN();
  });

  test('calibration: PSR(0) of iid normal returns with true SR 0 is uniform (mean 1/2, 5% below 0.05)', () => {
    // Under H0 (true Sharpe 0) the PSR is a p-value complement: P(PSR > 0.95) ~ 5%.
    let above = 0;
    let sum = 0;
    const trials = 2000;
    for (let s = 0; s < trials; s++) {
      const r = gaussian(250, 1000 + s);
      const psr = probabilisticSharpe(sharpeRatio(r), r.length, 0, 3, 0);
      sum += psr;
      if (psr > 0.95) above++;
    }
    expect(Math.abs(sum / trials - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(above / trials - 0.05)).toBeLessThan(0.02);
  });
});

describe('expectedMaxSharpe', () => {
  test('formula: sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))', () => {
    expect(EULER_GAMMA).toBeCloseTo(0.5772156649015329, 16);
    expect(expectedMaxSharpe(1, 4)).toBe(0);
    expect(expectedMaxSharpe(100, 4) / expectedMaxSharpe(100, 1)).toBeCloseTo(2, 14);
    expect(() => expectedMaxSharpe(0, 1)).toThrow(RangeError);
    expect(() => expectedMaxSharpe(10, -1)).toThrow(RangeError);
  });

  test('close to the exact E[max of N iid N(0,1)] (numerical integral; Harter 1961 tables: 1.53875, 2.50759, 3.24144)', () => {
    // E[max] = int x N phi(x) Phi(x)^(N-1) dx.
    const exact = (N: number): number =>
      simpson((x) => x * N * (exp(-0.5 * x * x) / sqrt(2 * PI)) * pow(normalCdf(x), N - 1), -12, 12, 40_000);
    const table: [number, number][] = [[10, 1.53875], [100, 2.50759], [1000, 3.24144]];
    for (const [N, harter] of table) {
      const e = exact(N);
      expect(Math.abs(e - harter)).toBeLessThan(1e-4);
      // The DSR approximation overstates the exact value slightly: +2.3% at N = 10, +0.9% at 100, +0.4% at 1000.
      expect(expectedMaxSharpe(N, 1) / e - 1).toBeGreaterThan(0);
      expect(expectedMaxSharpe(N, 1) / e - 1).toBeLessThan(N === 10 ? 0.025 : 0.01);
    }
  });
});
