import { describe, expect, test } from '@jest/globals';
import { compareCosts } from '../../lib/costs/compare.js';
import { costDigest, loadCosts, resolveCosts } from '../../lib/costs/digest.js';
import { scaleCosts } from '../../lib/costs/derive.js';
import { mmCostsFor } from '../../lib/mm/run.js';

const raw = (rebate?: number) => ({
  venues: { binance: { um: { maker_fee_bps: 2, taker_fee_bps: 5, ...(rebate === undefined ? {} : { maker_rebate_bps: rebate }) } } },
  slippage_bps: 1, impact: { model: 'sqrt', coefficient: 1, max_participation: 0.1 }, funding: { enabled: true }, borrow: { spot_short_bps_per_year: 1000 },
});

describe('optional maker rebate in the cost schema', () => {
  test('absent by default: the default costs file resolves without it (its digest is unchanged)', async () => {
    const { config, digest } = await loadCosts('spec/costs.yaml');
    expect('maker_rebate_bps' in config.venues.binance!.um!).toBe(false);
    expect(digest).toBe(costDigest(resolveCosts(JSON.parse(JSON.stringify(config)))));
  });
  test('validated: >= 0 and <= 10 bps', () => {
    expect(resolveCosts(raw(3)).venues.binance!.um!.maker_rebate_bps).toBe(3);
    expect(() => resolveCosts(raw(-1))).toThrow(/maker_rebate_bps/);
    expect(() => resolveCosts(raw(11))).toThrow(/maker_rebate_bps/);
  });
  test('a higher rebate is cheaper; no new component when neither sets one', () => {
    const c = compareCosts(resolveCosts(raw(1)), resolveCosts(raw()));
    expect(c.cheaper).toEqual([{ path: 'venues.binance.um.maker_rebate_bps', a: 1, b: 0 }]);
    expect(compareCosts(resolveCosts(raw()), resolveCosts(raw())).cheaper).toEqual([]);
    expect(scaleCosts(resolveCosts(raw(1)), 2).venues.binance!.um).toEqual({ maker_fee_bps: 4, taker_fee_bps: 10, maker_rebate_bps: 1 });
  });
  test('market making pays the net maker cost (fee - rebate, negative = paid)', () => {
    const k = { exchange: 'binance', market: 'um' as const, symbol: 'BTCUSDT' };
    expect(mmCostsFor(resolveCosts(raw()), k, 'costs.yaml').maker_fee_bps).toBe(2);
    expect(mmCostsFor(resolveCosts(raw(3)), k, 'costs.yaml').maker_fee_bps).toBe(-1);
  });
});
