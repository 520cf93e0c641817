import { describe, expect, test } from '@jest/globals';
import { FifoBook, type Fill } from '../../lib/lab/paper/fifo.js';
import { quantizeOrder, rulesFromCcxtMarket, toStep } from '../../lib/lab/paper/quantize.js';

const f = (id: string, qty: number, price: number, ts = 0): Fill => ({ fill_id: id, symbol: 'BTCUSDT', qty, price, ts_ms: ts });

describe('FIFO lots', () => {
  test('closes the oldest lots first and realizes per matched piece', () => {
    const b = new FifoBook();
    b.apply(f('a', 1, 100));
    b.apply(f('b', 2, 110));
    const m = b.apply(f('c', -1.5, 120));
    expect(m).toEqual([
      { symbol: 'BTCUSDT', open_fill_id: 'a', close_fill_id: 'c', qty: 1, side: 'long', entry_price: 100, exit_price: 120, realized: 20 },
      { symbol: 'BTCUSDT', open_fill_id: 'b', close_fill_id: 'c', qty: 0.5, side: 'long', entry_price: 110, exit_price: 120, realized: 5 },
    ]);
    expect(b.lotsOf('BTCUSDT')).toEqual([{ qty: 1.5, price: 110, ts_ms: 0, fill_id: 'b' }]);
    expect(b.realized).toBe(25);
  });

  test('a fill larger than the position flips it: the rest opens a short lot', () => {
    const b = new FifoBook();
    b.apply(f('a', 1, 100));
    const m = b.apply(f('b', -3, 90));
    expect(m.map((x) => x.realized)).toEqual([-10]);
    expect(b.position('BTCUSDT')).toBe(-2);
    expect(b.apply(f('c', 2, 80))[0]).toMatchObject({ side: 'short', realized: 20 });
    expect(b.position('BTCUSDT')).toBe(0);
    expect(b.symbols()).toEqual([]);
  });

  test('rebuilding from the fills gives the same inventory (resume)', () => {
    const fills = [f('1', 0.5, 100), f('2', 0.25, 104), f('3', -0.6, 101), f('4', -0.4, 99), f('5', 0.3, 97)];
    const live = new FifoBook();
    for (const x of fills) live.apply(x);
    const again = FifoBook.fromFills(fills);
    expect(again.lotsOf('BTCUSDT')).toEqual(live.lotsOf('BTCUSDT'));
    expect(again.realized).toBeCloseTo(live.realized, 12);
    expect(again.position('BTCUSDT')).toBeCloseTo(0.05, 12);
  });
});

describe('order quantization', () => {
  const rules = rulesFromCcxtMarket({ precision: { amount: 0.001, price: 0.1 }, limits: { cost: { min: 100 } } });

  test('steps from ccxt market info; exact decimal rounding', () => {
    expect(rules).toEqual({ lot_size: 0.001, tick_size: 0.1, min_notional: 100 });
    expect(toStep(0.1 + 0.2, 0.1, 'floor')).toBe(0.3);
    expect(toStep(0.0129, 0.001, 'trunc')).toBe(0.012);
    expect(toStep(-0.0129, 0.001, 'trunc')).toBe(-0.012);
    expect(() => rulesFromCcxtMarket({})).toThrow('market info has no precision');
  });

  test('quantities toward zero, limits passive, stops away from the market', () => {
    expect(quantizeOrder({ qty: 0.0129, kind: 'limit', price: 100_000.17, refPrice: 100_000 }, rules, 0)).toEqual({ ok: true, qty: 0.012, price: 100_000.1, adjusted: true });
    expect(quantizeOrder({ qty: -0.0129, kind: 'limit', price: 100_000.11, refPrice: 100_000 }, rules, 0)).toEqual({ ok: true, qty: -0.012, price: 100_000.2, adjusted: true });
    expect(quantizeOrder({ qty: 0.01, kind: 'stop', price: 100_000.11, refPrice: 100_000 }, rules, 0)).toMatchObject({ price: 100_000.2 });
    expect(quantizeOrder({ qty: -0.01, kind: 'stop', price: 100_000.19, refPrice: 100_000 }, rules, 0)).toMatchObject({ price: 100_000.1 });
  });

  test('minimum notional and lot size refuse entries, never a whole exit', () => {
    expect(quantizeOrder({ qty: 0.0009, kind: 'market', refPrice: 100_000 }, rules, 0)).toEqual({ ok: false, reason: 'quantity 0.0009 is below the lot size 0.001', numbers: { qty: 0.0009, lot_size: 0.001 } });
    expect(quantizeOrder({ qty: 0.001, kind: 'market', refPrice: 50_000 }, rules, 0)).toMatchObject({ ok: false, reason: 'notional 50.0000 is below the minimum 100' });
    // exits: the whole position (an odd size) and a small partial exit below min notional pass
    expect(quantizeOrder({ qty: -0.0004567, kind: 'market', refPrice: 50_000 }, rules, 0.0004567)).toEqual({ ok: true, qty: -0.0004567, price: undefined, adjusted: false });
    expect(quantizeOrder({ qty: -0.001, kind: 'stop', price: 49_000, refPrice: 50_000 }, rules, 0.005)).toMatchObject({ ok: true, qty: -0.001 });
  });
});
