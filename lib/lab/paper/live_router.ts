/**
 * The order router of a live session (docs/lab.md "Live trading"): the paper session's loop (same guards, order
 * generator and journal, session.ts) decides; this sends its orders to the exchange through the ccxt adapter in
 * send mode and reconciles the exchange's fills back into the session. The engine does not simulate fills in a live
 * session: it books the exchange's (EngineInput.external), so positions, equity, the FIFO inventory and trades.csv
 * come from what the exchange did.
 *
 * `exchange.jsonl` (the session's exchange ledger, appended synchronously, one line per fact) records:
 *   intent      written BEFORE the request leaves (an order with no intent line was never sent)
 *   ack         the exchange's order id for the client order id
 *   unknown     the placement got no answer (timeout, dropped connection): the order is looked up, never re-sent
 *   fill        one exchange trade (trade id, signed qty, price, fee in quote), applied at bar `applied_bar`
 *   final       the order's end: filled, canceled, rejected, expired, not_placed (the exchange never got it)
 *   not_sent    a decision the router did not send (stale after a catch-up or a restart, the kill switch, HALTED)
 *   cancel      a cancel request and its answer
 * Every line that changes the session (fill, final, not_sent) carries the bar it applies at, always after the last
 * bar the session has processed: the bars already journaled replay with exactly the facts they saw, so a resume
 * verifies the journal as a paper session does. Client order ids are `ql-<session 16 hex>-<bar>-<k>` (k: the
 * order's index among the bar's submissions): the same decision always has the same id, and Binance refuses a
 * duplicate id of an open order.
 *
 * Before anything new is sent (at start, and at every poll before the session runs), every order sent but not ended
 * is looked up by its client order id: its new trades become fills, its end a final line; an order the exchange does
 * not know and that has no acknowledgement was never placed (not_placed; it is not sent again). An exchange reject
 * reaches the session as a `rejected` order event and counts toward the consecutive-reject breaker. The kill-switch
 * file cancels every open exchange order of the session. The keys live in the ccxt instance only (adapter).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { writeFileAtomic } from '../../fsx.js';
import type { Logger } from '../../log.js';
import type { ExternalOrderEvent } from '../../engine/index.js';
import type { CcxtBrokerAdapter } from './ccxt_adapter.js';

export type LedgerLine =
  | { type: 'intent'; order_id: number; client_id: string; bar: number; symbol: string; kind: 'market' | 'limit' | 'stop'; qty: number; price: number | null; at_ms: number }
  | { type: 'ack'; order_id: number; client_id: string; exchange_id: string; status: string | null; at_ms: number }
  | { type: 'unknown'; order_id: number; client_id: string; error: string; at_ms: number }
  | { type: 'fill'; order_id: number; client_id: string; trade_id: string; qty: number; price: number; fee: number; fee_currency: string | null; liquidity: 'maker' | 'taker'; ts_ms: number; applied_bar: number }
  | { type: 'final'; order_id: number; client_id: string; status: 'filled' | 'canceled' | 'rejected' | 'expired' | 'not_placed'; reason: string; applied_bar: number; at_ms: number }
  | { type: 'not_sent'; order_id: number; reason: string; applied_bar: number; at_ms: number }
  | { type: 'cancel'; order_id: number; client_id: string; ok: boolean; status: string | null; message: string | null; at_ms: number };

/** Test hook: SIGKILL right after the n-th order's intent line (before the request) or its request (before the ack). */
export interface LiveCrashHook { point: 'after_intent' | 'after_send'; n: number }

export interface LiveRouterOptions {
  dir: string;
  sessionId: string;
  adapter: CcxtBrokerAdapter;
  /** ccxt unified symbol of the session's one instrument, and its journal (lake) symbol. */
  ccxtSymbol: string;
  symbol: string;
  /** Open time of the session's relative bar 0 and the bar length. */
  t0Ms: number;
  tfMs: number;
  /** Quote and base currency (fees charged in base are converted at the trade price). */
  quote: string;
  base: string;
  nowMs: () => number;
  killSwitchPresent: () => boolean;
  log: Logger;
  crash?: LiveCrashHook | undefined;
}

