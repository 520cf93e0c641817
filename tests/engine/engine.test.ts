import { describe, expect, test } from '@jest/globals';
import type { CostConfig } from '../../lib/costs/schema.js';
import {
  runEngine, trailingDailyVolBps, trailingSum, type EngineContext, type EngineInput, type EngineResult, type Strategy,
} from '../../lib/engine/index.js';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import type { Market } from '../../lib/market.js';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

function costs(over: Partial<CostConfig> = {}): CostConfig {
  return {
    venues: {
      binance: { spot: { maker_fee_bps: 10, taker_fee_bps: 10 }, um: { maker_fee_bps: 2, taker_fee_bps: 5 } },
    },
    slippage_bps: 1,
    impact: { model: 'linear', coefficient_bps: 100, max_participation: 1 },
    funding: { enabled: true },
    borrow: { spot_short_bps_per_year: 1000 },
    ...over,
  };
}

interface Bar { o: number; h: number; l: number; c: number; v: number }
const B = (o: number, h: number, l: number, c: number, v = 1000): Bar => ({ o, h, l, c, v });
const MISSING: Bar = { o: NaN, h: NaN, l: NaN, c: NaN, v: NaN };

/** One-instrument input; V24h fixed at 1000 and daily vol at 300 bps unless given. */
function input1(bars: Bar[], opts: { market?: Market; costs?: CostConfig; v24?: number; dvol?: number } & Partial<EngineInput> = {}): EngineInput {
  const n = bars.length;
  const col = (f: keyof Bar) => Float64Array.from(bars, (b) => b[f]);
  return {
    instruments: [{ exchange: 'binance', market: opts.market ?? 'um', symbol: 'BTCUSDT' }],
    ts_ms: Float64Array.from({ length: n }, (_, t) => T0 + t * H),
    tfMs: H,
    bars: [{ open: col('o'), high: col('h'), low: col('l'), close: col('c'), volume: col('v') }],
    costs: opts.costs ?? costs(),
    initialCash: 10_000,
    volume24h: [new Float64Array(n).fill(opts.v24 ?? 1000)],
    dailyVolBps: [new Float64Array(n).fill(opts.dvol ?? 300)],
    ...(opts.funding ? { funding: opts.funding } : {}),
    ...(opts.risk ? { risk: opts.risk } : {}),
  };
}

/** Strategy that runs `actions[t]` at the close of bar t. */
function script(actions: Record<number, (ctx: EngineContext) => void>): Strategy {
  return (t, _ts, ctx) => actions[t]?.(ctx);
}

const fills = (r: EngineResult) => r.orderLog.filter((e) => e.event === 'filled');

