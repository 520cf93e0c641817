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
import type { IntensityChoice } from './trades.js';
import { mean, quantile, sharpe, std } from '../stats/index.js';
import type { MmBars, MmFunding } from './data.js';
import { asQuotes, glftSkew } from './model.js';

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
  return quoteWith(quoteModel(p, tick), o, qLots, sigma, tsMs);
}

/** What the quotes need that does not change from bar to bar (precomputed once per run). */
interface QuoteModel {
  p: MmParams;
  tick: number;
  /** 1 / tick when it is a whole number (prices are then k / invTick: printed without binary noise), else 0 */
  invTick: number;
  /** GLFT: (1 / gamma) ln(1 + gamma / k), bps */
  half: number;
  /** GLFT: the skew constant c divided by sigma (c is proportional to sigma) */
  cPerSigma: number;
}

function quoteModel(p: MmParams, tick: number): QuoteModel {
  const inv = Math.round(1 / tick);
  const cPerSigma = p.model === 'glft' ? glftSkew({ gamma: p.gamma, k: p.k, A: p.A, maxInventory: p.max_inventory_lots, sigma: 1 }) : NaN;
  return { p, tick, invTick: Math.abs(inv * tick - 1) < 1e-9 ? inv : 0, half: Math.log1p(p.gamma / p.k) / p.gamma, cPerSigma };
}

function quoteWith(m: QuoteModel, o: number, qLots: number, sigma: number, tsMs: number): { bid: number; ask: number; capped: boolean } {
  const p = m.p;
  let db: number, da: number;
  if (p.model === 'glft') {
    // glftDistances, with c = cPerSigma * sigma (lib/mm/model.ts)
    const c = m.cPerSigma * sigma;
    db = qLots >= p.max_inventory_lots ? NaN : m.half + ((2 * qLots + 1) / 2) * c;
    da = qLots <= -p.max_inventory_lots ? NaN : m.half - ((2 * qLots - 1) / 2) * c;
  } else {
    const sessionMs = p.session_seconds * 1000;
    const tau = (sessionMs - (tsMs % sessionMs)) / 1000;
    const qa = asQuotes(0, qLots, { gamma: p.gamma, k: p.k, sigma }, tau);
    db = qLots >= p.max_inventory_lots ? NaN : -qa.bid;
    da = qLots <= -p.max_inventory_lots ? NaN : qa.ask;
  }
  const tick = m.tick;
  const kb = Math.floor(Math.min(o * (1 - db / 1e4), o - tick) / tick + 1e-9);
  const ka = Math.ceil(Math.max(o * (1 + da / 1e4), o + tick) / tick - 1e-9);
  const bid = Number.isNaN(db) ? NaN : m.invTick ? kb / m.invTick : kb * tick;
  const ask = Number.isNaN(da) ? NaN : m.invTick ? ka / m.invTick : ka * tick;
  return { bid, ask, capped: Number.isNaN(db) || Number.isNaN(da) };
}

/** Rolling standard deviation (ddof 1) of the last `window` values pushed (NaN slots count as slots), as trailingStd. */
class RollingStd {
  private readonly buf: Float64Array;
  private pos = 0;
  private pushed = 0;
  private s = 0;
  private s2 = 0;
  private m = 0;
  constructor(private readonly window: number) {
    this.buf = new Float64Array(window).fill(NaN);
  }
  push(v: number): void {
    if (this.pushed >= this.window) {
      const u = this.buf[this.pos]!;
      if (Number.isFinite(u)) { this.s -= u; this.s2 -= u * u; this.m--; }
    }
    this.buf[this.pos] = v;
    this.pos = (this.pos + 1) % this.window;
    this.pushed++;
    if (Number.isFinite(v)) { this.s += v; this.s2 += v * v; this.m++; }
  }
  value(): number {
    return this.m >= 2 ? Math.sqrt(Math.max(0, (this.s2 - (this.s * this.s) / this.m) / (this.m - 1))) : NaN;
  }
}

/** The quotes a book posts for one bar (NaN: side not quoted). */
export interface PostedQuotes {
  bar: number;
  ts_ms: number;
  mid: number;
  bid: number;
  ask: number;
  inventory_lots: number;
  sigma_bps_per_sqrt_s: number;
}

/**
 * The market maker's state, advanced bar by bar: `quote(b, i)` at bar i's open (uses bars < i and open_i only),
 * then `settle(b, i)` once bar i is complete (fills against its high/low/close/volume, funding, equity, kill switch).
 * The backtest calls both for each bar; the realtime loop calls quote when a bar opens and settle when its data
 * arrives, so a paper run and the backtest of the same bars go through the same code.
 */
export class MmBook {
  pos = 0;
  cash = 0;
  fees = 0;
  fund = 0;
  spreadCap = 0;
  liq = 0;
  lastClose = NaN;
  peak = 0;
  limitHits = 0;
  quoted = 0;
  maxAbsLots = 0;
  killed = false;
  killTs: number | null = null;
  killDd: number | null = null;
  readonly fills: Fill[] = [];
  private readonly vol: RollingStd;
  private readonly sqrtTf: number;
  private readonly maker: number;
  private readonly exitCost: number;
  private fi = -1;
  private posted: PostedQuotes | null = null;
  private seen = 0;
  private readonly qm: QuoteModel;

