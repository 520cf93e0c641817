import { describe, expect, test } from '@jest/globals';
import { compareCosts, formatComparison } from '../../lib/costs/compare.js';
import type { CostConfig } from '../../lib/costs/schema.js';

function base(): CostConfig {
  return {
    venues: {
      binance: { spot: { maker_fee_bps: 10, taker_fee_bps: 10 }, um: { maker_fee_bps: 2, taker_fee_bps: 5 } },
    },
    slippage_bps: 1,
    impact: { model: 'sqrt', coefficient: 1, max_participation: 0.1 },
    funding: { enabled: true },
    borrow: { spot_short_bps_per_year: 1000 },
  };
}

function edit(f: (c: CostConfig) => void): CostConfig {
  const c = base();
  f(c);
  return c;
}

describe('compareCosts', () => {
  test('a config is at least as costly as itself, with no differences', () => {
    const same = { atLeastAsCostly: true, cheaper: [], costlier: [], incomparable: [] };
    expect(compareCosts(base(), base())).toEqual(same);
  });

  test('a higher fee in A is costlier and still at least as costly', () => {
    const a = edit((c) => (c.venues.binance!.um!.taker_fee_bps = 6));
    const r = compareCosts(a, base());
    expect(r.atLeastAsCostly).toBe(true);
    expect(r.costlier).toEqual([{ path: 'venues.binance.um.taker_fee_bps', a: 6, b: 5 }]);
  });

  test('a lower fee in A makes it cheaper: not at least as costly', () => {
    const a = edit((c) => (c.venues.binance!.um!.taker_fee_bps = 4));
    const r = compareCosts(a, base());
    expect(r.atLeastAsCostly).toBe(false);
    expect(r.cheaper).toEqual([{ path: 'venues.binance.um.taker_fee_bps', a: 4, b: 5 }]);
  });

  test('costlier in one component and cheaper in another is not at least as costly', () => {
    const a = edit((c) => {
      c.slippage_bps = 2;
      c.borrow.spot_short_bps_per_year = 500;
    });
    const r = compareCosts(a, base());
    expect(r.atLeastAsCostly).toBe(false);
    expect(r.costlier).toEqual([{ path: 'slippage_bps', a: 2, b: 1 }]);
    expect(r.cheaper).toEqual([{ path: 'borrow.spot_short_bps_per_year', a: 500, b: 1000 }]);
  });

  test('a lower max_participation is stricter, so costlier', () => {
    const a = edit((c) => (c.impact.max_participation = 0.05));
    const r = compareCosts(a, base());
    expect(r.atLeastAsCostly).toBe(true);
    expect(r.costlier).toEqual([{ path: 'impact.max_participation', a: 0.05, b: 0.1 }]);
    expect(compareCosts(base(), a).cheaper).toEqual([{ path: 'impact.max_participation', a: 0.1, b: 0.05 }]);
  });

  test('a higher impact coefficient is costlier', () => {
    const a = edit((c) => (c.impact = { model: 'sqrt', coefficient: 1.5, max_participation: 0.1 }));
    expect(compareCosts(a, base()).costlier).toEqual([{ path: 'impact.coefficient', a: 1.5, b: 1 }]);
  });

  test('funding enabled is costlier than disabled', () => {
    const off = edit((c) => (c.funding.enabled = false));
    expect(compareCosts(base(), off)).toMatchObject({ atLeastAsCostly: true, costlier: [{ path: 'funding.enabled' }] });
    expect(compareCosts(off, base())).toMatchObject({
      atLeastAsCostly: false,
      cheaper: [{ path: 'funding.enabled', a: false, b: true }],
    });
  });

  test('a different impact model is incomparable, but the participation cap is still compared', () => {
    const a = edit((c) => (c.impact = { model: 'linear', coefficient_bps: 100, max_participation: 0.2 }));
    const r = compareCosts(a, base());
    expect(r.atLeastAsCostly).toBe(false);
    expect(r.incomparable).toEqual([{ path: 'impact.model', a: 'linear', b: 'sqrt' }]);
    expect(r.cheaper).toEqual([{ path: 'impact.max_participation', a: 0.2, b: 0.1 }]);
  });

  test('a market priced in B but missing in A is incomparable; an extra market in A is ignored', () => {
    const a = edit((c) => delete c.venues.binance!.spot);
    const r = compareCosts(a, base());
    expect(r.atLeastAsCostly).toBe(false);
    expect(r.incomparable).toEqual([
      { path: 'venues.binance.spot.maker_fee_bps', a: null, b: 10 },
      { path: 'venues.binance.spot.taker_fee_bps', a: null, b: 10 },
    ]);
    expect(compareCosts(base(), a)).toEqual({ atLeastAsCostly: true, cheaper: [], costlier: [], incomparable: [] });
  });

  test('a venue missing in A is incomparable', () => {
    const b = edit((c) => (c.venues.okx = { um: { maker_fee_bps: 2, taker_fee_bps: 5 } }));
    expect(compareCosts(base(), b).incomparable.map((x) => x.path)).toEqual([
      'venues.okx.um.maker_fee_bps',
      'venues.okx.um.taker_fee_bps',
    ]);
  });

  test('formatComparison names each differing component with both values', () => {
    const a = edit((c) => {
      c.venues.binance!.um!.taker_fee_bps = 4;
      c.slippage_bps = 2;
    });
    expect(formatComparison(compareCosts(a, base()))).toEqual([
      'A is NOT at least as costly as B (cheaper or incomparable components below)',
      '  cheaper      venues.binance.um.taker_fee_bps: A 4, B 5',
      '  costlier     slippage_bps: A 2, B 1',
    ]);
  });
});
