import { describe, expect, test } from '@jest/globals';
import { fillObservations, fitIntensity, type FillObservation } from '../../lib/mm/intensity.js';
import { Xoshiro128ss } from '../../lib/stats/index.js';

/** Censored exponential waiting times drawn from lambda(delta) = A exp(-k delta), horizon H seconds. */
function simulate(A: number, k: number, deltas: number[], perDelta: number, H: number, seed: number): FillObservation[] {
  const rng = Xoshiro128ss.fromSeed(seed, 9);
  const out: FillObservation[] = [];
  for (const d of deltas) {
    const lam = A * Math.exp(-k * d);
    for (let i = 0; i < perDelta; i++) {
      const t = rng.exponential() / lam;
      out.push(t < H ? { delta_bps: d, tau_s: t, filled: true } : { delta_bps: d, tau_s: H, filled: false });
    }
  }
  return out;
}

describe('censored MLE of the fill intensity', () => {
  test('recovers (A, k) from censored waiting times; the 95% intervals cover the truth', () => {
    const fit = fitIntensity(simulate(0.05, 0.12, [2, 5, 10, 15, 20, 30], 2000, 300, 1));
    expect(fit.A).toBeGreaterThan(fit.ci95.A[0]);
    expect(0.05).toBeGreaterThan(fit.ci95.A[0]);
    expect(0.05).toBeLessThan(fit.ci95.A[1]);
    expect(0.12).toBeGreaterThan(fit.ci95.k[0]);
    expect(0.12).toBeLessThan(fit.ci95.k[1]);
    expect(Math.abs(fit.k - 0.12) / 0.12).toBeLessThan(0.05);
  });
  test('interval coverage over 40 seeds is near 95% for k', () => {
    let covered = 0;
    for (let s = 0; s < 40; s++) {
      const f = fitIntensity(simulate(0.05, 0.12, [2, 5, 10, 20], 300, 300, 100 + s));
      if (f.ci95.k[0] <= 0.12 && 0.12 <= f.ci95.k[1]) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(34); // binomial(40, 0.95): P(X < 34) < 1%
  });
  test('the MLE with all distances equal is refused (k not identified)', () => {
    expect(() => fitIntensity([{ delta_bps: 5, tau_s: 1, filled: true }, { delta_bps: 5, tau_s: 3, filled: false }])).toThrow('at least 2 are needed to identify k');
  });
  test('observations from a trade tape: first trade through each level, censored at the horizon', () => {
    const t0 = 1_000_000;
    const trades = [
      { ts_ms: t0 + 1000, price: 99.95 }, // 5 bps below 100 after 1 s
      { ts_ms: t0 + 4000, price: 100.2 }, // 20 bps above after 4 s
      { ts_ms: t0 + 70_000, price: 100 },
    ];
    const obs = fillObservations(trades, [{ ts_ms: t0, mid: 100 }], [5, 10], 60_000);
    expect(obs).toEqual([
      { delta_bps: 5, tau_s: 1, filled: true, start: 0 }, { delta_bps: 5, tau_s: 4, filled: true, start: 0 },
      { delta_bps: 10, tau_s: 60, filled: false, start: 0 }, { delta_bps: 10, tau_s: 4, filled: true, start: 0 },
    ]);
    expect(fillObservations(trades, [{ ts_ms: t0 + 20_000, mid: 100 }], [5], 60_000)).toEqual([]); // horizon past the tape
  });
});
