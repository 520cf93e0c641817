/**
 * Composite regime: score_d = sum_k w_k z_k,d over the features with a finite z on d (a feature with no data on d
 * adds nothing; NaN when none has), mapped to labels by ascending cut points, with hysteresis:
 *  - band: from label s the book moves up to label j > s only when score >= cut[j - 1] + band, down to j < s only
 *    when score < cut[j] - band (the target is the furthest label the shifted cut points allow);
 *  - min dwell: a label is kept at least `min_dwell_days` days once entered.
 * Both use only scores up to d (a causal filter: label_d is a function of score_0..score_d).
 */
import type { FeatureName, MonitorConfig } from './config.js';

export function compositeScore(z: Record<FeatureName, Float64Array>, weights: Record<FeatureName, number>, n: number): Float64Array {
  const out = new Float64Array(n).fill(NaN);
  const active = (Object.keys(weights) as FeatureName[]).filter((k) => weights[k] !== 0);
  for (let d = 0; d < n; d++) {
    let s = 0, any = false;
    for (const k of active) { const v = z[k]![d]!; if (Number.isFinite(v)) { s += weights[k] * v; any = true; } }
    if (any) out[d] = s;
  }
  return out;
}

/** Label index without hysteresis: number of cut points <= score. -1 for NaN. */
export function bucket(score: number, cuts: readonly number[]): number {
  if (!Number.isFinite(score)) return -1;
  let k = 0;
  while (k < cuts.length && score >= cuts[k]!) k++;
  return k;
}

/** Labels with hysteresis (see the file comment). -1 until the first finite score. */
export function hysteresisLabels(score: Float64Array, cuts: readonly number[], band: number, minDwell: number): Int32Array {
  const out = new Int32Array(score.length).fill(-1);
  let s = -1;
  let since = 0;
  for (let d = 0; d < score.length; d++) {
    const x = score[d]!;
    if (Number.isFinite(x)) {
      if (s < 0) { s = bucket(x, cuts); since = 0; }
      else if (since >= minDwell) {
        let j = s;
        while (j < cuts.length && x >= cuts[j]! + band) j++;
        if (j === s) while (j > 0 && x < cuts[j - 1]! - band) j--;
        if (j !== s) { s = j; since = 0; }
      }
    }
    out[d] = s;
    since++;
  }
  return out;
}

export function countChanges(labels: Int32Array): number {
  let c = 0;
  for (let d = 1; d < labels.length; d++) if (labels[d]! >= 0 && labels[d - 1]! >= 0 && labels[d] !== labels[d - 1]) c++;
  return c;
}

export interface RegimeSeries {
  score: Float64Array;
  raw_label: Int32Array;
  label: Int32Array;
  names: string[];
}

export function regimeSeries(z: Record<FeatureName, Float64Array>, cfg: MonitorConfig['regime'], n: number, band = cfg.hysteresis.band): RegimeSeries {
  const c = cfg.composite;
  const score = compositeScore(z, c.weights, n);
  const raw = Int32Array.from(score, (x) => bucket(x, c.thresholds));
  return { score, raw_label: raw, label: hysteresisLabels(score, c.thresholds, band, cfg.hysteresis.min_dwell_days), names: c.labels };
}
