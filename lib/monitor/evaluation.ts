/**
 * Regime evaluation: for each horizon h, the target y_d (MSM: the alt index's minus BTC's forward h-day log return,
 * sum_{k=1..h} [log(1 + alt_{d+k}) - log(1 + btc_{d+k})]; regular: the strategy's forward h-day net return,
 * sum_{k=1..h} r_ls_net_{d+k}) is grouped by the label at d. Per label: n, mean, hit rate (y > 0), Newey-West t with
 * lag max(h - 1, floor(4 (n/100)^(2/9))) (lib/stats/hac.ts), a stationary-bootstrap CI of the mean (mean block h,
 * lib/stats/bootstrap.ts), ESS = n / h (overlapping windows, lib/stats/ess.ts). Best and worst label by mean and
 * their spread, with a CI from independent stationary bootstraps of both (same replicate count).
 */
import { bootstrapCI, essOverlapSimple, neweyWestLag, neweyWestMean, stationaryBootstrap, quantiles } from '../stats/index.js';

export interface RegimeStat { label: string; n: number; mean: number; hit_rate: number; hac_t: number; ci_lo: number; ci_hi: number; ess: number }
export interface HorizonEvaluation {
  horizon_days: number;
  target: string;
  regimes: RegimeStat[];
  best: string | null;
  worst: string | null;
  spread: number | null;
  spread_ci: [number, number] | null;
}

export function forwardSum(x: Float64Array, h: number): Float64Array {
  const out = new Float64Array(x.length).fill(NaN);
  for (let d = 0; d + h < x.length; d++) {
    let s = 0;
    for (let k = 1; k <= h; k++) s += x[d + k]!;
    out[d] = s;
  }
  return out;
}

export function evaluateRegimes(y: Float64Array, labels: Int32Array, names: string[], h: number, target: string, o: { reps: number; seed: number; level: number }): HorizonEvaluation {
  const regimes: RegimeStat[] = [];
  const samples = new Map<string, Float64Array>();
  names.forEach((name, li) => {
    const v: number[] = [];
    for (let d = 0; d < y.length; d++) if (labels[d] === li && Number.isFinite(y[d]!)) v.push(y[d]!);
    const x = Float64Array.from(v);
    if (x.length < 2) { regimes.push({ label: name, n: x.length, mean: x.length ? x[0]! : NaN, hit_rate: NaN, hac_t: NaN, ci_lo: NaN, ci_hi: NaN, ess: x.length / h }); return; }
    samples.set(name, x);
    const nw = neweyWestMean(x, Math.max(h - 1, neweyWestLag(x.length)));
    const ci = bootstrapCI(x, { meanBlock: Math.max(1, h), reps: o.reps, seed: o.seed + li, level: o.level });
    regimes.push({ label: name, n: x.length, mean: nw.mean, hit_rate: x.filter((z) => z > 0).length / x.length, hac_t: nw.t, ci_lo: ci.lo, ci_hi: ci.hi, ess: essOverlapSimple(x.length, h) });
  });
  const ranked = regimes.filter((r) => samples.has(r.label)).sort((a, b) => b.mean - a.mean);
  if (ranked.length < 2) return { horizon_days: h, target, regimes, best: ranked[0]?.label ?? null, worst: null, spread: null, spread_ci: null };
  const best = ranked[0]!, worst = ranked[ranked.length - 1]!;
  const bb = stationaryBootstrap(samples.get(best.label)!, { meanBlock: Math.max(1, h), reps: o.reps, seed: o.seed + 1000 });
  const bw = stationaryBootstrap(samples.get(worst.label)!, { meanBlock: Math.max(1, h), reps: o.reps, seed: o.seed + 2000 });
  const diff = Float64Array.from(bb, (v, i) => v - bw[i]!);
  const a = (1 - o.level) / 2;
  const [lo, hi] = quantiles(diff, [a, 1 - a]);
  return { horizon_days: h, target, regimes, best: best.label, worst: worst.label, spread: best.mean - worst.mean, spread_ci: [lo!, hi!] };
}
