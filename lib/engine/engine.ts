/**
 * Event-driven portfolio simulator over bars of many instruments on one common UTC grid.
 *
 * Each bar t, in this order:
 *  1. fills: every live order submitted at the close of a bar < t is tried against bar t (missing bar: nothing);
 *     orders fill in submission order;
 *  2. at the close of t: marks (last finite close), MAE/MFE from the bar's high/low, borrow on spot shorts,
 *     funding settlements T with close(t-1) < T <= close(t), orders whose time-to-live ended expire;
 *  3. equity and the PnL components are recorded;
 *  4. the strategy is called (it may submit and cancel orders; they are eligible from bar t+1).
 *
 * Fill conventions (ref = reference price, before costs):
 *  - market: ref = open of the first eligible non-missing bar; taker.
 *  - limit buy at L: fills when the bar trades THROUGH L (low < L; touching does not fill), ref = min(open, L);
 *    if open < L the order crossed at the open (taker), else it rested and was hit (maker). Sell: high > L,
 *    ref = max(open, L), taker if open > L.
 *  - stop buy at S: triggers when high >= S (touch triggers); gap (open >= S): ref = open, else ref = S; taker.
 *    Sell stop: low <= S; ref = open if open <= S else S.
 *  - every fill pays slippage_bps + impact_bps (costs schema: "paid on every fill"), charged as
 *    |q| * ref * bps / 1e4; the execution price is ref * (1 + side * bps / 1e4) and the fee is
 *    |q| * execution price * fee_bps / 1e4. Positions are booked at ref, so realized/unrealized PnL are
 *    gross of costs and every cost is a separate component.
 *  - impact participation = |q| / V24h[t-1], daily vol = dailyVolBps[t-1] (known at the close before the fill);
 *    no V24h (0 or NaN) means the order waits; a NaN daily vol with the sqrt model rejects the order.
 *  - capacity: |q| <= max_participation * volume[t] (the fill bar); the excess is cut (logged) and cancelled.
 *  - reduce-only orders (checked first, at fill time): clipped to the position they find; flat or same-side
 *    position: cancelled (logged). A stop and a take-profit on one position are therefore one-cancels-other in
 *    effect: when a bar reaches both, the first to fill closes the position and the other cancels itself.
 *  - risk (after the cut): the post-fill |position| * ref <= maxSymbolNotional and
 *    gross_other + |position| * ref <= maxGrossLeverage * equity(close t-1); an order that would breach is resized
 *    to the cap or, if that would not move the position in the order's direction, rejected. Reducing exposure is
 *    always allowed.
 * Funding: at settlement T on a perp (um/cm), cash -= qty * mark * rate, qty = position held during the bar with
 * open < T <= close, mark = close of that bar if T equals its close, else the last close before it (longs pay a
 * positive rate). cm contracts are treated as linear (a simplification). Borrow: a spot short pays
 * |qty| * mark * spot_short_bps_per_year / 1e4 * tf / (365.25 days) at each bar close.
 * Tradable span (input.tradable, lib/costs/funding_span.ts): a perp may hold a position during bar t only when its
 * funding covers the bar. Outside, a fill that would open, grow or flip a position is rejected (a flip is clipped to
 * the close; logged), and a position still open at the first bar after the span is closed there by the engine before
 * any settlement: reference = that bar's open (= the last holdable close in time; the last finite close when the bar
 * is missing), taker fee, slippage, and impact from the estimates known at the previous close (none when they are
 * unknown); no capacity cut or risk check (a forced exit must leave the position flat). The order log shows it as a
 * reduce-only market order submitted and filled in that bar, reason 'funding span ended ...'.
 * Post-only limits (submitLimit postOnly): a limit that would fill as a taker (crossed at the open) is rejected,
 * reason starting `post_only`. orderLive and expectedCostBps let a wrapper (lib/engine/exposure.ts) see order state
 * and the cost model without a second copy of either.
 * Accounting: equity = cash + sum qty * mark = initialCash + realized + unrealized - fees - slippageImpact
 * - funding - borrow (tests/engine check this identity bar by bar).
 */
import { UsageError } from '../errors.js';
import { holdableRange } from '../costs/funding_span.js';
import { impactBps } from '../costs/fill.js';
import type {
  EngineFunding, EngineInput, EngineResult, OrderEvent, OrderEventType, OrderKind, TradeRecord,
} from './types.js';
import { ORDER_KINDS } from './types.js';
import type { ExternalOrderEvent } from './types.js';

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
const K_MARKET = 0;
const K_LIMIT = 1;
const K_STOP = 2;

