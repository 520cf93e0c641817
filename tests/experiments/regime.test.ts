import { describe, expect, test } from '@jest/globals';
import { classifyRegimes, metricByRegime } from '../../lib/experiments/regime.js';
import type { MetricSpec } from '../../lib/experiments/schema.js';

/** Closes from log returns: c_0 = 100. */
function path(returns: number[]): number[] {
  const c = [100];
  for (const r of returns) c.push(c[c.length - 1]! * Math.exp(r));
  return c;
}

describe('regime classifier', () => {
  const noise = (i: number, a: number) => (i % 2 === 0 ? a : -a);

  test('steady up drift is bull, steady down is bear, zig-zag around a level is range', () => {
    const up = path(Array.from({ length: 60 }, (_, i) => 0.002 + noise(i, 0.001)));
    const down = path(Array.from({ length: 60 }, (_, i) => -0.002 + noise(i, 0.001)));
    const flat = path(Array.from({ length: 60 }, (_, i) => noise(i, 0.001)));
    const o = { window: 10, baseline: 10 };
    expect(classifyRegimes(up, o).slice(19)).toEqual(Array(42).fill('bull'));
    expect(classifyRegimes(down, o).slice(19)).toEqual(Array(42).fill('bear'));
    expect(classifyRegimes(flat, o).slice(19)).toEqual(Array(42).fill('range'));
    expect(classifyRegimes(up, o).slice(0, 19)).toEqual(Array(19).fill(null)); // no label without W + L - 1 bars
  });

  test('a volatility burst is high_vol; the label of bar t does not change when later bars change (point in time)', () => {
    const calm = Array.from({ length: 40 }, (_, i) => noise(i, 0.001));
    const burst = Array.from({ length: 10 }, (_, i) => noise(i, 0.01));
    const c = path([...calm, ...burst]);
    const labels = classifyRegimes(c, { window: 5, baseline: 20 });
    expect(labels[43]).toBe('high_vol');
    const prefix = classifyRegimes(c.slice(0, 42), { window: 5, baseline: 20 });
    expect(prefix).toEqual(labels.slice(0, 42));
  });

  test('bad options throw', () => {
    expect(() => classifyRegimes([1, 2, 3], { window: 1, baseline: 5 })).toThrow('classifyRegimes: window must be an integer >= 2 and baseline >= 1, was 1, 5');
  });

  test('metric_by_regime: min_samples within each regime', () => {
    const m: MetricSpec = { name: 'r_multiple', unit: 'ratio', aggregation: 'mean', min_samples: 2, pass_threshold: 0, direction: 'higher_better' };
    const r = metricByRegime(m, [1, 3, -1, -2, 5, 9], ['bull', 'bull', 'bear', 'bear', 'range', null]);
    expect([r.bull.value, r.bull.status]).toEqual([2, 'pass']);
    expect([r.bear.value, r.bear.status]).toEqual([-1.5, 'fail']);
    expect([r.range.n, r.range.status]).toEqual([1, 'insufficient']);
    expect([r.high_vol.n, r.high_vol.status, r.mixed.status]).toEqual([0, 'insufficient', 'insufficient']);
  });
});