  constructor(
    readonly p: MmParams, readonly costs: MmCosts, readonly rule: FillRule, readonly tick: number, readonly tfMs: number,
    private readonly funding: MmFunding | undefined,
  ) {
    checkParams(p);
    if (!(tick > 0)) throw new RangeError(`tick must be > 0, was ${tick}`);
    this.vol = new RollingStd(p.vol_window_bars);
    this.qm = quoteModel(p, tick);
    this.sqrtTf = Math.sqrt(tfMs / 1000);
    this.maker = costs.maker_fee_bps / 1e4;
    this.exitCost = (costs.taker_fee_bps + costs.slippage_bps) / 1e4;
  }

  /** Quotes for bar i at its open (null when not quoting: warm-up, missing prices, kill switch). */
  quote(b: MmBars, i: number): PostedQuotes | null {
    this.posted = null;
    const o = b.open[i]!;
    const sig = this.vol.value();
    if (this.killed || this.seen < this.p.vol_window_bars || !Number.isFinite(o) || !(sig > 0)) return null;
    const qLots = (this.pos * o) / this.p.lot_notional_usd;
    const qt = quoteWith(this.qm, o, qLots, sig / this.sqrtTf, b.ts_ms[i]!);
    if (qt.capped) this.limitHits++;
    this.posted = { bar: i, ts_ms: b.ts_ms[i]!, mid: o, bid: qt.bid, ask: qt.ask, inventory_lots: qLots, sigma_bps_per_sqrt_s: sig / this.sqrtTf };
    return this.posted;
  }

  /** Bar i is complete: fills of the posted quotes, funding settlements in (t_i, t_i + tf], equity, kill switch. */
  settle(b: MmBars, i: number): { equity: number; inventory_pnl: number; inventory_lots: number } {
    const o = b.open[i]!, h = b.high[i]!, l = b.low[i]!, c = b.close[i]!, v = b.volume[i]!;
    const invPnl = Number.isFinite(c) && Number.isFinite(this.lastClose) ? this.pos * (c - this.lastClose) : NaN;
    const q = this.posted;
    if (q && q.bar === i && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(c) && v > 0) {
      if (!Number.isNaN(q.bid)) this.quoted++;
      if (!Number.isNaN(q.ask)) this.quoted++;
      const through = this.rule === 'through' ? this.tick : 0;
      const bidHit = !Number.isNaN(q.bid) && l <= q.bid - through + 1e-12 * o;
      const askHit = !Number.isNaN(q.ask) && h >= q.ask + through - 1e-12 * o;
      let room = this.p.volume_share * v;
      const lot = this.p.lot_notional_usd / o;
      const order: (1 | -1)[] = bidHit && askHit ? (c < o ? [1, -1] : [-1, 1]) : bidHit ? [1] : askHit ? [-1] : [];
      for (const side of order) {
        const qty = Math.min(lot, room);
        if (qty <= 0) break;
        this.fill(b, i, side, side === 1 ? q.bid : q.ask, qty, o);
        room -= qty;
      }
    }
    this.posted = null;
    const f = this.funding;
    if (f) {
      if (this.fi < 0) { this.fi = 0; while (this.fi < f.ts_ms.length && f.ts_ms[this.fi]! <= b.ts_ms[i]!) this.fi++; }
      const end = b.ts_ms[i]! + this.tfMs;
      while (this.fi < f.ts_ms.length && f.ts_ms[this.fi]! <= end) {
        const px = Number.isFinite(c) ? c : this.lastClose;
        const rate = f.funding_rate[this.fi]!;
        if (this.costs.funding && Number.isFinite(rate) && Number.isFinite(px)) {
          const pay = this.pos * px * rate;
          this.cash -= pay;
          this.fund += pay;
        }
        this.fi++;
      }
    }
    const r = Number.isFinite(c) && Number.isFinite(this.lastClose) ? Math.log(c / this.lastClose) * 1e4 : NaN;
    if (this.seen > 0) this.vol.push(r);
    this.seen++;
    if (Number.isFinite(c)) this.lastClose = c;
    let equity = this.equity();
    if (equity > this.peak) this.peak = equity;
    if (!this.killed && this.peak - equity > this.p.kill_drawdown_usd) {
      this.killed = true;
      this.killTs = b.ts_ms[i]!;
      this.killDd = this.peak - equity;
      this.flatten();
      equity = this.cash;
    }
    const lots = Number.isFinite(this.lastClose) ? (this.pos * this.lastClose) / this.p.lot_notional_usd : 0;
    if (Math.abs(lots) > this.maxAbsLots) this.maxAbsLots = Math.abs(lots);
    return { equity, inventory_pnl: invPnl, inventory_lots: lots };
  }

  /** Cash plus the position marked at the last close, USD. */
  equity(): number {
    return this.cash + (Number.isFinite(this.lastClose) ? this.pos * this.lastClose : 0);
  }

