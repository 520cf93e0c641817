import { pairsSeries } from '../../lib/dsl/pairs_math.js';
import { describe, expect, test } from '@jest/globals';
import { ccxtSymbol, checkStrategy, labBlueprint, lakeSymbol, parseParamsText, resolveStrategyParams } from '../../lib/lab/strategy.js';
import { meanReversionBlueprint, momentumBlueprint } from '../../lib/dsl/index.js';
import { UsageError } from '../../lib/errors.js';

const BTC = { exchange: 'binance', market: 'um' as const, symbol: 'BTCUSDT' };
const DIGEST = 'a'.repeat(64);

function usage(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('lab strategies are DSL templates', () => {
  test('unknown strategy: did you mean', () => {
    const e = usage(() => checkStrategy('momentun'));
    expect(e.message).toBe('unknown strategy "momentun"');
    expect(e.hint).toBe('did you mean --strategy momentum? strategies: mean_reversion, momentum, pairs_trading');
  });

  test('params as k=v or JSON; bare numbers for lengths are bars; aliases', () => {
    expect(parseParamsText('window=20,threshold=1.5')).toEqual({ window: 20, threshold: 1.5 });
    expect(parseParamsText('{"fast":10,"slow":30}')).toEqual({ fast: 10, slow: 30 });
    expect(resolveStrategyParams('mean_reversion', { window: 20, threshold: 1.5 }).template).toEqual({ window_bars: 20, entry_z: 1.5 });
    expect(resolveStrategyParams('momentum', { fast: 10, slow: '1d' }).template).toEqual({ fast_bars: 10, slow: '1d' });
  });

  test('unknown parameter: did you mean; pairs needs a partner', () => {
    const e = usage(() => resolveStrategyParams('momentum', { fats: 10 }));
    expect(e.message).toBe('--params fats: unknown parameter of momentum');
    expect(e.hint).toMatch(/^did you mean fast\? parameters: fast, slow, horizon, stop_loss_bps/);
    expect(usage(() => resolveStrategyParams('pairs_trading', {})).message).toBe('pairs_trading needs a partner (leg B)');
    expect(resolveStrategyParams('pairs_trading', { partner: 'ETH-USDT', entry_z: 1.5 })).toEqual({ template: { entry_z: 1.5 }, partner: 'ETH-USDT' });
    expect(usage(() => parseParamsText('fast')).message).toBe('--params: "fast" is not key=value');
  });

  test('the blueprint is the template blueprint (same id as the pipeline compiles)', () => {
    const sizing = { method: 'fixed_notional' as const, notional_usd: 10000 };
    const bp = labBlueprint({ strategy: 'momentum', params: resolveStrategyParams('momentum', { fast: 10, slow: 30 }), instruments: [BTC], timeframe: '5m', notionalUsd: 10000, costDigest: DIGEST });
    const ref = momentumBlueprint({ instrument: BTC, fast_bars: 10, slow_bars: 30, cost_digest: DIGEST, plan_hash: '0'.repeat(64), timeframe: '5m', sizing });
    expect(bp.id).toBe(ref.id);
    const mr = labBlueprint({ strategy: 'mean_reversion', params: resolveStrategyParams('mean_reversion', { window: '1h' }), instruments: [BTC], timeframe: '1h', notionalUsd: 5000, costDigest: DIGEST });
    expect(mr.id).toBe(meanReversionBlueprint({ instrument: BTC, window_bars: 1, cost_digest: DIGEST, plan_hash: '0'.repeat(64), timeframe: '1h', sizing: { method: 'fixed_notional', notional_usd: 5000 } }).id);
  });

  test('symbols', () => {
    expect(lakeSymbol('BTC-USDT')).toBe('BTCUSDT');
    expect(lakeSymbol('eth/usdt:USDT')).toBe('ETHUSDT');
    expect(ccxtSymbol('BTC-USDT', 'um')).toBe('BTC/USDT:USDT');
    expect(ccxtSymbol('SOL-USDT', 'spot')).toBe('SOL/USDT');
    expect(usage(() => lakeSymbol('BTC USDT!')).message).toContain('is not a symbol');
  });

  test('pairs with a fixed hedge_ratio: the blueprint carries it, the spread uses it at every bar; the rolling hedge is unchanged', () => {
    const ETH = { ...BTC, symbol: 'ETHUSDT' };
    const p = resolveStrategyParams('pairs_trading', { partner: 'ETH-USDT', hedge_ratio: 0.95 });
    expect(p).toEqual({ template: { hedge_ratio: 0.95 }, partner: 'ETH-USDT' });
    const fixed = labBlueprint({ strategy: 'pairs_trading', params: p, instruments: [BTC, ETH], timeframe: '1h', notionalUsd: 10000, costDigest: DIGEST });
    expect(fixed.strategy).toMatchObject({ type: 'pairs', hedge_ratio: 0.95 });
    expect(fixed.name).toContain('hedge=0.95');
    const rolling = labBlueprint({ strategy: 'pairs_trading', params: resolveStrategyParams('pairs_trading', { partner: 'ETH-USDT' }), instruments: [BTC, ETH], timeframe: '1h', notionalUsd: 10000, costDigest: DIGEST });
    expect('hedge_ratio' in rolling.strategy).toBe(false);
    expect(rolling.id).not.toBe(fixed.id);
    const lnA = Float64Array.from([0, 0.1, 0.15, 0.12, 0.2, 0.25, 0.22], (x) => Math.log(100) + x);
    const lnB = Float64Array.from([0, 0.05, 0.2, 0.1, 0.1, 0.3, 0.2], (x) => Math.log(50) + x);
    const s = pairsSeries(lnA, lnB, 3, 3, 0.95);
    expect(Array.from(s.beta)).toEqual(new Array(7).fill(0.95));
    s.spread.forEach((v, t) => expect(v).toBeCloseTo(lnA[t]! - 0.95 * lnB[t]!, 14));
    expect(() => labBlueprint({ strategy: 'pairs_trading', params: resolveStrategyParams('pairs_trading', { partner: 'ETH-USDT', hedge_ratio: -1 }), instruments: [BTC, ETH], timeframe: '1h', notionalUsd: 10000, costDigest: DIGEST }))
      .toThrow(/hedge_ratio must be a positive number, was -1/);
  });
});
