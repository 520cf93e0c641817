/**
 * Bar-data market-making backtest, honest about what bars cannot show.
 *
 * Each bar i (open time t_i) the quotes are recomputed at its open o_i (the mid the maker sees when it requotes)
 * from what is known then: inventory q (lots of lot_notional_usd at o_i) and sigma from the last vol_window_bars
 * close-to-close log returns up to bar i-1. Prices are handled in bps of o_i, so sigma is in bps per sqrt-second,
 * gamma in 1/(bp lot), k in 1/bp and A in fills per second (the model's units, lib/mm/model.ts).
 *   glft  Guéant-Lehalle-Fernandez-Tapia asymptotic quotes, inventory cap max_inventory_lots
 *   as    Avellaneda-Stoikov with T - t = the time left in the current UTC session of session_seconds, same cap
 * Quotes are post-only (bid <= o - tick, ask >= o + tick) and rounded away from the mid to the tick.
 *
 * Fills (the result): a quote fills only when the bar trades at least one tick THROUGH it (low <= bid - tick,
 * high >= ask + tick), at the quote price. `touch` (low <= bid, high >= ask) is the optimistic bound, run beside it,
 * never the result. Size: one lot, at most volume_share of the bar's base volume for both sides together. When one
 * bar crosses both quotes the adverse order is assumed: the fill on the side the bar closed against us comes first
 * (a down bar buys first, an up bar sells first) and takes the volume cap, the other side gets what is left.
 * Costs: maker fee on every fill (bps of notional, spec/costs.yaml), funding on the position held at each perp
 * settlement (longs pay positive rates, priced at the bar close), the kill switch and the end of the horizon close the
 * position at the last close paying taker fee + slippage. Every fill gets a next-bar markout.
 *
 * PnL decomposition (USD, exact): net = spread_capture + inventory_pnl - fees - funding - liquidation_cost, where
 * spread_capture = sum over fills of qty * |o_i - price| (edge against the mid at requote time) and inventory_pnl is
 * the rest of the mark-to-market (price moves on the inventory, including the move from o_i to the fill).
 */
import { mean, quantile, sharpe, std } from '../stats/index.js';
import type { MmBars, MmFunding } from './data.js';
import { logReturnsBps, trailingStd } from './features.js';
import { asQuotes, glftDistances } from './model.js';

export const MM_MODELS = ['glft', 'as'] as const;
export type MmModel = (typeof MM_MODELS)[number];
export type FillRule = 'through' | 'touch';

export interface MmParams {
  model: MmModel;
  /** risk aversion, 1 / (bp * lot) */
  gamma: number;
  /** fill-intensity decay, 1 / bp (an assumption on bars: it cannot be identified from OHLCV) */
  k: number;
  /** fill intensity at the mid, fills per second (GLFT only; an assumption on bars) */
  A: number;
  max_inventory_lots: number;
  lot_notional_usd: number;
  /** largest share of a bar's base volume the maker's fills may take, (0, 1] */
  volume_share: number;
  vol_window_bars: number;
  /** A-S horizon: quotes use T - t within consecutive UTC sessions of this length */
  session_seconds: number;
  /** price tick; 0 = inferred from the bars' prices (inferTick) */
  tick_size: number;
  /** kill switch: stop quoting and flatten when the drawdown of equity from its peak exceeds this, USD */
  kill_drawdown_usd: number;
}

export const DEFAULT_MM_PARAMS: MmParams = {
  model: 'glft', gamma: 0.01, k: 0.1, A: 0.05, max_inventory_lots: 5, lot_notional_usd: 1000, volume_share: 0.1,
  vol_window_bars: 288, session_seconds: 86400, tick_size: 0, kill_drawdown_usd: 2500,
};

export interface MmCosts {
  maker_fee_bps: number;
  taker_fee_bps: number;
  slippage_bps: number;
  /** apply funding (perpetuals with funding in the lake) */
  funding: boolean;
}

export interface Fill {
  bar: number;
  ts_ms: number;
  side: 1 | -1;
  price: number;
  qty: number;
  mid: number;
}

export interface PnlDecomposition {
  spread_capture_usd: number;
  inventory_pnl_usd: number;
  fees_usd: number;
  funding_usd: number;
  liquidation_cost_usd: number;
  net_pnl_usd: number;
}