/** What the strategy sees at the close of bar t. */
export interface EngineContext {
  readonly nInstruments: number;
  position(i: number): number;
  avgEntry(i: number): number;
  /** Last finite close at or before the current bar (NaN before the first). */
  mark(i: number): number;
  cash(): number;
  equity(): number;
  /** Submit at the close of the current bar; eligible from the next bar. ttlBars: live for that many bars
   * (default Infinity = good till cancelled). Returns the order id. qty is signed (+ buy, - sell). */
  submitMarket(i: number, qty: number, ttlBars?: number, reduceOnly?: boolean): number;
  /** postOnly: a limit that would cross at the open of its fill bar (a taker fill) is rejected instead (reason
   * starting `post_only`). */
  submitLimit(i: number, qty: number, limitPrice: number, ttlBars?: number, reduceOnly?: boolean, postOnly?: boolean): number;
  submitStop(i: number, qty: number, stopPrice: number, ttlBars?: number, reduceOnly?: boolean): number;
  cancel(orderId: number): void;
  openOrderCount(): number;
  /** Whether the order is still live (submitted, not yet filled, cancelled, rejected or expired). */
  orderLive(orderId: number): boolean;
  /**
   * The slippage + impact in bps (the cost model, without fees) a fill of `qty` of instrument i at the next bar would
   * pay, from the estimates known at this close (the ones the engine uses for that fill); NaN when unknown.
   */
  expectedCostBps(i: number, qty: number): number;
}

/** Called once per bar at its close (t = bar index, ts = its OPEN time). */
export type Strategy = (t: number, ts: number, ctx: EngineContext) => void;

/** Trailing sum of v over `w` bars ending at each t (NaN counts 0). O(n). */
export function trailingSum(v: Float64Array, w: number): Float64Array {
  const out = new Float64Array(v.length);
  let s = 0;
  for (let t = 0; t < v.length; t++) {
    const x = v[t]!;
    if (x === x) s += x;
    if (t >= w) {
      const y = v[t - w]!;
      if (y === y) s -= y;
    }
    out[t] = s;
  }
  return out;
}

/**
 * Daily volatility in bps known at the close of each bar t: sample std of ln(close[k]/close[k-1]) for the
 * returns ending in the `w` bars up to t (pairs with a missing close are skipped), times sqrt(DAY / tf), times 1e4.
 * NaN with fewer than 2 returns. Computed exactly per window start offset with running sums (O(n)).
 */
export function trailingDailyVolBps(close: Float64Array, w: number, tfMs: number): Float64Array {
  const n = close.length;
  const r = new Float64Array(n).fill(NaN);
  for (let t = 1; t < n; t++) r[t] = Math.log(close[t]! / close[t - 1]!);
  const out = new Float64Array(n);
  let s = 0;
  let ss = 0;
  let c = 0;
  const scale = Math.sqrt(DAY_MS / tfMs) * 1e4;
  for (let t = 0; t < n; t++) {
    const x = r[t]!;
    if (x === x) { s += x; ss += x * x; c++; }
    if (t >= w) {
      const y = r[t - w]!;
      if (y === y) { s -= y; ss -= y * y; c--; }
    }
    if (c < 2) { out[t] = NaN; continue; }
    const v = (ss - (s * s) / c) / (c - 1);
    out[t] = Math.sqrt(v > 0 ? v : 0) * scale;
  }
  return out;
}

/** Run the strategy over the input; returns per-bar series, round trips and the order log. */
export function runEngine(input: EngineInput, strategy: Strategy): EngineResult {
  return new Engine(input).run(strategy);
}

export class Engine implements EngineContext {
  readonly nInstruments: number;
  private readonly n: number;
  private readonly ts: Float64Array;
  private readonly tfMs: number;
  private readonly input: EngineInput;
  // per instrument
  private readonly open: Float64Array[];
  private readonly high: Float64Array[];
  private readonly low: Float64Array[];
  private readonly close: Float64Array[];
  private readonly vol: Float64Array[];
  private readonly v24: Float64Array[];
  private readonly dvol: Float64Array[];
  private readonly makerBps: Float64Array;
  private readonly takerBps: Float64Array;
  private readonly isSpot: Uint8Array;
  private readonly fund: (EngineFunding | undefined)[];
  private readonly fundPtr: Int32Array;
  private readonly nextFundTs: Float64Array;
  private readonly qty: Float64Array;
  private readonly avg: Float64Array;
  // tradable span per instrument as engine bar indices: a position may be held during bars [holdFirst, holdLast]
  private readonly holdFirst: Int32Array;
  private readonly holdLast: Int32Array;
  private readonly spanStart: Float64Array;
  private readonly spanEnd: Float64Array;
  private readonly anyCut: boolean;
  private readonly lastClose: Float64Array;
  // open trade accumulators per instrument
  private readonly trEntryBar: Int32Array;
  private readonly trSide: Int8Array;
  private readonly trEntryQty: Float64Array; // sum |q| entered
  private readonly trEntryVal: Float64Array; // sum |q| * ref entered
  private readonly trExitQty: Float64Array;
  private readonly trExitVal: Float64Array;
  private readonly trMaxQty: Float64Array;
  private readonly trRealized: Float64Array;
  private readonly trFees: Float64Array;
  private readonly trCost: Float64Array;
  private readonly trFunding: Float64Array;
  private readonly trBorrow: Float64Array;
  private readonly trMae: Float64Array;
  private readonly trMfe: Float64Array;
  // orders (struct of arrays, grown by doubling)
  private oCap = 0;
  private oCount = 0;
  private oInst = new Int32Array(0);
  private oKind = new Uint8Array(0);
  private oQty = new Float64Array(0);
  private oPrice = new Float64Array(0);
  private oSubBar = new Int32Array(0);
  private oLastBar = new Float64Array(0); // last bar on which it may fill (Infinity = GTC)
  private oLive = new Uint8Array(0);
  private oReduce = new Uint8Array(0); // 1: may only reduce the position it finds at fill time (never open or flip)
  private oPost = new Uint8Array(0); // 1: post-only limit (rejected instead of filled as a taker)
  private active = new Int32Array(16);
  private nActive = 0;
  // account
  private cashV: number;
  private equityV: number;
  private realizedV = 0;
  private feesV = 0;
  private costV = 0;
  private fundingV = 0;
  private borrowV = 0;
  private t = -1;
  private readonly maxPart: number;
  private readonly slipBps: number;
  private readonly borrowPerBar: number;
  private readonly trades: TradeRecord[] = [];
  private readonly log: OrderEvent[] = [];

