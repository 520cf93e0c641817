/**
 * Aggregating a metric's samples as its MetricSpec says and deciding pass / fail / insufficient: fewer finite
 * samples than min_samples is "insufficient", never a pass. Non-finite samples are not counted (reported as
 * `dropped`). Quantiles are R type 7 (lib/stats). Pure.
 */
import { mean, median, quantile } from '../stats/descriptive.js';
import type { Aggregation, MetricSpec } from './schema.js';

export type MetricStatus = 'pass' | 'fail' | 'insufficient';

export interface MetricResult {
  name: string;
  aggregation: Aggregation;
  unit: string;
  /** Aggregated value; NaN when there are no finite samples. */
  value: number;
  n: number;
  dropped: number;
  min_samples: number;
  status: MetricStatus;
}

export function aggregate(values: ArrayLike<number>, how: Aggregation): number {
  switch (how) {
    case 'mean':
      return values.length === 0 ? NaN : mean(values);
    case 'median':
      return median(values);
    case 'p95':
      return quantile(values, 0.95);
    case 'sum': {
      let s = 0;
      for (let i = 0; i < values.length; i++) s += values[i]!;
      return s;
    }
    case 'count':
      return values.length;
  }
}

/** Whether `value` passes the metric's threshold in its direction (band edges inclusive). */
export function passes(m: Pick<MetricSpec, 'direction' | 'pass_threshold'>, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const t = m.pass_threshold;
  switch (m.direction) {
    case 'lower_better':
      return typeof t === 'number' && value <= t;
    case 'higher_better':
      return typeof t === 'number' && value >= t;
    case 'band':
      return Array.isArray(t) && value >= t[0] && value <= t[1];
  }
}

export function evaluateMetric(m: MetricSpec, samples: ArrayLike<number>): MetricResult {
  const finite: number[] = [];
  for (let i = 0; i < samples.length; i++) if (Number.isFinite(samples[i]!)) finite.push(samples[i]!);
  const value = aggregate(finite, m.aggregation);
  const n = finite.length;
  const status: MetricStatus = n < m.min_samples ? 'insufficient' : passes(m, value) ? 'pass' : 'fail';
  return { name: m.name, aggregation: m.aggregation, unit: m.unit, value, n, dropped: samples.length - n, min_samples: m.min_samples, status };
}

/** All metrics pass (each with at least min_samples): the precondition of ready_for_exploitation. */
export function allPass(results: readonly MetricResult[]): boolean {
  return results.length > 0 && results.every((r) => r.status === 'pass');
}