interface OrderState {
  intent?: Extract<LedgerLine, { type: 'intent' }>;
  exchangeId?: string;
  filled: number;
  trades: Set<string>;
  final?: Extract<LedgerLine, { type: 'final' }>;
  notSent: boolean;
  cancelled: boolean;
}

interface JournalOrder { order_id: number; bar: number; symbol: string; kind: 'market' | 'limit' | 'stop'; qty: number; price: number | null; k: number; ended: number | null }

const TERMINAL: Record<string, 'filled' | 'canceled' | 'rejected' | 'expired'> = { closed: 'filled', canceled: 'canceled', rejected: 'rejected', expired: 'expired' };
const LOOKUP_TRIES = 3;

export class LiveRouter {
  readonly file: string;
  private readonly o: LiveRouterOptions;
  private readonly orders = new Map<number, OrderState>();
  private readonly byBar = new Map<number, ExternalOrderEvent[]>();
  private placed = 0;
  /** Counts for the report. */
  readonly counts = { sent: 0, fills: 0, rejected: 0, not_sent: 0, cancels: 0, lookups: 0 };

  private constructor(o: LiveRouterOptions) {
    this.o = o;
    this.file = join(o.dir, 'exchange.jsonl');
  }

  /** The router with the session's ledger loaded (a torn last line, never acknowledged, is dropped). */
  static async open(o: LiveRouterOptions): Promise<LiveRouter> {
    const r = new LiveRouter(o);
    if (existsSync(r.file)) {
      const text = await readFile(r.file, 'utf8');
      const lines = text.split('\n');
      const whole = lines.slice(0, -1);
      if (lines[lines.length - 1] !== '') {
        o.log.warn({ session: o.sessionId, torn_bytes: lines[lines.length - 1]!.length }, 'exchange ledger: a torn last line (written when the process was killed) is dropped');
        await writeFileAtomic(r.file, whole.map((l) => l + '\n').join(''));
      }
      whole.forEach((l, k) => {
        let p: LedgerLine;
        try {
          p = JSON.parse(l) as LedgerLine;
        } catch {
          throw new DataError(`exchange ledger line ${k + 1} is not JSON`, { file: r.file, line: k + 1, value: l.slice(0, 80) }, { hint: 'the ledger is append-only: restore it; the exchange holds the truth (look the orders up by client id)' });
        }
        r.apply(p);
      });
    }
    return r;
  }

  /** The exchange's events for relative bar t (the engine's external fill source). */
  readonly external = (t: number): readonly ExternalOrderEvent[] | undefined => this.byBar.get(t);

  private st(id: number): OrderState {
    let s = this.orders.get(id);
    if (s === undefined) { s = { filled: 0, trades: new Set(), notSent: false, cancelled: false }; this.orders.set(id, s); }
    return s;
  }

  private at(bar: number, e: ExternalOrderEvent): void {
    const l = this.byBar.get(bar);
    if (l) l.push(e); else this.byBar.set(bar, [e]);
  }

  private apply(p: LedgerLine): void {
    const s = this.st(p.order_id);
    switch (p.type) {
      case 'intent': s.intent = p; break;
      case 'ack': s.exchangeId = p.exchange_id; break;
      case 'unknown': break; // no answer: the next reconciliation looks the order up by client id
      case 'fill':
        s.trades.add(p.trade_id);
        s.filled += Math.abs(p.qty);
        this.at(p.applied_bar, { orderId: p.order_id, event: 'filled', qty: p.qty, price: p.price, fee: p.fee, liquidity: p.liquidity, reason: `exchange trade ${p.trade_id} at ${new Date(p.ts_ms).toISOString()}` });
        break;
      case 'final':
        s.final = p;
        if (p.status === 'filled') this.at(p.applied_bar, { orderId: p.order_id, event: 'closed', reason: `exchange: ${p.reason}` });
        else this.at(p.applied_bar, { orderId: p.order_id, event: p.status === 'rejected' || p.status === 'not_placed' ? 'rejected' : 'cancelled', reason: `exchange: ${p.reason}` });
        break;
      case 'not_sent':
        s.notSent = true;
        this.at(p.applied_bar, { orderId: p.order_id, event: 'cancelled', reason: `not sent: ${p.reason}` });
        break;
      case 'cancel': s.cancelled = true; break;
    }
  }