describe('market orders', () => {
  test('fill at the next open with fee, slippage and linear impact (hand computed)', () => {
    const r = runEngine(
      input1([B(100, 100, 100, 100), B(101, 102, 100, 101.5), B(102, 103, 101, 102)]),
      script({ 0: (c) => c.submitMarket(0, 2) }),
    );
    const [f] = fills(r);
    // never at bar 0 (decision at its close): first fill bar is 1, at its open 101
    expect(f!.bar).toBe(1);
    expect(f!.price).toBe(101);
    // participation 2/1000 = 0.002; linear impact 100 bps * 0.002 = 0.2 bps; + slippage 1 bp = 1.2 bps
    expect(f!.costBps).toBeCloseTo(1.2, 12);
    // slippage+impact = 2 * 101 * 1.2e-4 = 0.02424
    expect(f!.slippageImpact).toBeCloseTo(0.02424, 12);
    // exec price 101 * (1 + 1.2e-4) = 101.01212; taker fee 5 bps: 2 * 101.01212 * 5e-4 = 0.10101212
    expect(f!.fee).toBeCloseTo(0.10101212, 12);
    expect(f!.liquidity).toBe('taker');
    // cash = 10000 - 202 - 0.10101212 - 0.02424; equity at close 101.5 adds 2 * 101.5
    expect(r.cash[1]).toBeCloseTo(10_000 - 202 - 0.10101212 - 0.02424, 9);
    expect(r.equity[1]).toBeCloseTo(10_000 - 202 - 0.10101212 - 0.02424 + 203, 9);
    expect(r.equity[0]).toBe(10_000);
    expect(r.unrealized[1]).toBeCloseTo(2 * (101.5 - 101), 12);
  });

  test('sqrt impact: 0.5 * 300 bps * sqrt(4/400) = 15 bps, plus 1 bp slippage', () => {
    const c = costs({ impact: { model: 'sqrt', coefficient: 0.5, max_participation: 1 } });
    const r = runEngine(
      input1([B(100, 100, 100, 100), B(100, 100, 100, 100)], { costs: c, v24: 400, dvol: 300 }),
      script({ 0: (x) => x.submitMarket(0, -4) }),
    );
    const [f] = fills(r);
    expect(f!.costBps).toBeCloseTo(16, 12);
    // 4 * 100 * 16e-4 = 0.64; sell exec = 100 * (1 - 16e-4) = 99.84, fee 4 * 99.84 * 5e-4 = 0.19968
    expect(f!.slippageImpact).toBeCloseTo(0.64, 12);
    expect(f!.fee).toBeCloseTo(0.19968, 12);
  });

  test('no fill on a missing bar: waits for the next present bar', () => {
    const r = runEngine(
      input1([B(100, 100, 100, 100), MISSING, B(105, 106, 104, 105)]),
      script({ 0: (c) => c.submitMarket(0, 1) }),
    );
    expect(fills(r).map((f) => [f.bar, f.price])).toEqual([[2, 105]]);
    expect(r.positions[0]).toBe(1);
  });

  test('capacity: an order above max_participation of the bar volume is cut and the cut logged', () => {
    const c = costs({ impact: { model: 'linear', coefficient_bps: 0, max_participation: 0.1 } });
    const r = runEngine(
      input1([B(100, 100, 100, 100), B(100, 100, 100, 100, 50)], { costs: c }),
      script({ 0: (x) => x.submitMarket(0, 10) }),
    );
    // cap = 0.1 * 50 = 5: fills 5, cuts 5
    const cut = r.orderLog.find((e) => e.event === 'capacity_cut');
    expect(cut!.qty).toBe(5);
    expect(fills(r)[0]!.qty).toBe(5);
    expect(r.positions[0]).toBe(5);
  });
});

