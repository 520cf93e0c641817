/**
 * Pairs: the rolling hedge ratio, spread z-score and hedged volatility against independent two-pass computations
 * (textbook OLS slope = sum (x - x̄)(y - ȳ) / sum (x - x̄)^2 per window), then the interpreter on a designed market.
 */
import { describe, expect, test } from '@jest/globals';
import {
  hedgedVolatility, pairsBlueprint, pairsSeries, rollingCoMoments, runBlueprint, withId, type Blueprint,
} from '../../lib/dsl/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { BTC, DIGEST, ETH, PLAN, bar, costs, fills, MISSING, sliceN, type Bar } from './helpers.js';

/** OLS slope of y on x over x[t-w+1..t], two passes. */
function olsSlope(x: ArrayLike<number>, y: ArrayLike<number>, t: number, w: number): number {
  let mx = 0, my = 0;
  for (let k = t - w + 1; k <= t; k++) { mx += x[k]!; my += y[k]!; }
  mx /= w; my /= w;
  let sxy = 0, sxx = 0;
  for (let k = t - w + 1; k <= t; k++) { sxy += (x[k]! - mx) * (y[k]! - my); sxx += (x[k]! - mx) ** 2; }
  return sxy / sxx;
}

/** Population z of v[t] against v[t-w+1..t], two passes. */
function zOf(v: ArrayLike<number>, t: number, w: number): number {
  let m = 0;
  for (let k = t - w + 1; k <= t; k++) m += v[k]!;
  m /= w;
  let ss = 0;
  for (let k = t - w + 1; k <= t; k++) ss += (v[k]! - m) ** 2;
  return (v[t]! - m) / Math.sqrt(ss / w);
}

function cointegrated(n: number, seed: number): { lnA: Float64Array; lnB: Float64Array } {
  const rng = Xoshiro128ss.fromSeed(seed, 7);
  const lnA = new Float64Array(n), lnB = new Float64Array(n);
  let b = Math.log(30_000), e = 0;
  for (let t = 0; t < n; t++) {
    b += 0.002 * rng.normal();
    e = 0.95 * e + 0.001 * rng.normal();
    lnB[t] = b;
    lnA[t] = 0.3 + 1.5 * b + e;
  }
  return { lnA, lnB };
}

describe('rolling hedge ratio and z-score', () => {
  test.each([50, 700])('beta and z match independent per-window OLS across the exact-recompute period (W = %i)', (w) => {
    const n = 5000; // > 2048: crosses the periodic exact recomputation
    const { lnA, lnB } = cointegrated(n, w);
    const zw = 40;
    const s = pairsSeries(lnA, lnB, w, zw);
    const ref = new Float64Array(n).fill(NaN);
    for (let t = w - 1; t < n; t++) ref[t] = olsSlope(lnB, lnA, t, w);
    for (let t = 0; t < w - 1; t++) expect(s.beta[t]).toBeNaN();
    let worst = 0;
    for (let t = w - 1; t < n; t++) worst = Math.max(worst, Math.abs(s.beta[t]! - ref[t]!));
    expect(worst).toBeLessThan(1e-9);
    expect(Math.abs(ref[n - 1]! - 1.5)).toBeLessThan(0.2); // the planted hedge ratio
    const spread = Float64Array.from(ref, (b, t) => lnA[t]! - b * lnB[t]!);
    for (const t of [w + zw - 2, 2047, 2048, 3000, n - 1]) {
      expect(s.spread[t]).toBeCloseTo(spread[t]!, 7);
      expect(s.z[t]).toBeCloseTo(zOf(spread, t, zw), 4);
    }
    expect(s.z[w + zw - 3]).toBeNaN(); // burn-in: hedge window then z window
  });

  test('a missing price blanks every window that holds it, then the exact state is rebuilt', () => {
    const { lnA, lnB } = cointegrated(300, 3);
    lnB[100] = NaN;
    const m = rollingCoMoments(lnB, lnA, 30);
    for (let t = 100; t < 130; t++) expect(m.cov[t]).toBeNaN();
    expect(m.cov[130]! / m.varX[130]!).toBeCloseTo(olsSlope(lnB, lnA, 130, 30), 10);
  });

  test('hedged volatility: std of rA - beta_t rB over the window with the current beta', () => {
    const { lnA, lnB } = cointegrated(400, 5);
    const rA = Float64Array.from(lnA, (v, t) => (t === 0 ? NaN : v - lnA[t - 1]!));
    const rB = Float64Array.from(lnB, (v, t) => (t === 0 ? NaN : v - lnB[t - 1]!));
    const beta = new Float64Array(400).fill(1.4);
    const vol = hedgedVolatility(rA, rB, beta, 60);
    const t = 321;
    const p = Array.from({ length: 60 }, (_, k) => rA[t - 59 + k]! - 1.4 * rB[t - 59 + k]!);
    const mean = p.reduce((a, b) => a + b, 0) / 60;
    expect(vol[t]).toBeCloseTo(Math.sqrt(p.reduce((a, b) => a + (b - mean) ** 2, 0) / 60), 12);
    expect(vol[59]).toBeNaN(); // returns start at bar 1: the first full window ends at 60
  });
});