  private write(p: LedgerLine): void {
    appendFileSync(this.file, JSON.stringify(p) + '\n');
    this.apply(p);
  }

  private clientId(bar: number, k: number): string {
    return `ql-${this.o.sessionId.slice(3)}-${bar}-${k}`;
  }

  private barOf(ts: number): number {
    return Math.floor((ts - this.o.t0Ms) / this.o.tfMs);
  }

  /** Orders sent whose end the ledger does not know yet. */
  openOrders(): number[] {
    return [...this.orders.entries()].filter(([, s]) => s.intent !== undefined && s.final === undefined).map(([id]) => id);
  }

  /**
   * Look every sent, unended order up at the exchange by its client order id; new trades become fills and an end a
   * final line, applied at `firstOpenBar` (the first bar the session has not processed) or at the bar of the trade
   * when later. Called before anything new is sent.
   */
  async reconcile(firstOpenBar: number): Promise<void> {
    for (const id of this.openOrders()) await this.lookup(id, firstOpenBar);
  }

  /** `concludeMissing` false (right after a timeout): an order the exchange does not know yet stays unknown until the next reconciliation. */
  private async lookup(id: number, firstOpenBar: number, concludeMissing = true): Promise<void> {
    const s = this.orders.get(id)!;
    const cid = s.intent!.client_id;
    this.counts.lookups++;
    let o: Awaited<ReturnType<CcxtBrokerAdapter['orderByClientId']>>;
    for (let k = 1; ; k++) {
      try {
        o = await this.o.adapter.orderByClientId(this.o.ccxtSymbol, cid);
        break;
      } catch (e) {
        if (!(e as { network?: boolean }).network || k >= LOOKUP_TRIES) {
          throw new DataError(`looking order ${cid} up at the exchange failed: ${(e as Error).message}`, { file: this.file, field: 'client_id', value: cid }, {
            hint: 'its state is unknown, so nothing new is sent; rerun the same command once the exchange answers (the session resumes and looks it up again)',
          });
        }
      }
    }
    const now = this.o.nowMs();
    if (o === undefined) {
      if (!concludeMissing) {
        this.o.log.warn({ session: this.o.sessionId, client_id: cid }, `order ${cid}: not at the exchange yet after the timeout; looked up again at the next reconciliation (never re-sent)`);
        return;
      }
      if (s.exchangeId !== undefined) {
        throw new DataError(`the exchange does not know order ${cid} although it acknowledged it as ${s.exchangeId}`, { file: this.file, field: 'client_id', value: cid }, { hint: 'check the account on the exchange; nothing new is sent until the ledger agrees with it' });
      }
      this.write({ type: 'final', order_id: id, client_id: cid, status: 'not_placed', reason: `the exchange has no order ${cid}: the request never reached it (not sent again)`, applied_bar: firstOpenBar, at_ms: now });
      this.o.log.warn({ session: this.o.sessionId, client_id: cid }, `order ${cid}: the exchange never received it; not sent again`);
      return;
    }
    if (s.exchangeId === undefined) this.write({ type: 'ack', order_id: id, client_id: cid, exchange_id: o.id, status: o.status, at_ms: now });
    let lastBar = firstOpenBar;
    if (o.filled > s.filled + 1e-12) {
      const trades = await this.o.adapter.orderTrades(this.o.ccxtSymbol, o.id);
      for (const t of trades.sort((a, b) => a.ts_ms - b.ts_ms || (a.id < b.id ? -1 : 1))) {
        if (s.trades.has(t.id)) continue;
        const fee = t.feeCurrency === null || t.feeCurrency === this.o.quote ? t.fee : t.feeCurrency === this.o.base ? t.fee * t.price : NaN;
        if (!Number.isFinite(fee)) {
          throw new DataError(`exchange trade ${t.id} of order ${cid}: fee ${t.fee} ${t.feeCurrency} is neither in ${this.o.quote} nor ${this.o.base}`, { file: this.file, field: 'fee', value: `${t.fee} ${t.feeCurrency}` }, { hint: 'pay fees in the quote or base currency (e.g. turn off BNB fee payment) for a live session' });
        }
        const bar = Math.max(firstOpenBar, this.barOf(t.ts_ms));
        lastBar = Math.max(lastBar, bar);
        this.write({ type: 'fill', order_id: id, client_id: cid, trade_id: t.id, qty: t.qty, price: t.price, fee, fee_currency: t.feeCurrency, liquidity: t.maker ? 'maker' : 'taker', ts_ms: t.ts_ms, applied_bar: bar });
        this.counts.fills++;
      }
    }
    const end = TERMINAL[o.status];
    if (end !== undefined && Math.abs(s.filled - o.filled) > 1e-9 * Math.max(1, o.filled)) {
      // the order has ended but its trades are not all listed yet: not final until they are (no fill is lost)
      this.o.log.warn({ session: this.o.sessionId, client_id: cid, order_filled: o.filled, trades_filled: s.filled }, `order ${cid} ended ${o.status} with ${o.filled} filled but its trades hold ${s.filled}: looked up again at the next reconciliation`);
      return;
    }
    if (end !== undefined) {
      this.write({ type: 'final', order_id: id, client_id: cid, status: end, reason: `${end} (filled ${o.filled} of ${o.amount})`, applied_bar: lastBar, at_ms: now });
    }
  }

