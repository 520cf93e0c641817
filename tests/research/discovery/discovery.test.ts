import { describe, expect, test } from '@jest/globals';
import {
  candidateStats, evaluateInstrument, failedGates, finalizeDiscovery, hacLag, overlapCount, type CandidateStats, type PlanCandidate,
} from '../../../lib/research/discovery.js';
import { openSeries, type Occurrences } from '../../../lib/research/forward.js';
import { neweyWestBandwidth } from '../../../lib/stats/index.js';
import type { DiscoveryGates } from '../../../lib/research/gates.js';
import { candidate, randomWalk, type Planted } from './fixture.js';

const GATES: DiscoveryGates = { min_n: 30, min_ess: 20, min_mean_bps: 5, max_q: 0.05, fdr: 'BH' };

/** Newey-West (1987) variance of the mean written as the full double sum sum_ij w(|i-j|) e_i e_j / n^2, Bartlett
 * weights w(k) = 1 - k/(L+1) for k <= L: an independent form of the one-sided sum used by lib/stats/hac.ts. */
function nwT(x: number[], L: number): number {
  const n = x.length;
  const m = x.reduce((a, b) => a + b, 0) / n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = Math.abs(i - j);
      if (k <= L) v += (1 - k / (L + 1)) * (x[i]! - m) * (x[j]! - m);
    }
  }
  return m / (Math.sqrt(v) / n);
}

describe('overlap m and the HAC lag rule', () => {
  test('m = most later occurrences starting within h bars of one occurrence', () => {
    expect(overlapCount([0, 2, 10, 11, 30], 3)).toBe(1);
    expect(overlapCount([0, 1, 2, 3], 3)).toBe(2); // from 0: bars 1 and 2 (3 - 0 = h is not an overlap)
    expect(overlapCount([5], 3)).toBe(0);
    expect(overlapCount([], 3)).toBe(0);
  });

  test('L = max(floor(4 (n/100)^(2/9)), m) (Newey & West 1994 rate)', () => {
    expect(hacLag(100, 0)).toBe(4);
    expect(hacLag(100, 7)).toBe(7);
    expect(hacLag(5, 1)).toBe(2); // 4 * 0.05^(2/9) = 2.056
    expect(hacLag(1000, 0)).toBe(6); // 4 * 10^(2/9) = 6.68
  });
});

