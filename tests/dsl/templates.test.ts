import { describe, expect, test } from '@jest/globals';
import {
  DEFAULT_POLICIES, blueprintFromCandidate, blueprintId, defaultPolicy, meanReversionBlueprint, momentumBlueprint,
  pairsBlueprint, runBlueprint, templateGrid, validateBlueprint,
} from '../../lib/dsl/index.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBlueprintSpec } from '../../lib/stages/blueprint/spec.js';
import type { SpecError } from '../../lib/errors.js';
import { BTC, DIGEST, ETH, PLAN, costs, issuesOf, randomBars, slice1 } from './helpers.js';

const common = { cost_digest: DIGEST, plan_hash: PLAN };
const none = { knownFeatures: new Set<string>(), knownEvents: new Set<string>() };

describe('templates', () => {
  test('each template gives a valid blueprint with 5m defaults and a stable content id', () => {
    const mr = meanReversionBlueprint({ instrument: BTC, ...common });
    const mo = momentumBlueprint({ instrument: BTC, ...common });
    const pa = pairsBlueprint({ instruments: [BTC, ETH], ...common });
    for (const bp of [mr, mo, pa]) {
      expect(validateBlueprint(JSON.parse(JSON.stringify(bp)), { source: bp.name, ...none })).toEqual(bp);
      expect(blueprintId(bp)).toBe(bp.id);
      expect(bp.timeframe).toBe('5m');
      expect(bp.provenance.source).toBe('template');
    }
    // same parameters, same id; the default written out explicitly is the same blueprint
    expect(meanReversionBlueprint({ instrument: BTC, ...common, window_bars: 288 }).id).toBe(mr.id);
    expect(meanReversionBlueprint({ instrument: BTC, ...common, window_bars: 96 }).id).not.toBe(mr.id);
    // regression pins: a change here changes every stored blueprint id (rerun the blueprint stage)
    expect([mr.id, mo.id, pa.id]).toEqual(['bp-0274de3fc2392a6b', 'bp-283d93399b420876', 'bp-a68603ef3884928c']);
    expect(mr.provenance.params).toEqual({ window_bars: 288, entry_z: 2, exit_z: 0.5, horizon_bars: 48, stop_loss_bps: 300 });
    expect(mo.strategy).toMatchObject({ indicators: [{ name: 'sma_close_48', window: 48 }, { name: 'sma_close_288', window: 288 }] });
  });

  test('templates refuse inconsistent parameters', () => {
    expect(issuesOf(() => momentumBlueprint({ instrument: BTC, ...common, fast_bars: 300 }))[0]).toContain('fast_bars must be below slow_bars (288), was 300');
    expect(issuesOf(() => meanReversionBlueprint({ instrument: BTC, ...common, exit_z: 2 }))[0]).toContain('exit_z must be in [0, entry_z = 2), was 2');
    expect(issuesOf(() => pairsBlueprint({ instruments: [BTC, ETH], ...common, stop_z: 1 }))[0]).toContain('strategy.stop_z: must be above entry_z (2), was 1');
  });

  test('templateGrid expands the product of the grid in sorted-key order; problems are listed together', () => {
    const bps = templateGrid({ template: 'momentum', base: { instrument: BTC, ...common }, grid: { slow_bars: [288, 576], fast_bars: [24, 48] } });
    expect(bps.map((b) => b.provenance.params)).toEqual([
      expect.objectContaining({ fast_bars: 24, slow_bars: 288 }), expect.objectContaining({ fast_bars: 24, slow_bars: 576 }),
      expect.objectContaining({ fast_bars: 48, slow_bars: 288 }), expect.objectContaining({ fast_bars: 48, slow_bars: 576 }),
    ]);
    expect(new Set(bps.map((b) => b.id)).size).toBe(4);
    const issues = issuesOf(() => templateGrid({
      template: 'momentum', base: { instrument: BTC, ...common }, grid: { fast_bars: [48, 300], slow_bars: [288, 288] } as never,
    }));
    expect(issues).toEqual(['grid.slow_bars: repeats a value (288, 288): the blueprints would be identical']);
    const issues2 = issuesOf(() => templateGrid({
      template: 'momentum', base: { instrument: BTC, ...common }, grid: { fast_bars: [48, 300, 400], window: [1] } as never,
    }));
    expect(issues2).toEqual([expect.stringContaining('grid.window: unknown parameter of momentum')]);
    const issues3 = issuesOf(() => templateGrid({ template: 'momentum', base: { instrument: BTC, ...common }, grid: { fast_bars: [48, 300, 400] } }));
    expect(issues3).toHaveLength(2);
    expect(issues3[0]).toContain('fast_bars must be below slow_bars (288), was 300');
  });

  test('momentum trades both sides on a random walk; mean reversion buys below -entry_z', () => {
    const data = slice1(randomBars(3000, 11));
    const mo = momentumBlueprint({ instrument: BTC, ...common, fast_bars: 12, slow_bars: 48, horizon_bars: 96 });
    const r = runBlueprint(mo, data, costs(), { initialCash: 1e6 }).result;
    const sides = new Set(r.trades.map((t) => t.side));
    expect(sides).toEqual(new Set([1, -1]));
    const mr = meanReversionBlueprint({ instrument: BTC, ...common, window_bars: 96 });
    const r2 = runBlueprint(mr, data, costs(), { initialCash: 1e6 }).result;
    expect(r2.trades.length).toBeGreaterThan(3);
    // every long entry followed a close whose log-price z over 96 bars was below -2
    const close = data.bars[0]!.close;
    for (const t of r2.trades.filter((x) => x.side === 1)) {
      const s = t.entryBar - 1;
      const w = Array.from({ length: 96 }, (_, k) => Math.log(close[s - 95 + k]!));
      const m = w.reduce((a, b) => a + b, 0) / 96;
      const sd = Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / 96);
      expect((Math.log(close[s]!) - m) / sd).toBeLessThan(-2);
    }
  });
});