describe('pairs interpreter', () => {
  // B trades near 1 (ln B ~ 0.05 sin), A = e^0.5 B e^s with a small periodic s and a spike at bar 45
  function market(spike: (t: number) => number, n = 70): { a: Bar[]; b: Bar[]; lnA: number[]; lnB: number[] } {
    const lnB = Array.from({ length: n }, (_, t) => 0.05 * Math.sin(0.7 * t));
    const lnA = lnB.map((v, t) => 0.5 + v + 0.001 * (((7 * t) % 5) - 2) + spike(t));
    const bars = (ln: number[]) => ln.map((v, t) => {
      const c = Math.exp(v);
      const o = t === 0 ? c : Math.exp(ln[t - 1]!);
      return bar(o, Math.max(o, c), Math.min(o, c), c);
    });
    return { a: bars(lnA), b: bars(lnB), lnA, lnB };
  }
  const bp = (over: Partial<Extract<Blueprint['strategy'], { type: 'pairs' }>> = {}, sizing?: Blueprint['sizing']): Blueprint => withId({
    schema_version: 1, name: 'pairs test', timeframe: '5m', instruments: [BTC, ETH],
    strategy: { type: 'pairs', hedge_window_bars: 20, z_window_bars: 20, entry_z: 2, exit_z: 0.5, max_hold_bars: 10, stop_z: 10, ...over },
    sizing: sizing ?? { method: 'fixed_notional', notional_usd: 10_000 }, cost_digest: DIGEST, provenance: { source: 'template', plan_hash: PLAN },
  });
  const CASH = 1_000_000;

  test('z above entry_z: short A, long beta-weighted B at the next open; out once z is back inside exit_z', () => {
    const mk = market((t) => (t === 45 ? 0.02 : 0));
    const { result: r, decisions } = runBlueprint(bp(), sliceN([mk.a, mk.b], { keys: [BTC, ETH] }), costs(), { initialCash: CASH });
    // independent series: which bars cross the thresholds
    const beta = (t: number) => olsSlope(mk.lnB, mk.lnA, t, 20);
    const spread = mk.lnA.map((v, t) => (t >= 19 ? v - beta(t) * mk.lnB[t]! : NaN));
    const z = (t: number) => zOf(spread, t, 20);
    const firstEntry = Array.from({ length: 70 }, (_, t) => t).find((t) => t >= 38 && Math.abs(z(t)) > 2)!;
    expect(firstEntry).toBe(45);
    expect(z(45)).toBeGreaterThan(2);
    const exitBar = Array.from({ length: 70 }, (_, t) => t).find((t) => t >= 46 && z(t) < 0.5)!;
    const f = fills(r);
    const qA = 10_000 / Math.exp(mk.lnA[45]!);
    const qB = (beta(45) * 10_000) / Math.exp(mk.lnB[45]!);
    expect(f.slice(0, 2).map((x) => [x.bar, x.instrument])).toEqual([[46, 0], [46, 1]]);
    expect(f[0]!.qty).toBeCloseTo(-qA, 9);
    expect(f[1]!.qty).toBeCloseTo(qB, 9);
    expect(f.slice(2, 4).map((x) => [x.bar, x.instrument])).toEqual([[exitBar + 1, 0], [exitBar + 1, 1]]);
    expect(f[2]!.qty).toBeCloseTo(qA, 9);
    expect(f[3]!.qty).toBeCloseTo(-qB, 9);
    expect(decisions.filter((d) => d.code !== 'already_in_position')).toEqual([]);
  });

  test('a spread that stays away is closed after max_hold_bars', () => {
    const mk = market((t) => (t >= 45 ? 0.02 : 0));
    const { result: r } = runBlueprint(bp({ max_hold_bars: 3, exit_z: 0.1 }), sliceN([mk.a, mk.b], { keys: [BTC, ETH] }), costs(), { initialCash: CASH });
    // in at 46; held 46, 47, 48: exit orders at the close of 48, filled at 49
    expect(fills(r).slice(0, 4).map((x) => [x.bar, x.instrument, Math.sign(x.qty)])).toEqual([[46, 0, -1], [46, 1, 1], [49, 0, 1], [49, 1, -1]]);
  });

  test('one leg not filled: recorded, the other leg closed at the next open', () => {
    const mk = market((t) => (t === 45 ? 0.02 : 0));
    mk.b[46] = MISSING;
    const { result: r, decisions } = runBlueprint(bp(), sliceN([mk.a, mk.b], { keys: [BTC, ETH] }), costs(), { initialCash: CASH });
    expect(fills(r).map((x) => [x.bar, x.instrument, Math.sign(x.qty)])).toEqual([[46, 0, -1], [47, 0, 1]]);
    expect(decisions.map((d) => [d.bar, d.code])).toEqual([[46, 'leg_not_filled']]);
  });

  test('vol_target sizes leg A by the hedged portfolio volatility, capped by leverage over both legs', () => {
    const mk = market((t) => (t === 45 ? 0.02 : 0));
    const sizing = { method: 'vol_target' as const, annual_vol: 0.2, vol_window_bars: 10, max_leverage: 3 };
    const { result: r } = runBlueprint(bp({}, sizing), sliceN([mk.a, mk.b], { keys: [BTC, ETH] }), costs(), { initialCash: CASH });
    const b45 = olsSlope(mk.lnB, mk.lnA, 45, 20);
    const p = Array.from({ length: 10 }, (_, k) => {
      const t = 36 + k;
      return mk.lnA[t]! - mk.lnA[t - 1]! - b45 * (mk.lnB[t]! - mk.lnB[t - 1]!);
    });
    const mean = p.reduce((a, b) => a + b, 0) / 10;
    const sd = Math.sqrt(p.reduce((a, b) => a + (b - mean) ** 2, 0) / 10) * Math.sqrt((365.25 * 86_400_000) / 300_000);
    const notional = Math.min((CASH * 0.2) / sd, (3 * CASH) / (1 + Math.abs(b45)));
    const sub = r.orderLog.filter((e) => e.event === 'submitted');
    expect(sub[0]!.bar).toBe(45);
    expect(sub[0]!.qty).toBeCloseTo(-notional / Math.exp(mk.lnA[45]!), 6);
    expect(sub[1]!.qty).toBeCloseTo((b45 * notional) / Math.exp(mk.lnB[45]!), 6);
  });

  test('the pairs template has 5m defaults and validates', () => {
    const p = pairsBlueprint({ instruments: [BTC, ETH], cost_digest: DIGEST, plan_hash: PLAN });
    expect(p.strategy).toEqual({ type: 'pairs', hedge_window_bars: 2016, z_window_bars: 288, entry_z: 2, exit_z: 0.5, max_hold_bars: 576, stop_z: 4 });
  });
});