export interface MmRunCore {
  pnl: PnlDecomposition;
  fills: Fill[];
  /** equity (USD, marked at the last close) after each bar */
  equity: Float64Array;
  /** per-bar P&L of the inventory held through the bar: q_start * (close_i - close_{i-1}), NaN without prices */
  inventory_pnl_bar: Float64Array;
  /** bars in which a quote side was withheld because the inventory cap was reached */
  limit_hits: number;
  quoted_sides: number;
  max_abs_inventory_lots: number;
  inventory_lots: Float64Array;
  kill: { tripped: boolean; ts_ms: number | null; drawdown_usd: number | null };
  tick_size: number;
}

/** The largest power of ten (<= 1) that every sampled price is a multiple of (within 1e-6 of a tick). */
export function inferTick(b: MmBars, sample = 5000): number {
  const prices: number[] = [];
  for (let i = 0; i < b.ts_ms.length && prices.length < sample; i++) {
    for (const p of [b.open[i]!, b.high[i]!, b.low[i]!, b.close[i]!]) if (Number.isFinite(p)) prices.push(p);
  }
  for (let e = 0; e >= -10; e--) {
    const d = 10 ** e;
    if (prices.every((p) => Math.abs(p / d - Math.round(p / d)) < 1e-6)) return d;
  }
  return 1e-10;
}

function checkParams(p: MmParams): void {
  const pos = (name: keyof MmParams, v: number) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`mm parameter ${name} must be a finite number > 0, was ${v}`);
  };
  pos('gamma', p.gamma); pos('k', p.k); pos('A', p.A); pos('lot_notional_usd', p.lot_notional_usd);
  pos('session_seconds', p.session_seconds); pos('kill_drawdown_usd', p.kill_drawdown_usd);
  if (!(p.max_inventory_lots >= 1)) throw new RangeError(`mm parameter max_inventory_lots must be >= 1, was ${p.max_inventory_lots}`);
  if (!(p.volume_share > 0 && p.volume_share <= 1)) throw new RangeError(`mm parameter volume_share must be in (0, 1], was ${p.volume_share}`);
  if (!(Number.isInteger(p.vol_window_bars) && p.vol_window_bars >= 2)) throw new RangeError(`mm parameter vol_window_bars must be an integer >= 2, was ${p.vol_window_bars}`);
  if (!(p.tick_size >= 0)) throw new RangeError(`mm parameter tick_size must be >= 0, was ${p.tick_size}`);
  if (!(MM_MODELS as readonly string[]).includes(p.model)) throw new RangeError(`mm parameter model must be one of ${MM_MODELS.join(', ')}, was ${JSON.stringify(p.model)}`);
}

/**
 * The quotes at a bar open o for inventory qLots (lots at o) and sigma in bps per sqrt-second: the model's distances
 * in bps of o, a side withheld (NaN) at the inventory cap, post-only (bid <= o - tick, ask >= o + tick), rounded
 * away from the mid to the tick. `capped`: a side was withheld.
 */
export function mmQuote(o: number, qLots: number, sigma: number, tsMs: number, p: MmParams, tick: number): { bid: number; ask: number; capped: boolean } {
  let db: number, da: number;
  if (p.model === 'glft') {
    [db, da] = glftDistances(qLots, { gamma: p.gamma, k: p.k, A: p.A, maxInventory: p.max_inventory_lots, sigma });
  } else {
    const sessionMs = p.session_seconds * 1000;
    const tau = (sessionMs - (tsMs % sessionMs)) / 1000;
    const qa = asQuotes(0, qLots, { gamma: p.gamma, k: p.k, sigma }, tau);
    db = qLots >= p.max_inventory_lots ? NaN : -qa.bid;
    da = qLots <= -p.max_inventory_lots ? NaN : qa.ask;
  }
  const bid = Number.isNaN(db) ? NaN : Math.floor(Math.min(o * (1 - db / 1e4), o - tick) / tick + 1e-9) * tick;
  const ask = Number.isNaN(da) ? NaN : Math.ceil(Math.max(o * (1 + da / 1e4), o + tick) / tick - 1e-9) * tick;
  return { bid, ask, capped: Number.isNaN(db) || Number.isNaN(da) };
}

