import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { DataError } from '../../../lib/errors.js';
import type { CostConfig } from '../../../lib/costs/schema.js';
import {
  bootstrapSeed, bridgeBootstrap, bridgeStats, fundingSum, resolveVenueFees, tradeLedger, trailingDay, withBridgeCI, YEAR_MS,
  type BridgeBars, type FundingSeries, type LedgerInputs, type TradeLedger, type TrailingDay, mergeLedgers, pooledBlockTrades,
} from '../../../lib/research/bridge.js';
import type { Occurrences } from '../../../lib/research/forward.js';
import type { BridgeGates } from '../../../lib/research/gates.js';
import { BootstrapCIPool, politisWhiteBlockLength } from '../../../lib/stats/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);
const A = 0.001; // alternating 1-bar log close return
const COSTS: CostConfig = {
  venues: { binance: { spot: { maker_fee_bps: 10, taker_fee_bps: 10 }, um: { maker_fee_bps: 2, taker_fee_bps: 5 } } },
  slippage_bps: 1,
  impact: { model: 'sqrt', coefficient: 1, max_participation: 0.1 },
  funding: { enabled: true },
  borrow: { spot_short_bps_per_year: 1000 },
};
// 400 replicates keep the suite fast (the bootstrap runs ~50x slower under jest's VM modules than under plain node);
// the CI accuracy test uses 2000.
const GATES: BridgeGates = { min_net_bps: 2, ci_level: 0.95, bootstrap_reps: 400, notional_usd: 10_000, min_capacity_usd: 10_000 };

/**
 * 40 hourly bars (24 bars per day). Closes alternate 100 e^A (odd bars) and 100 (even bars), so every 1-bar log
 * close return is +-A; opens are 100 except open[34] = 102; base volume 1000 per bar except 500 at bar 34;
 * quote volume missing at bar 31 (capacity falls back to close x volume).
 */
function hourlyBars(): BridgeBars {
  const n = 40;
  const ts_ms = Float64Array.from({ length: n }, (_, k) => T0 + k * HOUR);
  const close = Float64Array.from({ length: n }, (_, k) => (k % 2 ? 100 * Math.exp(A) : 100));
  const open = new Float64Array(n).fill(100);
  open[34] = 102;
  const volume = new Float64Array(n).fill(1000);
  volume[34] = 500;
  const quote_volume = Float64Array.from(volume, (v) => v * 100);
  quote_volume[31] = NaN;
  return { ts_ms, open, close, volume, quote_volume };
}

/** Settlements at bars 23, 27, 31, 32, 34, 35 with rates 1, 1, 7, 2, 3, 5 bp. */
const FUNDING: FundingSeries = {
  ts_ms: Float64Array.from([23, 27, 31, 32, 34, 35], (k) => T0 + k * HOUR),
  funding_rate: Float64Array.from([1, 1, 7, 2, 3, 5], (bp) => bp / 1e4),
  interval_hours: Float64Array.from([4, 4, 4, 1, 2, 1]),
};

function occ(t: number[], s: number[]): Occurrences {
  return { t: Int32Array.from(t), s: Int8Array.from(s), y: new Float64Array(t.length), dropped: { outside: 0, missing_open: 0 } };
}

function inputs(over: Partial<LedgerInputs> = {}): LedgerInputs {
  return {
    bars: hourlyBars(), tfMs: HOUR, occ: occ([30], [1]), horizon: 3, market: 'um', fees: { venue: 'binance', taker_fee_bps: 5 },
    costs: COSTS, notional_usd: 10_000, funding: FUNDING, where: { file: 'lake/cleaned/funding/x', instrument: 'binance/um/XUSDT/1h' }, ...over,
  };
}

// Independent hand arithmetic for the event at bar 30, h = 3: entry open[31] = 100, exit open[34] = 102.
// Trailing 24h = bars 7..30: 24 returns +-A (12 each), mean 0, sample variance 24 A^2 / 23;
// daily vol = sqrt(24 A^2 / 23) * sqrt(24) = 24 A / sqrt(23). V24h = 24 * 1000. Q = 10000 / 100 = 100 base.
const DAILY_VOL_BPS = ((24 * A) / Math.sqrt(23)) * 1e4;
const PART = 100 / 24_000;
const IMPACT = 2 * 1 * DAILY_VOL_BPS * Math.sqrt(PART);

