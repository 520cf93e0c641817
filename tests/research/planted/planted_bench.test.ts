/**
 * The planted-edge benchmark's arithmetic (issue 11 item 6): the --strength flag (located errors) and the figures
 * over seeds (recall per edge, FDP per family, null-market passes; pooled recovery per seed). Pure: the
 * per-seed reports are written here, no pipeline runs (npm run bench:planted does those).
 */
import { describe, expect, test } from '@jest/globals';
import { benchFigures, benchMarkdown, benchStrengths, parseStrengths } from '../../../lib/research/planted_bench.js';
import { familyTruths, plantedSum, targetsEdge, type PlantedSeedReport, type SurvivorTruth } from '../../../lib/research/planted.js';
import { openSeries } from '../../../lib/research/forward.js';
import { SpecError } from '../../../lib/errors.js';

describe('--strength', () => {
  test('every edge on at its documented size unless named; 0 turns one off', () => {
    expect(benchStrengths()).toEqual({
      capitulation_reversal: 60, funding_extreme_fade: 50, breakout_momentum: 50, negative_funding_squeeze: 80, down_shock_reversal: 70,
    });
    expect(parseStrengths('capitulation_reversal=40, down_shock_reversal=0')).toMatchObject({ capitulation_reversal: 40, down_shock_reversal: 0, breakout_momentum: 50 });
  });

  test('every bad item at once, with its position', () => {
    let err: unknown;
    try {
      parseStrengths('capitulation_reversal=x,foo=3,down_shock_reversal=-1,breakout');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues).toEqual([
      '--strength item 1 ("capitulation_reversal=x"): size must be a number of bps in 0..1000 (0 turns the edge off), was "x"',
      '--strength item 2 ("foo=3"): unknown edge "foo". Available: capitulation_reversal, funding_extreme_fade, breakout_momentum, negative_funding_squeeze, down_shock_reversal',
      '--strength item 3 ("down_shock_reversal=-1"): size must be a number of bps in 0..1000 (0 turns the edge off), was "-1"',
      '--strength item 4 ("breakout"): expected edge=bps, e.g. capitulation_reversal=40',
    ]);
  });
});

const truth = (family: string, event: string, symbol: string, isTrue: boolean, bridge: boolean): SurvivorTruth => ({
  candidate_id: `${event}-${symbol}`, event_family: family, event, symbol, horizon_bars: 48, expected: 'fade', planted_bps: isTrue ? 40 : 0,
  planted_excess_bps: isTrue ? 40 : 0, true_edge: isTrue, targets_planted_edge: family !== 'volume_spike', bridge_pass: bridge,
});