/** The simulation loop (one fill rule). Pure. */
export function runMarketMaker(b: MmBars, funding: MmFunding | undefined, p: MmParams, costs: MmCosts, rule: FillRule): MmRunCore {
  checkParams(p);
  const n = b.ts_ms.length;
  const tfMs = b.tfMs;
  const sqrtTf = Math.sqrt(tfMs / 1000);
  const tick = p.tick_size > 0 ? p.tick_size : inferTick(b);
  const sigBar = trailingStd(logReturnsBps(b.close), p.vol_window_bars);
  const maker = costs.maker_fee_bps / 1e4;
  const exitCost = (costs.taker_fee_bps + costs.slippage_bps) / 1e4;
  const fts = funding?.ts_ms;
  const frate = funding?.funding_rate;
  let fi = 0;
  if (fts && n > 0) while (fi < fts.length && fts[fi]! <= b.ts_ms[0]!) fi++;

  let pos = 0, cash = 0, fees = 0, fund = 0, spreadCap = 0, liq = 0;
  let lastClose = NaN, peak = 0, limitHits = 0, quoted = 0, maxAbsLots = 0;
  let killed = false, killTs: number | null = null, killDd: number | null = null;
  const equity = new Float64Array(n);
  const invBar = new Float64Array(n).fill(NaN);
  const invLots = new Float64Array(n);
  const fills: Fill[] = [];

  const fill = (i: number, side: 1 | -1, price: number, qty: number, mid: number) => {
    pos += side * qty;
    cash -= side * qty * price;
    const fee = qty * price * maker;
    cash -= fee;
    fees += fee;
    spreadCap += qty * side * (mid - price);
    fills.push({ bar: i, ts_ms: b.ts_ms[i]!, side, price, qty, mid });
  };

  for (let i = 0; i < n; i++) {
    const o = b.open[i]!, h = b.high[i]!, l = b.low[i]!, c = b.close[i]!, v = b.volume[i]!;
    if (Number.isFinite(c) && Number.isFinite(lastClose)) invBar[i] = pos * (c - lastClose);
    const sig = i > 0 ? sigBar[i - 1]! : NaN;
    if (!killed && i >= p.vol_window_bars && Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(c) && v > 0 && sig > 0) {
      const qt = mmQuote(o, (pos * o) / p.lot_notional_usd, sig / sqrtTf, b.ts_ms[i]!, p, tick);
      const bid = qt.bid;
      const ask = qt.ask;
      if (qt.capped) limitHits++;
      if (!Number.isNaN(bid)) quoted++;
      if (!Number.isNaN(ask)) quoted++;
      const through = rule === 'through' ? tick : 0;
      const bidHit = !Number.isNaN(bid) && l <= bid - through + 1e-12 * o;
      const askHit = !Number.isNaN(ask) && h >= ask + through - 1e-12 * o;
      let room = p.volume_share * v;
      const lot = p.lot_notional_usd / o;
      const order: (1 | -1)[] = bidHit && askHit ? (c < o ? [1, -1] : [-1, 1]) : bidHit ? [1] : askHit ? [-1] : [];
      for (const side of order) {
        const qty = Math.min(lot, room);
        if (qty <= 0) break;
        fill(i, side, side === 1 ? bid : ask, qty, o);
        room -= qty;
      }
    }
    if (fts && frate) {
      const end = b.ts_ms[i]! + tfMs;
      while (fi < fts.length && fts[fi]! <= end) {
        const px = Number.isFinite(c) ? c : lastClose;
        if (costs.funding && Number.isFinite(frate[fi]!) && Number.isFinite(px)) {
          const pay = pos * px * frate[fi]!;
          cash -= pay;
          fund += pay;
        }
        fi++;
      }
    }
    if (Number.isFinite(c)) lastClose = c;
    const mark = Number.isFinite(lastClose) ? pos * lastClose : 0;
    equity[i] = cash + mark;
    if (equity[i]! > peak) peak = equity[i]!;
    if (!killed && peak - equity[i]! > p.kill_drawdown_usd) {
      killed = true;
      killTs = b.ts_ms[i]!;
      killDd = peak - equity[i]!;
      const cost = Math.abs(pos) * lastClose * exitCost;
      cash += pos * lastClose - cost;
      liq += cost;
      pos = 0;
      equity[i] = cash;
    }
    const lots = Number.isFinite(lastClose) ? (pos * lastClose) / p.lot_notional_usd : 0;
    invLots[i] = lots;
    if (Math.abs(lots) > maxAbsLots) maxAbsLots = Math.abs(lots);
  }
  if (pos !== 0 && Number.isFinite(lastClose)) {
    const cost = Math.abs(pos) * lastClose * exitCost;
    cash += pos * lastClose - cost;
    liq += cost;
    pos = 0;
    if (n > 0) equity[n - 1] = cash;
  }
  const net = cash;
  return {
    pnl: {
      spread_capture_usd: spreadCap, inventory_pnl_usd: net + fees + fund + liq - spreadCap, fees_usd: fees,
      funding_usd: fund, liquidation_cost_usd: liq, net_pnl_usd: net,
    },
    fills, equity, inventory_pnl_bar: invBar, limit_hits: limitHits, quoted_sides: quoted, max_abs_inventory_lots: maxAbsLots,
    inventory_lots: invLots, kill: { tripped: killed, ts_ms: killTs, drawdown_usd: killDd }, tick_size: tick,
  };
}