describe('limit and stop orders', () => {
  test('limit buy: touching does not fill; trading through fills at the limit as maker', () => {
    const c = costs({ slippage_bps: 0, impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 } });
    const r = runEngine(
      input1([B(100, 100, 100, 100), B(100, 101, 99, 100), B(100, 100.5, 98.5, 99)], { costs: c }),
      script({ 0: (x) => x.submitLimit(0, 1, 99) }),
    );
    const [f] = fills(r);
    expect(f!.bar).toBe(2); // bar 1 low 99 == limit: touch only
    expect(f!.price).toBe(99);
    expect(f!.liquidity).toBe('maker');
    expect(f!.fee).toBeCloseTo(99 * 2e-4, 14); // maker 2 bps of 99
  });

  test('limit buy gapped through at the open fills at the open as taker; limit sell symmetric', () => {
    const c = costs({ slippage_bps: 0, impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 } });
    const r = runEngine(
      input1([B(100, 100, 100, 100), B(98, 99, 97, 98), B(103, 104, 102, 103)], { costs: c }),
      script({ 0: (x) => x.submitLimit(0, 1, 99), 1: (x) => x.submitLimit(0, -1, 102) }),
    );
    expect(fills(r).map((f) => [f.bar, f.price, f.liquidity])).toEqual([[1, 98, 'taker'], [2, 103, 'taker']]);
    // round trip: gross 103 - 98 = 5; fees 5 bps of 98 and of 103
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]!.grossPnl).toBeCloseTo(5, 12);
    expect(r.trades[0]!.fees).toBeCloseTo((98 + 103) * 5e-4, 12);
    expect(r.trades[0]!.netPnl).toBeCloseTo(5 - (98 + 103) * 5e-4, 12);
  });

  test('stop sell: triggers at the stop price, or at the open on a gap; slippage applied after', () => {
    const c = costs({ impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 } });
    const bars = [B(100, 100, 100, 100), B(100, 100, 100, 100), B(96, 97, 95.5, 96), B(96, 96, 94, 95), B(100, 100, 100, 100),
      B(96, 96, 96, 96), B(93, 94, 92, 93)];
    const r = runEngine(input1(bars, { costs: c }), script({
      0: (x) => x.submitMarket(0, 1),
      1: (x) => x.submitStop(0, -1, 95), // bar 2 low 95.5 > 95: no; bar 3 low 94 from open 96: at 95
      4: (x) => { x.submitMarket(0, 1); x.submitStop(0, -1, 95); }, // bar 5 low 96: no; bar 6 opens 93 < 95: at 93
    }));
    const f = fills(r);
    expect(f.map((e) => [e.bar, e.price])).toEqual([[1, 100], [3, 95], [5, 96], [6, 93]]);
    // slippage 1 bp on the stop fill: 95 * 1e-4
    expect(f[1]!.slippageImpact).toBeCloseTo(95e-4, 14);
    expect(f[1]!.liquidity).toBe('taker');
  });

  test('stop buy touch triggers; ttl expires an untriggered order', () => {
    const c = costs({ slippage_bps: 0, impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 } });
    const r = runEngine(
      input1([B(100, 100, 100, 100), B(100, 101, 99, 100), B(100, 105, 99, 104)], { costs: c }),
      script({ 0: (x) => { x.submitStop(0, 1, 101); x.submitLimit(0, 1, 90, 1); } }),
    );
    expect(fills(r).map((e) => [e.bar, e.price, e.kind])).toEqual([[1, 101, 'stop']]);
    const exp = r.orderLog.find((e) => e.event === 'expired');
    expect(exp).toMatchObject({ bar: 1, kind: 'limit' });
  });
});

describe('reduce-only orders', () => {
  test('clipped to the position at fill time; a second one finds no position and cancels itself (OCO in effect)', () => {
    const bars = [B(100, 100, 100, 100), B(100, 100, 100, 100), B(100, 106, 94, 100), B(100, 100, 100, 100)];
    const r = runEngine(input1(bars), script({
      0: (c) => c.submitMarket(0, 2),
      // at the close of bar 1: a stop at 95 for MORE than the position, and a take-profit at 105 (both reduce-only)
      1: (c) => { c.submitStop(0, -3, 95, Infinity, true); c.submitLimit(0, -2, 105, Infinity, true); },
    }));
    const f = fills(r);
    expect(f.map((e) => [e.bar, e.kind, e.qty, e.price])).toEqual([[1, 'market', 2, 100], [2, 'stop', -2, 95]]);
    expect(r.orderLog.filter((e) => e.event === 'resized').map((e) => [e.bar, e.qty, e.reason])).toEqual([[2, -1, 'reduce-only: clipped to the position 2']]);
    expect(r.orderLog.filter((e) => e.event === 'cancelled').map((e) => [e.bar, e.kind, e.reason])).toEqual([[2, 'limit', 'reduce-only: no opposite position to reduce']]);
    expect(r.positions[0]).toBe(0);
  });

  test('a reduce-only order never opens a position', () => {
    const r = runEngine(input1([B(100, 100, 100, 100), B(100, 100, 100, 100)]), script({ 0: (c) => c.submitMarket(0, -1, Infinity, true) }));
    expect(fills(r)).toEqual([]);
    expect(r.positions[0]).toBe(0);
  });
});