describe('template lengths are durations', () => {
  test('the defaults mean the same time at every timeframe: 1d window = 288 bars at 5m, 24 at 1h, 6 at 4h', () => {
    const at = (timeframe: '5m' | '1h' | '4h') => ({
      mr: meanReversionBlueprint({ instrument: BTC, ...common, timeframe }).provenance.params,
      mo: momentumBlueprint({ instrument: BTC, ...common, timeframe }).provenance.params,
      pa: pairsBlueprint({ instruments: [BTC, ETH], ...common, timeframe }).provenance.params,
    });
    expect(at('1h')).toEqual({
      mr: { window_bars: 24, entry_z: 2, exit_z: 0.5, horizon_bars: 4, stop_loss_bps: 300 },
      mo: { fast_bars: 4, slow_bars: 24, horizon_bars: 48, stop_loss_bps: 300 },
      pa: { hedge_window_bars: 168, z_window_bars: 24, entry_z: 2, exit_z: 0.5, max_hold_bars: 48, stop_z: 4 },
    });
    expect(at('4h').mo).toEqual({ fast_bars: 1, slow_bars: 6, horizon_bars: 12, stop_loss_bps: 300 });
    // 5m: the old bar defaults exactly (ids pinned above are unchanged)
    expect(at('5m').pa).toEqual({ hedge_window_bars: 2016, z_window_bars: 288, entry_z: 2, exit_z: 0.5, max_hold_bars: 576, stop_z: 4 });
    // a duration and the same length in bars are the same blueprint
    expect(meanReversionBlueprint({ instrument: BTC, ...common, timeframe: '1h', window: '2d' }).id)
      .toBe(meanReversionBlueprint({ instrument: BTC, ...common, timeframe: '1h', window_bars: 48 }).id);
  });

  test('a duration that is not whole bars, or a duration and its bars both given, is refused', () => {
    expect(issuesOf(() => momentumBlueprint({ instrument: BTC, ...common, timeframe: '4h', fast: '1h' }))).toEqual([
      'template momentum fast: 1h is not a whole number of 4h bars (0.25 bars)',
    ]);
    expect(issuesOf(() => meanReversionBlueprint({ instrument: BTC, ...common, window: '1d', window_bars: 288 }))).toEqual([
      'template mean_reversion: give window (a duration) or window_bars, not both (window "1d", window_bars 288)',
    ]);
  });

  test('spec/blueprints.yaml: a grid duration that is not whole bars is a SpecError at its line:col', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quantlab-bp-spec-'));
    try {
      const file = join(dir, 'blueprints.yaml');
      await writeFile(file, 'templates:\n  - template: momentum\n    grid: { slow: [1d, 6h] }\n');
      expect((await loadBlueprintSpec(file, '1h')).templates[0]!.grid).toEqual({ slow: ['1d', '6h'] });
      const issues = await loadBlueprintSpec(file, '4h').then(() => [], (e: SpecError) => [...e.issues]);
      expect(issues).toEqual([`${file}:3:24 templates[0].grid.slow[1]: 6h is not a whole number of 4h bars (1.5 bars)`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('templateGrid takes durations for lengths (slow: [1d, 3d]) and numbers for the rest', () => {
    const bps = templateGrid({ template: 'momentum', base: { instrument: BTC, ...common, timeframe: '1h' }, grid: { slow: ['1d', '3d'] } });
    expect(bps.map((b) => b.provenance.params?.slow_bars)).toEqual([24, 72]);
    expect(issuesOf(() => templateGrid({ template: 'momentum', base: { instrument: BTC, ...common }, grid: { slow: [288] } as never }))).toEqual([
      'grid.slow: must be a non-empty list of durations, was [288]',
    ]);
  });
});

describe('default policies and bridge survivors', () => {
  test('every family policy has a stop and a reason; unknown families get the fallback', () => {
    for (const [family, p] of Object.entries(DEFAULT_POLICIES)) {
      expect(p.exit.stop_loss_bps).toBeGreaterThan(0);
      expect(p.reason.length).toBeGreaterThan(20);
      expect(defaultPolicy(family)).toMatchObject({ family, fallback: false });
    }
    expect(DEFAULT_POLICIES.capitulation!.exit.stop_loss_bps).toBeLessThan(DEFAULT_POLICIES.funding_extreme!.exit.stop_loss_bps!);
    expect(defaultPolicy('martian_flows')).toMatchObject({ family: 'martian_flows', fallback: true, exit: { stop_loss_bps: 300 } });
  });

  test('blueprintFromCandidate: event entry in the expected direction, the candidate horizon, the family stops', () => {
    const c = {
      candidate_id: 'c-0123456789abcdef', template_id: 'tpl-0123456789ab', event: 'capitulation_vz4', event_family: 'capitulation',
      expected: 'fade' as const, exchange: 'binance', market: 'um', symbol: 'BTCUSDT', timeframe: '5m', horizon_bars: 12,
    };
    const bp = blueprintFromCandidate(c, { ...common, discovery: { n: 40, mean_bps: 21, q: 0.01 }, bridge: { net_bps: 8, ci_low_bps: 1, ci_high_bps: 15 } });
    expect(bp.strategy).toEqual({
      type: 'rule', entries: [{ event: 'capitulation_vz4', side: 'fade' }],
      exit: { horizon_bars: 12, stop_loss_bps: 150, take_profit_bps: 300 },
    });
    expect(bp.sizing).toEqual({ method: 'fixed_notional', notional_usd: 10_000 });
    expect(bp.provenance).toMatchObject({ source: 'bridge', candidate_id: c.candidate_id, template_id: c.template_id, plan_hash: PLAN });
    expect(bp.name).toBe('fade capitulation_vz4 BTCUSDT h=12');
    const sized = blueprintFromCandidate(c, { ...common, sizing: { method: 'risk_budget', risk_bps: 50 } });
    expect(sized.id).not.toBe(bp.id);
    expect(blueprintFromCandidate({ ...c, candidate_id: 'c-fedcba9876543210' }, common).id).toBe(bp.id); // same trade, same id
  });
});