/** Next-bar markouts of the fills: per fill, side * (close_{i+1} - price) in bps of the price; fills on the last bar have none. */
export function markouts(b: MmBars, fills: readonly Fill[]): { markout_bps: Float64Array; mid_move_bps: Float64Array } {
  const mk: number[] = [];
  const mv: number[] = [];
  for (const f of fills) {
    const nx = b.close[f.bar + 1];
    if (nx === undefined || !Number.isFinite(nx)) continue;
    mk.push((f.side * (nx - f.price)) / f.price * 1e4);
    mv.push((f.side * (nx - f.mid)) / f.mid * 1e4);
  }
  return { markout_bps: Float64Array.from(mk), mid_move_bps: Float64Array.from(mv) };
}

/** P&L per UTC day (USD): the change of equity over each day that has bars. */
export function dailyPnl(b: MmBars, equity: Float64Array): { day_ms: Float64Array; pnl_usd: Float64Array } {
  const days: number[] = [];
  const pnl: number[] = [];
  let prev = 0;
  for (let i = 0; i < equity.length; i++) {
    const d = Math.floor(b.ts_ms[i]! / 86_400_000) * 86_400_000;
    const last = i === equity.length - 1 || Math.floor(b.ts_ms[i + 1]! / 86_400_000) * 86_400_000 !== d;
    if (last) {
      days.push(d);
      pnl.push(equity[i]! - prev);
      prev = equity[i]!;
    }
  }
  return { day_ms: Float64Array.from(days), pnl_usd: Float64Array.from(pnl) };
}

/** Historical VaR and ES (positive numbers = losses) of a P&L series at level alpha (0.95, 0.99). */
export function varEs(x: Float64Array, alpha: number): { var: number; es: number } {
  const f = x.filter(Number.isFinite);
  if (f.length === 0) return { var: NaN, es: NaN };
  const q = quantile(f, 1 - alpha);
  const tail = f.filter((v) => v <= q);
  return { var: -q, es: -mean(tail) };
}

export interface MmMetricsInputs {
  bars: MmBars;
  params: MmParams;
  costs: MmCosts;
  through: MmRunCore;
  touch: MmRunCore;
}

export const NOT_MODELLED = [
  'queue position: a resting quote is assumed first in line once the bar trades a tick through it',
  'latency: quotes are live from the bar open and never stale within the bar',
  'intrabar path: only OHLC is known; a bar crossing both quotes takes the adverse order',
  'fill intensity (A, k) cannot be identified from OHLCV: both are swept assumptions on bars',
  'market impact of the maker\'s own quotes on other participants',
  'partial fills below one lot other than the volume-share cap',
];

