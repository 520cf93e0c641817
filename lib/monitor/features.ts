/**
 * Daily point-in-time features of the majors-vs-alts monitor. Value at day d uses closes up to the close of d and
 * market caps / funding / OI known by then (panel.ts). "Alts" on day d: assets not BTC, not ETH, not excluded, with a
 * close on d and d - 1. Each raw feature x is z-scored over the trailing `lookback_days` values ending at d
 * (mean and sample std of the finite values in the window), NaN before `burn_in_days` finite values.
 */
import type { MonitorConfig, FeatureName } from './config.js';
import { FEATURE_NAMES } from './config.js';
import { simpleReturns, type Panel } from './panel.js';

export interface FeatureTable {
  raw: Record<FeatureName, Float64Array>;
  z: Record<FeatureName, Float64Array>;
  /** Equal-weight alt index daily simple return (the alts of that day). */
  alt_index_ret: Float64Array;
  btc_ret: Float64Array;
  /** Features that are NaN on every day (no input data: funding, open interest, market caps). */
  unavailable: FeatureName[];
}

/** Trailing z-score: (x_d - mean(W)) / std(W), W = finite x over [d - lookback + 1, d]; NaN with < burnIn values. */
export function trailingZ(x: Float64Array, lookback: number, burnIn: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(NaN);
  let s = 0, ss = 0, c = 0;
  for (let d = 0; d < n; d++) {
    const v = x[d]!;
    if (Number.isFinite(v)) { s += v; ss += v * v; c++; }
    if (d >= lookback) {
      const u = x[d - lookback]!;
      if (Number.isFinite(u)) { s -= u; ss -= u * u; c--; }
    }
    if (!Number.isFinite(v) || c < Math.max(2, burnIn)) continue;
    const m = s / c;
    const varc = (ss - c * m * m) / (c - 1);
    out[d] = varc > 1e-300 ? (v - m) / Math.sqrt(varc) : 0;
  }
  return out;
}

/** Trailing sample std over `w` values ending at d, times sqrt(365); NaN with fewer than w/2 finite values. */
export function trailingVol(r: Float64Array, w: number): Float64Array {
  const out = new Float64Array(r.length).fill(NaN);
  for (let d = 0; d < r.length; d++) {
    let s = 0, ss = 0, c = 0;
    for (let k = Math.max(0, d - w + 1); k <= d; k++) { const v = r[k]!; if (Number.isFinite(v)) { s += v; ss += v * v; c++; } }
    if (c >= Math.max(2, Math.ceil(w / 2))) out[d] = Math.sqrt(Math.max(0, (ss - (s * s) / c) / (c - 1)) * 365);
  }
  return out;
}

export function isAlt(p: Panel, a: number): boolean {
  return a !== p.btc && a !== p.eth && !p.excluded[a];
}

export function computeFeatures(p: Panel, cfg: MonitorConfig['features']): FeatureTable {
  const nD = p.days.length;
  const nA = p.symbols.length;
  const rets = p.close.map(simpleReturns);
  const nan = () => new Float64Array(nD).fill(NaN);
  const raw = Object.fromEntries(FEATURE_NAMES.map((f) => [f, nan()])) as Record<FeatureName, Float64Array>;
  const altIdx = nan();
  const btcRet = rets[p.btc]!;
  const dom = raw.btc_dominance;
  // running N-day sum of closes per asset for "above the N-day mean"
  const N = cfg.breadth_mean_days;
  for (let d = 0; d < nD; d++) {
    let up = 0, above = 0, nAbove = 0, n = 0, s = 0, ss = 0;
    let capAll = 0, capN = 0;
    let fAlt = 0, nfAlt = 0;
    for (let a = 0; a < nA; a++) {
      const cap = p.mcap[a]![d]!;
      if (!p.excluded[a] && Number.isFinite(cap)) { capAll += cap; capN++; }
      if (!isAlt(p, a)) continue;
      const r = rets[a]![d]!;
      if (Number.isFinite(r)) { n++; s += r; ss += r * r; if (r > 0) up++; }
      const c = p.close[a]![d]!;
      if (Number.isFinite(c) && d >= N - 1) {
        let m = 0, k = 0;
        for (let j = d - N + 1; j <= d; j++) { const v = p.close[a]![j]!; if (Number.isFinite(v)) { m += v; k++; } }
        if (k === N) { nAbove++; if (c > m / k) above++; }
      }
      const f = p.funding[a]?.[d];
      if (f !== undefined && Number.isFinite(f)) { fAlt += f; nfAlt++; }
    }
    if (n > 0) {
      raw.alt_breadth_up[d] = up / n;
      altIdx[d] = s / n;
      if (n > 1) raw.dispersion[d] = Math.sqrt(Math.max(0, (ss - (s * s) / n) / (n - 1)));
    }
    if (nAbove > 0) raw.alt_breadth_above_mean[d] = above / nAbove;
    const btcCap = p.mcap[p.btc]![d]!;
    const total = p.total_cap ? p.total_cap[d]! : capN > 1 ? capAll : NaN;
    if (Number.isFinite(btcCap) && total > 0) dom[d] = btcCap / total;
    let fMaj = 0, nfMaj = 0;
    for (const m of [p.btc, p.eth]) { const f = p.funding[m]?.[d]; if (f !== undefined && Number.isFinite(f)) { fMaj += f; nfMaj++; } }
    if (nfAlt > 0 && nfMaj > 0) raw.funding_spread[d] = fAlt / nfAlt - fMaj / nfMaj;
  }
  const M = cfg.momentum_days;
  for (let d = M; d < nD; d++) {
    raw.btc_dominance_change[d] = dom[d]! - dom[d - M]!;
    let s = 0, ok = true;
    for (let j = d - M + 1; j <= d; j++) {
      const x = Math.log1p(altIdx[j]!) - Math.log1p(btcRet[j]!);
      if (!Number.isFinite(x)) { ok = false; break; }
      s += x;
    }
    if (ok) raw.alt_rel_momentum[d] = s;
  }
  // open interest: log change of the summed OI (USD) over the assets that have it on both days
  const K = cfg.oi_change_days;
  for (let d = K; d < nD; d++) {
    let a0 = 0, a1 = 0, c = 0;
    for (let a = 0; a < nA; a++) {
      const o = p.oi_usd[a];
      if (!o || !Number.isFinite(o[d]!) || !Number.isFinite(o[d - K]!)) continue;
      a0 += o[d - K]!; a1 += o[d]!; c++;
    }
    if (c > 0 && a0 > 0) raw.oi_change[d] = Math.log(a1 / a0);
  }
  raw.btc_vol.set(trailingVol(btcRet, cfg.vol_days));
  raw.alt_vol.set(trailingVol(altIdx, cfg.vol_days));
  const z = Object.fromEntries(FEATURE_NAMES.map((f) => [f, trailingZ(raw[f], cfg.lookback_days, cfg.burn_in_days)])) as Record<FeatureName, Float64Array>;
  const unavailable = FEATURE_NAMES.filter((f) => raw[f].every((v) => !Number.isFinite(v)));
  return { raw, z, alt_index_ret: altIdx, btc_ret: btcRet, unavailable };
}