  /** Closes the position at the last close paying taker fee + slippage (end of horizon, kill switch). */
  flatten(): void {
    if (this.pos === 0 || !Number.isFinite(this.lastClose)) return;
    const cost = Math.abs(this.pos) * this.lastClose * this.exitCost;
    this.cash += this.pos * this.lastClose - cost;
    this.liq += cost;
    this.pos = 0;
  }

  pnl(): PnlDecomposition {
    const net = this.equity();
    return {
      spread_capture_usd: this.spreadCap, inventory_pnl_usd: net + this.fees + this.fund + this.liq - this.spreadCap, fees_usd: this.fees,
      funding_usd: this.fund, liquidation_cost_usd: this.liq, net_pnl_usd: net,
    };
  }

  private fill(b: MmBars, i: number, side: 1 | -1, price: number, qty: number, mid: number): void {
    this.pos += side * qty;
    this.cash -= side * qty * price;
    const fee = qty * price * this.maker;
    this.cash -= fee;
    this.fees += fee;
    this.spreadCap += qty * side * (mid - price);
    this.fills.push({ bar: i, ts_ms: b.ts_ms[i]!, side, price, qty, mid });
  }
}

/** The backtest: quote and settle every bar, then liquidate at the last close (one fill rule). Pure. */
export function runMarketMaker(b: MmBars, funding: MmFunding | undefined, p: MmParams, costs: MmCosts, rule: FillRule): MmRunCore {
  const n = b.ts_ms.length;
  const tick = p.tick_size > 0 ? p.tick_size : inferTick(b);
  const book = new MmBook(p, costs, rule, tick, b.tfMs, funding);
  const equity = new Float64Array(n);
  const invBar = new Float64Array(n);
  const invLots = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    book.quote(b, i);
    const s = book.settle(b, i);
    equity[i] = s.equity;
    invBar[i] = s.inventory_pnl;
    invLots[i] = s.inventory_lots;
  }
  book.flatten();
  if (n > 0) equity[n - 1] = book.equity();
  return {
    pnl: book.pnl(), fills: book.fills, equity, inventory_pnl_bar: invBar, limit_hits: book.limitHits, quoted_sides: book.quoted,
    max_abs_inventory_lots: book.maxAbsLots, inventory_lots: invLots,
    kill: { tripped: book.killed, ts_ms: book.killTs, drawdown_usd: book.killDd }, tick_size: tick,
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
  /** Where (A, k) came from; absent: the assumption given in the params. */
  intensity?: IntensityChoice;
}

/** The metrics' intensity block: the (A, k) the quotes used and their source. */
export function intensityBlock(p: MmParams, c: IntensityChoice | undefined) {
  if (c?.source === 'trades') {
    const e = c.estimate;
    return {
      source: 'trades' as const, A_per_s: p.A, k_per_bp: p.k,
      note: `estimated from ${e.trades} trades of the lake (raw/agg_trades) by censored maximum likelihood; 95% CI A ${fmt(e.ci95.A_per_s)} /s, k ${fmt(e.ci95.k_per_bp)} /bp (${fmt(e.ci95.k_per_price)} per price unit)`,
      estimate: e as unknown as Record<string, unknown>,
    };
  }
  return {
    source: 'assumed' as const, A_per_s: p.A, k_per_bp: p.k,
    note: c?.reason ?? '(A, k) as given: a swept assumption on bars (OHLCV cannot identify them)',
    estimate: null,
  };
}

function fmt(x: readonly [number, number]): string {
  return `[${x[0].toPrecision(4)}, ${x[1].toPrecision(4)}]`;
}

export const NOT_MODELLED = [
  'queue position: a resting quote is assumed first in line once the bar trades a tick through it',
  'latency: quotes are live from the bar open and never stale within the bar',
  'intrabar path: only OHLC is known; a bar crossing both quotes takes the adverse order',
  'fill intensity (A, k) cannot be identified from OHLCV: both are swept assumptions on bars (estimated instead when the lake holds trades: see intensity)',
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
    intensity: intensityBlock(params, x.intensity),
    not_modelled: x.intensity?.source === 'trades'
      ? NOT_MODELLED.map((m) => (m.startsWith('fill intensity') ? 'fill intensity (A, k) is estimated from trades and sets the quotes; fills on bars still follow the trade-through rule, not the Poisson model' : m))
      : NOT_MODELLED,
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

/** runMarketMaker on the bars [from, to) of b (from includes the warm-up), the tick inferred from all of b. */
export function backtestMmSlice(b: MmBars, funding: MmFunding | undefined, p: MmParams, costs: MmCosts, from: number, to: number, rule: FillRule = 'through'): MmRunCore {
  const s: MmBars = {
    file: b.file, timeframe: b.timeframe, tfMs: b.tfMs, ts_ms: b.ts_ms.subarray(from, to), open: b.open.subarray(from, to), high: b.high.subarray(from, to),
    low: b.low.subarray(from, to), close: b.close.subarray(from, to), volume: b.volume.subarray(from, to),
  };
  return runMarketMaker(s, funding, { ...p, tick_size: p.tick_size > 0 ? p.tick_size : inferTick(b) }, costs, rule);
}