describe('figures over seeds', () => {
  test('the funding edges are told apart by event side; the down-shock edge by its (two-sided) family', () => {
    expect(targetsEdge('negative_funding_squeeze', { event_family: 'funding_extreme', event: 'funding_extreme_neg_5bp' })).toBe(true);
    expect(targetsEdge('negative_funding_squeeze', { event_family: 'funding_extreme', event: 'funding_extreme_pos_5bp' })).toBe(false);
    expect(targetsEdge('funding_extreme_fade', { event_family: 'funding_extreme', event: 'funding_extreme_pos_10bp' })).toBe(true);
    expect(targetsEdge('down_shock_reversal', { event_family: 'vol_shock', event: 'vol_shock_z4' })).toBe(true);
  });

  test('recall per edge, FDP per family, null passes per seed', () => {
    const s1 = [truth('capitulation', 'capitulation_vz4', 'A', true, true), truth('capitulation', 'capitulation_vz4', 'B', false, false),
      truth('volume_spike', 'volume_spike_z4', 'A', false, false), truth('volume_spike', 'volume_spike_z4', 'B', true, false)];
    // a true pooled survivor of the squeeze on seed 2 (members A, B): counted in the pooled column, not per symbol
    const pooledSqueeze: SurvivorTruth = { ...truth('funding_extreme', 'funding_extreme_neg_5bp', '*', true, false), members: ['A', 'B'] };
    const seed = (n: number, survivors: SurvivorTruth[], recovered: Record<string, { planted: number; discovery: number; bridge: number }>, nul: number,
      pooled: Record<string, { discovery: boolean; bridge: boolean }> = {}): PlantedSeedReport => ({
      seed: n, n_symbols: 2, days: 120, survivors, seconds: 1,
      planted: [{ id: 'capitulation_reversal', effect_bps: 60, horizon: '4h', symbols: 2 }, { id: 'negative_funding_squeeze', effect_bps: 80, horizon: '8h', symbols: 2 }],
      with_edges: {
        candidates: 10, discovery_survivors: survivors.length, discovery_true: survivors.filter((t) => t.true_edge).length, discovery_fdp: 0,
        bridge_survivors: 0, bridge_true: 0, bridge_fdp: 0, planted_pairs: 4, recovered_discovery: 0, recovered_bridge: 0,
        recovered_by_edge: recovered, pooled_by_edge: pooled, pooled_candidates: 1, by_family: familyTruths(survivors),
      },
      without_edges: { candidates: 10, discovery: nul, bridge: 0, by_family: nul ? { capitulation: { discovery: nul, bridge: 0 } } : {} },
    });
    const f = benchFigures([
      seed(1, s1, { capitulation_reversal: { planted: 2, discovery: 1, bridge: 1 }, negative_funding_squeeze: { planted: 2, discovery: 0, bridge: 0 } }, 0),
      seed(2, [pooledSqueeze], { capitulation_reversal: { planted: 2, discovery: 2, bridge: 1 }, negative_funding_squeeze: { planted: 2, discovery: 1, bridge: 0 } }, 2,
        { negative_funding_squeeze: { discovery: true, bridge: false } }),
    ], { symbols: 2, days: 120, strengths: benchStrengths() });
    expect(f.edges).toEqual([
      { id: 'capitulation_reversal', effect_bps: 60, planted_pairs: 4, per_symbol: { recovered_discovery: 3, recovered_bridge: 2, recall_discovery: 0.75, recall_bridge: 0.5 }, pooled_seeds_recovered: 0, seeds_recovered: 2, seeds_planted: 2 },
      { id: 'negative_funding_squeeze', effect_bps: 80, planted_pairs: 4, per_symbol: { recovered_discovery: 1, recovered_bridge: 0, recall_discovery: 0.25, recall_bridge: 0 }, pooled_seeds_recovered: 1, seeds_recovered: 1, seeds_planted: 2 },
    ]);
    expect(f.families).toEqual([
      { family: 'capitulation', discovery_survivors: 2, discovery_true: 1, discovery_fdp: 0.5, bridge_survivors: 1, bridge_true: 1, bridge_fdp: 0, null_discovery: 2, null_bridge: 0, discovery_off_target: 0 },
      { family: 'funding_extreme', discovery_survivors: 1, discovery_true: 1, discovery_fdp: 0, bridge_survivors: 0, bridge_true: 0, bridge_fdp: 0, null_discovery: 0, null_bridge: 0, discovery_off_target: 0 },
      { family: 'volume_spike', discovery_survivors: 2, discovery_true: 1, discovery_fdp: 0.5, bridge_survivors: 0, bridge_true: 0, bridge_fdp: 0, null_discovery: 0, null_bridge: 0, discovery_off_target: 2 },
    ]);
    expect(f.total).toMatchObject({ discovery_survivors: 5, discovery_true: 3, discovery_off_target: 2 });
    expect(f.total.discovery_fdp).toBeCloseTo(2 / 5, 12);
    // strict rule: the true volume_spike survivor targets no planted edge, so it counts false too
    expect(f.total.discovery_fdp_strict).toBeCloseTo(3 / 5, 12);
    expect(f.null_markets).toEqual({ seeds: 2, seed_list: [1, 2], seeds_with_no_discovery_pass: 1, seeds_with_no_bridge_pass: 2, candidates: 20, discovery: 2, bridge: 0 });
    const md = benchMarkdown(f);
    expect(md).toContain('| capitulation_reversal | 60 | 4 | 3 (75%) | 2 (50%) | 2/2 | 0/2 |');
    expect(md).toContain('| negative_funding_squeeze | 80 | 4 | 1 (25%) | 0 (0%) | 1/2 | 1/2 |');
    expect(f.pooled).toEqual({ candidates: 2, survivors: 1, true_survivors: 1 });
    expect(md).toContain('Pooled: 2 pooled candidates tested, 1 pass discovery (1 true).');
    expect(md).toContain('| capitulation | 2 | 1 | 50% | 0 | 1 | 1 | 0% | 2 | 0 |');
    expect(md).toContain('| volume_spike | 2 | 1 | 50% | 2 | 0 | 0 | 0% | 0 | 0 |');
    expect(md).toContain('strict rule): discovery FDP 60% over all families');
    expect(md).toContain('Null markets (seeds 1, 2): no discovery pass on 1 of 2 seeds');
  });
});