describe('funding and borrow', () => {
  const c = costs({ slippage_bps: 0, impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 } });
  const bars = [B(100, 100, 100, 100), B(100, 100, 100, 110), B(110, 110, 110, 120), B(120, 120, 120, 120)];
  // settlement at the close of bar 1 (mark 110), and inside bar 2 (mark = last close before it, 110)
  const funding = [{ ts_ms: Float64Array.of(T0 + 2 * H, T0 + 2 * H + H / 2), rate: Float64Array.of(1e-4, -2e-4) }];
  const run = (q: number, market: Market = 'um') =>
    runEngine(input1(bars, { costs: c, funding, market }), script({ 0: (x) => x.submitMarket(0, q) }));

  test('long pays a positive rate, receives a negative one', () => {
    const r = run(2);
    // +2 * 110 * 1e-4 = 0.022 paid at bar 1; then 2 * 110 * (-2e-4) = -0.044 (received) at bar 2
    expect(r.funding[1]).toBeCloseTo(0.022, 14);
    expect(r.funding[2]).toBeCloseTo(0.022 - 0.044, 14);
    expect(r.trades[0]!.funding).toBeCloseTo(-0.022, 14);
  });

  test('short receives a positive rate', () => {
    const r = run(-2);
    expect(r.funding[1]).toBeCloseTo(-0.022, 14);
    expect(r.cash[1]! - r.cash[0]!).toBeCloseTo(200 - 200 * 5e-4 + 0.022, 9); // sale proceeds - fee + funding received
  });

  test('spot: no funding; a spot short pays borrow per bar', () => {
    const r = run(-2, 'spot');
    expect(r.funding[3]).toBe(0);
    // bar 1: 2 * 110 * 0.10 * 1h / (365.25 * 24h) ; bar 2: mark 120; bar 3: mark 120
    const k = 0.1 / (365.25 * 24);
    expect(r.borrow[1]).toBeCloseTo(2 * 110 * k, 14);
    expect(r.borrow[3]).toBeCloseTo(2 * 110 * k + 2 * 2 * 120 * k, 14);
    expect(run(2, 'spot').borrow[3]).toBe(0);
  });
});

describe('risk allocator', () => {
  const c = costs({ slippage_bps: 0, impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 } });
  const flat = Array.from({ length: 4 }, () => B(100, 100, 100, 100));

  test('per-symbol notional budget resizes, then rejects an increase at the cap', () => {
    const r = runEngine(input1(flat, { costs: c, risk: { maxSymbolNotional: 500 } }), script({
      0: (x) => x.submitMarket(0, 8), // 8 * 100 = 800 > 500: resized to 5
      1: (x) => x.submitMarket(0, 1), // already at 500: rejected
      2: (x) => x.submitMarket(0, -12), // flip to -7 (700) resized to -5 => sells 10
    }));
    const ev = r.orderLog.filter((e) => e.event !== 'submitted').map((e) => [e.bar, e.event, e.qty]);
    expect(ev).toEqual([[1, 'resized', 3], [1, 'filled', 5], [2, 'rejected', 1], [3, 'resized', -2], [3, 'filled', -10]]);
    expect(r.orderLog.find((e) => e.event === 'rejected')!.reason).toMatch(/symbol_notional/);
  });

  test('gross leverage cap counts other positions at their marks', () => {
    const inp = input1(flat, { costs: c, risk: { maxGrossLeverage: 2 } });
    inp.instruments.push({ exchange: 'binance', market: 'um', symbol: 'ETHUSDT' });
    inp.bars.push(inp.bars[0]!);
    inp.volume24h!.push(inp.volume24h![0]!);
    inp.dailyVolBps!.push(inp.dailyVolBps![0]!);
    const r = runEngine(inp, script({
      0: (x) => x.submitMarket(0, 150), // 15,000 <= 2 * 10,000
      1: (x) => x.submitMarket(1, -100), // equity 10000 - fee 7.5: cap (2 * 9992.5 - 15000) / 100 = 49.85
    }));
    const f = fills(r);
    expect(f[0]!.qty).toBe(150);
    expect(f[1]!.qty).toBeCloseTo(-(2 * (10_000 - 150 * 100 * 5e-4) - 15_000) / 100, 9);
    expect(r.orderLog.find((e) => e.event === 'resized')!.reason).toMatch(/gross_leverage/);
  });
});

