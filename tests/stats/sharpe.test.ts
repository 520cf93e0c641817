import { describe, expect, test } from '@jest/globals';
import {
  EULER_GAMMA, deflatedSharpe, expectedMaxSharpe, kurtosis, minTrackRecordLength, normalCdf, normalQuantile,
  pearsonKurtosis, probabilisticSharpe, probabilisticSharpeRatio, sharpeRatio, sharpeStdError, skewness,
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

describe('probabilisticSharpeRatio: the kurtosis convention is named', () => {
  test('excess 7 = Pearson 10; normal: excess 0 = Pearson 3; same as probabilisticSharpe with the Pearson value', () => {
    const sr = 2.5 / Math.sqrt(250);
    const pearson = probabilisticSharpeRatio(sr, 1250, { skew: -3, kurtosis: { value: 10, convention: 'pearson' } });
    const excess = probabilisticSharpeRatio(sr, 1250, { skew: -3, kurtosis: { value: 7, convention: 'excess' } });
    expect(excess).toBe(pearson);
    expect(pearson).toBe(probabilisticSharpe(sr, 1250, -3, 10, 0));
    expect(probabilisticSharpeRatio(0.1, 101, { skew: 0, kurtosis: { value: 0, convention: 'excess' } }))
      .toBeCloseTo(normalCdf(1 / Math.sqrt(1.005)), 15);
    // The DSR example of Bailey & Lopez de Prado (2014) through the named API: 0.9004 against SR0 = 0.1132.
    const sr0 = expectedMaxSharpe(100, 0.5 / 250);
    expect(probabilisticSharpeRatio(sr, 1250, { skew: -3, kurtosis: { value: 7, convention: 'excess' }, benchmark: sr0 })).toBeCloseTo(0.9004, 4);
  });

  test('the library estimators plug in with their convention; mixing them up changes the answer', () => {
    const r = gaussian(60, 77).map((v) => 0.1 + v * (1 + 0.3 * Math.sign(v)));
    const sr = sharpeRatio(r);
    const g3 = skewness(r);
    const viaPearson = probabilisticSharpeRatio(sr, r.length, { skew: g3, kurtosis: { value: kurtosis(r), convention: 'pearson' } });
    const viaExcess = probabilisticSharpeRatio(sr, r.length, { skew: g3, kurtosis: { value: kurtosis(r, { convention: 'excess' }), convention: 'excess' } });
    expect(viaExcess).toBeCloseTo(viaPearson, 14);
    // Passing an excess value as if it were Pearson understates the variance term by 3/4 SR^2: in the DSR example
    // (Bailey & Lopez de Prado 2014) the published 0.9004 becomes 0.9018: the paper's number needs the Pearson value.
    const srEx = 2.5 / Math.sqrt(250);
    const wrong = probabilisticSharpe(srEx, 1250, -3, 7, expectedMaxSharpe(100, 0.5 / 250));
    expect(wrong).toBeCloseTo(0.9018, 4);
    expect(wrong).not.toBeCloseTo(0.9004, 3);
    expect(pearsonKurtosis({ value: 1.5, convention: 'excess' })).toBe(4.5);
    expect(() => pearsonKurtosis({ value: 1, convention: 'fisher' as never })).toThrow(RangeError);
  });
});

describe('minTrackRecordLength (Bailey & Lopez de Prado 2012)', () => {
  test('hand-computed normal case: 1 + (1 + SR^2/2) (z_0.95 / SR)^2', () => {
    // SR = 0.1 per observation, skew 0, kurtosis 3 (excess 0), SR* = 0, 95%: z = Phi^-1(0.95) = 1.6448536269514722
    // (R qnorm(0.95)); MinTRL = 1 + 1.005 * (16.448536269514722)^2 = 1 + 1.005 * 270.55434540954 = 272.90711713659
    const z = 1.6448536269514722;
    const want = 1 + 1.005 * (z / 0.1) ** 2;
    expect(minTrackRecordLength(0.1, { skew: 0, kurtosis: { value: 3, convention: 'pearson' } })).toBeCloseTo(want, 10);
    expect(minTrackRecordLength(0.1, { skew: 0, kurtosis: { value: 0, convention: 'excess' } })).toBeCloseTo(want, 10);
    expect(want).toBeCloseTo(272.90711713659, 9);
  });

  test('definition: PSR(SR*) at n = MinTRL equals the confidence level exactly (for several shapes and levels)', () => {
    const cases = [
      [0.1581, -3, 10, 0.1132, 0.95], [0.2, 0.5, 4, 0, 0.99], [0.05, -1, 6, 0.01, 0.9], [0.3, 0, 3, 0.25, 0.6],
    ] as const;
    for (const [sr, g3, g4, b, conf] of cases) {
      const n = minTrackRecordLength(sr, { skew: g3, kurtosis: { value: g4, convention: 'pearson' }, benchmark: b, confidence: conf });
      expect(probabilisticSharpe(sr, n, g3, g4, b)).toBeCloseTo(conf, 12);
      // and a longer record is more than enough
      expect(probabilisticSharpe(sr, n + 1, g3, g4, b)).toBeGreaterThan(conf);
    }
  });

  test('the DSR example (Bailey & Lopez de Prado 2014): 1250 observations give DSR 0.9004, so MinTRL at that level is ~1250', () => {
    // The paper's SR = 2.5 / sqrt(250), skew -3, kurtosis 10, SR0 = 0.1132, T = 1250, DSR = 0.9004 (published, 4
    // decimals): inverting the PSR at the published DSR must give back T up to the rounding of 0.9004.
    const sr = 2.5 / Math.sqrt(250);
    const k = { value: 10, convention: 'pearson' } as const;
    const atPublished = minTrackRecordLength(sr, { skew: -3, kurtosis: k, benchmark: 0.1132, confidence: 0.9004 });
    expect(Math.abs(atPublished / 1250 - 1)).toBeLessThan(0.01);
    // 95% needs a longer record: z_0.95^2 / z_0.9004^2 times the excess over 1.
    const at95 = minTrackRecordLength(sr, { skew: -3, kurtosis: k, benchmark: expectedMaxSharpe(100, 0.5 / 250) });
    expect(at95).toBeGreaterThan(1250);
    const z9004 = normalQuantile(deflatedSharpe(sr, 1250, -3, 10, 100, 0.5 / 250));
    expect((at95 - 1) / 1249).toBeCloseTo((1.6448536269514722 / z9004) ** 2, 10);
  });

  test('properties and edge cases', () => {
    const k3 = { value: 3, convention: 'pearson' } as const;
    // Negative skew and fat tails lengthen the record (the paper's point); a higher SR shortens it.
    const base = minTrackRecordLength(0.1, { skew: 0, kurtosis: k3 });
    expect(minTrackRecordLength(0.1, { skew: -2, kurtosis: k3 })).toBeGreaterThan(base);
    expect(minTrackRecordLength(0.1, { skew: 0, kurtosis: { value: 9, convention: 'pearson' } })).toBeGreaterThan(base);
    expect(minTrackRecordLength(0.2, { skew: 0, kurtosis: k3 })).toBeLessThan(base);
    // SR <= SR*: no length is enough.
    expect(minTrackRecordLength(0.1, { skew: 0, kurtosis: k3, benchmark: 0.1 })).toBe(Infinity);
    expect(minTrackRecordLength(-0.1, { skew: 0, kurtosis: k3 })).toBe(Infinity);
    expect(minTrackRecordLength(NaN, { skew: 0, kurtosis: k3 })).toBeNaN();
    // Confidence 0.5: z = 0, MinTRL = 1.
    expect(minTrackRecordLength(0.1, { skew: 0, kurtosis: k3, confidence: 0.5 })).toBe(1);
    // Non-positive variance term (extreme skew * SR) -> NaN.
    expect(minTrackRecordLength(1, { skew: 5, kurtosis: k3 })).toBeNaN();
    expect(() => minTrackRecordLength(0.1, { skew: 0, kurtosis: k3, confidence: 1 })).toThrow(RangeError);
    expect(() => minTrackRecordLength(0.1, { skew: 0, kurtosis: k3, confidence: 0.3 })).toThrow(RangeError);
  });
});
