/**
 * Sharpe-ratio inference under serial dependence (Lo 2002, "The Statistics of Sharpe Ratios", FAJ 58(4)):
 * sharpeVarianceHac and probabilisticSharpeHac (lib/stats/sharpe.ts), checked against the iid (Mertens) formula at
 * lag 0, against the GMM matrix form g' S g written out with its autocovariance matrices, and against a simulation
 * of a Gaussian AR(1) (the variance of the Sharpe estimates across replications) and its closed form.
 */
import { describe, expect, test } from '@jest/globals';
import { kurtosis, probabilisticSharpe, probabilisticSharpeHac, sharpeRatio, sharpeVarianceHac, skewness } from '../../lib/stats/index.js';
import { ar1, gaussian } from './helpers.js';

describe('sharpeVarianceHac', () => {
  const x = Float64Array.from(gaussian(300, 17), (z, i) => 0.002 + 0.01 * z * (1 + 0.5 * Math.sin(i)) + 0.004 * z * z);

  test('at lag 0 it is the Mertens (iid, non-normal) variance, and the PSR is probabilisticSharpe', () => {
    const sr = sharpeRatio(x);
    const sk = skewness(x);
    const ku = kurtosis(x);
    expect(sharpeVarianceHac(x, sr, 0).v).toBeCloseTo(1 - sk * sr + ((ku - 1) / 4) * sr * sr, 12);
    expect(probabilisticSharpeHac(x, 0.05, 0)).toBeCloseTo(probabilisticSharpe(sr, x.length, sk, ku, 0.05), 12);
  });

  test("equals the GMM sandwich g' S g with S = Gamma_0 + sum_k w_k (Gamma_k + Gamma_k')", () => {
    const n = x.length;
    const L = 4;
    const mu = x.reduce((a, b) => a + b, 0) / n;
    const s2 = x.reduce((a, b) => a + (b - mu) ** 2, 0) / n;
    const m = Array.from(x, (r) => [r - mu, (r - mu) ** 2 - s2]);
    const gamma = (k: number) => {
      const G = [[0, 0], [0, 0]];
      for (let t = k; t < n; t++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) G[a]![b]! += (m[t]![a]! * m[t - k]![b]!) / n;
      return G;
    };
    const S = gamma(0);
    for (let k = 1; k <= L; k++) {
      const G = gamma(k);
      const w = 1 - k / (L + 1);
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) S[a]![b]! += w * (G[a]![b]! + G[b]![a]!);
    }
    // gradient of mu / sigma in (mu, sigma^2), at the plug-in moments; the Sharpe estimate uses ddof 1, so the
    // standardised form of the library is compared with mu / sigma replaced by that estimate
    const sr = sharpeRatio(x);
    const sd = Math.sqrt(s2);
    const g = [1 / sd, -sr / (2 * s2)];
    const v = g[0]! * g[0]! * S[0]![0]! + 2 * g[0]! * g[1]! * S[0]![1]! + g[1]! * g[1]! * S[1]![1]!;
    expect(sharpeVarianceHac(x, sr, L).v).toBeCloseTo(v, 12);
  });

  test('a Gaussian AR(1): the HAC variance tracks the simulated variance of the Sharpe estimate; the iid one is 2.3x too small', () => {
    const phi = 0.4;
    const n = 2000;
    const reps = 300;
    const srTrue = 0.1; // per observation: x = mu + AR(1) with sd 1 / sqrt(1 - phi^2)
    const mu = srTrue / Math.sqrt(1 - phi * phi);
    const srs: number[] = [];
    const hac: number[] = [];
    const iid: number[] = [];
    for (let r = 0; r < reps; r++) {
      const y = Float64Array.from(ar1(n, phi, 1000 + r), (z) => mu + z);
      const sr = sharpeRatio(y);
      srs.push(sr);
      hac.push(sharpeVarianceHac(y).v);
      iid.push(sharpeVarianceHac(y, sr, 0).v);
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const m = mean(srs);
    const simulated = (n - 1) * (srs.reduce((s, v) => s + (v - m) ** 2, 0) / (reps - 1));
    const closed = (1 + phi) / (1 - phi) + (srTrue * srTrue * (1 + phi * phi)) / (2 * (1 - phi * phi));
    expect(closed).toBeCloseTo(2.3402, 4);
    // the simulation's sampling error of a variance over 300 replications is about sqrt(2 / 300) = 8%
    process.stderr.write(`AR(1) phi 0.4: simulated/closed ${(simulated / closed).toFixed(3)}, HAC/closed ${(mean(hac) / closed).toFixed(3)}, iid/closed ${(mean(iid) / closed).toFixed(3)}\n`);
    expect(Math.abs(simulated / closed - 1)).toBeLessThan(0.2);
    // Newey-West with the n^(2/9) lag (7 here) under-weights the tail of 0.4^k: about 0.88 of the closed form
    expect(mean(hac) / closed).toBeGreaterThan(0.8);
    expect(mean(hac) / closed).toBeLessThan(1.02);
    expect(mean(iid) / closed).toBeLessThan(0.45);
  });

  test('serially uncorrelated returns: close to the iid value; flat or too short: NaN', () => {
    const y = Float64Array.from(gaussian(5000, 3), (z) => 0.05 + z);
    const sr = sharpeRatio(y);
    expect(sharpeVarianceHac(y).v / sharpeVarianceHac(y, sr, 0).v).toBeGreaterThan(0.9);
    expect(sharpeVarianceHac(y).v / sharpeVarianceHac(y, sr, 0).v).toBeLessThan(1.1);
    expect(sharpeVarianceHac([1, 1, 1]).v).toBeNaN();
    expect(probabilisticSharpeHac([0.01])).toBeNaN();
    expect(() => sharpeVarianceHac(y, sr, -1)).toThrow(RangeError);
  });
});