describe('bridge cost arithmetic (hand example, every component)', () => {
  test('trailing 24h: daily vol and base volume up to the close of t', () => {
    const d = trailingDay(hourlyBars(), 30, 24);
    expect(d).toEqual({ dailyVol: expect.closeTo((24 * A) / Math.sqrt(23), 12), v24h: 24_000 });
    expect(trailingDay(hourlyBars(), 23, 24)).toBe('short_history'); // needs close[t - 24]
  });

  test('trailing 24h on 5m bars across the log-return chunks, gaps and a zero-volume day: the inline arithmetic, bit for bit', () => {
    // trailingDay takes each log return once per bar (made a chunk of 4096 bars at a time): the same values as the
    // formula taken inline for every day, whatever order the days are asked in
    const n = 9000;
    const B = 288;
    const rng = (k: number) => ((k * 2654435761) % 2 ** 32) / 2 ** 32;
    const close = Float64Array.from({ length: n }, (_, k) => 100 * Math.exp(0.01 * Math.sin(k / 50) + 0.002 * rng(k)));
    const volume = Float64Array.from({ length: n }, (_, k) => (k >= 5000 && k < 5400 ? 0 : 10 + 5 * rng(k + 7)));
    for (const k of [1, 4095, 4096, 4097, 6000, 6001, 8191, 8192]) close[k] = NaN;
    for (let k = 7000; k < 7200; k++) close[k] = NaN; // most of a day missing: short history
    for (const k of [300, 4100]) volume[k] = NaN;
    const bars: BridgeBars = { ts_ms: new Float64Array(n), open: close, close, volume, quote_volume: new Float64Array(n) };
    const inline = (t: number): TrailingDay => {
      if (t - B < 0) return 'short_history';
      const r: number[] = [];
      let v24h = 0;
      for (let k = t - B + 1; k <= t; k++) {
        if (Number.isFinite(volume[k]!)) v24h += volume[k]!;
        const ret = Math.log(close[k]! / close[k - 1]!);
        if (Number.isFinite(ret)) r.push(ret);
      }
      if (r.length < Math.max(2, Math.ceil(B / 2))) return 'short_history';
      if (!(v24h > 0)) return 'zero_volume';
      let sum = 0;
      for (const x of r) sum += x;
      const mu = sum / r.length;
      let ss = 0;
      for (const x of r) ss += (x - mu) ** 2;
      return { dailyVol: Math.sqrt(ss / (r.length - 1)) * Math.sqrt(B), v24h };
    };
    const ts = [8999, 100, 287, 288, 4096, 4383, 4384, 5300, 5687, 7100, 7300, 7500, 8192, 8480, 300, 4100, 4200];
    for (let k = 0; k < 60; k++) ts.push(B + ((k * 7919) % (n - B)));
    const kinds = new Set<string>();
    for (const t of ts) {
      const want = inline(t);
      const got = trailingDay(bars, t, B);
      kinds.add(typeof want === 'string' ? want : 'ok');
      if (typeof want === 'string') expect([t, got]).toEqual([t, want]);
      else expect([t, typeof got === 'object' && Object.is(got.dailyVol, want.dailyVol) && Object.is(got.v24h, want.v24h)]).toEqual([t, true]);
    }
    expect([...kinds].sort()).toEqual(['ok', 'short_history', 'zero_volume']);
  });

  test('perp long: gross 200, fees 2x5, slippage 2x1, sqrt impact both sides, funding +5 bp paid', () => {
    const l = tradeLedger(inputs());
    expect(l.gross[0]).toBeCloseTo(200, 10); // (102/100 - 1) * 1e4
    expect(l.fees[0]).toBe(10);
    expect(l.slippage[0]).toBe(2);
    expect(l.impact[0]).toBeCloseTo(IMPACT, 10); // 6.4606...
    expect(l.impact[0]).toBeCloseTo(6.4606, 3);
    // (entry 31, exit 34]: settlements at 32 (2 bp) and 34 (3 bp); 31 is at the entry (excluded), 35 after the exit.
    expect(l.funding[0]).toBeCloseTo(5, 10);
    expect(l.borrow[0]).toBe(0);
    expect(l.net[0]).toBeCloseTo(200 - 10 - 2 - IMPACT - 5, 10);
    expect(l.participation[0]).toBeCloseTo(PART, 15);
  });

  test('perp short: gross -200, funding received (-5 bp cost), no borrow', () => {
    const l = tradeLedger(inputs({ occ: occ([30], [-1]) }));
    expect(l.gross[0]).toBeCloseTo(-200, 10); // (1 - 102/100) * 1e4
    expect(l.funding[0]).toBeCloseTo(-5, 10);
    expect(l.borrow[0]).toBe(0);
    expect(l.net[0]).toBeCloseTo(-200 - 10 - 2 - IMPACT + 5, 10);
  });

  test('spot short: fees 2x10, borrow 1000 bps/yr x 3h, no funding (even without a funding series)', () => {
    const l = tradeLedger(inputs({ market: 'spot', fees: { venue: 'binance', taker_fee_bps: 10 }, occ: occ([30], [-1]), funding: undefined }));
    expect(l.fees[0]).toBe(20);
    expect(l.funding[0]).toBe(0);
    expect(l.borrow[0]).toBeCloseTo((1000 * 3 * HOUR) / (365.25 * 24 * HOUR), 12); // 0.3422 bp
    const long = tradeLedger(inputs({ market: 'spot', fees: { venue: 'binance', taker_fee_bps: 10 }, funding: undefined }));
    expect(long.borrow[0]).toBe(0);
  });

  test('linear impact: 2 x coefficient_bps x Q / V24h', () => {
    const l = tradeLedger(inputs({ costs: { ...COSTS, impact: { model: 'linear', coefficient_bps: 50, max_participation: 0.1 } } }));
    expect(l.impact[0]).toBeCloseTo(2 * 50 * PART, 12);
  });

  test('capacity = max_participation x entry-bar quote volume (close x volume when missing); breaches per fill', () => {
    const l = tradeLedger(inputs());
    expect(l.capacity_usd[0]).toBeCloseTo(0.1 * 100 * Math.exp(A) * 1000, 8); // bar 31: quote volume NaN
    // Q = 100 base: entry bar 31 allows 0.1 x 1000 = 100 (not a breach), exit bar 34 only 0.1 x 500 = 50 (breach).
    expect(l.breaches).toBe(1);
    const big = tradeLedger(inputs({ notional_usd: 20_000 }));
    expect(big.breaches).toBe(2);
  });

  test('funding disabled: zero funding and no series needed', () => {
    const l = tradeLedger(inputs({ costs: { ...COSTS, funding: { enabled: false } }, funding: undefined }));
    expect(l.funding[0]).toBe(0);
  });
});