  /** The session journal's orders: submissions (with their index in the bar) and when the session ended them. */
  private async journalOrders(): Promise<JournalOrder[]> {
    const file = join(this.o.dir, 'state.jsonl');
    const out = new Map<number, JournalOrder>();
    const perBar = new Map<number, number>();
    for (const l of (await readFile(file, 'utf8')).split('\n')) {
      if (!l.includes('"type":"order"')) continue;
      let p: { bar: number; event: string; order_id: number; symbol: string; kind: JournalOrder['kind']; qty: number; price: number | null; reason: string | null };
      try { p = JSON.parse(l); } catch { continue; } // a torn line after the last checkpoint
      if (p.event === 'submitted') {
        const k = perBar.get(p.bar) ?? 0;
        perBar.set(p.bar, k + 1);
        out.set(p.order_id, { order_id: p.order_id, bar: p.bar, symbol: p.symbol, kind: p.kind, qty: p.qty, price: p.price, k, ended: null });
      } else if ((p.event === 'cancelled' || p.event === 'expired' || p.event === 'rejected') && !(p.reason ?? '').startsWith('exchange') && !(p.reason ?? '').startsWith('not sent')) {
        const o = out.get(p.order_id);
        if (o && o.ended === null) o.ended = p.bar;
      }
    }
    return [...out.values()];
  }

  /**
   * After the session ran to (and journaled) bar `lastBar`: send the orders it decided at that bar's close while the
   * next bar is still forming (older decisions are stale: not sent), cancel at the exchange what the session
   * cancelled or let expire, and with the kill-switch file present or the session HALTED send nothing and cancel
   * every open exchange order.
   */
  async route(lastBar: number, state: string, complete = false): Promise<void> {
    const orders = await this.journalOrders();
    const kill = this.o.killSwitchPresent();
    const stop = kill ? 'the kill-switch file is present' : state === 'HALTED' ? 'the session is HALTED' : complete ? 'the session\'s window ended (nothing reconciles it after)' : undefined;
    const nextClose = this.o.t0Ms + (lastBar + 2) * this.o.tfMs;
    for (const j of orders) {
      const s = this.st(j.order_id);
      if (s.intent !== undefined || s.notSent || s.final !== undefined) continue;
      const now = this.o.nowMs();
      let why: string | undefined;
      if (j.ended !== null) why = `ended by the session at bar ${j.ended} before it was sent`;
      else if (j.bar < lastBar || now >= nextClose) why = `decided at the close of bar ${j.bar} (${new Date(this.o.t0Ms + (j.bar + 1) * this.o.tfMs).toISOString()}); a later bar has closed since (catch-up or restart): stale`;
      else if (stop !== undefined) why = stop;
      if (why !== undefined) {
        this.write({ type: 'not_sent', order_id: j.order_id, reason: why, applied_bar: lastBar + 1, at_ms: now });
        this.counts.not_sent++;
        continue;
      }
      await this.send(j, lastBar);
    }
    for (const j of orders) {
      const s = this.orders.get(j.order_id);
      if (s?.intent === undefined || s.final !== undefined || s.cancelled) continue;
      if (j.ended !== null || stop !== undefined) await this.cancel(j.order_id, stop ?? `ended by the session at bar ${j.ended}`);
    }
    if (complete) {
      // the window is over: what the exchange did after its last bar is recorded in the ledger (applied after the
      // session's bars: not in its files) and said loudly
      const before = this.counts.fills;
      await this.reconcile(lastBar + 1);
      if (this.counts.fills > before) {
        this.o.log.warn({ session: this.o.sessionId, fills: this.counts.fills - before }, `${this.counts.fills - before} exchange fills arrived after the session's last bar: recorded in exchange.jsonl only (not in the session's positions, trades or account)`);
      }
      const open = this.openOrders();
      if (open.length > 0) this.o.log.warn({ session: this.o.sessionId, open_orders: open.length }, `${open.length} orders of the session are still open at the exchange after cancelling: check the account`);
    }
  }

