/**
 * Configurable planted edges (issue 11 item 6): edge_strength_bps sets each edge's size (validated, located errors);
 * the rare edge (negative funding squeeze) and the one-sided edge (down-shock reversal) are off in the default market
 * and, when on, plant exactly their drift after the events an independent detector finds; up shocks get nothing.
 */
import { describe, expect, test } from '@jest/globals';
import { edgeEffectBps, generateSymbol, plantedEdges, resolveSyntheticParams, SYNTHETIC_DEFAULTS } from '../../../lib/ingest/synthetic/index.js';
import type { PlantedEdge, SyntheticParams } from '../../../lib/ingest/synthetic/index.js';
import { SpecError } from '../../../lib/errors.js';
import {
  breakoutEvents, capitulationEvents, downShockEvents, fundingExtremeFirstBars, logReturns, negativeFundingFirstBars, plantedDrift,
} from './detectors.js';

const START = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const ALL_ON = { negative_funding_squeeze: 80, down_shock_reversal: 70 };

describe('edge_strength_bps', () => {
  test('absent: the default market plants its three edges at their documented sizes (and its params have no such key)', () => {
    const p = resolveSyntheticParams({ seed: 3 });
    expect('edge_strength_bps' in p).toBe(false);
    expect(plantedEdges(p).map((e) => [e.id, e.effect_bps])).toEqual([
      ['capitulation_reversal', 60], ['funding_extreme_fade', -50], ['breakout_momentum', 50],
    ]);
  });

  test('sizes are in the edge direction; 0 turns an edge off; the rare and one-sided edges come on when named', () => {
    const p = resolveSyntheticParams({ seed: 3, edge_strength_bps: { funding_extreme_fade: 30, capitulation_reversal: 0, ...ALL_ON } });
    expect(plantedEdges(p).map((e) => [e.id, e.effect_bps, e.direction, e.horizon])).toEqual([
      ['funding_extreme_fade', -30, 'short', '8h'], ['breakout_momentum', 50, 'long', '4h'],
      ['negative_funding_squeeze', 80, 'long', '8h'], ['down_shock_reversal', 70, 'long', '4h'],
    ]);
    expect(edgeEffectBps(p, 'capitulation_reversal')).toBe(0);
  });

  test('bad values: every problem located, field and value named', () => {
    let err: unknown;
    try {
      resolveSyntheticParams({ edge_strength_bps: { down_shock_reversal: -5, nope: 3, breakout_momentum: 'big' } }, 'ingest.synthetic');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).exitCode).toBe(3);
    expect((err as SpecError).issues).toEqual([
      'ingest.synthetic.edge_strength_bps.down_shock_reversal: must be a number of bps in 0..1000 (0 turns the edge off), was -5',
      'ingest.synthetic.edge_strength_bps.nope: unknown edge id (ids: capitulation_reversal, funding_extreme_fade, breakout_momentum, negative_funding_squeeze, down_shock_reversal), was 3',
      'ingest.synthetic.edge_strength_bps.breakout_momentum: must be a number of bps in 0..1000 (0 turns the edge off), was "big"',
    ]);
    expect(() => resolveSyntheticParams({ edge_strength_bps: [1] })).toThrow(/edge_strength_bps: must be an object of edge id -> bps/);
  });
});

describe('the rare and the one-sided edge', () => {
  const p: SyntheticParams = { ...SYNTHETIC_DEFAULTS, seed: 1, n_symbols: 6, start_ms: START, end_ms: START + 60 * DAY, edge_strength_bps: ALL_ON };
  const edge = (id: PlantedEdge['id']) => plantedEdges(p).find((e) => e.id === id)!;

  test('every planted drift is explained by the independent detectors, all five edges on (symbol 5 carries all five)', () => {
    const def = generateSymbol(p, 5);
    const none = generateSymbol({ ...p, planted_edges: 'none' }, 5);
    const n = def.bars.close.length;
    const { drift: expected, add: apply } = plantedDrift(n);
    const shocks = downShockEvents(def.bars);
    const squeeze = negativeFundingFirstBars(def.funding, START, 300_000);
    expect(shocks.length).toBeGreaterThan(10);
    expect(squeeze.length).toBeGreaterThan(0);
    apply(edge('capitulation_reversal'), capitulationEvents(def.bars).map((t) => t + 1));
    apply(edge('breakout_momentum'), breakoutEvents(def.bars).map((t) => t + 1));
    apply(edge('funding_extreme_fade'), fundingExtremeFirstBars(def.funding, START, 300_000));
    apply(edge('negative_funding_squeeze'), squeeze);
    apply(edge('down_shock_reversal'), shocks.map((t) => t + 1));
    const rDef = logReturns(def.bars.close);
    const rNone = logReturns(none.bars.close);
    let worst = 0;
    for (let t = 1; t < n; t++) worst = Math.max(worst, Math.abs(rDef[t]! - rNone[t]! - expected[t]!));
    expect(worst).toBeLessThan(1e-12);
  });

  test('one-sided: up shocks are not followed by the down-shock drift', () => {
    // Same market with only the down-shock edge changed: returns differ exactly on the down-shock windows.
    const off = generateSymbol({ ...p, edge_strength_bps: { ...ALL_ON, down_shock_reversal: 0 } }, 0);
    const on = generateSymbol(p, 0);
    const rOff = logReturns(off.bars.close);
    const rOn = logReturns(on.bars.close);
    const shocks = new Set(downShockEvents(on.bars).map((t) => t + 1));
    let firstDiff = -1;
    for (let t = 1; t < rOn.length && firstDiff < 0; t++) if (Math.abs(rOn[t]! - rOff[t]!) > 1e-15) firstDiff = t;
    expect(shocks.has(firstDiff)).toBe(true); // the first planted bar follows a down shock
    const r = logReturns(on.bars.close);
    expect(r[firstDiff - 1]!).toBeLessThan(0);
  });

  test('rare: under 10 squeeze settlements per symbol in 120 days (seed 1: 0-7)', () => {
    const q = { ...p, end_ms: START + 120 * DAY };
    const counts = Array.from({ length: 6 }, (_, i) => negativeFundingFirstBars(generateSymbol(q, i).funding, START, 300_000).length);
    expect(counts).toEqual([0, 7, 2, 7, 5, 7]);
  });
});
