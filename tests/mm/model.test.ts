import { describe, expect, test } from '@jest/globals';
import { asOptimalSpread, asQuotes, asReservationPrice, fillIntensity, glftDistances, glftQuotes, glftSkew } from '../../lib/mm/model.js';
import { PAPER_PARAMS, simulatePaper } from '../../lib/mm/simulate.js';

/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", Quantitative Finance 8(3):217-224.
 * Simulation parameters (section 3.3): s = 100, T = 1, sigma = 2, dt = 0.005, q = 0, k = 1.5, A = 140, 1000 paths.
 * Tables 1-3 (pp. 222-223), columns: average spread, profit, std(profit), final q, std(final q). The gamma = 0.1
 * row pair is also quoted by the replication github.com/ragoragino/avellaneda-stoikov (README, "original results").
 * (The 2006 preprint on SSRN has different numbers for the same experiment: 1.29 / 62.94 / 5.89 / 0.10 / 2.80 ...;
 * the published 2008 tables are the ones pinned here.)
 */
const PAPER_TABLES = [
  { gamma: 0.1, inventory: [1.49, 65.0, 6.6, 0.08, 2.9], symmetric: [1.49, 68.4, 12.7, 0.26, 8.4] },
  { gamma: 0.01, inventory: [1.35, 68.6, 8.7, 0.12, 5.1], symmetric: [1.35, 68.8, 12.8, 0.09, 8.7] },
  { gamma: 1, inventory: [3.02, 31.4, 5.0, 0.02, 1.7], symmetric: [3.02, 44.0, 11.0, 0.0, 5.1] },
] as const;

describe('Avellaneda-Stoikov formulas (units: $ and session time, as in the paper)', () => {
  const p = { gamma: 0.1, sigma: 2, k: 1.5 };
  test('reservation price r = s - q gamma sigma^2 (T - t)', () => {
    expect(asReservationPrice(100, 3, p, 0.5)).toBeCloseTo(100 - 3 * 0.1 * 4 * 0.5, 12); // 99.4
    expect(asReservationPrice(100, -2, p, 1)).toBeCloseTo(100.8, 12);
    expect(asReservationPrice(100, 5, p, 0)).toBe(100);
  });
  test('total spread gamma sigma^2 (T - t) + (2 / gamma) ln(1 + gamma / k)', () => {
    expect(asOptimalSpread(p, 0)).toBeCloseTo(20 * Math.log(1 + 0.1 / 1.5), 12); // 1.2908
    expect(asOptimalSpread(p, 1)).toBeCloseTo(0.4 + 20 * Math.log(1 + 0.1 / 1.5), 12);
    const q = asQuotes(100, 2, p, 0.25);
    expect(q.ask - q.bid).toBeCloseTo(q.spread, 12);
    expect((q.ask + q.bid) / 2).toBeCloseTo(100 - 2 * 0.1 * 4 * 0.25, 12);
  });
  test.each(PAPER_TABLES)('session-average spread reproduces the Table (gamma=$gamma)', ({ gamma, inventory }) => {
    // (1/T) int_0^T spread dt = gamma sigma^2 T / 2 + (2 / gamma) ln(1 + gamma / k); the table rounds to 0.01
    const avg = asOptimalSpread({ gamma, sigma: 2, k: 1.5 }, 0.5);
    expect(Math.abs(avg - inventory[0])).toBeLessThanOrEqual(0.005 + 1e-9);
  });
  test('spread of risk neutrality: gamma -> 0 gives 2 / k', () => {
    expect(asOptimalSpread({ gamma: 1e-9, sigma: 2, k: 1.5 }, 1)).toBeCloseTo(2 / 1.5, 6);
  });
  test('fill intensity A exp(-k delta)', () => {
    expect(fillIntensity(140, 1.5, 0)).toBe(140);
    expect(fillIntensity(140, 1.5, 1)).toBeCloseTo(140 * Math.exp(-1.5), 12);
  });
  test('bad parameters are refused', () => {
    expect(() => asOptimalSpread({ gamma: 0, sigma: 2, k: 1.5 }, 1)).toThrow('gamma must be a finite number > 0, was 0');
  });
});

