import { describe, expect, test } from '@jest/globals';
import { corwinSchultzPair, corwinSchultzSpreadBps } from '../../lib/experiments/spread.js';
import { aggregate, allPass, evaluateMetric, passes } from '../../lib/experiments/metrics.js';
import type { MetricSpec } from '../../lib/experiments/schema.js';

describe('Corwin-Schultz (2012) spread estimator', () => {
  test('matches an independent computation (Python, the paper\'s (sqrt2-1) sqrt(beta) form), gaps adjusted, negatives floored', () => {
    // bar 2 opens above bar 1's close (gap up: its low 102.6 > close 101.0), bar 3 below bar 2's close (gap down).
    const high = [101.0, 101.5, 103.2, 102.0, 102.4];
    const low = [99.8, 100.2, 102.6, 100.9, 101.9];
    const close = [100.5, 101.0, 102.9, 101.2, 102.2];
    const bps = corwinSchultzSpreadBps({ high, low, close });
    const expected = [16.62241173512329, 7.506111302596336, 0, 25.77318502673213];
    expect(bps.length).toBe(4);
    expected.forEach((e, i) => expect(bps[i]).toBeCloseTo(e, 10));
    // the unfloored pair estimate of pair 2 (after the gap-down adjustment: bar 3 raised by 0.9) is negative
    expect(corwinSchultzPair(103.2, 102.6, 102.9, 101.8)).toBeCloseTo(-0.003455587494932002, 12);
  });

  test('with no price move at all (high = ask, low = bid) it returns the relative spread exactly', () => {
    // beta = 2x^2, gamma = x^2 with x = ln(ask/bid): alpha = x, S = 2(ask-bid)/(ask+bid).
    const bid = 99.95;
    const ask = 100.05;
    const n = 6;
    const bps = corwinSchultzSpreadBps({ high: Array(n).fill(ask), low: Array(n).fill(bid), close: Array(n).fill(100) });
    for (const s of bps) expect(s).toBeCloseTo(((ask - bid) / 100) * 1e4, 9);
  });

  test('missing prices give NaN, mismatched lengths throw', () => {
    const bps = corwinSchultzSpreadBps({ high: [101, NaN, 101], low: [99, 99, 99] });
    expect(Number.isNaN(bps[0]!)).toBe(true);
    expect(Number.isNaN(bps[1]!)).toBe(true);
    expect(() => corwinSchultzSpreadBps({ high: [1, 2], low: [1] })).toThrow('corwinSchultzSpreadBps: high, low differ in length (2, 1)');
  });
});

const metric = (over: Partial<MetricSpec>): MetricSpec => ({
  name: 'slippage_bps', unit: 'bps', aggregation: 'mean', min_samples: 3, pass_threshold: 5, direction: 'lower_better', ...over,
});

describe('metric aggregation and decisions', () => {
  const x = [1, 2, 3, 4, 10];
  test('aggregations', () => {
    expect(aggregate(x, 'mean')).toBe(4);
    expect(aggregate(x, 'median')).toBe(3);
    expect(aggregate(x, 'p95')).toBeCloseTo(4 + 0.8 * 6, 12); // type 7: index 3.8 between 4 and 10
    expect(aggregate(x, 'sum')).toBe(20);
    expect(aggregate(x, 'count')).toBe(5);
  });

  test('fewer samples than min_samples is insufficient, never pass', () => {
    const r = evaluateMetric(metric({ min_samples: 30 }), [0, 0, 0]);
    expect(r).toEqual({ name: 'slippage_bps', aggregation: 'mean', unit: 'bps', value: 0, n: 3, dropped: 0, min_samples: 30, status: 'insufficient' });
    expect(allPass([r])).toBe(false);
  });

  test('non-finite samples are dropped and do not count toward min_samples', () => {
    const r = evaluateMetric(metric({ min_samples: 3 }), [1, NaN, 2, Infinity]);
    expect([r.n, r.dropped, r.status]).toEqual([2, 2, 'insufficient']);
  });

  test('pass / fail by direction', () => {
    expect(evaluateMetric(metric({}), x).status).toBe('pass'); // mean 4 <= 5
    expect(evaluateMetric(metric({ pass_threshold: 3.9 }), x).status).toBe('fail');
    expect(evaluateMetric(metric({ direction: 'higher_better', pass_threshold: 4 }), x).status).toBe('pass');
    expect(evaluateMetric(metric({ direction: 'higher_better', pass_threshold: 4.1 }), x).status).toBe('fail');
    expect(passes({ direction: 'band', pass_threshold: [4, 6] }, 4)).toBe(true);
    expect(passes({ direction: 'band', pass_threshold: [4, 6] }, 6)).toBe(true);
    expect(passes({ direction: 'band', pass_threshold: [4, 6] }, 6.01)).toBe(false);
    expect(passes({ direction: 'lower_better', pass_threshold: 5 }, NaN)).toBe(false);
    expect(allPass([])).toBe(false);
  });
});
