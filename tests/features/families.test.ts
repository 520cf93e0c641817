import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import {
  buildUniverse, computeAllFeatures, computeInstrumentFeatures, computeInstrumentFeaturesDetailed, loadFeatureSpecs,
  parseFeatureSpecs, type InstrumentSeries,
} from '../../lib/features/index.js';
import { checkLookahead } from '../../lib/lookahead/check.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { barsFrom, brute, bruteMean, bruteVar, closeArrays, key, syntheticSeries, xorshift32 } from './helpers.js';

const TF = 300_000;
const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;
const HOUR = 3_600_000;

const set = (yaml: string) => parseFeatureSpecs([{ file: 'spec/features/t.yaml', text: yaml }]);
const series = (symbol: string, close: number[], extra: Partial<InstrumentSeries> = {}, volume?: number[], market: 'um' | 'spot' = 'um', exchange = 'binance', offset = 0): InstrumentSeries => ({
  key: key(symbol, market, exchange), timeframe: '5m', bars: barsFrom(T0 + offset * TF, TF, close, volume), ...extra,
});
const nums = (a: Float64Array) => [...a];

describe('bar families on hand-computed data', () => {
  const close = [100, 102, 101, 104, NaN, 103, 105, 104, 108, 107];
  const volume = [10, 30, 20, 60, NaN, 10, 20, 30, 40, 100];
  const s = series('AAAUSDT', close, {}, volume);
  const fs = set(`
features:
  - { name: r1, family: log_return, params: { n: 1 } }
  - { name: r2, family: log_return, params: { n: 2 } }
  - { name: rv3, family: realized_vol, params: { n: 3 } }
  - { name: rng, family: range }
  - { name: atr2, family: atr, params: { n: 2 } }
  - { name: dh3, family: dist_high, params: { n: 3, exclude_current: true } }
  - { name: dl3, family: dist_low, params: { n: 3 } }
  - { name: vz3, family: volume_zscore, params: { n: 3, exclude_current: true } }
  - { name: c_mean3, family: mean, input: close, params: { n: 3 } }
  - { name: r1_sd3, family: std, input: r1, params: { n: 3, exclude_current: true } }
`);
  const f = computeInstrumentFeatures(fs, s);
  const b = s.bars;
  const r = (t: number, n: number) => (t >= n ? Math.log(close[t]! / close[t - n]!) : NaN); // NaN propagates

  test('log returns and realized volatility (sqrt of the sum of squared 1-bar log returns: Andersen & Bollerslev 1998)', () => {
    expect(nums(f.r1!)).toEqual(close.map((_, t) => r(t, 1)));
    expect(nums(f.r2!)).toEqual(close.map((_, t) => r(t, 2)));
    const rv = close.map((_, t) => Math.sqrt(r(t, 1) ** 2 + r(t - 1, 1) ** 2 + r(t - 2, 1) ** 2));
    expect(closeArrays(f.rv3!, Float64Array.from(rv), 1e-15)).toEqual({ ok: true });
    expect(f.rv3![3]).toBeCloseTo(Math.sqrt(Math.log(1.02) ** 2 + Math.log(101 / 102) ** 2 + Math.log(104 / 101) ** 2), 15);
  });

  test('range, and ATR as the mean true range over n bars divided by close (true range: Wilder 1978)', () => {
    expect(nums(f.rng!)).toEqual(close.map((c, t) => (b.high[t]! - b.low[t]!) / c));
    const tr = close.map((_, t) => (t === 0 ? NaN : Math.max(b.high[t]!, close[t - 1]!) - Math.min(b.low[t]!, close[t - 1]!)));
    const atr = close.map((c, t) => (t >= 1 ? (tr[t]! + tr[t - 1]!) / 2 / c : NaN));
    expect(closeArrays(f.atr2!, Float64Array.from(atr), 1e-15)).toEqual({ ok: true });
    expect(f.atr2![1]).toBeNaN(); // needs TR of bars 0 and 1; bar 0 has no previous close
    expect(f.atr2![5]).toBeNaN(); // bar 4 is missing
  });

  test('distance to the previous 3 highs (excluding the bar) and to the last 3 lows (including it)', () => {
    const dh = close.map((c, t) => (t >= 3 ? c / Math.max(b.high[t - 1]!, b.high[t - 2]!, b.high[t - 3]!) - 1 : NaN));
    const dl = close.map((c, t) => (t >= 2 ? c / Math.min(b.low[t]!, b.low[t - 1]!, b.low[t - 2]!) - 1 : NaN));
    expect(nums(f.dh3!)).toEqual(dh);
    expect(nums(f.dl3!)).toEqual(dl);
    // Bar 3 closes at 104 above the highs of bars 0..2 (max 102 * 1.001 = 102.102): a breakout.
    expect(f.dh3![3]).toBeCloseTo(104 / 102.102 - 1, 14);
    // Bar 5's high is missing (its open is the missing close of bar 4): bars 6..8 see it in their window.
    expect(f.dh3![8]).toBeNaN();
  });

  test('z-scores, means and stds of fields and of other features', () => {
    const vz = brute(b.volume, 3, true, (w, t) => (b.volume[t]! - bruteMean(w)) / Math.sqrt(bruteVar(w)));
    expect(closeArrays(f.vz3!, vz, 1e-12)).toEqual({ ok: true });
    expect(f.vz3![3]).toBeCloseTo((60 - 20) / Math.sqrt(200 / 3), 12); // previous 10, 30, 20: mean 20, pop var 200/3
    expect(closeArrays(f.c_mean3!, brute(b.close, 3, false, bruteMean), 1e-15)).toEqual({ ok: true });
    expect(closeArrays(f.r1_sd3!, brute(f.r1!, 3, true, (w) => Math.sqrt(bruteVar(w))), 1e-12)).toEqual({ ok: true });
  });
});