describe('candidate statistics on a hand example', () => {
  // t = [0, 2, 10, 11, 30], h = 3, signs [+,-,+,+,-], drift 1 bp.
  const occ: Occurrences = {
    t: Int32Array.from([0, 2, 10, 11, 30]),
    s: Int8Array.from([1, -1, 1, 1, -1]),
    y: Float64Array.from([0.001, -0.0005, 0.002, 0.0015, 0.0003]),
    dropped: { outside: 2, missing_open: 1 },
  };
  const st = candidateStats('c-x', occ, 3, 0.0001);

  test('n, mean, median, std, hit rate, drift and excess in bps', () => {
    expect(st.n).toBe(5);
    expect(st.n_events).toBe(8);
    expect(st.mean_bps).toBeCloseTo(8.6, 10); // (10 - 5 + 20 + 15 + 3) / 5
    expect(st.median_bps).toBeCloseTo(10, 10);
    // sample std (n-1) of [10, -5, 20, 15, 3] bps: mean 8.6, squares 1.96 + 184.96 + 129.96 + 40.96 + 31.36 = 389.2
    expect(st.std_bps).toBeCloseTo(Math.sqrt(389.2 / 4), 10);
    expect(st.hit_rate).toBe(0.8);
    expect(st.drift_bps).toBeCloseTo(1, 12);
    // x = y - s drift = [9, -4, 19, 14, 4] bps
    expect(st.excess_bps).toBeCloseTo(8.4, 10);
  });

  test('ESS = n^2 / sum_ij max(0, 1 - |dt|/h) = 25 / 7, df = max(1, floor(ESS) - 1) = 2', () => {
    // diagonal 5, pair (0,2): 2 x 1/3, pair (10,11): 2 x 2/3 -> 7
    expect(st.ess).toBeCloseTo(25 / 7, 12);
    expect(st.df).toBe(2);
    expect(st.overlap_m).toBe(1);
    expect(st.hac_lags).toBe(2); // max(floor(2.056), 1)
  });

  test('the Newey-West (1994) bandwidth of x is reported beside the lag used (lib/stats neweyWestBandwidth)', () => {
    // x = [9, -4, 19, 14, 4] bps, mean 8.4 bps; pilot floor(4 (5/100)^(2/9)) = 2.
    const x = [9e-4, -4e-4, 19e-4, 14e-4, 4e-4];
    const e = x.map((v) => v - 8.4e-4);
    const bw = neweyWestBandwidth([e]);
    expect(bw.pilotLags).toBe(2);
    expect(st.hac_bandwidth_nw94).toBeCloseTo(bw.bandwidth, 10);
    expect(st.hac_lags).toBe(2); // the test keeps the contract's lag
  });

  test('HAC t on x = y - s drift matches the double-sum Newey-West form; p from the closed-form t(2) law', () => {
    const t = nwT([9e-4, -4e-4, 19e-4, 14e-4, 4e-4], 2);
    expect(st.hac_t).toBeCloseTo(t, 10);
    // Student t with 2 df: P(|T| > t) = 1 - t / sqrt(2 + t^2) (closed form of the t_2 CDF, e.g. Johnson, Kotz &
    // Balakrishnan, Continuous Univariate Distributions vol. 2, ch. 28).
    expect(st.p).toBeCloseTo(1 - Math.abs(t) / Math.sqrt(2 + t * t), 10);
  });

  test('n = 0 and n = 1: no test, p = 1, undefined statistics are NaN (never 0)', () => {
    const none = candidateStats('c-0', { t: new Int32Array(0), s: new Int8Array(0), y: new Float64Array(0), dropped: { outside: 0, missing_open: 0 } }, 3, 0);
    expect(none.n).toBe(0);
    expect(none.p).toBe(1);
    expect(Number.isNaN(none.mean_bps)).toBe(true);
    expect(Number.isNaN(none.excess_bps)).toBe(true);
    const one = candidateStats('c-1', { t: Int32Array.from([4]), s: Int8Array.from([1]), y: Float64Array.from([0.01]), dropped: { outside: 0, missing_open: 0 } }, 3, 0);
    expect(one.p).toBe(1);
    expect(one.mean_bps).toBeCloseTo(100, 10);
    expect(Number.isNaN(one.std_bps)).toBe(true);
    expect(Number.isNaN(one.hac_t)).toBe(true);
    expect(Number.isNaN(one.hac_bandwidth_nw94)).toBe(true);
    expect(Number.isNaN(none.hac_bandwidth_nw94)).toBe(true);
  });
});

function row(id: string, p: number, over: Partial<CandidateStats> = {}): CandidateStats {
  return {
    candidate_id: id, n_events: 100, dropped_outside: 0, dropped_missing_open: 0, n: 100, mean_bps: 10, median_bps: 10,
    std_bps: 50, hit_rate: 0.6, drift_bps: 0, excess_bps: 10, hac_t: 3, hac_lags: 4, hac_bandwidth_nw94: 3.5, overlap_m: 0, ess: 100, df: 99, p, pooling: 'symbol', members: [], ...over,
  };
}

describe('q over the whole plan and the gates', () => {
  test('q is Benjamini-Hochberg over every candidate (hand computed, Benjamini & Hochberg 1995 step-up)', () => {
    // p = [.01, .04, .03, .005]: sorted .005 .01 .03 .04 -> n/i p = .02 .02 .04 .04, cumulative min from the top.
    const res = finalizeDiscovery(['a', 'b', 'c', 'd'].map((id, k) => row(id, [0.01, 0.04, 0.03, 0.005][k]!)), GATES);
    expect(res.map((r) => r.q)).toEqual([0.02, 0.04, 0.04, 0.02].map((q) => expect.closeTo(q, 14)) as unknown as number[]);
    expect(res.map((r) => r.pass)).toEqual([true, true, true, true]);
    // BY multiplies BH by c(4) = 1 + 1/2 + 1/3 + 1/4 = 25/12 (Benjamini & Yekutieli 2001, Theorem 1.3).
    const by = finalizeDiscovery(['a', 'b', 'c', 'd'].map((id, k) => row(id, [0.01, 0.04, 0.03, 0.005][k]!)), { ...GATES, fdr: 'BY' });
    expect(by.map((r) => r.q)).toEqual([0.02, 0.04, 0.04, 0.02].map((q) => expect.closeTo((q * 25) / 12, 14)) as unknown as number[]);
    expect(by.map((r) => r.failed_gate)).toEqual(['', 'max_q', 'max_q', '']);
  });

  test('gates in order min_n, min_ess, min_mean_bps, max_q: first failing recorded, and all failing', () => {
    expect(failedGates({ n: 10, ess: 5, excess_bps: -3, q: 0.5 }, GATES)).toEqual(['min_n', 'min_ess', 'min_mean_bps', 'max_q']);
    expect(failedGates({ n: 30, ess: 5, excess_bps: 6, q: 0.5 }, GATES)).toEqual(['min_ess', 'max_q']);
    expect(failedGates({ n: 30, ess: 20, excess_bps: 4.99, q: 0.05 }, GATES)).toEqual(['min_mean_bps']);
    expect(failedGates({ n: 30, ess: 20, excess_bps: 5, q: 0.05 }, GATES)).toEqual([]);
    expect(failedGates({ n: 30, ess: 20, excess_bps: NaN, q: 0.01 }, GATES)).toEqual(['min_mean_bps']);
    const res = finalizeDiscovery([row('a', 0.001, { n: 12, ess: 12 }), row('b', 0.001, { excess_bps: -20 })], GATES);
    expect(res[0]!.failed_gate).toBe('min_n');
    expect(res[0]!.failed_gates).toEqual(['min_n', 'min_ess']);
    expect(res[1]!.failed_gate).toBe('min_mean_bps');
  });
});