/** Metrics of a run (the JSON written as <run_id>_metrics.json, checked by MM_METRICS_SCHEMA). */
export function mmMetrics(x: MmMetricsInputs) {
  const { bars, params, through: r } = x;
  const capital = params.max_inventory_lots * params.lot_notional_usd;
  const daily = dailyPnl(bars, r.equity);
  const returns = daily.pnl_usd.map((v) => v / capital);
  const buys = r.fills.filter((f) => f.side === 1);
  const notional = r.fills.reduce((s, f) => s + f.qty * f.price, 0);
  const mk = markouts(bars, r.fills);
  const lots = r.inventory_lots;
  let peak = 0, mdd = 0;
  for (const e of r.equity) { if (e > peak) peak = e; if (peak - e > mdd) mdd = peak - e; }
  const fin = (v: number) => (Number.isFinite(v) ? v : null);
  const bps = (usd: number) => (notional > 0 ? (usd / notional) * 1e4 : null);
  return {
    model: params.model,
    params,
    costs: x.costs,
    fill_rule: 'trade_through_one_tick' as const,
    bars: bars.ts_ms.length,
    from_utc: bars.ts_ms.length ? new Date(bars.ts_ms[0]!).toISOString() : null,
    to_utc: bars.ts_ms.length ? new Date(bars.ts_ms[bars.ts_ms.length - 1]! + bars.tfMs).toISOString() : null,
    tick_size: r.tick_size,
    pnl: { ...r.pnl, traded_notional_usd: notional, net_bps_of_traded: fin(bps(r.pnl.net_pnl_usd) ?? NaN), spread_capture_bps_of_traded: fin(bps(r.pnl.spread_capture_usd) ?? NaN) },
    touch_bound: { note: 'fill on touch (low <= bid, high >= ask): an optimistic bound, not the result', pnl: x.touch.pnl, fills: x.touch.fills.length },
    fills: { total: r.fills.length, buys: buys.length, sells: r.fills.length - buys.length, quoted_sides: r.quoted_sides, fill_rate: r.quoted_sides ? r.fills.length / r.quoted_sides : 0 },
    markout_next_bar: {
      fills_with_next_bar: mk.markout_bps.length,
      mean_markout_bps: fin(mean(mk.markout_bps)),
      mean_mid_move_bps: fin(mean(mk.mid_move_bps)),
      note: 'markout = side * (next close - fill price) in bps of the price; mid_move = side * (next close - mid at requote): negative = adverse selection',
    },
    inventory: {
      mean_lots: fin(mean(lots)), mean_abs_lots: fin(mean(lots.map(Math.abs))), std_lots: fin(std(lots)),
      max_abs_lots: r.max_abs_inventory_lots, limit_lots: params.max_inventory_lots, limit_hits_bars: r.limit_hits,
    },
    performance: {
      days: daily.pnl_usd.length, capital_usd: capital,
      mean_daily_pnl_usd: fin(mean(daily.pnl_usd)), sharpe_annualized_daily: fin(daily.pnl_usd.length > 1 ? sharpe(returns, 365) : NaN),
      max_drawdown_usd: mdd,
    },
    not_modelled: NOT_MODELLED,
  };
}

export type MmMetrics = ReturnType<typeof mmMetrics>;

/** The risk report (<run_id>_risk_report.json). */
export function mmRiskReport(x: MmMetricsInputs) {
  const r = x.through;
  let peak = 0, mdd = 0;
  for (const e of r.equity) { if (e > peak) peak = e; if (peak - e > mdd) mdd = peak - e; }
  const v95 = varEs(r.inventory_pnl_bar, 0.95);
  const v99 = varEs(r.inventory_pnl_bar, 0.99);
  const fin = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    inventory_limit_lots: x.params.max_inventory_lots,
    inventory_limit_hits_bars: r.limit_hits,
    max_abs_inventory_lots: r.max_abs_inventory_lots,
    inventory_within_limit: r.max_abs_inventory_lots <= x.params.max_inventory_lots + 1 + 1e-9,
    inventory_pnl_per_bar: { var95_usd: fin(v95.var), es95_usd: fin(v95.es), var99_usd: fin(v99.var), es99_usd: fin(v99.es), method: 'historical, per bar, q_start * (close_i - close_{i-1})' },
    drawdown: { max_drawdown_usd: mdd, kill_drawdown_usd: x.params.kill_drawdown_usd },
    kill_switch: {
      state: r.kill.tripped ? ('tripped' as const) : ('armed' as const),
      tripped_at_utc: r.kill.ts_ms === null ? null : new Date(r.kill.ts_ms).toISOString(),
      drawdown_at_trip_usd: r.kill.drawdown_usd,
      rule: 'stop quoting and flatten at taker cost when equity falls kill_drawdown_usd below its peak',
    },
  };
}
