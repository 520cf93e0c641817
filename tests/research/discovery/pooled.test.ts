import { describe, expect, test } from '@jest/globals';
import {
  evaluateInstrument, finalizeDiscovery, occurrencesOf, pooledHacLag, pooledStats, type CandidateStats, type MemberOccurrences,
} from '../../../lib/research/discovery.js';
import { openSeries, type Occurrences } from '../../../lib/research/forward.js';
import { driscollKraayMean, essOverlap, pAdjust } from '../../../lib/stats/index.js';
import type { DiscoveryGates } from '../../../lib/research/gates.js';
import { candidate, M5, randomWalk, T0, type Planted } from './fixture.js';

const GATES: DiscoveryGates = { min_n: 30, min_ess: 20, min_mean_bps: 5, max_q: 0.05, fdr: 'BH' };

const occ = (t: number[], s: number[], y: number[]): Occurrences => ({
  t: Int32Array.from(t), s: Int8Array.from(s), y: Float64Array.from(y), dropped: { outside: 1, missing_open: 0 },
});

describe('pooled statistics on a hand example', () => {
  // two symbols on the same calendar except for an offset of 2 bars; h = 3
  const A: MemberOccurrences = { symbol: 'AAA', offset: 100, occ: occ([0, 10], [1, -1], [0.002, 0.001]), drift: 0.0001 };
  const B: MemberOccurrences = { symbol: 'BBB', offset: 98, occ: occ([2, 30], [1, 1], [0.003, -0.001]), drift: -0.0002 };
  const st = pooledStats('c-pool', [B, A], 3);

  test('excess over all occurrences, each demeaned by its own symbol drift; breakdown by symbol', () => {
    // x: AAA 0.002 - 0.0001 = 0.0019, 0.001 + 0.0001 = 0.0011; BBB 0.003 + 0.0002 = 0.0032, -0.001 + 0.0002 = -0.0008
    expect(st.n).toBe(4);
    expect(st.n_events).toBe(6);
    expect(st.dropped_outside).toBe(2);
    expect(st.excess_bps).toBeCloseTo((19 + 11 + 32 - 8) / 4, 10);
    expect(st.mean_bps).toBeCloseTo((20 + 10 + 30 - 10) / 4, 10);
    expect(st.pooling).toBe('universe');
    expect(st.members).toEqual([
      { symbol: 'AAA', n: 2, mean_bps: expect.closeTo(15, 10), excess_bps: expect.closeTo(15, 10) },
      { symbol: 'BBB', n: 2, mean_bps: expect.closeTo(10, 10), excess_bps: expect.closeTo(12, 10) },
    ]);
  });

  test('calendar times: AAA 100, 110; BBB 100, 128 -> the same bar on two symbols overlaps fully (ESS, m)', () => {
    // merged calendar [100, 100, 110, 128], h = 3: only the pair at 100 overlaps (weight 1): ESS = 16 / (4 + 2) = 8/3
    expect(st.ess).toBeCloseTo(16 / 6, 12);
    expect(st.ess).toBeCloseTo(essOverlap([100, 100, 110, 128], 3), 14);
    expect(st.overlap_m).toBe(1);
    expect(st.df).toBe(1);
  });

  test('HAC t is the Driscoll-Kraay t on the calendar with L = max(h - 1, NW rule on the span)', () => {
    const L = pooledHacLag(3, 128 - 100 + 1);
    expect(L).toBe(Math.max(2, Math.floor(4 * Math.pow(29 / 100, 2 / 9))));
    expect(st.hac_lags).toBe(L);
    const dk = driscollKraayMean([100, 110, 100, 128], [0.0019, 0.0011, 0.0032, -0.0008], L);
    expect(st.hac_t).toBeCloseTo(dk.t, 10);
    expect(Number.isNaN(st.hac_bandwidth_nw94)).toBe(true);
    expect(pooledHacLag(288, 30_000)).toBe(287);
  });

  test('no occurrence at all: n = 0, p = 1, every member listed with n = 0', () => {
    const none = pooledStats('c-none', [{ symbol: 'X', offset: 0, occ: occ([], [], []), drift: 0 }], 3);
    expect(none.n).toBe(0);
    expect(none.p).toBe(1);
    expect(none.members).toEqual([{ symbol: 'X', n: 0, mean_bps: NaN, excess_bps: NaN }]);
  });
});