describe('a constructed market: a planted effect is found, no effect is not', () => {
  const N = 40_000;
  const H = 12;
  // 'spike': 300 events, direction alternating, each followed by a 40 bp move in its direction over 12 bars.
  const spikeT = Array.from({ length: 300 }, (_, k) => 100 + k * 130);
  const spikeDir = spikeT.map((_, k) => (k % 2 ? -1 : 1));
  const planted: Planted[] = spikeT.map((t, k) => ({ t, sign: spikeDir[k]!, bps: 40, h: H }));
  // 'noise': 300 events at other bars, nothing planted.
  const noiseT = Array.from({ length: 300 }, (_, k) => 165 + k * 130);
  const m = randomWalk(N, { seed: 11, noiseBps: 10, planted });
  const open = openSeries(m.ts_ms, m.open);
  const events = new Map([
    ['spike', { t: Int32Array.from(spikeT), direction: Int8Array.from(spikeDir) }],
    ['noise', { t: Int32Array.from(noiseT), direction: Int8Array.from(noiseT.map((_, k) => (k % 3 ? 1 : -1))) }],
  ]);
  const base = { template_id: 'tpl-1', concept_id: 'k', event_family: 'f', exchange: 'synthetic', market: 'um', symbol: 'AAA', timeframe: '5m' };
  const cands: PlanCandidate[] = [
    candidate({ ...base, event: 'spike', horizon_bars: H, expected: 'follow' }),
    candidate({ ...base, event: 'spike', horizon_bars: H, expected: 'fade' }),
    candidate({ ...base, event: 'noise', horizon_bars: H, expected: 'follow' }),
    candidate({ ...base, event: 'absent', horizon_bars: H, expected: 'follow' }),
  ];
  const res = finalizeDiscovery(evaluateInstrument(cands, { open, events }), GATES);

  test('the planted follow effect passes every gate with an excess near 40 bps', () => {
    const r = res[0]!;
    expect(r.n).toBe(300);
    // per occurrence sd = 10 bp x sqrt(12) = 34.6 bp, se of the mean ~ 2 bp: 40 +- 8 is 4 se wide.
    expect(r.excess_bps).toBeGreaterThan(32);
    expect(r.excess_bps).toBeLessThan(48);
    expect(r.pass).toBe(true);
    expect(r.q).toBeLessThan(1e-6);
  });

  test('fading it is the wrong sign: fails min_mean_bps; no effect fails; an absent event has n = 0 and p = 1', () => {
    expect(res[1]!.excess_bps).toBeCloseTo(-res[0]!.excess_bps, 10);
    expect(res[1]!.failed_gate).toBe('min_mean_bps');
    expect(res[2]!.pass).toBe(false);
    expect(Math.abs(res[2]!.excess_bps)).toBeLessThan(8);
    expect(res[3]).toMatchObject({ n: 0, p: 1, pass: false, failed_gate: 'min_n' });
  });

  test('deterministic: the same inputs give bit-identical results', () => {
    const again = finalizeDiscovery(evaluateInstrument(cands, { open, events }), GATES);
    expect(again).toEqual(res);
  });
});
