import { describe, expect, test } from '@jest/globals';
import {
  excursions, maxDrawdownPct, realizedVolShortPct, rMultiple, slippageBps, stopDistancePrice, volumeMultiple,
} from '../../lib/experiments/trade_metrics.js';

describe('per-sample metric values', () => {
  test('slippage is positive when it costs, on both sides', () => {
    expect(slippageBps(1, 100, 100.05)).toBeCloseTo(5, 10);
    expect(slippageBps(-1, 100, 99.95)).toBeCloseTo(5, 10);
    expect(slippageBps(1, 100, 99.98)).toBeCloseTo(-2, 10);
  });

  test('MAE / MFE for a long and a short over the same bars', () => {
    const highs = [101, 103, 102];
    const lows = [99.5, 100.5, 98];
    expect(excursions(1, 100, highs, lows)).toEqual({ mae_pct: 2, mfe_pct: 3 }); // low 98, high 103
    expect(excursions(-1, 100, highs, lows)).toEqual({ mae_pct: 3, mfe_pct: 2 });
    expect(excursions(1, 100, [], [])).toEqual({ mae_pct: 0, mfe_pct: 0 });
    expect(() => excursions(1, 100, [1], [])).toThrow('excursions: highs and lows differ in length (1, 0)');
  });

  test('R multiple from the spec\'s stop (pct or ATR)', () => {
    expect(stopDistancePrice({ stop_distance_pct: 1.5 }, 200, 7)).toBe(3);
    expect(stopDistancePrice({ stop_distance_atr: 2 }, 200, 7)).toBe(14);
    expect(rMultiple(1, 200, 204.5, 3)).toBeCloseTo(1.5, 12);
    expect(rMultiple(-1, 200, 204.5, 3)).toBeCloseTo(-1.5, 12);
    expect(rMultiple(1, 200, 204.5, 0)).toBeNaN();
  });

  test('realized vol: std (n-1) of the log returns of the window, percent', () => {
    const close = [100, 101, 100, 102, 101];
    const r = [Math.log(101 / 100), Math.log(100 / 101), Math.log(102 / 100), Math.log(101 / 102)];
    const m = r.reduce((a, b) => a + b, 0) / 4;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - m) ** 2, 0) / 3);
    expect(realizedVolShortPct(close, 4, 4)).toBeCloseTo(sd * 100, 12);
    expect(realizedVolShortPct(close, 3, 4)).toBeNaN(); // not enough history: never peeks ahead
  });

  test('volume multiple over the median of the lookback', () => {
    expect(volumeMultiple([10, 30, 20, 90], 3, 3)).toBe(4.5);
    expect(volumeMultiple([10, 30, 20, 90], 2, 3)).toBeNaN();
  });

  test('max drawdown of an equity curve, percent', () => {
    expect(maxDrawdownPct([100, 120, 90, 110, 80, 130])).toBeCloseTo((1 - 80 / 120) * 100, 10);
    expect(maxDrawdownPct([100, 101, 102])).toBeCloseTo(0, 12);
  });
});