describe('funding window (entry, exit] and coverage', () => {
  const where = { file: 'lake/cleaned/funding/exchange=binance/market=um/symbol=XUSDT', instrument: 'binance/um/XUSDT/1h' };
  const at = (k: number) => T0 + k * HOUR;

  test('a settlement at the entry is excluded, one at the exit included', () => {
    expect(fundingSum(FUNDING, at(31), at(34), where)).toBeCloseTo(0.0005, 15);
    expect(fundingSum(FUNDING, at(30), at(31), where)).toBeCloseTo(0.0007, 15);
    expect(fundingSum(FUNDING, at(31), at(31.5), where)).toBe(0); // covered, no settlement inside: a true zero
    expect(fundingSum(FUNDING, at(32), at(35), where)).toBeCloseTo(0.0008, 15);
  });

  test('a window the series does not cover is a DataError naming the instrument and the window, never 0', () => {
    // last settlement at 35 with a 1h interval: covered up to (but excluding) bar 36.
    expect(fundingSum(FUNDING, at(35), at(35.9), where)).toBe(0);
    const err = (() => {
      try {
        fundingSum(FUNDING, at(35), at(36), where);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe(
      'lake/cleaned/funding/exchange=binance/market=um/symbol=XUSDT ts_ms: binance/um/XUSDT/1h: no funding covering the hold ' +
      '(2025-01-02T11:00:00.000Z, 2025-01-02T12:00:00.000Z]: the last settlement is at 2025-01-02T11:00:00.000Z, ' +
      `was {"entry_ts":${at(35)},"exit_ts":${at(36)}}`,
    );
    // before the first settlement's interval (bar 23 - 4h = bar 19)
    expect(() => fundingSum(FUNDING, at(18), at(20), where)).toThrow(/binance\/um\/XUSDT\/1h: no funding covering the hold .*first settlement/);
    expect(fundingSum(FUNDING, at(19), at(20), where)).toBe(0);
    // a gap of more than 24h between settlements around the hold
    const gap: FundingSeries = { ts_ms: Float64Array.from([0, 30 * HOUR]), funding_rate: Float64Array.from([0, 0]), interval_hours: Float64Array.from([8, 30]) };
    expect(() => fundingSum(gap, 2 * HOUR, 3 * HOUR, where)).toThrow(/are 30 h apart/);
    const empty: FundingSeries = { ts_ms: new Float64Array(0), funding_rate: new Float64Array(0), interval_hours: new Float64Array(0) };
    expect(() => fundingSum(empty, 0, 1, where)).toThrow(/no funding rows/);
  });

  test('a perpetual without any funding rows while funding is enabled is a DataError naming the instrument', () => {
    expect(() => tradeLedger(inputs({ funding: undefined }))).toThrow(
      /^lake\/cleaned\/funding\/x funding_rate: binance\/um\/XUSDT\/1h: no funding rows for a perpetual while funding is enabled/,
    );
  });
});

describe('venue and market priced by the cost config', () => {
  test('venue_for maps the synthetic exchange; the exchange name is used otherwise', () => {
    expect(resolveVenueFees(COSTS, 'synthetic', 'um', { synthetic: 'binance' }, 'spec/costs.yaml')).toEqual({ venue: 'binance', taker_fee_bps: 5 });
    expect(resolveVenueFees(COSTS, 'binance', 'spot', {}, 'spec/costs.yaml')).toEqual({ venue: 'binance', taker_fee_bps: 10 });
  });

  test('an unpriced venue or market is a DataError naming it and the costs file', () => {
    expect(() => resolveVenueFees(COSTS, 'synthetic', 'um', {}, 'spec/costs.yaml')).toThrow(
      /^spec\/costs\.yaml venues: venue synthetic is not priced in the cost config, was "synthetic"$/,
    );
    expect(() => resolveVenueFees(COSTS, 'synthetic', 'cm', { synthetic: 'binance' }, 'spec/costs.yaml')).toThrow(
      /^spec\/costs\.yaml venues\.binance\.cm: market cm of venue binance \(exchange synthetic mapped by venue_for\) is not priced/,
    );
  });
});

function ledgerOf(net: number[], capacity: number): TradeLedger {
  const n = net.length;
  const z = () => new Float64Array(n);
  return {
    t: Int32Array.from(net, (_, k) => k * 10), s: new Int8Array(n).fill(1), gross: Float64Array.from(net), fees: z(), slippage: z(),
    impact: z(), funding: z(), borrow: z(), net: Float64Array.from(net), participation: z(),
    capacity_usd: new Float64Array(n).fill(capacity), breaches: 0, dropped_short_history: 0, dropped_zero_volume: 0,
    dropped_funding_span: 0,
  };
}

describe('net edge, bootstrap CI, turnover and gates', () => {
  // A fixed pseudo-random net series: mean 3 bp, sd ~20 bp, n = 400 (a linear congruential sequence, no RNG needed).
  const net = Array.from({ length: 400 }, (_, k) => 3 + 20 * Math.sqrt(3) * (2 * (((k * 7919) % 400) / 400) - 1 + 1 / 400));

  test('seed = first 48 bits of SHA-256(candidate id); equal inputs give identical results', () => {
    expect(bootstrapSeed('c-0123456789abcdef')).toBe(parseInt(createHash('sha256').update('c-0123456789abcdef').digest('hex').slice(0, 12), 16));
    const a = bridgeStats('c-0123456789abcdef', ledgerOf(net, 5e4), 0, 1, GATES);
    const b = bridgeStats('c-0123456789abcdef', ledgerOf(net, 5e4), 0, 1, GATES);
    expect(a).toEqual(b);
    expect(bridgeStats('c-other', ledgerOf(net, 5e4), 0, 1, GATES).ci_lo_bps).not.toBe(a.ci_lo_bps);
  });

  test('with block 1 the CI is the iid percentile bootstrap: close to mean +- 1.96 sd / sqrt(n) (normal theory)', () => {
    const s = bridgeStats('c-x', ledgerOf(net, 5e4), 0, 1, { ...GATES, bootstrap_reps: 2000 });
    const m = net.reduce((x, y) => x + y, 0) / net.length;
    const sd = Math.sqrt(net.reduce((x, y) => x + (y - m) ** 2, 0) / (net.length - 1));
    const half = (1.959964 * sd) / Math.sqrt(net.length);
    expect(s.net_bps).toBeCloseTo(m, 12);
    expect(s.bootstrap_block).toBe(1);
    expect(Math.abs(s.ci_lo_bps - (m - half))).toBeLessThan(0.15 * half);
    expect(Math.abs(s.ci_hi_bps - (m + half))).toBeLessThan(0.15 * half);
  });

  test('turnover: round trips per year = trades / years; notional = 2 x notional x that', () => {
    const years = (5000 * HOUR) / YEAR_MS;
    const s = bridgeStats('c-x', ledgerOf(net, 5e4), 3, years, GATES);
    expect(s.round_trips_per_year).toBeCloseTo(400 / years, 9);
    expect(s.notional_turnover_usd_per_year).toBeCloseTo(2 * 10_000 * (400 / years), 6);
    expect(s.bootstrap_block).toBe(4);
  });

  test('the Politis-White block length of the net series is reported as computed beside the block used', () => {
    const s = bridgeStats('c-x', ledgerOf(net, 5e4), 3, 1, GATES);
    expect(s.bootstrap_block).toBe(4); // the contract's block: discovery HAC lag + 1
    expect(s.pw_block).toBe(politisWhiteBlockLength(net));
    expect(Number.isNaN(bridgeStats('c-x', ledgerOf(net.slice(0, 3), 5e4), 0, 1, GATES).pw_block)).toBe(true);
  });

  test('the CI made elsewhere (BootstrapCIPool, 1 to 3 threads): withBridgeCI gives bridgeStats\'s object, key order included', async () => {
    const cases: [string, number[], number, number][] = [
      ['c-a', net, 5e4, 0], ['c-b', net.map((x) => x - 10), 100, 3], ['c-c', net.map(() => 1), 5e4, 1], ['c-d', net.slice(0, 1), 5e4, 0], ['c-e', [], 0, 0],
    ];
    const want = cases.map(([id, x, cap, lags]) => JSON.stringify(bridgeStats(id, ledgerOf(x, cap), lags, 1, GATES)));
    for (const threads of [1, 2, 3]) {
      const pool = new BootstrapCIPool(cases.length, { threads, minWork: 0 });
      try {
        const at = cases.map(([id, x, cap, lags]) => {
          const b = bridgeBootstrap(id, ledgerOf(x, cap), lags, GATES);
          return b ? pool.submit(b.x, b.opts) : -1;
        });
        const cis = await pool.results();
        const got = cases.map(([id, x, cap, lags], k) => {
          const later = bridgeStats(id, ledgerOf(x, cap), lags, 1, GATES, { lo: NaN, hi: NaN });
          return JSON.stringify(withBridgeCI(later, at[k]! >= 0 ? cis[at[k]!]! : { lo: NaN, hi: NaN }, GATES));
        });
        expect(got).toEqual(want);
      } finally {
        pool.close();
      }
    }
    expect(JSON.parse(want[0]!)).toMatchObject({ pass: true });
    expect(JSON.parse(want[1]!)).toMatchObject({ failed_gates: ['ci_lo', 'min_net_bps', 'min_capacity_usd'] });
  });

  test('gates in order ci_lo, min_net_bps, min_capacity_usd', () => {
    expect(bridgeStats('c-x', ledgerOf(net, 5e4), 0, 1, GATES)).toMatchObject({ pass: true, failed_gate: '', failed_gates: [] });
    expect(bridgeStats('c-x', ledgerOf(net, 9_999), 0, 1, GATES)).toMatchObject({ pass: false, failed_gates: ['min_capacity_usd'] });
    const losing = bridgeStats('c-x', ledgerOf(net.map((x) => x - 10), 100), 0, 1, GATES);
    expect(losing.failed_gates).toEqual(['ci_lo', 'min_net_bps', 'min_capacity_usd']);
    expect(losing.failed_gate).toBe('ci_lo');
    // positive CI but below the 2 bp floor: 1 bp every trade
    expect(bridgeStats('c-x', ledgerOf(net.map(() => 1), 5e4), 0, 1, GATES).failed_gates).toEqual(['min_net_bps']);
    const none = bridgeStats('c-x', ledgerOf([], 0), 0, 1, GATES);
    expect(none).toMatchObject({ n_trades: 0, pass: false, failed_gates: ['ci_lo', 'min_net_bps', 'min_capacity_usd'] });
    expect(Number.isNaN(none.net_bps)).toBe(true);
  });
});

describe('funding that ends before the bars (issue 10.2)', () => {
  // FUNDING's span: from bar 23 - 4 h = bar 19 to bar 35 + 1 h = bar 36 (exclusive)
  test('an occurrence whose hold leaves the funding span is not priced and is counted; the others are priced as before', () => {
    // t = 30: hold (31, 34] inside; t = 32: hold (33, 36] reaches the settlement due at 36, which is not in the data
    const l = tradeLedger(inputs({ occ: occ([30, 32], [1, 1]) }));
    expect(Array.from(l.t)).toEqual([30]);
    expect(l.dropped_funding_span).toBe(1);
    expect(l.funding[0]).toBeCloseTo(5, 10);
    const stats = bridgeStats('c1', l, 1, 1, GATES);
    expect(stats.dropped_funding_span).toBe(1);
    expect(stats.n_trades).toBe(1);
  });

  test('a gap inside the span is still an error, and a perp without funding rows too', () => {
    const gap: FundingSeries = {
      ts_ms: Float64Array.from([2, 33, 35], (k) => T0 + k * HOUR), funding_rate: Float64Array.of(1e-4, 1e-4, 1e-4), interval_hours: Float64Array.of(31, 31, 2),
    };
    expect(() => tradeLedger(inputs({ funding: gap }))).toThrow(/no funding covering the hold .* are 31 h apart/);
    expect(() => tradeLedger(inputs({ funding: undefined }))).toThrow(/no funding rows for a perpetual while funding is enabled/);
  });
});

describe('pooled ledgers (mergeLedgers, pooledBlockTrades)', () => {
  const ledgerOf = (net: number[], t: number[]): TradeLedger => {
    const f = (x: number[]) => Float64Array.from(x);
    return {
      t: Int32Array.from(t), s: Int8Array.from(net.map(() => 1)), gross: f(net.map((x) => x + 10)), fees: f(net.map(() => 10)),
      slippage: f(net.map(() => 0)), impact: f(net.map(() => 0)), funding: f(net.map(() => 0)), borrow: f(net.map(() => 0)), net: f(net),
      participation: f(net.map(() => 0.01)), capacity_usd: f(net.map(() => 1e6)), breaches: 1, dropped_short_history: 2, dropped_zero_volume: 0, dropped_funding_span: 3,
    };
  };

  test('trades of the members in entry-time order (ties: member order), drop counts added', () => {
    const a = { symbol: 'AAA', ledger: ledgerOf([1, 2, 3], [5, 9, 20]), entry_ts_ms: Float64Array.from([100, 300, 500]) };
    const b = { symbol: 'BBB', ledger: ledgerOf([10, 20], [7, 8]), entry_ts_ms: Float64Array.from([300, 400]) };
    const m = mergeLedgers([a, b]);
    expect([...m.net]).toEqual([1, 2, 10, 20, 3]);
    expect([...m.entry_ts_ms]).toEqual([100, 300, 300, 400, 500]);
    expect([...m.t]).toEqual([5, 9, 7, 8, 20]);
    expect([...m.gross]).toEqual([11, 12, 20, 30, 13]);
    expect(m.breaches).toBe(2);
    expect(m.dropped_short_history).toBe(4);
    expect(m.dropped_funding_span).toBe(6);
  });

  test('block spans (lags + 1) bars of calendar time in trades', () => {
    // 100 trades over 1000 bars of 5m: 0.1 trade per bar; lags 19 -> 20 bars -> 2 trades
    const ts = Float64Array.from({ length: 100 }, (_, i) => i * 10 * 300_000);
    expect(pooledBlockTrades(19, 100, ts, 300_000)).toBe(2);
    // dense: 3 members firing on the same 10 bars -> 30 trades over 10 bars, lags 4 -> 5 bars = 15 trades
    const dense = Float64Array.from({ length: 30 }, (_, i) => Math.floor(i / 3) * 300_000);
    expect(pooledBlockTrades(4, 30, dense, 300_000)).toBe(15);
    expect(pooledBlockTrades(100, 30, dense, 300_000)).toBe(30);
    expect(pooledBlockTrades(3, 1, Float64Array.from([0]), 300_000)).toBe(1);
  });
});