describe('trade records', () => {
  test('MAE and MFE from bar lows/highs while open; exit bar range excluded', () => {
    const c = costs({ slippage_bps: 0, impact: { model: 'linear', coefficient_bps: 0, max_participation: 1 } });
    const r = runEngine(
      input1([B(100, 100, 100, 100), B(100, 104, 97, 101), B(101, 108, 99, 102), B(102, 150, 50, 102)], { costs: c }),
      script({ 0: (x) => x.submitMarket(0, 2), 2: (x) => x.submitMarket(0, -2) }),
    );
    const tr = r.trades[0]!;
    // long 2 at 100: worst low 97 -> 2 * -3 = -6; best high 108 -> 2 * 8 = 16 (bar 3's 150/50 is after the exit)
    expect([tr.mae, tr.mfe]).toEqual([-6, 16]);
    expect([tr.entryBar, tr.exitBar, tr.entryPrice, tr.exitPrice, tr.qty, tr.side]).toEqual([1, 3, 100, 102, 2, 1]);
    expect(tr.grossPnl).toBeCloseTo(4, 12);
  });
});

describe('defaults for trailing volume and volatility', () => {
  test('trailingSum and trailingDailyVolBps equal direct window computations', () => {
    const rng = Xoshiro128ss.fromSeed(7, 1);
    const n = 300;
    const close = new Float64Array(n);
    const vol = new Float64Array(n);
    let p = 100;
    for (let t = 0; t < n; t++) {
      p *= Math.exp(0.01 * (rng.uniform() - 0.5));
      close[t] = rng.uniform() < 0.05 ? NaN : p;
      vol[t] = rng.uniform() < 0.05 ? NaN : 1000 * rng.uniform();
    }
    const w = 24;
    const s = trailingSum(vol, w);
    const dv = trailingDailyVolBps(close, w, H);
    for (let t = 0; t < n; t++) {
      let e = 0;
      const rs: number[] = [];
      for (let k = Math.max(0, t - w + 1); k <= t; k++) {
        if (!Number.isNaN(vol[k]!)) e += vol[k]!;
        if (k >= 1) {
          const r = Math.log(close[k]! / close[k - 1]!);
          if (!Number.isNaN(r)) rs.push(r);
        }
      }
      expect(s[t]).toBeCloseTo(e, 8);
      if (rs.length < 2) expect(dv[t]).toBeNaN();
      else {
        const m = rs.reduce((a, b) => a + b, 0) / rs.length;
        const sd = Math.sqrt(rs.reduce((a, b) => a + (b - m) ** 2, 0) / (rs.length - 1));
        expect(dv[t]! / (sd * Math.sqrt(24) * 1e4)).toBeCloseTo(1, 8);
      }
    }
  });
});

