import { describe, expect, test } from '@jest/globals';
import { edgeHorizonBars, generateSymbol, plantedEdges, SYNTHETIC_DEFAULTS } from '../../../lib/ingest/synthetic/index.js';
import { timeframeMs, type Timeframe } from '../../../lib/timeframe.js';
import type { PlantedEdge, SyntheticParams } from '../../../lib/ingest/synthetic/index.js';
import {
  breakoutEvents, capitulationEvents, fundingExtremeFirstBars, logReturns, meanForwardBps, plantedDrift,
} from './detectors.js';

const START = Date.UTC(2024, 0, 1);
/** 60 days of 5m bars (17,280 per symbol). */
const P: SyntheticParams = { ...SYNTHETIC_DEFAULTS, seed: 11, n_symbols: 3, start_ms: START, end_ms: START + 60 * 86_400_000 };
const NONE: SyntheticParams = { ...P, planted_edges: 'none' };

function edge(p: SyntheticParams, id: PlantedEdge['id']): PlantedEdge {
  const e = plantedEdges(p).find((x) => x.id === id);
  if (!e) throw new Error(`edge ${id} not planted`);
  return e;
}

describe('plantedEdges', () => {
  test("'none' plants nothing; 'default' documents three edges with sizes and horizons", () => {
    expect(plantedEdges(NONE)).toEqual([]);
    const edges = plantedEdges(P);
    // Horizons are durations inside the study's horizons (spec/concepts/default.yaml: 4h, 8h, 12h, 1d, ...).
    expect(edges.map((e) => [e.id, e.horizon, e.horizon_bars, e.effect_bps, e.drift_bps_per_bar, e.direction])).toEqual([
      ['capitulation_reversal', '4h', 48, 60, 1.25, 'long'],
      ['funding_extreme_fade', '8h', 96, -50, -50 / 96, 'short'],
      ['breakout_momentum', '4h', 48, 50, 50 / 48, 'long'],
    ]);
    expect(edge(P, 'breakout_momentum').symbols).toEqual(['SYN03USDT']);
    expect(JSON.parse(JSON.stringify(edges))).toEqual(edges);
  });

  test('an edge no symbol carries is left out', () => {
    expect(plantedEdges({ ...P, n_symbols: 2 }).map((e) => e.id)).toEqual(['capitulation_reversal', 'funding_extreme_fade']);
  });

  test('every edge lasts its duration whatever the timeframe (at least one bar)', () => {
    const bars = (tf: Timeframe) => plantedEdges({ ...P, timeframe: tf }).map((e) => [e.horizon, e.horizon_bars]);
    expect(bars('1m')).toEqual([['4h', 240], ['8h', 480], ['4h', 240]]);
    expect(bars('15m')).toEqual([['4h', 16], ['8h', 32], ['4h', 16]]);
    expect(bars('1h')).toEqual([['4h', 4], ['8h', 8], ['4h', 4]]);
    expect(bars('4h')).toEqual([['4h', 1], ['8h', 2], ['4h', 1]]);
    // Coarser than the horizon, or not dividing it: the nearest whole number of bars, at least 1.
    expect(bars('6h')).toEqual([['4h', 1], ['8h', 1], ['4h', 1]]);
    expect(bars('1d')).toEqual([['4h', 1], ['8h', 1], ['4h', 1]]);
    expect(edgeHorizonBars('12h', '5m')).toBe(144);
    expect(() => edgeHorizonBars('4 hours', '5m')).toThrow(/planted edge horizon: not a duration/);
  });
});

describe('planted edges in the data', () => {
  test.each([
    ['5m', 60],
    ['1h', 240],
  ] as const)('%s: returns differ from the same seed without edges exactly by the drift of independently detected events', (tf, days) => {
    // Symbol index 2 carries all three edges. Both runs share every random draw, so the per-bar log-return
    // difference must be the sum of the drifts of the edges whose window (found by our own detectors on the
    // 'default' data) covers the bar, and zero elsewhere: this checks sizes, horizons and causality at once.
    // At 1h the horizons are 4 and 8 bars (durations), not the 5m bar counts.
    const p: SyntheticParams = { ...P, timeframe: tf, end_ms: START + days * 86_400_000 };
    const TF = timeframeMs(tf);
    const def = generateSymbol(p, 2);
    const none = generateSymbol({ ...p, planted_edges: 'none' }, 2);
    const n = def.bars.close.length;
    const { drift: expected, add: apply } = plantedDrift(n);
    const cap = capitulationEvents(def.bars);
    const brk = breakoutEvents(def.bars);
    const fund = fundingExtremeFirstBars(def.funding, START, TF);
    expect(cap.length).toBeGreaterThan(10);
    expect(brk.length).toBeGreaterThan(10);
    expect(fund.length).toBeGreaterThan(3);
    expect(edge(p, 'capitulation_reversal').horizon_bars).toBe((4 * 3_600_000) / TF);
    apply(edge(p, 'capitulation_reversal'), cap.map((t) => t + 1));
    apply(edge(p, 'breakout_momentum'), brk.map((t) => t + 1));
    apply(edge(p, 'funding_extreme_fade'), fund);
    const rDef = logReturns(def.bars.close);
    const rNone = logReturns(none.bars.close);
    let worst = Math.abs(Math.log(def.bars.close[0]! / none.bars.close[0]!) - expected[0]!);
    for (let t = 1; t < n; t++) worst = Math.max(worst, Math.abs(rDef[t]! - rNone[t]! - expected[t]!));
    expect(worst).toBeLessThan(1e-12);
  });

  test('edge #1 is detectable: mean 4h (48-bar) forward return after capitulation events is higher with edges', () => {
    // Independent detector on each dataset; the planted effect is +60 bps over 4h, so the difference of
    // the two means should be near 60 (both datasets share their noise).
    const diffs: number[] = [];
    for (let i = 0; i < P.n_symbols; i++) {
      const def = generateSymbol(P, i).bars;
      const none = generateSymbol(NONE, i).bars;
      const a = meanForwardBps(def.close, capitulationEvents(def), 48);
      const b = meanForwardBps(none.close, capitulationEvents(none), 48);
      expect(a.n).toBeGreaterThan(20);
      diffs.push(a.mean - b.mean);
    }
    for (const d of diffs) expect(d).toBeGreaterThan(40);
    expect(diffs.reduce((s, d) => s + d, 0) / diffs.length).toBeGreaterThan(50);
  });
});
