import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../../lib/errors.js';
import { generateSymbol, SYNTHETIC_DEFAULTS } from '../../../lib/ingest/synthetic/index.js';
import type { SyntheticParams, SyntheticSymbolData } from '../../../lib/ingest/synthetic/index.js';
import { BAR_FIELDS } from '../../../lib/market.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1);
/** 10 days of 5m bars (2880 per symbol), 3 symbols. */
const P: SyntheticParams = { ...SYNTHETIC_DEFAULTS, seed: 5, n_symbols: 3, start_ms: START, end_ms: START + 10 * DAY };

/** Every column of a symbol's data, in a fixed order, for bitwise comparison. */
function columns(d: SyntheticSymbolData): Float64Array[] {
  return [
    ...BAR_FIELDS.map((f) => d.bars[f]),
    d.funding.ts_ms, d.funding.funding_rate, d.funding.mark_price,
    d.openInterest.ts_ms, d.openInterest.open_interest, d.openInterest.open_interest_usd,
    d.marketCap.ts_ms, d.marketCap.market_cap_usd,
  ];
}
function bytes(d: SyntheticSymbolData): Buffer {
  return Buffer.concat(columns(d).map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

describe('generateSymbol determinism', () => {
  test('two calls with the same params give bit-identical arrays', () => {
    const a = generateSymbol(P, 1);
    generateSymbol({ ...P, seed: 99 }, 1); // evicts the cached market factor in between
    const b = generateSymbol(P, 1);
    expect(bytes(a).equals(bytes(b))).toBe(true);
  });

  test('a different seed gives different prices', () => {
    const a = generateSymbol(P, 0).bars.close;
    const b = generateSymbol({ ...P, seed: 6 }, 0).bars.close;
    expect(a.length).toBe(b.length);
    expect(a.some((x, i) => x !== b[i])).toBe(true);
  });

  test('a shorter end gives exactly a prefix of the longer run (no value depends on later data)', () => {
    const long = generateSymbol(P, 2);
    const short = generateSymbol({ ...P, end_ms: START + 4 * DAY + 7 * HOUR }, 2);
    const prefixEqual = (a: Float64Array, b: Float64Array) => a.every((x, i) => Object.is(x, b[i]));
    for (const f of BAR_FIELDS) expect(prefixEqual(short.bars[f], long.bars[f])).toBe(true);
    expect(short.bars.close.length).toBe(4 * 288 + 7 * 12);
    expect(prefixEqual(short.funding.funding_rate, long.funding.funding_rate)).toBe(true);
    expect(prefixEqual(short.openInterest.open_interest, long.openInterest.open_interest)).toBe(true);
    expect(prefixEqual(short.marketCap.market_cap_usd, long.marketCap.market_cap_usd)).toBe(true);
  });

  test("a symbol's data do not depend on how many symbols are generated", () => {
    const few = generateSymbol(P, 2);
    const many = generateSymbol({ ...P, n_symbols: 40 }, 2);
    expect(many.key.symbol).toBe('SYN03USDT');
    expect(bytes(few).equals(bytes(many))).toBe(true);
  });

  test('a symbol index outside 0..n-1 is a usage error', () => {
    expect(() => generateSymbol(P, 3)).toThrow(UsageError);
    expect(() => generateSymbol(P, 3)).toThrow(/symbolIndex must be an integer in 0\.\.2, was 3/);
  });
});

describe('generated bars', () => {
  const d = generateSymbol(P, 0);
  const b = d.bars;
  const n = b.ts_ms.length;

  test('the key names the symbol, exchange and market', () => {
    expect(d.key).toEqual({ exchange: 'synthetic', market: 'um', symbol: 'SYN01USDT' });
  });

  test('bars sit on the 5m UTC grid covering [start, end)', () => {
    expect(n).toBe(10 * 288);
    for (let i = 0; i < n; i++) expect(b.ts_ms[i]).toBe(START + i * 300_000);
  });

  test('OHLC is consistent and positive; volume, trades and taker volumes are sane', () => {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const [o, h, l, c] = [b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!];
      if (!(l > 0 && l <= Math.min(o, c) && h >= Math.max(o, c))) bad++;
      if (i > 0 && o !== b.close[i - 1]) bad++;
      if (!(b.volume[i]! > 0 && b.quote_volume[i]! >= b.volume[i]! * l && b.quote_volume[i]! <= b.volume[i]! * h)) bad++;
      if (!(Number.isInteger(b.trades[i]) && b.trades[i]! >= 1)) bad++;
      if (!(b.taker_buy_base[i]! > 0 && b.taker_buy_base[i]! < b.volume[i]!)) bad++;
      if (!(b.taker_buy_quote[i]! < b.quote_volume[i]!)) bad++;
    }
    expect(bad).toBe(0);
  });

  test('funding settles exactly at 00:00, 08:00 and 16:00 UTC with clamped rates and mark = price then', () => {
    const f = d.funding;
    expect(f.ts_ms.length).toBe(30);
    for (let i = 0; i < f.ts_ms.length; i++) {
      expect(f.ts_ms[i]).toBe(START + i * 8 * HOUR);
      expect(Math.abs(f.funding_rate[i]!)).toBeLessThanOrEqual(0.0075);
      // The bar opening at the settlement opens at the price of that moment.
      expect(f.mark_price[i]).toBe(b.open[(f.ts_ms[i]! - START) / 300_000]);
    }
  });

  test('open interest is hourly at hour closes, market cap daily at 00:00 of the next day', () => {
    const oi = d.openInterest;
    expect(oi.ts_ms.length).toBe(240);
    for (let i = 0; i < oi.ts_ms.length; i++) {
      const t = START + (i + 1) * HOUR;
      expect(oi.ts_ms[i]).toBe(t);
      expect(oi.open_interest[i]).toBeGreaterThan(0);
      const closeAtT = b.close[(t - START) / 300_000 - 1]!; // the bar that closes at t
      expect(oi.open_interest_usd[i]).toBe(oi.open_interest[i]! * closeAtT);
    }
    const cap = d.marketCap;
    expect(Array.from(cap.ts_ms)).toEqual(Array.from({ length: 10 }, (_, i) => START + (i + 1) * DAY));
    const supply = cap.market_cap_usd[0]! / b.close[287]!; // day 1 value = close of its last bar * supply
    for (let i = 0; i < 10; i++) {
      expect(cap.market_cap_usd[i]! / b.close[(i + 1) * 288 - 1]!).toBeCloseTo(supply, 3);
    }
  });

  test('coarse bars (4h) with hourly funding keep every observation time on its grid', () => {
    const q = { ...P, timeframe: '4h' as const, funding_interval_hours: 1, end_ms: START + 30 * DAY };
    const c = generateSymbol(q, 1);
    expect(c.bars.ts_ms.length).toBe(180);
    expect(c.funding.ts_ms.length).toBe(720);
    expect(c.funding.ts_ms.every((t, i) => t === START + i * HOUR)).toBe(true);
    expect(c.openInterest.ts_ms.length).toBe(720);
    for (let i = 0; i < 180; i++) {
      expect(c.bars.low[i]!).toBeLessThanOrEqual(Math.min(c.bars.open[i]!, c.bars.close[i]!));
      expect(c.bars.high[i]!).toBeGreaterThanOrEqual(Math.max(c.bars.open[i]!, c.bars.close[i]!));
    }
  });
});