describe('null-only seeds (--null-seeds)', () => {
  test('their passes join the null-market figures and the family counts; recall and FDP are the planted seeds\' only', () => {
    const f = benchFigures([], { symbols: 2, days: 120, strengths: benchStrengths() }, [
      { seed: 6, seconds: 1, without_edges: { candidates: 30, discovery: 0, bridge: 0, by_family: {} } },
      { seed: 7, seconds: 1, without_edges: { candidates: 31, discovery: 1, bridge: 0, by_family: { breakout: { discovery: 1, bridge: 0 } } } },
    ]);
    expect(f.null_markets).toEqual({ seeds: 2, seed_list: [6, 7], seeds_with_no_discovery_pass: 1, seeds_with_no_bridge_pass: 2, candidates: 61, discovery: 1, bridge: 0 });
    expect(f.families.find((x) => x.family === 'breakout')).toMatchObject({ discovery_survivors: 0, null_discovery: 1 });
    expect(f.edges).toEqual([]);
  });
});

describe('truth of a survivor: planted EXCESS drift, as discovery measures it', () => {
  // 400 bars; the market with edges has a planted up-drift of 1 bp on every bar (another edge's, everywhere) and, after
  // the event at bar 100, a fade edge of -30 bp over the next 10 bars (-3 bp per bar on top of the +1).
  const n = 400;
  const ts = Float64Array.from({ length: n }, (_, i) => i * 300_000);
  const openB = Float64Array.from({ length: n }, (_, i) => 100 * Math.exp(0.001 * Math.sin(i)));
  const drift = Float64Array.from({ length: n }, (_, i) => (i >= 101 && i < 111 ? -2e-4 : 1e-4)); // per bar j -> j+1
  const openA = new Float64Array(n);
  openA[0] = openB[0]!;
  for (let i = 1; i < n; i++) openA[i] = openA[i - 1]! * (openB[i]! / openB[i - 1]!) * Math.exp(drift[i - 1]!);
  const ev = { t: Int32Array.from([100]), direction: Int8Array.from([1]) };
  const cand = (h: number) => ({ candidate_id: 'c', event: 'e', expected: 'fade', horizon_bars: h }) as Parameters<typeof plantedSum>[0];

  test('a short over 30 bars earns the 30 bp fade (net of the up-drift in those 10 bars) and loses 20 bp of up-drift after it: raw 0 bp, excess about +30 bp', () => {
    const d = plantedSum(cand(30), ev, openSeries(ts, openA), openSeries(ts, openB));
    expect(d.n).toBe(1);
    const raw = -(10 * -2e-4 + 20 * 1e-4);
    expect(d.sum).toBeCloseTo(raw, 12);
    // unconditional planted drift over 30 bars: mean over every window (j+1 .. j+31) of the planted sum
    let s = 0;
    let c = 0;
    for (let j = 0; j + 1 + 30 < n; j++) {
      let w = 0;
      for (let k = j + 1; k < j + 1 + 30; k++) w += drift[k]!;
      s += w;
      c++;
    }
    expect(d.sumExcess).toBeCloseTo(raw - -1 * (s / c), 12);
    // the raw rule (>= 5 bp) would call this survivor false; its excess (what discovery tests) is about +30 bp
    expect(d.sum * 1e4).toBeLessThan(5);
    expect(d.sumExcess * 1e4).toBeGreaterThan(25);
  });
});
