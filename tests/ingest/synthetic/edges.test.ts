import { describe, expect, test } from '@jest/globals';
import { generateSymbol, plantedEdges, SYNTHETIC_DEFAULTS } from '../../../lib/ingest/synthetic/index.js';
import type { PlantedEdge, SyntheticParams } from '../../../lib/ingest/synthetic/index.js';
import {
  breakoutEvents, capitulationEvents, fundingExtremeFirstBars, logReturns, meanForwardBps,
} from './detectors.js';

const START = Date.UTC(2024, 0, 1);
const TF = 300_000;
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
    expect(edges.map((e) => [e.id, e.horizon_bars, e.effect_bps, e.direction])).toEqual([
      ['capitulation_reversal', 12, 20, 'long'],
      ['funding_extreme_fade', 96, -50, 'short'],
      ['breakout_momentum', 24, 20, 'long'],
    ]);
    expect(edge(P, 'breakout_momentum').symbols).toEqual(['SYN03USDT']);
    expect(JSON.parse(JSON.stringify(edges))).toEqual(edges);
  });

  test('an edge no symbol carries is left out', () => {
    expect(plantedEdges({ ...P, n_symbols: 2 }).map((e) => e.id)).toEqual(['capitulation_reversal', 'funding_extreme_fade']);
  });

  test('the funding edge lasts 8h whatever the timeframe', () => {
    expect(edge({ ...P, timeframe: '1m' }, 'funding_extreme_fade').horizon_bars).toBe(480);
    expect(edge({ ...P, timeframe: '1h' }, 'funding_extreme_fade').horizon_bars).toBe(8);
    expect(edge({ ...P, timeframe: '1d' }, 'funding_extreme_fade').horizon_bars).toBe(1);
  });
});

describe('planted edges in the data', () => {
  test('returns differ from the same seed without edges exactly by the drift of independently detected events', () => {
    // Symbol index 2 carries all three edges. Both runs share every random draw, so the per-bar log-return
    // difference must be the sum of the drifts of the edges whose window (found by our own detectors on the
    // 'default' data) covers the bar, and zero elsewhere: this checks sizes, horizons and causality at once.
    const def = generateSymbol(P, 2);
    const none = generateSymbol(NONE, 2);
    const n = def.bars.close.length;
    const expected = new Float64Array(n);
    const apply = (e: PlantedEdge, firstBars: number[]) => {
      const covered = new Uint8Array(n);
      for (const f of firstBars) for (let j = f; j < Math.min(n, f + e.horizon_bars); j++) covered[j] = 1;
      for (let j = 0; j < n; j++) if (covered[j]) expected[j] = expected[j]! + (e.effect_bps / e.horizon_bars) * 1e-4;
    };
    const cap = capitulationEvents(def.bars);
    const brk = breakoutEvents(def.bars);
    const fund = fundingExtremeFirstBars(def.funding, START, TF);
    expect(cap.length).toBeGreaterThan(10);
    expect(brk.length).toBeGreaterThan(10);
    expect(fund.length).toBeGreaterThan(3);
    apply(edge(P, 'capitulation_reversal'), cap.map((t) => t + 1));
    apply(edge(P, 'breakout_momentum'), brk.map((t) => t + 1));
    apply(edge(P, 'funding_extreme_fade'), fund);
    const rDef = logReturns(def.bars.close);
    const rNone = logReturns(none.bars.close);
    let worst = Math.abs(Math.log(def.bars.close[0]! / none.bars.close[0]!) - expected[0]!);
    for (let t = 1; t < n; t++) worst = Math.max(worst, Math.abs(rDef[t]! - rNone[t]! - expected[t]!));
    expect(worst).toBeLessThan(1e-12);
  });

  test('edge #1 is detectable: mean 12-bar forward return after capitulation events is higher with edges', () => {
    // Independent detector on each dataset; the planted effect is +20 bps over 12 bars, so the difference of
    // the two means should be near 20 (both datasets share their noise).
    const diffs: number[] = [];
    for (let i = 0; i < P.n_symbols; i++) {
      const def = generateSymbol(P, i).bars;
      const none = generateSymbol(NONE, i).bars;
      const a = meanForwardBps(def.close, capitulationEvents(def), 12);
      const b = meanForwardBps(none.close, capitulationEvents(none), 12);
      expect(a.n).toBeGreaterThan(20);
      diffs.push(a.mean - b.mean);
    }
    for (const d of diffs) expect(d).toBeGreaterThan(10);
    expect(diffs.reduce((s, d) => s + d, 0) / diffs.length).toBeGreaterThan(15);
  });
});