  private async send(j: JournalOrder, lastBar: number): Promise<void> {
    const cid = this.clientId(j.bar, j.k);
    this.write({ type: 'intent', order_id: j.order_id, client_id: cid, bar: j.bar, symbol: j.symbol, kind: j.kind, qty: j.qty, price: j.price, at_ms: this.o.nowMs() });
    this.placed++;
    if (this.o.crash?.point === 'after_intent' && this.o.crash.n === this.placed) process.kill(process.pid, 'SIGKILL');
    const r = await this.o.adapter.place({ symbol: this.o.ccxtSymbol, kind: j.kind, qty: j.qty, price: j.price ?? undefined, clientOrderId: cid });
    if (this.o.crash?.point === 'after_send' && this.o.crash.n === this.placed) process.kill(process.pid, 'SIGKILL');
    const now = this.o.nowMs();
    this.counts.sent++;
    if (r.ok) {
      this.write({ type: 'ack', order_id: j.order_id, client_id: cid, exchange_id: r.id, status: r.status, at_ms: now });
      return;
    }
    if (r.kind === 'auth') {
      throw new DataError(`the exchange refused the API key placing ${cid}: ${r.message}`, { file: this.file, field: 'CCXT_API_KEY', value: '(not shown)' }, { hint: 'check CCXT_API_KEY/CCXT_API_SECRET and their trading permission; the order was not placed (the next run looks it up first)' });
    }
    if (r.kind === 'rejected') {
      this.write({ type: 'final', order_id: j.order_id, client_id: cid, status: 'rejected', reason: r.message, applied_bar: lastBar + 1, at_ms: now });
      this.counts.rejected++;
      this.o.log.warn({ session: this.o.sessionId, client_id: cid }, `order ${cid} rejected by the exchange: ${r.message}`);
      return;
    }
    // no answer: the order may be at the exchange. Look it up by client id (never send it again blindly)
    this.write({ type: 'unknown', order_id: j.order_id, client_id: cid, error: r.message, at_ms: now });
    this.o.log.warn({ session: this.o.sessionId, client_id: cid }, `order ${cid}: no answer from the exchange (${r.message}); looking it up by client id`);
    await this.lookup(j.order_id, lastBar + 1, false);
  }

  private async cancel(id: number, why: string): Promise<void> {
    const s = this.orders.get(id)!;
    const cid = s.intent!.client_id;
    const r = await this.o.adapter.cancelByClientId(this.o.ccxtSymbol, cid);
    this.write({ type: 'cancel', order_id: id, client_id: cid, ok: r.ok, status: r.status, message: r.message, at_ms: this.o.nowMs() });
    this.counts.cancels++;
    this.o.log.info({ session: this.o.sessionId, client_id: cid, ok: r.ok }, `cancel ${cid} at the exchange: ${why}`);
  }
}