  constructor(input: EngineInput) {
    const m = input.instruments.length;
    const n = input.ts_ms.length;
    if (input.bars.length !== m) {
      throw new UsageError(`engine: ${input.bars.length} bar sets for ${m} instruments`);
    }
    if (!(input.tfMs > 0)) throw new UsageError(`engine: tfMs must be > 0, was ${input.tfMs}`);
    if (!Number.isFinite(input.initialCash)) throw new UsageError(`engine: initialCash must be finite, was ${input.initialCash}`);
    for (let t = 1; t < n; t++) {
      if (!(input.ts_ms[t]! > input.ts_ms[t - 1]!)) {
        throw new UsageError(`engine: ts_ms must be strictly increasing, ts_ms[${t}] = ${input.ts_ms[t]} after ${input.ts_ms[t - 1]}`);
      }
    }
    this.input = input;
    this.nInstruments = m;
    this.n = n;
    this.ts = input.ts_ms;
    this.tfMs = input.tfMs;
    const c = input.costs;
    this.maxPart = c.impact.max_participation;
    this.slipBps = c.slippage_bps;
    this.borrowPerBar = (c.borrow.spot_short_bps_per_year / 1e4) * (input.tfMs / YEAR_MS);
    this.open = []; this.high = []; this.low = []; this.close = []; this.vol = []; this.v24 = []; this.dvol = [];
    this.makerBps = new Float64Array(m);
    this.takerBps = new Float64Array(m);
    this.isSpot = new Uint8Array(m);
    this.fund = [];
    this.fundPtr = new Int32Array(m);
    this.nextFundTs = new Float64Array(m).fill(Infinity);
    const dayBars = Math.max(1, Math.round(DAY_MS / input.tfMs));
    const volW = input.volWindowBars ?? 30 * dayBars;
    for (let i = 0; i < m; i++) {
      const k = input.instruments[i]!;
      const b = input.bars[i]!;
      for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) {
        if (b[f].length !== n) {
          throw new UsageError(`engine: bars of ${k.exchange}/${k.market}/${k.symbol}: ${f} has ${b[f].length} rows, grid has ${n}`);
        }
      }
      const fees = c.venues[k.exchange]?.[k.market];
      if (!fees) {
        throw new UsageError(`engine: no fees for venue ${k.exchange} market ${k.market} in the cost config (${k.symbol})`, {
          hint: 'add it under venues: in spec/costs.yaml; a market missing there cannot be traded',
        });
      }
      this.makerBps[i] = fees.maker_fee_bps;
      this.takerBps[i] = fees.taker_fee_bps;
      this.isSpot[i] = k.market === 'spot' ? 1 : 0;
      this.open.push(b.open); this.high.push(b.high); this.low.push(b.low); this.close.push(b.close); this.vol.push(b.volume);
      this.v24.push(input.volume24h?.[i] ?? trailingSum(b.volume, dayBars));
      this.dvol.push(input.dailyVolBps?.[i] ?? trailingDailyVolBps(b.close, volW, input.tfMs));
      const f = k.market !== 'spot' && c.funding.enabled ? input.funding?.[i] : undefined;
      if (f) {
        for (let j = 1; j < f.ts_ms.length; j++) {
          if (f.ts_ms[j]! < f.ts_ms[j - 1]!) throw new UsageError(`engine: funding of ${k.symbol} not sorted at row ${j}`);
        }
        // skip settlements at or before the start of the first bar (no position can be held then)
        let p = 0;
        const start = n > 0 ? this.ts[0]! : Infinity;
        while (p < f.ts_ms.length && f.ts_ms[p]! <= start) p++;
        this.fundPtr[i] = p;
        this.nextFundTs[i] = p < f.ts_ms.length ? f.ts_ms[p]! : Infinity;
      }
      this.fund.push(f);
    }
    this.qty = new Float64Array(m);
    this.avg = new Float64Array(m);
    this.lastClose = new Float64Array(m).fill(NaN);
    this.trEntryBar = new Int32Array(m).fill(-1);
    this.trSide = new Int8Array(m);
    this.trEntryQty = new Float64Array(m);
    this.trEntryVal = new Float64Array(m);
    this.trExitQty = new Float64Array(m);
    this.trExitVal = new Float64Array(m);
    this.trMaxQty = new Float64Array(m);
    this.trRealized = new Float64Array(m);
    this.trFees = new Float64Array(m);
    this.trCost = new Float64Array(m);
    this.trFunding = new Float64Array(m);
    this.trBorrow = new Float64Array(m);
    this.trMae = new Float64Array(m);
    this.trMfe = new Float64Array(m);
    this.holdFirst = new Int32Array(m);
    this.holdLast = new Int32Array(m).fill(n - 1);
    this.spanStart = new Float64Array(m).fill(-Infinity);
    this.spanEnd = new Float64Array(m).fill(Infinity);
    let cut = false;
    for (let i = 0; i < m; i++) {
      const sp = input.tradable?.[i];
      if (!sp) continue;
      const r = holdableRange(sp, input.ts_ms, input.tfMs);
      this.holdFirst[i] = r.first;
      this.holdLast[i] = r.last;
      this.spanStart[i] = sp.start_ms;
      this.spanEnd[i] = sp.end_ms;
      if (r.first > 0 || r.last < n - 1) cut = true;
    }
    this.anyCut = cut;
    this.cashV = input.initialCash;
    this.equityV = input.initialCash;
    this.growOrders(64);
  }

  // ---- EngineContext ----
  position(i: number): number { return this.qty[i]!; }
  avgEntry(i: number): number { return this.avg[i]!; }
  mark(i: number): number { return this.lastClose[i]!; }
  cash(): number { return this.cashV; }
  equity(): number { return this.equityV; }
  openOrderCount(): number { return this.nActive; }
  submitMarket(i: number, qty: number, ttlBars = Infinity, reduceOnly = false): number {
    return this.submit(i, K_MARKET, qty, NaN, ttlBars, reduceOnly);
  }
  submitLimit(i: number, qty: number, limitPrice: number, ttlBars = Infinity, reduceOnly = false, postOnly = false): number {
    const id = this.submit(i, K_LIMIT, qty, limitPrice, ttlBars, reduceOnly);
    if (postOnly) this.oPost[id] = 1;
    return id;
  }
  submitStop(i: number, qty: number, stopPrice: number, ttlBars = Infinity, reduceOnly = false): number {
    return this.submit(i, K_STOP, qty, stopPrice, ttlBars, reduceOnly);
  }
  orderLive(id: number): boolean {
    return id >= 0 && id < this.oCount && this.oLive[id] === 1;
  }
  expectedCostBps(i: number, qty: number): number {
    const t = this.t;
    if (!(t >= 0 && t < this.n)) return NaN;
    const v24 = this.v24[i]![t]!;
    if (!(v24 > 0)) return NaN;
    const imp = this.input.costs.impact;
    const dv = imp.model === 'sqrt' ? this.dvol[i]![t]! : NaN;
    if (imp.model === 'sqrt' && !(dv === dv)) return NaN;
    return this.slipBps + impactBps(imp, dv, Math.abs(qty) / v24);
  }
  /** The order log so far (the same array `run` returns as `orderLog`): a paper session journals it bar by bar. */
  orderEvents(): readonly OrderEvent[] { return this.log; }
  /** The orders resting now (live, not yet filled, expired or cancelled), in submission order. */
  openOrders(): { id: number; instrument: number; kind: OrderKind; qty: number; price: number | null; submittedBar: number; lastBar: number | null; reduceOnly: boolean }[] {
    const out = [];
    for (let k = 0; k < this.nActive; k++) {
      const id = this.active[k]!;
      if (!this.oLive[id]) continue;
      const p = this.oPrice[id]!;
      const lb = this.oLastBar[id]!;
      out.push({ id, instrument: this.oInst[id]!, kind: ORDER_KINDS[this.oKind[id]!] as OrderKind, qty: this.oQty[id]!, price: p === p ? p : null, submittedBar: this.oSubBar[id]!, lastBar: Number.isFinite(lb) ? lb : null, reduceOnly: this.oReduce[id] === 1 });
    }
    return out.sort((a, b) => a.id - b.id);
  }
  cancel(id: number): void {
    if (id < 0 || id >= this.oCount || !this.oLive[id]) return;
    this.oLive[id] = 0;
    this.event(id, 'cancelled', this.oQty[id]!);
  }

  run(strategy: Strategy): EngineResult {
    const n = this.n;
    const m = this.nInstruments;
    const full = this.input.series !== 'equity';
    const k = full ? n : 0;
    const out = {
      equity: new Float64Array(n), cash: new Float64Array(k), realized: new Float64Array(k),
      unrealized: new Float64Array(k), fees: new Float64Array(k), slippageImpact: new Float64Array(k),
      funding: new Float64Array(k), borrow: new Float64Array(k), gross: new Float64Array(n),
    };
    const qty = this.qty, avg = this.avg, lastClose = this.lastClose, isSpot = this.isSpot, nextFund = this.nextFundTs;
    const mae = this.trMae, mfe = this.trMfe;
    // hot loop: fields read every bar are held in locals (property loads through `this` cost more than the work)
    const close = this.close, high = this.high, low = this.low, ts = this.ts, tf = this.tfMs;
    const oEq = out.equity, oCash = out.cash, oReal = out.realized, oUnreal = out.unrealized, oFees = out.fees;
    const oCost = out.slippageImpact, oFund = out.funding, oBorrow = out.borrow, oGross = out.gross;
    const ext = this.input.external;
    for (let t = 0; t < n; t++) {
      this.t = t;
      if (ext !== undefined) {
        const evs = ext(t);
        if (evs !== undefined) for (let k = 0; k < evs.length; k++) this.applyExternal(evs[k]!, t);
      } else if (this.nActive > 0) this.processOrders(t);
      if (this.anyCut) {
        for (let i = 0; i < m; i++) if (qty[i] !== 0 && (t < this.holdFirst[i]! || t > this.holdLast[i]!)) this.forceClose(i, t);
      }
      const tsT = ts[t]!;
      const closeT = tsT + tf;
      let value = 0;
      let gross = 0;
      let unreal = 0;
      for (let i = 0; i < m; i++) {
        const c = close[i]![t]!;
        const q = qty[i]!;
        if (nextFund[i]! <= closeT) this.settleFunding(i, closeT, c);
        if (q === 0) {
          if (c === c) lastClose[i] = c;
          continue;
        }
        if (c === c) {
          lastClose[i] = c;
          const a = avg[i]!;
          const hi = high[i]![t]!;
          const lo = low[i]![t]!;
          const best = q > 0 ? q * (hi - a) : q * (lo - a);
          const worst = q > 0 ? q * (lo - a) : q * (hi - a);
          if (best > mfe[i]!) mfe[i] = best;
          if (worst < mae[i]!) mae[i] = worst;
        }
        const mk = lastClose[i]!;
        if (q < 0 && isSpot[i] === 1) {
          const b = -q * mk * this.borrowPerBar;
          this.cashV -= b; this.borrowV += b; this.trBorrow[i] = this.trBorrow[i]! + b;
        }
        value += q * mk;
        gross += (q < 0 ? -q : q) * mk;
        unreal += q * (mk - avg[i]!);
      }
      if (this.nActive > 0) this.expire(t);
      const cash = this.cashV;
      const eq = cash + value;
      this.equityV = eq;
      oEq[t] = eq; oGross[t] = gross;
      if (full) {
        oCash[t] = cash; oReal[t] = this.realizedV; oUnreal[t] = unreal; oFees[t] = this.feesV; oCost[t] = this.costV;
        oFund[t] = this.fundingV; oBorrow[t] = this.borrowV;
      }
      strategy(t, tsT, this);
    }
    // open trades at the end: reported with the last mark as exit price and exitBar -1
    for (let i = 0; i < m; i++) if (qty[i] !== 0) this.pushTrade(i, -1, NaN, lastClose[i]!, true);
    return { ...out, trades: this.trades, orderLog: this.log, positions: Float64Array.from(qty) };
  }

  // ---- internals ----
  private submit(i: number, kind: number, qty: number, price: number, ttl: number, reduceOnly: boolean): number {
    if (!(i >= 0 && i < this.nInstruments && Number.isInteger(i))) throw new UsageError(`engine: no instrument ${i}`);
    if (!Number.isFinite(qty) || qty === 0) throw new UsageError(`engine: order qty must be finite and non-zero, was ${qty}`);
    if (kind !== K_MARKET && !(price > 0)) throw new UsageError(`engine: ${ORDER_KINDS[kind]} price must be > 0, was ${price}`);
    if (!(ttl >= 1)) throw new UsageError(`engine: ttlBars must be >= 1, was ${ttl}`);
    if (this.oCount === this.oCap) this.growOrders(this.oCap * 2);
    const id = this.oCount++;
    this.oInst[id] = i; this.oKind[id] = kind; this.oQty[id] = qty; this.oPrice[id] = price;
    this.oSubBar[id] = this.t; this.oLastBar[id] = this.t + ttl; this.oLive[id] = 1; this.oReduce[id] = reduceOnly ? 1 : 0;
    this.oPost[id] = 0;
    if (this.nActive === this.active.length) {
      const a = new Int32Array(this.active.length * 2); a.set(this.active); this.active = a;
    }
    this.active[this.nActive++] = id;
    this.event(id, 'submitted', qty, kind === K_MARKET ? undefined : price);
    return id;
  }

  private growOrders(cap: number): void {
    const g = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => {
      const b = make(cap); b.set(a); return b;
    };
    this.oInst = g(this.oInst, (k) => new Int32Array(k));
    this.oKind = g(this.oKind, (k) => new Uint8Array(k));
    this.oQty = g(this.oQty, (k) => new Float64Array(k));
    this.oPrice = g(this.oPrice, (k) => new Float64Array(k));
    this.oSubBar = g(this.oSubBar, (k) => new Int32Array(k));
    this.oLastBar = g(this.oLastBar, (k) => new Float64Array(k));
    this.oLive = g(this.oLive, (k) => new Uint8Array(k));
    this.oReduce = g(this.oReduce, (k) => new Uint8Array(k));
    this.oPost = g(this.oPost, (k) => new Uint8Array(k));
    this.oCap = cap;
  }

  private event(id: number, ev: OrderEventType, qty: number, price?: number, extra?: Partial<OrderEvent>): void {
    const t = this.t;
    // One object literal of a fixed shape (absent fields undefined): adding properties one by one or Object.assign
    // made logging the orders the most expensive part of a run.
    this.log.push({
      orderId: id, bar: t, ts_ms: t >= 0 && t < this.n ? this.ts[t]! : NaN, instrument: this.oInst[id]!,
      kind: ORDER_KINDS[this.oKind[id]!] as OrderKind, event: ev, qty, price,
      fee: extra?.fee, slippageImpact: extra?.slippageImpact, costBps: extra?.costBps, liquidity: extra?.liquidity,
      reason: extra?.reason,
    });
  }

  private processOrders(t: number): void {
    let w = 0;
    for (let k = 0; k < this.nActive; k++) {
      const id = this.active[k]!;
      if (this.oLive[id] && this.oSubBar[id]! < t) this.tryFill(id, t);
      if (this.oLive[id]) this.active[w++] = id;
    }
    this.nActive = w;
  }

  /** A live session's exchange report (EngineInput.external) applied at bar t. */
  private applyExternal(e: ExternalOrderEvent, t: number): void {
    const id = e.orderId;
    if (!(Number.isInteger(id) && id >= 0 && id < this.oCount)) throw new UsageError(`engine: the exchange reports order ${id} at bar ${t}, which was never submitted`);
    const live = this.oLive[id] === 1;
    if (e.event === 'filled') {
      const q = e.qty!;
      const px = e.price!;
      const fee = e.fee ?? 0;
      if (!(Number.isFinite(q) && q !== 0 && px > 0 && Number.isFinite(fee))) throw new UsageError(`engine: exchange fill of order ${id} at bar ${t}: qty ${q}, price ${px}, fee ${fee}`);
      const i = this.oInst[id]!;
      this.book(i, q, px, fee, 0, t);
      if (live) {
        const rest = this.oQty[id]! - q;
        this.oQty[id] = rest;
        if (Math.abs(rest) <= 1e-9 * Math.abs(q) || rest * q < 0) this.oLive[id] = 0;
      }
      this.event(id, 'filled', q, px, { fee, slippageImpact: 0, costBps: 0, liquidity: e.liquidity ?? 'taker', reason: e.reason });
      return;
    }
    if (!live) return;
    this.oLive[id] = 0;
    this.event(id, e.event === 'rejected' ? 'rejected' : 'cancelled', this.oQty[id]!, undefined, { reason: e.reason });
  }

  private expire(t: number): void {
    let w = 0;
    for (let k = 0; k < this.nActive; k++) {
      const id = this.active[k]!;
      if (this.oLive[id] && this.oLastBar[id]! <= t) {
        this.oLive[id] = 0;
        this.event(id, 'expired', this.oQty[id]!);
      }
      if (this.oLive[id]) this.active[w++] = id;
    }
    this.nActive = w;
  }

  private tryFill(id: number, t: number): void {
    const i = this.oInst[id]!;
    const o = this.open[i]![t]!;
    const h = this.high[i]![t]!;
    const l = this.low[i]![t]!;
    const volT = this.vol[i]![t]!;
    const c = this.close[i]![t]!;
    if (!(o === o && h === h && l === l && c === c && volT > 0)) return; // missing or untraded bar: wait
    const v24 = this.v24[i]![t - 1]!;
    if (!(v24 > 0)) return; // no trailing volume known: wait
    let q = this.oQty[id]!;
    const side = q > 0 ? 1 : -1;
    const kind = this.oKind[id]!;
    const px = this.oPrice[id]!;
    let ref: number;
    let maker = false;
    if (kind === K_MARKET) {
      ref = o;
    } else if (kind === K_LIMIT) {
      if (side > 0) {
        if (!(l < px)) return;
        ref = o < px ? o : px; maker = !(o < px);
      } else {
        if (!(h > px)) return;
        ref = o > px ? o : px; maker = !(o > px);
      }
      if (!maker && this.oPost[id] === 1) {
        this.oLive[id] = 0;
        this.event(id, 'rejected', q, ref, { reason: `post_only: would cross (open ${o} through limit ${px})` });
        return;
      }
    } else if (side > 0) {
      if (!(h >= px)) return;
      ref = o >= px ? o : px;
    } else {
      if (!(l <= px)) return;
      ref = o <= px ? o : px;
    }
    // reduce-only: clipped to the position at fill time; nothing to reduce (flat, or same side) cancels it
    if (this.oReduce[id] === 1) {
      const p = this.qty[i]!;
      if (p === 0 || (p > 0) === (side > 0)) {
        this.oLive[id] = 0;
        this.event(id, 'cancelled', q, ref, { reason: 'reduce-only: no opposite position to reduce' });
        return;
      }
      if (Math.abs(q) > Math.abs(p)) {
        this.event(id, 'resized', q + p, ref, { reason: `reduce-only: clipped to the position ${p}` });
        q = -p;
      }
    }
    // tradable span: outside it only closing is allowed
    if (this.anyCut && (t < this.holdFirst[i]! || t > this.holdLast[i]!)) {
      const p = this.qty[i]!;
      const why = `outside the tradable span (funding covers ${new Date(this.spanStart[i]!).toISOString()} to ${new Date(this.spanEnd[i]!).toISOString()}; bar ${t} not covered)`;
      if (p === 0 || (p > 0) === (side > 0)) {
        this.oLive[id] = 0;
        this.event(id, 'rejected', q, ref, { reason: why });
        return;
      }
      if (Math.abs(q) > Math.abs(p)) {
        this.event(id, 'resized', q + p, ref, { reason: `${why}: clipped to the position ${p}` });
        q = -p;
      }
    }
    // capacity
    const cap = this.maxPart * volT;
    if (Math.abs(q) > cap) {
      const cut = q - side * cap;
      q = side * cap;
      this.event(id, 'capacity_cut', cut, undefined, { reason: `max_participation ${this.maxPart} of bar volume ${volT}` });
    }
    // risk
    const r = this.input.risk;
    if (r && (r.maxGrossLeverage !== undefined || r.maxSymbolNotional !== undefined)) {
      const p = this.qty[i]!;
      const nq = p + q;
      const absN = Math.abs(nq);
      if (absN > Math.abs(p) || Math.sign(nq) !== Math.sign(p)) {
        let capN = Infinity;
        let reason = '';
        if (r.maxSymbolNotional !== undefined) { capN = r.maxSymbolNotional / ref; reason = `symbol_notional ${r.maxSymbolNotional}`; }
        if (r.maxGrossLeverage !== undefined) {
          let other = 0;
          for (let j = 0; j < this.nInstruments; j++) {
            if (j !== i && this.qty[j] !== 0) other += Math.abs(this.qty[j]!) * this.lastClose[j]!;
          }
          const g = (r.maxGrossLeverage * this.equityV - other) / ref;
          if (g < capN) { capN = g; reason = `gross_leverage ${r.maxGrossLeverage} x equity ${this.equityV}`; }
        }
        if (capN < 0) capN = 0;
        if (absN > capN * (1 + 1e-12)) {
          const q2 = Math.sign(nq) * capN - p;
          if (!(q2 * side > 0)) {
            this.oLive[id] = 0;
            this.event(id, 'rejected', q, ref, { reason });
            return;
          }
          this.event(id, 'resized', q - q2, ref, { reason });
          q = q2;
        }
      }
    }
    // costs
    let costBps = this.slipBps;
    const part = Math.abs(q) / v24;
    const imp = this.input.costs.impact;
    const dv = imp.model === 'sqrt' ? this.dvol[i]![t - 1]! : NaN;
    if (imp.model === 'sqrt' && !(dv === dv)) {
      this.oLive[id] = 0;
      this.event(id, 'rejected', q, ref, { reason: 'daily volatility unknown at the previous close (sqrt impact)' });
      return;
    }
    costBps += impactBps(imp, dv, part);
    const feeBps = maker ? this.makerBps[i]! : this.takerBps[i]!;
    const absQ = Math.abs(q);
    const cost = (absQ * ref * costBps) / 1e4;
    const exec = ref * (1 + (side * costBps) / 1e4);
    const fee = (absQ * exec * feeBps) / 1e4;
    this.book(i, q, ref, fee, cost, t);
    this.oLive[id] = 0; // filled (the remainder, if cut, is cancelled)
    this.event(id, 'filled', q, ref, {
      fee, slippageImpact: cost, costBps, liquidity: maker ? 'maker' : 'taker',
    });
  }

  /** Pay for a fill (notional, fee, slippage and impact cost) and book it (applyFill). */
  private book(i: number, q: number, ref: number, fee: number, cost: number, t: number): void {
    this.cashV -= q * ref + fee + cost;
    this.feesV += fee;
    this.costV += cost;
    this.applyFill(i, q, ref, fee, cost, t);
  }

  /** Book a fill of signed q at reference price ref; costs fee/cost are split across closing/opening parts. */
  private applyFill(i: number, q: number, ref: number, fee: number, cost: number, t: number): void {
    const p = this.qty[i]!;
    const absQ = Math.abs(q);
    if (p === 0 || Math.sign(p) === Math.sign(q)) {
      if (p === 0) this.openTrade(i, t, q > 0 ? 1 : -1);
      const nq = p + q;
      this.avg[i] = (p * this.avg[i]! + q * ref) / nq;
      this.qty[i] = nq;
      this.trEntryQty[i] = this.trEntryQty[i]! + absQ;
      this.trEntryVal[i] = this.trEntryVal[i]! + absQ * ref;
      this.trFees[i] = this.trFees[i]! + fee;
      this.trCost[i] = this.trCost[i]! + cost;
      if (Math.abs(nq) > this.trMaxQty[i]!) this.trMaxQty[i] = Math.abs(nq);
      return;
    }
    const absP = Math.abs(p);
    const closeQ = absQ < absP ? absQ : absP;
    const frac = closeQ / absQ;
    const pnl = closeQ * (ref - this.avg[i]!) * Math.sign(p);
    this.realizedV += pnl;
    this.trRealized[i] = this.trRealized[i]! + pnl;
    this.trExitQty[i] = this.trExitQty[i]! + closeQ;
    this.trExitVal[i] = this.trExitVal[i]! + closeQ * ref;
    this.trFees[i] = this.trFees[i]! + fee * frac;
    this.trCost[i] = this.trCost[i]! + cost * frac;
    if (absQ < absP) {
      this.qty[i] = p + q; // avg entry unchanged on a reduction
      return;
    }
    this.qty[i] = 0;
    this.avg[i] = 0;
    this.pushTrade(i, t, this.ts[t]!, NaN, false);
    const rest = absQ - absP;
    if (rest > 0) {
      const nq = Math.sign(q) * rest;
      this.openTrade(i, t, q > 0 ? 1 : -1);
      this.qty[i] = nq;
      this.avg[i] = ref;
      this.trEntryQty[i] = rest;
      this.trEntryVal[i] = rest * ref;
      this.trMaxQty[i] = rest;
      this.trFees[i] = fee * (1 - frac);
      this.trCost[i] = cost * (1 - frac);
    }
  }

  private openTrade(i: number, t: number, side: number): void {
    this.trEntryBar[i] = t;
    this.trSide[i] = side;
    this.trEntryQty[i] = 0; this.trEntryVal[i] = 0; this.trExitQty[i] = 0; this.trExitVal[i] = 0;
    this.trMaxQty[i] = 0; this.trRealized[i] = 0; this.trFees[i] = 0; this.trCost[i] = 0;
    this.trFunding[i] = 0; this.trBorrow[i] = 0; this.trMae[i] = 0; this.trMfe[i] = 0;
  }

  private pushTrade(i: number, exitBar: number, exitTs: number, lastMark: number, open: boolean): void {
    const eb = this.trEntryBar[i]!;
    const entryPrice = this.trEntryVal[i]! / this.trEntryQty[i]!;
    let gross = this.trRealized[i]!;
    let exitPrice = this.trExitQty[i]! > 0 ? this.trExitVal[i]! / this.trExitQty[i]! : NaN;
    const side = (this.trSide[i]! > 0 ? 1 : -1) as 1 | -1;
    if (open) {
      gross += this.qty[i]! * (lastMark - this.avg[i]!);
      exitPrice = lastMark;
    }
    const fees = this.trFees[i]!, cost = this.trCost[i]!, fund = this.trFunding[i]!, bor = this.trBorrow[i]!;
    this.trades.push({
      instrument: i, side, entryBar: eb, entryTs: this.ts[eb]!, exitBar, exitTs, entryPrice, exitPrice,
      maxQty: this.trMaxQty[i]!, qty: open ? this.trEntryQty[i]! : this.trExitQty[i]!, grossPnl: gross,
      fees, slippageImpact: cost, funding: fund, borrow: bor, netPnl: gross - fees - cost - fund - bor,
      mae: this.trMae[i]!, mfe: this.trMfe[i]!,
    });
  }

  /** Close instrument i's position at bar t (outside its tradable span): see the header, "Tradable span". */
  private forceClose(i: number, t: number): void {
    const p = this.qty[i]!;
    const q = -p;
    const id = this.submit(i, K_MARKET, q, NaN, 1, true);
    this.oLive[id] = 0;
    const o = this.open[i]![t]!;
    const ref = o === o ? o : this.lastClose[i]!;
    let costBps = this.slipBps;
    const v24 = t > 0 ? this.v24[i]![t - 1]! : NaN;
    const absQ = Math.abs(q);
    const imp = this.input.costs.impact;
    if (v24 > 0) {
      const x = impactBps(imp, imp.model === 'sqrt' ? this.dvol[i]![t - 1]! : NaN, absQ / v24);
      if (x === x) costBps += x;
    }
    const side = q > 0 ? 1 : -1;
    const cost = (absQ * ref * costBps) / 1e4;
    const exec = ref * (1 + (side * costBps) / 1e4);
    const fee = (absQ * exec * this.takerBps[i]!) / 1e4;
    this.book(i, q, ref, fee, cost, t);
    this.event(id, 'filled', q, ref, {
      fee, slippageImpact: cost, costBps, liquidity: 'taker',
      reason: `funding span ended (covered until ${new Date(this.spanEnd[i]!).toISOString()}): position closed by the engine`,
    });
  }

  private settleFunding(i: number, closeT: number, c: number): void {
    const f = this.fund[i]!;
    let p = this.fundPtr[i]!;
    const q = this.qty[i]!;
    while (p < f.ts_ms.length && f.ts_ms[p]! <= closeT) {
      const T = f.ts_ms[p]!;
      const rate = f.rate[p]!;
      const mk = T === closeT && c === c ? c : this.lastClose[i]!;
      if (q !== 0 && rate === rate && mk === mk) {
        const pay = q * mk * rate;
        this.cashV -= pay;
        this.fundingV += pay;
        this.trFunding[i] = this.trFunding[i]! + pay;
      }
      p++;
    }
    this.fundPtr[i] = p;
    this.nextFundTs[i] = p < f.ts_ms.length ? f.ts_ms[p]! : Infinity;
  }
}
