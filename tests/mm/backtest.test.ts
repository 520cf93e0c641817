import { describe, expect, test } from '@jest/globals';
import { DEFAULT_MM_PARAMS, inferTick, mmMetrics, mmQuote, mmRiskReport, runMarketMaker, varEs, type MmParams } from '../../lib/mm/backtest.js';
import type { MmBars, MmFunding } from '../../lib/mm/data.js';
import { MM_METRICS_SCHEMA, MM_RISK_SCHEMA, schemaErrors } from '../../lib/mm/schema.js';
import { corwinSchultz } from '../../lib/mm/features.js';

const TF = 300_000;
const T0 = Date.UTC(2025, 0, 1);
type Row = [number, number, number, number, number]; // o h l c v

function bars(rows: Row[]): MmBars {
  const col = (j: number) => Float64Array.from(rows, (r) => r[j]!);
  return {
    file: 'fixture', timeframe: '5m', tfMs: TF, ts_ms: Float64Array.from(rows, (_, i) => T0 + i * TF),
    open: col(0), high: col(1), low: col(2), close: col(3), volume: col(4),
  };
}

// warm-up: closes 100, 101, 100 -> two returns +-ln(1.01): sigma = ln(1.01) 1e4 sqrt(2) bps per bar
const WARM: Row[] = [[100, 100, 100, 100, 10], [101, 101, 101, 101, 10], [100, 100, 100, 100, 10]];
const SIGMA = (Math.log(1.01) * 1e4 * Math.SQRT2) / Math.sqrt(300); // bps per sqrt-second
const P: MmParams = { ...DEFAULT_MM_PARAMS, vol_window_bars: 3, tick_size: 0.01, lot_notional_usd: 100, max_inventory_lots: 3, kill_drawdown_usd: 1e9 };
const COSTS = { maker_fee_bps: 2, taker_fee_bps: 5, slippage_bps: 1, funding: true };
const Q0 = mmQuote(100, 0, SIGMA, T0 + 3 * TF, P, 0.01); // quotes of bar 3 with no inventory

describe('quotes', () => {
  test('GLFT distances in bps of the open, rounded away from the mid to the tick', () => {
    const half = Math.log(1 + P.gamma / P.k) / P.gamma;
    const c = Math.sqrt((SIGMA ** 2 * P.gamma) / (2 * P.k * P.A) * (1 + P.gamma / P.k) ** (1 + P.k / P.gamma));
    const d = half + c / 2; // q = 0
    expect(Q0.bid).toBeCloseTo(Math.floor(100 * (1 - d / 1e4) / 0.01) * 0.01, 10);
    expect(Q0.ask).toBeCloseTo(Math.ceil(100 * (1 + d / 1e4) / 0.01) * 0.01, 10);
    expect(Q0.capped).toBe(false);
  });
  test('a side is withheld at the inventory cap; quotes are post-only', () => {
    const q = mmQuote(100, 3, SIGMA, T0, P, 0.01);
    expect(q.bid).toBeNaN();
    expect(q.capped).toBe(true);
    const tiny = mmQuote(100, 0, 1e-9, T0, { ...P, gamma: 50, k: 50 }, 0.01); // distances below one tick
    expect(tiny.bid).toBeCloseTo(99.99, 10);
    expect(tiny.ask).toBeCloseTo(100.01, 10);
  });
  test('tick inference: the largest power of ten all prices are multiples of', () => {
    expect(inferTick(bars([[100.1, 100.3, 99.9, 100.2, 1], [100.2, 100.25, 100, 100.1, 1]]))).toBeCloseTo(0.01, 12);
    expect(inferTick(bars([[97000.1, 97001.3, 96999.9, 97000, 1]]))).toBeCloseTo(0.1, 12);
  });
});

