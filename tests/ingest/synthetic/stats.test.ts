import { describe, expect, test } from '@jest/globals';
import { generateSymbol, SYNTHETIC_DEFAULTS } from '../../../lib/ingest/synthetic/index.js';
import type { SyntheticParams } from '../../../lib/ingest/synthetic/index.js';
import { logReturns } from './detectors.js';

const START = Date.UTC(2024, 0, 1);
/** 90 days of 5m bars: 25,920 returns per symbol. */
const P: SyntheticParams = { ...SYNTHETIC_DEFAULTS, seed: 3, n_symbols: 6, start_ms: START, end_ms: START + 90 * 86_400_000 };

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}
function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
function kurtosis(x: ArrayLike<number>): number {
  const m = mean(x);
  let q = 0;
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    q += (x[i]! - m) ** 2;
    k += (x[i]! - m) ** 4;
  }
  q /= x.length;
  return k / x.length / (q * q);
}

describe('stylised facts of the synthetic market (90 days of 5m bars)', () => {
  const btc = generateSymbol(P, 0);
  const alt = generateSymbol(P, 4);
  const rBtc = logReturns(btc.bars.close).subarray(1);
  const rAlt = logReturns(alt.bars.close).subarray(1);

  test('5m returns of two symbols are correlated in a realistic band', () => {
    // Design target 0.5-0.8 (README: beta and idiosyncratic sizes); calibration over 2 years gave 0.68-0.76.
    const c = corr(rBtc, rAlt);
    expect(c).toBeGreaterThan(0.45);
    expect(c).toBeLessThan(0.9);
  });

  test('5m volatility is in the 10-30 bp range and alts are more volatile than the leader', () => {
    const sd = (r: Float64Array) => Math.sqrt(mean(r.map((x) => x * x)));
    expect(sd(rBtc) * 1e4).toBeGreaterThan(8);
    expect(sd(rAlt) * 1e4).toBeLessThan(40);
    expect(sd(rAlt)).toBeGreaterThan(sd(rBtc));
  });

  test('returns have fat tails: kurtosis above the normal 3', () => {
    expect(kurtosis(rBtc)).toBeGreaterThan(4);
    expect(kurtosis(rAlt)).toBeGreaterThan(4);
  });

  test('volatility clusters: squared returns are autocorrelated at lag 1', () => {
    const sq = rAlt.map((x) => x * x);
    expect(corr(sq.subarray(1), sq.subarray(0, sq.length - 1))).toBeGreaterThan(0.05);
  });

  test('volume rises with the size of the move', () => {
    const absR = rAlt.map(Math.abs);
    const v = alt.bars.volume.subarray(1);
    expect(corr(absR, v)).toBeGreaterThan(0.2);
  });

  test('funding is persistent and positive on average (longs pay), as on real perpetuals', () => {
    const f = alt.funding.funding_rate;
    expect(corr(f.subarray(1), f.subarray(0, f.length - 1))).toBeGreaterThan(0.3);
    expect(mean(f)).toBeGreaterThan(0);
  });

  test('the leader dominates market cap (BTC-dominance-like share between 30% and 80%)', () => {
    const caps = Array.from({ length: P.n_symbols }, (_, i) => generateSymbol(P, i).marketCap.market_cap_usd[0]!);
    const share = caps[0]! / caps.reduce((a, b) => a + b, 0);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.8);
  });
});