describe('Gueant-Lehalle-Fernandez-Tapia (2013) asymptotic quotes', () => {
  const g = { gamma: 0.05, sigma: 0.3, k: 0.3, A: 0.9, maxInventory: 4 };
  const half = Math.log(1 + 0.05 / 0.3) / 0.05;
  const c = Math.sqrt((0.09 * 0.05) / (2 * 0.3 * 0.9) * Math.pow(1 + 0.05 / 0.3, 1 + 0.3 / 0.05));
  test('skew constant and distances as in the closed form', () => {
    expect(glftSkew(g)).toBeCloseTo(c, 12);
    const [db, da] = glftDistances(0, g);
    expect(db).toBeCloseTo(half + c / 2, 12);
    expect(da).toBeCloseTo(half + c / 2, 12);
    const [db2, da2] = glftDistances(2, g);
    expect(db2).toBeCloseTo(half + 2.5 * c, 12);
    expect(da2).toBeCloseTo(half - 1.5 * c, 12);
  });
  test('long inventory lowers both quotes by q c; the spread does not depend on q', () => {
    const a = glftQuotes(100, 0, g);
    const b = glftQuotes(100, 3, g);
    expect(b.bid - a.bid).toBeCloseTo(-3 * c, 12);
    expect(b.ask - a.ask).toBeCloseTo(-3 * c, 12);
    expect(b.spread).toBeCloseTo(2 * half + c, 12);
    expect(b.reservation).toBeCloseTo(100 - 3 * c, 12);
  });
  test('no bid at +Q, no ask at -Q', () => {
    expect(glftQuotes(100, 4, g).bid).toBeNaN();
    expect(glftQuotes(100, 4, g).ask).toBeLessThan(100 + half);
    expect(glftQuotes(100, -4, g).ask).toBeNaN();
    expect(() => glftDistances(0, { ...g, maxInventory: 0 })).toThrow('maxInventory must be >= 1 lot, was 0');
  });
});

describe('paper Monte Carlo (1,000 paths, seeded) reproduces Tables 1-3 of A-S 2008', () => {
  // Tolerance: our estimate and the paper's are both Monte Carlo estimates over 1,000 paths, so their difference has
  // standard error sqrt(2) x our SE; we allow 4 of those plus half a unit of the table's last printed digit.
  const Z = 4;
  const cols = ['spread', 'profit_mean', 'profit_std', 'final_q_mean', 'final_q_std'] as const;
  const rounding = [0.005, 0.05, 0.05, 0.005, 0.05];
  test.each(PAPER_TABLES)('gamma = $gamma', ({ gamma, inventory, symmetric }) => {
    const r = simulatePaper({ ...PAPER_PARAMS, gamma, seed: 20080301 });
    expect(r.steps).toBe(200);
    for (const [name, paper] of [['inventory', inventory], ['symmetric', symmetric]] as const) {
      const got = r[name];
      cols.forEach((col, j) => {
        const se = col === 'spread' ? 0 : got.se[col];
        // the simulated spread averages the 200 left end points t_i = i dt: above the time average by gamma sigma^2 dt / 2
        const disc = col === 'spread' ? (gamma * 4 * 0.005) / 2 : 0;
        const tol = Z * Math.SQRT2 * se + rounding[j]! + disc;
        const diff = Math.abs(got[col] - paper[j]!);
        if (diff > tol) throw new Error(`gamma=${gamma} ${name} ${col}: got ${got[col].toFixed(3)}, paper ${paper[j]}, |diff| ${diff.toFixed(3)} > tol ${tol.toFixed(3)}`);
      });
    }
    // the paper's qualitative finding, with the same random numbers: far less P&L and inventory dispersion
    expect(r.inventory.profit_std).toBeLessThan(r.symmetric.profit_std);
    expect(r.inventory.final_q_std).toBeLessThan(r.symmetric.final_q_std);
  });
  test('seeded: the same seed gives the same numbers', () => {
    const a = simulatePaper({ ...PAPER_PARAMS, gamma: 0.1, paths: 50, seed: 7 });
    const b = simulatePaper({ ...PAPER_PARAMS, gamma: 0.1, paths: 50, seed: 7 });
    expect(a).toEqual(b);
  });
});