describe('fills on bars', () => {
  test('trade-through needs one tick beyond the quote; touch is the optimistic bound', () => {
    const touchOnly = bars([...WARM, [100, 100, Q0.bid, 100, 10]]);
    expect(runMarketMaker(touchOnly, undefined, P, COSTS, 'through').fills).toHaveLength(0);
    const t = runMarketMaker(touchOnly, undefined, P, COSTS, 'touch');
    expect(t.fills).toHaveLength(1);
    expect(t.fills[0]!.price).toBeCloseTo(Q0.bid, 10);
    const through = bars([...WARM, [100, 100, Q0.bid - 0.01, 100, 10]]);
    const r = runMarketMaker(through, undefined, P, COSTS, 'through');
    expect(r.fills.map((f) => [f.side, f.qty])).toEqual([[1, 1]]); // 100 USD at 100 = 1 unit
  });
  test('a bar crossing both quotes: the adverse order takes the volume cap', () => {
    const lotBase = 1; // 100 USD / 100
    const vol = 1.5 / P.volume_share; // the cap is 1.5 units for both sides together
    const down = bars([...WARM, [100, Q0.ask + 0.05, Q0.bid - 0.05, 99.5, vol]]);
    const rd = runMarketMaker(down, undefined, P, COSTS, 'through');
    expect(rd.fills.map((f) => f.side)).toEqual([1, -1]); // closed down: bought first
    expect(rd.fills[0]!.qty).toBeCloseTo(lotBase, 12);
    expect(rd.fills[1]!.qty).toBeCloseTo(0.5, 12);
    const up = bars([...WARM, [100, Q0.ask + 0.05, Q0.bid - 0.05, 100.5, vol]]);
    const ru = runMarketMaker(up, undefined, P, COSTS, 'through');
    expect(ru.fills.map((f) => [f.side, +f.qty.toFixed(12)])).toEqual([[-1, 1], [1, 0.5]]);
  });
  test('P&L decomposition: fees, funding at settlement, liquidation at taker + slippage, exact sum', () => {
    // bar 3 buys 1 unit at the bid; bar 4 rises to 100.04, short of its skewed ask (100.05) by less than a tick and a settlement at its close
    const b = bars([...WARM, [100, 100, Q0.bid - 0.01, 100, 10], [100, 100.04, 99.95, 100.04, 10]]);
    const funding: MmFunding = { file: 'f', ts_ms: Float64Array.of(T0 + 5 * TF), funding_rate: Float64Array.of(0.001) };
    const r = runMarketMaker(b, funding, P, COSTS, 'through');
    expect(r.fills).toHaveLength(1);
    const bid = Q0.bid;
    expect(r.pnl.fees_usd).toBeCloseTo(bid * 2e-4, 12);
    expect(r.pnl.spread_capture_usd).toBeCloseTo(100 - bid, 12);
    expect(r.pnl.funding_usd).toBeCloseTo(1 * 100.04 * 0.001, 12); // long pays a positive rate
    expect(r.pnl.liquidation_cost_usd).toBeCloseTo(100.04 * 6e-4, 12);
    const net = -bid - bid * 2e-4 - 100.04 * 0.001 + 100.04 - 100.04 * 6e-4;
    expect(r.pnl.net_pnl_usd).toBeCloseTo(net, 10);
    const p = r.pnl;
    expect(p.spread_capture_usd + p.inventory_pnl_usd - p.fees_usd - p.funding_usd - p.liquidation_cost_usd).toBeCloseTo(p.net_pnl_usd, 10);
    expect(p.inventory_pnl_usd).toBeCloseTo(100.04 - 100, 10); // 1 unit from the mid 100 to 100.04
  });
  test('kill switch: flattens at taker cost and stops quoting', () => {
    const crash: Row[] = [...WARM, [100, 100, Q0.bid - 0.01, 100, 10], [100, 100, 90, 90, 10], [90, 95, 85, 90, 10]];
    const r = runMarketMaker(bars(crash), undefined, { ...P, kill_drawdown_usd: 5 }, COSTS, 'through');
    expect(r.kill.tripped).toBe(true);
    expect(r.kill.ts_ms).toBe(T0 + 4 * TF);
    expect(r.fills.every((f) => f.bar <= 4)).toBe(true);
    const risk = mmRiskReport({ bars: bars(crash), params: { ...P, kill_drawdown_usd: 5 }, costs: COSTS, through: r, touch: r });
    expect(risk.kill_switch.state).toBe('tripped');
  });
});

describe('metrics and risk report', () => {
  test('validate against their JSON Schemas; a broken one does not', () => {
    const b = bars([...WARM, [100, 100, Q0.bid - 0.01, 100, 10], [100, 100.04, 99.95, 100.04, 10], [100.04, 100.05, 100.03, 100.04, 10]]);
    const r = runMarketMaker(b, undefined, P, COSTS, 'through');
    const x = { bars: b, params: P, costs: COSTS, through: r, touch: runMarketMaker(b, undefined, P, COSTS, 'touch') };
    const m = mmMetrics(x);
    expect(schemaErrors(MM_METRICS_SCHEMA, m)).toEqual([]);
    expect(schemaErrors(MM_RISK_SCHEMA, mmRiskReport(x))).toEqual([]);
    expect(m.markout_next_bar.fills_with_next_bar).toBe(1);
    expect(m.markout_next_bar.mean_markout_bps!).toBeCloseTo((100.04 - Q0.bid) / Q0.bid * 1e4, 8);
    expect(m.not_modelled.join(' ')).toContain('queue position');
    expect(schemaErrors(MM_METRICS_SCHEMA, { ...m, fills: { ...m.fills, fill_rate: 2 } })).toEqual(['/fills/fill_rate: must be <= 1']);
  });
  test('historical VaR / ES', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i - 49); // -49..50
    const v = varEs(x, 0.95);
    expect(v.var).toBeCloseTo(49 - 0.05 * 99, 10); // type-7 quantile at 0.05 = -49 + 4.95
    expect(v.es).toBeCloseTo(-(-49 - 48 - 47 - 46 - 45) / 5, 10);
  });
  test('Corwin-Schultz spread is 0 for no range and positive for a bid-ask bounce', () => {
    expect(corwinSchultz(100, 100, 100, 100)).toBe(0);
    expect(corwinSchultz(100.1, 99.9, 100.1, 99.9)).toBeGreaterThan(0);
  });
});