describe('reconciliation property', () => {
  test('per bar: change in equity == change in realized + unrealized - fees - slippage/impact - funding - borrow', () => {
    const rng = Xoshiro128ss.fromSeed(42, 3);
    const u = () => rng.uniform();
    const m = 6;
    const n = 3000;
    const markets: Market[] = ['um', 'spot', 'um', 'spot', 'um', 'um'];
    const ts = Float64Array.from({ length: n }, (_, t) => T0 + t * H);
    const bars = [];
    const funding = [];
    for (let i = 0; i < m; i++) {
      const o = new Float64Array(n), h = new Float64Array(n), l = new Float64Array(n), c = new Float64Array(n);
      const v = new Float64Array(n);
      let p = 50 + 100 * u();
      for (let t = 0; t < n; t++) {
        const op = p * Math.exp(0.002 * (u() - 0.5));
        const cl = op * Math.exp(0.02 * (u() - 0.5));
        const miss = t > 30 && u() < 0.03;
        o[t] = miss ? NaN : op; c[t] = miss ? NaN : cl;
        h[t] = miss ? NaN : Math.max(op, cl) * (1 + 0.01 * u());
        l[t] = miss ? NaN : Math.min(op, cl) * (1 - 0.01 * u());
        v[t] = miss ? NaN : 20 + 200 * u();
        p = cl;
      }
      bars.push({ open: o, high: h, low: l, close: c, volume: v });
      const fts = Float64Array.from({ length: n / 8 }, (_, k) => T0 + k * 8 * H + (k % 2 ? 0 : H / 3));
      funding.push(markets[i] === 'spot' ? undefined : { ts_ms: fts, rate: fts.map(() => 4e-4 * (u() - 0.4)) });
    }
    const inp: EngineInput = {
      instruments: markets.map((mk, i) => ({ exchange: 'binance', market: mk, symbol: `S${i}` })),
      ts_ms: ts, tfMs: H, bars, funding,
      costs: costs({ impact: { model: 'sqrt', coefficient: 0.7, max_participation: 0.3 } }),
      initialCash: 10_000,
      risk: { maxGrossLeverage: 1.5, maxSymbolNotional: 4000 },
    };
    const strat: Strategy = (t, _ts, x) => {
      if (t < 30) return;
      for (let i = 0; i < m; i++) {
        if (u() > 0.15) continue;
        const mk = x.mark(i);
        const q = (u() < 0.5 ? -1 : 1) * (1 + 40 * u());
        const k = u();
        if (u() < 0.2 && x.position(i) !== 0) x.submitMarket(i, -x.position(i));
        else if (k < 0.4) x.submitMarket(i, q, 3);
        else if (k < 0.7) x.submitLimit(i, q, mk * (1 - Math.sign(q) * 0.004), 1 + Math.floor(10 * u()));
        else x.submitStop(i, q, mk * (1 + Math.sign(q) * 0.004), u() < 0.5 ? Infinity : 5);
      }
    };
    const r = runEngine(inp, strat);
    const counts: Record<string, number> = {};
    for (const e of r.orderLog) counts[`${e.event}:${e.kind}`] = (counts[`${e.event}:${e.kind}`] ?? 0) + 1;
    for (const k of ['filled:market', 'filled:limit', 'filled:stop', 'capacity_cut:market', 'resized:market',
      'rejected:market', 'expired:limit', 'expired:stop']) {
      expect(counts[k] ?? 0).toBeGreaterThan(0);
    }
    expect(r.orderLog.some((e) => e.event === 'filled' && e.liquidity === 'maker')).toBe(true);
    expect(r.funding[n - 1]).not.toBe(0);
    expect(r.borrow[n - 1]).toBeGreaterThan(0);
    // every order fills strictly after its submission bar
    const subBar = new Map<number, number>();
    for (const e of r.orderLog) {
      if (e.event === 'submitted') subBar.set(e.orderId, e.bar);
      if (e.event === 'filled') expect(e.bar).toBeGreaterThan(subBar.get(e.orderId)!);
    }
    const comp = (t: number) => r.realized[t]! + r.unrealized[t]! - r.fees[t]! - r.slippageImpact[t]! - r.funding[t]! - r.borrow[t]!;
    let prevEq = inp.initialCash;
    let prevComp = 0;
    for (let t = 0; t < n; t++) {
      const dEq = r.equity[t]! - prevEq;
      const dComp = comp(t) - prevComp;
      expect(Math.abs(dEq - dComp)).toBeLessThanOrEqual(1e-9 * Math.abs(r.equity[t]!));
      prevEq = r.equity[t]!;
      prevComp = comp(t);
    }
    // round trips (open ones marked at the last close) add up to the total PnL
    const net = r.trades.reduce((a, tr) => a + tr.netPnl, 0);
    expect(Math.abs(net - (r.equity[n - 1]! - inp.initialCash))).toBeLessThanOrEqual(1e-9 * inp.initialCash);
    expect(r.trades.length).toBeGreaterThan(50);
    for (const tr of r.trades) {
      expect(tr.mae).toBeLessThanOrEqual(0);
      expect(tr.mfe).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('external fills (a live session: the exchange fills the orders)', () => {
  test('partial fills at the exchange price and fee, a residue closed, terminal events of ended orders ignored', () => {
    const bars = [B(100, 100, 100, 100), B(101, 102, 100, 101.5), B(102, 103, 101, 102), B(103, 104, 102, 103), B(104, 105, 103, 104)];
    const ext: Record<number, { orderId: number; event: 'filled' | 'cancelled' | 'rejected' | 'closed'; qty?: number; price?: number; fee?: number; reason?: string }[]> = {
      1: [{ orderId: 0, event: 'filled', qty: 1.5, price: 100.9, fee: 0.15, reason: 'trade 1' }],
      2: [{ orderId: 0, event: 'filled', qty: 0.5, price: 101.7, fee: 0.05 }, { orderId: 1, event: 'rejected', reason: 'exchange: insufficient balance' }],
      3: [{ orderId: 0, event: 'cancelled', reason: 'ignored: already filled' }, { orderId: 2, event: 'filled', qty: -1.9, price: 103.2, fee: 0.2 }, { orderId: 2, event: 'closed', reason: 'exchange: filled' }],
    };
    const r = runEngine({ ...input1(bars, { market: 'spot' }), external: (t) => ext[t] }, script({
      0: (c) => { c.submitMarket(0, 2); c.submitLimit(0, 1, 50); },
      2: (c) => { c.submitMarket(0, -2); },
    }));
    // the engine's own fill model is off: only the exchange's events (the limit would never fill at 50 anyway)
    expect(r.orderLog.map((e) => [e.orderId, e.bar, e.event, Number(e.qty.toFixed(12)), e.price ?? null, e.fee ?? null])).toEqual([
      [0, 0, 'submitted', 2, null, null], [1, 0, 'submitted', 1, 50, null],
      [0, 1, 'filled', 1.5, 100.9, 0.15],
      [0, 2, 'filled', 0.5, 101.7, 0.05], [1, 2, 'rejected', 1, null, null], [2, 2, 'submitted', -2, null, null],
      [2, 3, 'filled', -1.9, 103.2, 0.2], [2, 3, 'cancelled', -0.1, null, null],
    ]);
    expect(r.orderLog.find((e) => e.event === 'rejected')!.reason).toBe('exchange: insufficient balance');
    // booked at the exchange's prices, no simulated slippage
    expect(r.cash[4]).toBeCloseTo(10_000 - 1.5 * 100.9 - 0.15 - 0.5 * 101.7 - 0.05 + 1.9 * 103.2 - 0.2, 9);
    expect(r.slippageImpact[4]).toBe(0);
    expect(r.fees[4]).toBeCloseTo(0.4, 12);
    expect(r.positions[0]).toBeCloseTo(0.1, 12);
    expect(r.orderLog.find((e) => e.event === 'cancelled')!.reason).toBe('exchange: filled');
    expect(() => runEngine({ ...input1(bars), external: (t) => (t === 1 ? [{ orderId: 7, event: 'filled', qty: 1, price: 100 }] : undefined) }, () => undefined))
      .toThrow('engine: the exchange reports order 7 at bar 1, which was never submitted');
  });
});
