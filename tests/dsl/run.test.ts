import { describe, expect, test } from '@jest/globals';
import { DataError } from '../../lib/errors.js';
import { runBlueprint } from '../../lib/dsl/index.js';
import { BTC, ETH, costs, randomBars, ruleBp, slice1 } from './helpers.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';

describe('runBlueprint windows', () => {
  test('a window [from, to) starts with its history: same orders as the full run restricted to the window', () => {
    const n = 600;
    const rng = Xoshiro128ss.fromSeed(9, 2);
    const ev: [number, number][] = [];
    for (let t = 0; t < n; t++) if (rng.uniform() < 0.05) ev.push([t, rng.uniform() < 0.5 ? 1 : -1]);
    const data = slice1(randomBars(n, 4), { events: { ev } });
    const bp = ruleBp({
      indicators: [{ name: 'sma_close_80', kind: 'sma', input: 'close', window: 80 }],
      entries: [{ event: 'ev', when: { feature: 'close', op: '>', other_feature: 'sma_close_80' }, side: 'follow' }],
      exit: { horizon_bars: 6, stop_loss_bps: 80 },
    });
    // sqrt impact reads the trailing daily volatility at the previous close: history before `from` is needed
    const c = costs({ impact: { model: 'sqrt', coefficient: 0.5, max_participation: 1 } });
    const from = 100, to = 400;
    const full = runBlueprint(bp, data, c, { initialCash: 1e6, entryFrom: from, entryUntil: to });
    const win = runBlueprint(bp, data, c, { initialCash: 1e6, from, to });
    const shifted = win.result.orderLog.map((e) => ({ ...e, bar: e.bar + from }));
    const expected = full.result.orderLog.filter((e) => e.bar >= from && e.bar < to);
    expect(expected.length).toBeGreaterThan(20);
    expect(expected[0]!.bar).toBeLessThan(from + 80); // entries before the indicator could warm up inside the window
    expect(shifted).toEqual(expected);
    expect(win.decisions).toEqual(full.decisions.filter((d) => d.bar < to));
  });
});

describe('slice and cost checks', () => {
  const bp = ruleBp({ entries: [{ event: 'ev', when: { feature: 'f', op: '>', value: 0 }, side: 'long' }], exit: { horizon_bars: 2 } });
  const bars = randomBars(20, 1);

  test('a perpetual without a funding series is refused while funding costs are on', () => {
    const data = slice1(bars, { features: { f: new Array(20).fill(1) }, events: { ev: [] } });
    expect(() => runBlueprint(bp, data, costs({ funding: { enabled: true } }), { initialCash: 1e6 })).toThrow(
      /no funding series for perpetual binance\/um\/BTCUSDT/,
    );
    data.funding = [{ ts_ms: Float64Array.of(data.ts_ms[0]! + 8 * 3_600_000), rate: Float64Array.of(1e-4) }];
    expect(() => runBlueprint(bp, data, costs({ funding: { enabled: true } }), { initialCash: 1e6 })).not.toThrow();
  });

  test('missing feature columns, event series and other instruments are named', () => {
    const err = (f: () => unknown): DataError => {
      try { f(); } catch (e) { return e as DataError; }
      throw new Error('expected a DataError');
    };
    const noFeature = err(() => runBlueprint(bp, slice1(bars, { events: { ev: [] } }), costs(), { initialCash: 1 }));
    expect(noFeature).toBeInstanceOf(DataError);
    expect(noFeature.message).toBe(`blueprint ${bp.id} f: feature column missing for binance/um/BTCUSDT`);
    const noEvent = err(() => runBlueprint(bp, slice1(bars, { features: { f: new Array(20).fill(1) } }), costs(), { initialCash: 1 }));
    expect(noEvent.message).toBe(`blueprint ${bp.id} ev: event series missing for binance/um/BTCUSDT`);
    const other = err(() => runBlueprint(bp, slice1(bars, { key: ETH }), costs(), { initialCash: 1 }));
    expect(other.message).toContain('the market slice holds other instruments');
    expect(other.hint).toBe(`build the slice for ${BTC.exchange}/${BTC.market}/${BTC.symbol} in that order`);
    const badDir = err(() => runBlueprint(bp, slice1(bars, { features: { f: new Array(20).fill(1) }, events: { ev: [[3, 0]] } }), costs(), { initialCash: 1 }));
    expect(badDir.message).toContain('occurrence 0 must have a bar in [0, 20) and direction +1/-1, was {"t":3,"direction":0}');
  });
});