describe('a rare planted edge: infeasible per symbol, found pooled', () => {
  // 8 symbols, 12 events each (8-hour spaced, aligned across symbols as funding settlements are), each followed by a
  // 60 bp move in the fade direction over h = 12 bars; independent noise per symbol.
  const H = 12;
  const N = 20_000;
  const t = Array.from({ length: 12 }, (_, k) => 500 + k * 1500);
  const dir = t.map((_, k) => (k % 2 ? 1 : -1));
  const members: MemberOccurrences[] = [];
  const perSymbol: CandidateStats[] = [];
  for (let s = 0; s < 8; s++) {
    const planted: Planted[] = t.map((ti, k) => ({ t: ti, sign: -dir[k]!, bps: 60, h: H }));
    const m = randomWalk(N, { seed: 40 + s, noiseBps: 8, planted });
    const open = openSeries(m.ts_ms, m.open);
    const data = { open, events: new Map([['fx', { t: Int32Array.from(t), direction: Int8Array.from(dir) }]]) };
    const c = candidate({
      template_id: 'tpl-x', concept_id: 'x', event: 'fx', event_family: 'f', exchange: 'e', market: 'um', symbol: `S${s}`,
      timeframe: '5m', horizon_bars: H, expected: 'fade',
    });
    perSymbol.push(...evaluateInstrument([c], data));
    const { occ: o, drift } = occurrencesOf(c, data);
    members.push({ symbol: `S${s}`, offset: T0 / M5, occ: o, drift });
  }
  const pooled = pooledStats('c-pooled', members, H);

  test('per symbol: n = 12 fails min_n; pooled: n = 96, ESS counts the 12 shared times once, and the edge passes', () => {
    expect(perSymbol.every((r) => r.n === 12)).toBe(true);
    expect(pooled.n).toBe(96);
    // the 8 occurrences at one bar overlap fully: ESS = 96^2 / (12 * 64) = 12 (distinct times 1500 bars apart)
    expect(pooled.ess).toBeCloseTo(12, 10);
    expect(pooled.excess_bps).toBeGreaterThan(50);
    const res = finalizeDiscovery([...perSymbol, pooled], { ...GATES, min_n: 30, min_ess: 10 });
    expect(res.slice(0, 8).every((r) => r.failed_gates.includes('min_n'))).toBe(true);
    expect(res[8]!.pass).toBe(true);
  });
});

describe('one BH/BY family over per-symbol and pooled candidates', () => {
  const row = (id: string, p: number, pooling: 'symbol' | 'universe'): CandidateStats => ({
    candidate_id: id, n_events: 100, dropped_outside: 0, dropped_missing_open: 0, n: 100, mean_bps: 10, median_bps: 10,
    std_bps: 50, hit_rate: 0.6, drift_bps: 0, excess_bps: 10, hac_t: 3, hac_lags: 4, hac_bandwidth_nw94: NaN, overlap_m: 0,
    ess: 100, df: 99, p, pooling, members: [],
  });
  const p = [0.004, 0.03, 0.02, 0.011, 0.045, 0.008];
  const pooling = ['symbol', 'universe', 'symbol', 'universe', 'symbol', 'symbol'] as const;
  const rows = p.map((x, k) => row(`c-${k}`, x, pooling[k]!));

  for (const fdr of ['BH', 'BY'] as const) {
    test(`${fdr}: q of every row is the adjustment over all six, not within its pooling kind`, () => {
      const res = finalizeDiscovery(rows, { ...GATES, fdr });
      const joint = pAdjust(Float64Array.from(p), fdr);
      res.forEach((r, k) => expect(r.q).toBeCloseTo(joint[k]!, 14));
      // hand computation for BH: sorted p .004 .008 .011 .02 .03 .045, m/i p = .024 .024 .022 .03 .036 .045,
      // cumulative min from the top -> q(.004) = q(.008) = q(.011) = .022
      if (fdr === 'BH') expect(res.map((r) => r.q)).toEqual([0.022, 0.036, 0.03, 0.022, 0.045, 0.022].map((q) => expect.closeTo(q, 14)) as unknown as number[]);
      // adjusting the two pooled rows alone would give the pooled p = .03 a smaller q (BH: .03 * 2 / 2 = .03 < .036)
      const pooledOnly = pAdjust(Float64Array.from([p[1]!, p[3]!]), fdr);
      expect(res[1]!.q).toBeGreaterThan(pooledOnly[0]! + 1e-6);
    });
  }
});