describe('amihud (Amihud 2002, "Illiquidity and stock returns", J. Financial Markets 5: mean |r| / volume over trading periods)', () => {
  const close = [100, 101, 101, 100, NaN, 100, 102, 102, 102];
  const volume = [1000, 2000, 0, 1000, NaN, 500, 1000, 0, 0];
  const qv = [NaN, NaN, NaN, 50_000, NaN, NaN, NaN, NaN, NaN]; // only bar 3 carries a quote volume
  const s: InstrumentSeries = { key: key('AAAUSDT'), timeframe: '5m', bars: { ...barsFrom(T0, TF, close, volume), quote_volume: Float64Array.from(qv) } };
  const f = computeInstrumentFeatures(set('features:\n  - { name: ami2, family: amihud, params: { n: 2 } }\n'), s);

  test('per million quote units; quote volume falls back to close x volume; zero-volume bars are skipped, missing bars are not', () => {
    const term1 = (Math.log(101 / 100) / (101 * 2000)) * 1e6; // bar 1: close x volume
    const term3 = (Math.abs(Math.log(100 / 101)) / 50_000) * 1e6; // bar 3: its own quote volume
    expect(f.ami2![0]).toBeNaN(); // bar 0 has no return
    expect(f.ami2![1]).toBeNaN();
    expect(f.ami2![2]).toBeCloseTo(term1, 18); // bar 2 traded nothing: the mean is over bar 1 alone
    expect(f.ami2![3]).toBeCloseTo(term3, 18);
    expect(f.ami2![4]).toBeNaN(); // missing bar
    expect(f.ami2![5]).toBeNaN();
    expect(f.ami2![6]).toBeNaN(); // bar 5's return needs bar 4
    expect(f.ami2![7]).toBeCloseTo((Math.log(1.02) / (102 * 1000)) * 1e6, 18);
    expect(f.ami2![8]).toBeNaN(); // no bar of the window traded
    expect(term1).toBeCloseTo(0.04926, 5); // a 1% move on 202k quote units: ~0.05 per million
  });
});

