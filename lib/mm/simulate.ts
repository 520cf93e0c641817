/**
 * The Monte Carlo of Avellaneda & Stoikov (2008), section 3.3, seeded: a mid-price that moves +-sigma sqrt(dt) with
 * probability 1/2 each step, a bid fill with probability lambda(delta_b) dt and an ask fill with probability
 * lambda(delta_a) dt per step (lambda(delta) = A exp(-k delta); the paper's first-order discretisation, kept so the
 * table is reproduced as the paper computed it), one lot per fill, profit X_T + q_T s_T (marked at the final mid).
 *
 * Two strategies on the SAME random numbers (common random numbers, so their difference is measured precisely):
 *   inventory  A-S quotes around the reservation price r = s - q gamma sigma^2 (T - t)
 *   symmetric  the inventory strategy's average spread over the session, centred on the mid
 * Randomness: Xoshiro128ss.fromSeed(seed, 0x6d6d) (lib/stats), three uniforms per step whatever happens, so the
 * stream use does not depend on the strategy.
 */
import { mean, std, Xoshiro128ss } from '../stats/index.js';
import { asOptimalSpread, asReservationPrice } from './model.js';

export interface PaperSimParams {
  s0: number;
  T: number;
  sigma: number;
  dt: number;
  gamma: number;
  k: number;
  A: number;
  paths: number;
  seed: number;
}

/** The paper's parameters (section 3.3): s = 100, T = 1, sigma = 2, dt = 0.005, q = 0, k = 1.5, A = 140. */
export const PAPER_PARAMS: Omit<PaperSimParams, 'gamma'> = { s0: 100, T: 1, sigma: 2, dt: 0.005, k: 1.5, A: 140, paths: 1000, seed: 1 };

export interface StrategyStats {
  /** average quoted spread ask - bid over steps and paths, in $ */
  spread: number;
  profit_mean: number;
  profit_std: number;
  final_q_mean: number;
  final_q_std: number;
  /** Monte Carlo standard errors: of the mean profit and mean final q (std / sqrt(n)), of the two stds (std / sqrt(2(n-1))) */
  se: { profit_mean: number; profit_std: number; final_q_mean: number; final_q_std: number };
}

export interface PaperSimResult {
  gamma: number;
  paths: number;
  steps: number;
  inventory: StrategyStats;
  symmetric: StrategyStats;
}

function stats(profit: Float64Array, q: Float64Array, spread: number): StrategyStats {
  const n = profit.length;
  const ps = std(profit);
  const qs = std(q);
  return {
    spread, profit_mean: mean(profit), profit_std: ps, final_q_mean: mean(q), final_q_std: qs,
    se: { profit_mean: ps / Math.sqrt(n), profit_std: ps / Math.sqrt(2 * (n - 1)), final_q_mean: qs / Math.sqrt(n), final_q_std: qs / Math.sqrt(2 * (n - 1)) },
  };
}

/** Runs both strategies for `paths` paths of round(T / dt) steps. */
export function simulatePaper(p: PaperSimParams): PaperSimResult {
  if (!(Number.isInteger(p.paths) && p.paths >= 2)) throw new RangeError(`paths must be an integer >= 2, was ${p.paths}`);
  if (!(p.dt > 0 && p.T > 0)) throw new RangeError(`dt and T must be > 0, were ${p.dt} and ${p.T}`);
  const steps = Math.round(p.T / p.dt);
  const model = { gamma: p.gamma, sigma: p.sigma, k: p.k };
  // The A-S spread depends on t only: precompute it, and its session average for the symmetric strategy.
  const spreadAt = new Float64Array(steps);
  let avg = 0;
  for (let i = 0; i < steps; i++) avg += spreadAt[i] = asOptimalSpread(model, p.T - i * p.dt);
  avg /= steps;
  const dS = p.sigma * Math.sqrt(p.dt);
  const Adt = p.A * p.dt;
  const k = p.k;
  const exp = Math.exp;
  const profitInv = new Float64Array(p.paths);
  const qInv = new Float64Array(p.paths);
  const profitSym = new Float64Array(p.paths);
  const qSym = new Float64Array(p.paths);
  const rng = Xoshiro128ss.fromSeed(p.seed, 0x6d6d);
  for (let path = 0; path < p.paths; path++) {
    let s = p.s0;
    let xi = 0;
    let qi = 0;
    let xs = 0;
    let qs = 0;
    for (let i = 0; i < steps; i++) {
      const ub = rng.uniform();
      const ua = rng.uniform();
      const um = rng.uniform();
      // inventory strategy
      const r = asReservationPrice(s, qi, model, p.T - i * p.dt);
      const h = spreadAt[i]! / 2;
      const bidI = r - h;
      const askI = r + h;
      const fillBidI = ub < Adt * exp(-k * (s - bidI));
      const fillAskI = ua < Adt * exp(-k * (askI - s));
      if (fillBidI) { qi += 1; xi -= bidI; }
      if (fillAskI) { qi -= 1; xi += askI; }
      // symmetric strategy (same uniforms)
      const hs = avg / 2;
      if (ub < Adt * exp(-k * hs)) { qs += 1; xs -= s - hs; }
      if (ua < Adt * exp(-k * hs)) { qs -= 1; xs += s + hs; }
      s += um < 0.5 ? dS : -dS;
    }
    profitInv[path] = xi + qi * s;
    qInv[path] = qi;
    profitSym[path] = xs + qs * s;
    qSym[path] = qs;
  }
  return { gamma: p.gamma, paths: p.paths, steps, inventory: stats(profitInv, qInv, avg), symmetric: stats(profitSym, qSym, avg) };
}