describe('funding and open interest: as-of the bar close', () => {
  const close = Array.from({ length: 10 }, () => 100);
  // Settlements: 8h before the first bar, exactly at the close of bar 2, and 1 ms after the close of bar 5.
  const funding = { ts_ms: Float64Array.from([T0 - 8 * HOUR, T0 + 15 * MIN, T0 + 30 * MIN + 1]), funding_rate: Float64Array.from([0.0001, 0.0003, -0.0002]), mark_price: Float64Array.from([NaN, NaN, NaN]) };
  const fs = set(`
features:
  - { name: lvl, family: funding_level }
  - { name: lvl_8h, family: funding_level, params: { max_age_hours: 8 } }
  - { name: new, family: funding_new }
  - { name: fz2, family: funding_zscore, params: { n: 2 } }
`);

  test('level, new-settlement flag, staleness, and the z-score over settlements', () => {
    const f = computeInstrumentFeatures(fs, series('AAAUSDT', close, { funding }));
    expect(nums(f.lvl!)).toEqual([0.0001, 0.0001, 0.0003, 0.0003, 0.0003, 0.0003, -0.0002, -0.0002, -0.0002, -0.0002]);
    // 8h + 5 min old at the close of bar 0: stale under an 8-hour limit.
    expect(nums(f.lvl_8h!)).toEqual([NaN, NaN, 0.0003, 0.0003, 0.0003, 0.0003, -0.0002, -0.0002, -0.0002, -0.0002]);
    expect(nums(f.new!)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    // Settlement z over the last 2 rates: (0.0003 - 0.0002) / 0.0001 = 1, then (-0.0002 - 0.00005) / 0.00025 = -1.
    expect(f.fz2![1]).toBeNaN();
    for (const t of [2, 3, 4, 5]) expect(f.fz2![t]).toBeCloseTo(1, 12);
    for (const t of [6, 7, 8, 9]) expect(f.fz2![t]).toBeCloseTo(-1, 12);
  });

  test('funding_new is NaN until a first settlement is known; no funding at all is recorded as unavailable', () => {
    const late = { ts_ms: Float64Array.from([T0 + 15 * MIN]), funding_rate: Float64Array.from([0.0001]), mark_price: Float64Array.from([NaN]) };
    expect(nums(computeInstrumentFeatures(fs, series('AAAUSDT', close, { funding: late })).new!).slice(0, 4)).toEqual([NaN, NaN, 1, 0]);
    const r = computeInstrumentFeaturesDetailed(fs, series('AAAUSDT', close, {}, undefined, 'spot'));
    expect(r.columns.lvl!.every((v) => Number.isNaN(v))).toBe(true);
    expect(r.unavailable).toEqual({ lvl: 'no funding settlements', lvl_8h: 'no funding settlements', new: 'no funding settlements', fz2: 'no funding settlements' });
  });

  test('oi_change: log change of the as-of open interest over n bars; unavailable without OI', () => {
    const c = Array.from({ length: 30 }, () => 100);
    const oi = { ts_ms: Float64Array.from([T0, T0 + HOUR, T0 + 2 * HOUR]), open_interest: Float64Array.from([1000, 1100, 990]), open_interest_usd: Float64Array.from([NaN, NaN, NaN]) };
    const fsOi = set('features:\n  - { name: oi12, family: oi_change, params: { n: 12 } }\n');
    const f = computeInstrumentFeatures(fsOi, series('AAAUSDT', c, { openInterest: oi }));
    // As-of level: 1000 for bars 0..10 (the 1h observation is known at the close of bar 11), 1100 for 11..22, 990 after.
    const level = c.map((_, t) => (t <= 10 ? 1000 : t <= 22 ? 1100 : 990));
    expect(nums(f.oi12!)).toEqual(c.map((_, t) => (t >= 12 ? Math.log(level[t]! / level[t - 12]!) : NaN)));
    const none = computeInstrumentFeaturesDetailed(fsOi, series('AAAUSDT', c));
    expect(none.unavailable).toEqual({ oi12: 'no open interest' });
  });
});

describe('cross-section', () => {
  const fs = set(`
cross_section:
  universe: { markets: [um] }
  reference_symbol: [BTCUSDT, ETHUSDT]
features:
  - { name: br1, family: breadth, params: { n: 1, min_instruments: 3 } }
  - { name: rs1, family: rel_strength, params: { n: 1 } }
`);
  const list = [
    series('AAAUSDT', [10, 11, 12, 11, 12, 13]),
    series('BBBUSDT', [20, 19, 18, 19, 20, 21]),
    series('CCCUSDT', [5, 5, 6, 7, 6, 6]),
    series('DDDUSDT', [1, 2, 3, 4, 5, 6], {}, undefined, 'spot'), // not in the universe (spot)
    series('BTCUSDT', [100, 110, 99, 100], {}, undefined, 'um', 'binance', 2), // listed from bar 2
    series('ETHUSDT', [50, 55, 50, 55, 50, 55]),
  ];

  test('breadth: share of universe instruments up over n bars, among those with a value (hand count)', async () => {
    const all = await computeAllFeatures(fs, list);
    // t1: AAA+ BBB- CCC0 ETH+ (BTC not listed) -> 2/4; t2: AAA+ BBB- CCC+ ETH- (BTC no return yet) -> 2/4;
    // t3: AAA- BBB+ CCC+ ETH+ BTC+ -> 4/5; t4: AAA+ BBB+ CCC- ETH- BTC- -> 2/5; t5: AAA+ BBB+ CCC0 ETH+ BTC+ -> 4/5.
    const expected = [NaN, 0.5, 0.5, 0.8, 0.4, 0.8];
    expect(nums(all.get('binance/um/AAAUSDT')!.br1!)).toEqual(expected);
    expect(nums(all.get('binance/spot/DDDUSDT')!.br1!)).toEqual(expected); // market context for every instrument
    expect(nums(all.get('binance/um/BTCUSDT')!.br1!)).toEqual(expected.slice(2));
  });

  test('breadth over many 4096-slot chunks, with gaps and late listings: the same counts as a per-bar hand count', async () => {
    const n = 12_000;
    const u = xorshift32(7);
    const make = (sym: string, offset: number, len: number, gapEvery: number) =>
      series(sym, Array.from({ length: len }, (_, i) => (i % gapEvery === gapEvery - 1 ? NaN : 100 + u() * 10)), {}, undefined, 'um', 'binance', offset);
    const many = [make('AAAUSDT', 0, n, 997), make('BBBUSDT', 4000, n - 4000, 50), make('CCCUSDT', 4095, 5000, 4096), make('EEEUSDT', 8191, n - 8191, 3)];
    const u1 = await buildUniverse(set('features:\n  - { name: br, family: breadth, params: { n: 1, min_instruments: 1 } }\n'), many);
    const valid = new Int32Array(n);
    const positive = new Int32Array(n);
    for (const s of many) {
      const c = s.bars.close;
      const slot0 = (s.bars.ts_ms[0]! - T0) / TF;
      for (let i = 1; i < c.length; i++) {
        const r = Math.log(c[i]! / c[i - 1]!);
        if (r !== r) continue;
        valid[slot0 + i]!++;
        if (r > 0) positive[slot0 + i]!++;
      }
    }
    const agg = u1.breadth.get(1)!;
    expect(u1.slot0).toBe(T0 / TF);
    expect([...agg.valid]).toEqual([...valid]);
    expect([...agg.positive]).toEqual([...positive]);
  });

  test('rel_strength: against the first reference symbol that has a bar at t (ETH before BTC is listed)', async () => {
    const all = await computeAllFeatures(fs, list);
    const a = all.get('binance/um/AAAUSDT')!.rs1!;
    expect(a[1]).toBe(Math.log(11 / 10) - Math.log(55 / 50)); // ETH is the reference at t1
    expect(a[2]).toBeNaN(); // BTC has a row at t2 but no return yet: the reference return is missing
    expect(a[3]).toBe(Math.log(11 / 12) - Math.log(110 / 100));
    expect(nums(all.get('binance/um/BTCUSDT')!.rs1!)).toEqual([NaN, 0, 0, 0]);
  });

  test('btc_dominance: reference cap / sum of distinct symbols caps (a symbol on two exchanges counts once)', async () => {
    const cap = (ts: number[], v: number[]) => ({ marketCap: { ts_ms: Float64Array.from(ts), market_cap_usd: Float64Array.from(v) } });
    const c = [1, 1, 1, 1];
    const caps = [
      series('BTCUSDT', c, cap([T0], [600])),
      series('ETHUSDT', c, cap([T0], [300])),
      series('XRPUSDT', c, cap([T0 + 10 * MIN], [100])), // known at the close of bar 1
      series('ETHUSDT', c, cap([T0], [310]), undefined, 'um', 'bybit'), // same coin: ignored where binance/ETH has a cap
    ];
    const d2 = await computeAllFeatures(set('cross_section: { reference_symbol: BTCUSDT }\nfeatures:\n  - { name: dom, family: btc_dominance, params: { min_instruments: 2 } }\n'), caps);
    expect(nums(d2.get('binance/um/XRPUSDT')!.dom!)).toEqual([600 / 900, 0.6, 0.6, 0.6]);
    const d3 = await computeAllFeatures(set('cross_section: { reference_symbol: BTCUSDT }\nfeatures:\n  - { name: dom, family: btc_dominance }\n'), caps);
    expect(nums(d3.get('bybit/um/ETHUSDT')!.dom!)).toEqual([NaN, 0.6, 0.6, 0.6]);
  });

  test('pass 1 streams: an async iterable gives the same universe as an array', async () => {
    async function* stream() {
      for (const s of list) yield s;
    }
    const u1 = await buildUniverse(fs, list);
    const u2 = await buildUniverse(fs, stream());
    expect(u2).toEqual(u1);
    expect(u1.members).toEqual(['binance/um/AAAUSDT', 'binance/um/BBBUSDT', 'binance/um/BTCUSDT', 'binance/um/CCCUSDT', 'binance/um/ETHUSDT']);
    expect(u1.references).toEqual(['binance/um/BTCUSDT', 'binance/um/ETHUSDT']);
  });

  test('bad inputs: mixed timeframes, unsorted bars, bars off the grid, an instrument twice', async () => {
    const h = { ...series('HHHUSDT', [1, 2]), timeframe: '1h' as const };
    await expect(computeAllFeatures(fs, [list[0]!, h])).rejects.toThrow('the cross-section mixes timeframes: binance/um/AAAUSDT is 5m, binance/um/HHHUSDT is 1h');
    const unsorted = series('UUUUSDT', [1, 2, 3]);
    unsorted.bars.ts_ms.set([T0, T0 + 2 * TF, T0 + TF]);
    await expect(computeAllFeatures(fs, [unsorted])).rejects.toThrow('binance/um/UUUUSDT bars: ts_ms must be strictly increasing');
    const off = series('OOOUSDT', [1, 2, 3]);
    off.bars.ts_ms.set([T0 + 1, T0 + 1 + TF, T0 + 1 + 2 * TF]);
    await expect(computeAllFeatures(fs, [off])).rejects.toThrow('binance/um/OOOUSDT: bar time is not on the 5m UTC grid');
    await expect(computeAllFeatures(fs, [list[0]!, list[0]!])).rejects.toThrow('instrument binance/um/AAAUSDT appears twice');
  });
});

describe('the default feature set on the synthetic market', () => {
  test('matches the planted-edge definitions (lib/ingest/synthetic/README.md) computed by brute force', async () => {
    const fs = await loadFeatureSpecs(join(PROJECT_ROOT, 'spec', 'features'));
    const [s] = syntheticSeries(3, 3).slice(2); // SYN03USDT carries the breakout edge
    const f = computeInstrumentFeatures(fs, s!, await buildUniverse(fs, syntheticSeries(3, 3)));
    const b = s!.bars;
    // Capitulation: (volume_t - mean) / population std over bars t-288..t-1, and r_t against the std of r over t-288..t-1.
    const vz = brute(b.volume, 288, true, (w, t) => (b.volume[t]! - bruteMean(w)) / Math.sqrt(bruteVar(w)));
    expect(closeArrays(f.vol_z_288_excl!, vz, 1e-9)).toEqual({ ok: true });
    const r = Float64Array.from(b.close, (c, t) => (t > 0 ? Math.log(c / b.close[t - 1]!) : NaN));
    expect(closeArrays(f.ret1_sd_288_excl!, brute(r, 288, true, (w) => Math.sqrt(bruteVar(w))), 1e-9)).toEqual({ ok: true });
    expect(f.ret1_sd_288_excl![288]).toBeNaN(); // r_0 does not exist: the first full window of returns ends at t-1 = 288
    expect(f.ret1_sd_288_excl![289]).not.toBeNaN();
    // Breakout: close_t > max(high over t-288..t-1)  <=>  dist_high_288_excl > 0.
    let breakouts = 0;
    for (let t = 288; t < b.close.length; t++) {
      let m = -Infinity;
      for (let i = t - 288; i < t; i++) m = Math.max(m, b.high[i]!);
      expect(f.dist_high_288_excl![t]! > 0).toBe(b.close[t]! > m);
      if (b.close[t]! > m) breakouts++;
    }
    expect(breakouts).toBeGreaterThan(0);
  });

  test('look-ahead check: values at t <= cut are bit-identical when every input is truncated at the cut', async () => {
    const fs = await loadFeatureSpecs(join(PROJECT_ROOT, 'spec', 'features'));
    const report = await checkLookahead({
      series: syntheticSeries(4, 4, 5), cuts: 12, seed: 3, minBars: 300,
      computeFeatures: (list) => computeAllFeatures(fs, list),
    });
    expect(report.cuts.length).toBe(12);
    expect(report.values_compared).toBeGreaterThan(100_000);
    expect(report.leaks).toEqual([]);
  });
});
