/**
 * Exposure enforcement: ONE pure wrapper between a strategy and the engine context that holds a strategy to a risk
 * footprint (an ExperimentSpec's ExposureSpec, mapped by lib/experiments/enforce.ts). The backtest (lib/dsl
 * runBlueprint, the lab, the walk-forward) and the paper loop (lib/lab/paper/session.ts, between the strategy and its
 * order generator and guards) wrap the same strategy with the same function, so the same rules on the same bars take
 * the same decisions.
 *
 * At each bar close t, before the strategy is called:
 *  1. positions are observed; an entry (flat -> open, or a flip) is dated at the open of bar t (fills happen there);
 *     a flat instrument with no live entry order loses its protective stop (cancelled);
 *  2. max hold: a position whose age at the next open (ts[t] + tf - entry) reaches maxHoldMs is closed by a
 *     reduce-only market order (filled at that open): a `max_hold` forced exit (hold_time_exceeded_count);
 *  3. a position without a live protective stop (e.g. a limit entry that filled after its bracket stop was hit)
 *     gets one at the stop distance from its average entry.
 * Then every order of the strategy passes the rules. Reduce-only orders and pure reductions pass untouched (exits
 * are always allowed); a flip is split into the closing part (passes) and the opening part (an entry). An entry is,
 * in this order:
 *  - regime_filter: refused when the regime of its instrument at t is not allowed (no_learn_zone_block_count);
 *  - allow_short: a short entry refused when shorts are not allowed;
 *  - max_trades_per_day: refused once maxTradesPerDay entries were accepted in the UTC day of the decision (all
 *    instruments together);
 *  - stop_missing: refused when its stop distance is unknown or not positive (ATR still warming up);
 *  - notional_cap: |position after| x price <= maxNotionalUsd; a larger entry is resized to the room left, refused
 *    when none is left (price: the limit price, else the last close);
 *  - max_slippage: refused when the engine's expected slippage + impact of the (resized) order exceeds
 *    maxSlippageBps, or is unknown;
 *  - entry style: taker keeps the order; maker turns a market entry into a limit at the last close (ttl
 *    makerTtlBars); post_only does the same with the engine's post-only flag (a limit of the strategy keeps its
 *    price and gets the flag), so a post-only order that would cross is rejected by the engine at its fill bar.
 * An accepted entry is submitted together with its bracket stop (reduce-only, at the stop distance from the decision
 * price), so the stop can trigger in the entry's fill bar. Every refusal, resize and forced exit is one ExposureBlock
 * in the ledger, in decision order.
 */
import type { EngineContext, Strategy } from './engine.js';
import type { EngineInput, OrderEvent } from './types.js';

const DAY_MS = 86_400_000;

export type EntryStyle = 'taker' | 'maker' | 'post_only';

export interface ExposureRules {
  maxHoldMs: number;
  maxTradesPerDay: number;
  /** Exactly one of the two: the stop distance in percent of the price, or in ATRs (simple mean true range). */
  stopDistancePct?: number;
  stopDistanceAtr?: number;
  /** ATR window in bars (default 14). */
  atrBars?: number;
  maxNotionalUsd: number;
  maxSlippageBps: number;
  allowShort: boolean;
  entryStyle: EntryStyle;
  /** Time to live of a market entry turned into a maker / post-only limit, bars (default 1). */
  makerTtlBars?: number;
}

export interface RegimeVerdict {
  label: string | null;
  allowed: boolean;
}

/** The rules and, optionally, the regime at a bar (slice index = barOffset + engine bar) of an instrument. */
export interface ExposurePolicy {
  rules: ExposureRules;
  regime?(instrument: number, sliceBar: number): RegimeVerdict;
}

export const EXPOSURE_RULES = [
  'max_hold', 'max_trades_per_day', 'stop_missing', 'notional_cap', 'max_slippage', 'allow_short', 'post_only_cross', 'regime_filter',
] as const;
export type ExposureRule = (typeof EXPOSURE_RULES)[number];

/** The violation counter of each rule (the metric catalog's names). */
export const COUNTER_OF: Readonly<Record<ExposureRule, string>> = {
  max_hold: 'hold_time_exceeded_count',
  max_trades_per_day: 'trades_per_day_block_count',
  stop_missing: 'stop_missing_count',
  notional_cap: 'notional_cap_block_count',
  max_slippage: 'slippage_block_count',
  allow_short: 'short_block_count',
  post_only_cross: 'post_only_cross_reject_count',
  regime_filter: 'no_learn_zone_block_count',
};

export interface ExposureBlock {
  /** Engine bar of the decision (the close it was taken at; for post_only_cross the fill bar). */
  bar: number;
  /** Open time of that bar. */
  ts_ms: number;
  instrument: number;
  rule: ExposureRule;
  action: 'blocked' | 'resized' | 'forced_exit' | 'rejected';
  /** Signed quantity the strategy asked for (forced exit: the quantity closed). */
  qty: number;
  detail: Record<string, number | string | null>;
}

export interface ExposureEntry {
  orderId: number;
  stopOrderId: number;
  bar: number;
  ts_ms: number;
  instrument: number;
  side: 1 | -1;
  qty: number;
  kind: 'market' | 'limit';
  postOnly: boolean;
  decisionPrice: number;
  limitPrice: number | null;
  stopPrice: number;
  stopDistance: number;
  expectedCostBps: number;
  regime: string | null;
}

export interface ExposureLedger {
  blocks: ExposureBlock[];
  entries: ExposureEntry[];
}

export interface GuardedStrategy {
  strategy: Strategy;
  ledger: ExposureLedger;
}

/** Simple mean true range over `w` bars ending at each t (NaN until w bars with a previous close). */
export function meanTrueRange(high: Float64Array, low: Float64Array, close: Float64Array, w: number): Float64Array {
  const n = close.length;
  const out = new Float64Array(n).fill(NaN);
  let s = 0;
  let c = 0;
  const tr = new Float64Array(n).fill(NaN);
  for (let t = 1; t < n; t++) {
    const pc = close[t - 1]!;
    const x = Math.max(high[t]! - low[t]!, Math.abs(high[t]! - pc), Math.abs(low[t]! - pc));
    tr[t] = x;
  }
  for (let t = 0; t < n; t++) {
    const x = tr[t]!;
    if (x === x) { s += x; c++; }
    if (t >= w) {
      const y = tr[t - w]!;
      if (y === y) { s -= y; c--; }
    }
    if (c === w) out[t] = s / w;
  }
  return out;
}

function checkRules(r: ExposureRules): void {
  const bad = (what: string, v: unknown): never => { throw new RangeError(`exposure rules: ${what}, was ${String(v)}`); };
  if (!(r.maxHoldMs > 0)) bad('maxHoldMs must be > 0', r.maxHoldMs);
  if (!(Number.isInteger(r.maxTradesPerDay) && r.maxTradesPerDay >= 1)) bad('maxTradesPerDay must be an integer >= 1', r.maxTradesPerDay);
  if ((r.stopDistancePct === undefined) === (r.stopDistanceAtr === undefined)) bad('exactly one of stopDistancePct / stopDistanceAtr', `${r.stopDistancePct} / ${r.stopDistanceAtr}`);
  if (!(r.maxNotionalUsd > 0)) bad('maxNotionalUsd must be > 0', r.maxNotionalUsd);
  if (!(r.maxSlippageBps >= 0)) bad('maxSlippageBps must be >= 0', r.maxSlippageBps);
}

/**
 * Wraps `inner` so that it trades within `policy` on `input` (the engine input it will run on). `barOffset` maps an
 * engine bar to the slice index the policy's regime labels are keyed by (lib/dsl runs the engine on a window view).
 */
export function guardStrategy(input: EngineInput, inner: Strategy, policy: ExposurePolicy, barOffset = 0): GuardedStrategy {
  const r = policy.rules;
  checkRules(r);
  const m = input.instruments.length;
  const tf = input.tfMs;
  const atr = r.stopDistanceAtr !== undefined
    ? input.bars.map((b) => meanTrueRange(b.high, b.low, b.close, r.atrBars ?? 14))
    : undefined;
  const makerTtl = r.makerTtlBars ?? 1;
  const ledger: ExposureLedger = { blocks: [], entries: [] };
  const prevPos = new Float64Array(m);
  const entryTs = new Float64Array(m).fill(NaN);
  const stopId = new Int32Array(m).fill(-1);
  const stopDist = new Float64Array(m).fill(NaN);
  const entryId = new Int32Array(m).fill(-1);
  const exitId = new Int32Array(m).fill(-1);
  let day = -1;
  let tradesToday = 0;
  let t = 0;
  let tsNow = 0;
  let ctx!: EngineContext;

  const block = (i: number, rule: ExposureRule, action: ExposureBlock['action'], qty: number, detail: ExposureBlock['detail']): void => {
    ledger.blocks.push({ bar: t, ts_ms: tsNow, instrument: i, rule, action, qty, detail });
  };
  const distanceAt = (i: number, price: number): number => {
    if (r.stopDistancePct !== undefined) return (price * r.stopDistancePct) / 100;
    return r.stopDistanceAtr! * atr![i]![t]!;
  };
  const armStop = (i: number, pos: number, ref: number, dist: number): number => {
    if (stopId[i]! >= 0) ctx.cancel(stopId[i]!);
    const side = pos > 0 ? 1 : -1;
    const px = ref - side * dist;
    stopId[i] = px > 0 ? ctx.submitStop(i, -pos, px, Infinity, true) : -1;
    stopDist[i] = dist;
    return stopId[i]!;
  };

  /** One entry (opening qty from position pos), through the rules; returns the order id or -1. */
  const entry = (i: number, pos: number, qty: number, kind: 'market' | 'limit', price: number, ttl: number | undefined, postOnly: boolean): number => {
    const side = (qty > 0 ? 1 : -1) as 1 | -1;
    const regime = policy.regime ? policy.regime(i, barOffset + t) : { label: null, allowed: true };
    if (!regime.allowed) {
      block(i, 'regime_filter', 'blocked', qty, { regime: regime.label });
      return -1;
    }
    if (side < 0 && !r.allowShort) {
      block(i, 'allow_short', 'blocked', qty, { position: pos });
      return -1;
    }
    const d = Math.floor((tsNow + tf) / DAY_MS);
    if (d !== day) { day = d; tradesToday = 0; }
    if (tradesToday >= r.maxTradesPerDay) {
      block(i, 'max_trades_per_day', 'blocked', qty, { trades_today: tradesToday, max_trades_per_day: r.maxTradesPerDay, utc_day: new Date(d * DAY_MS).toISOString().slice(0, 10) });
      return -1;
    }
    const mark = ctx.mark(i);
    const ref = kind === 'limit' ? price : mark;
    const dist = distanceAt(i, ref);
    if (!(dist > 0) || !(ref > 0)) {
      block(i, 'stop_missing', 'blocked', qty, { stop_distance: Number.isFinite(dist) ? dist : null, price: Number.isFinite(ref) ? ref : null });
      return -1;
    }
    const room = r.maxNotionalUsd / ref - Math.abs(pos);
    let q = qty;
    if (Math.abs(q) > room * (1 + 1e-12)) {
      if (!(room > 0) || room * ref < 1e-9 * r.maxNotionalUsd) {
        block(i, 'notional_cap', 'blocked', qty, { notional_usd: Math.abs(qty + pos) * ref, max_notional_usd: r.maxNotionalUsd });
        return -1;
      }
      q = side * room;
      block(i, 'notional_cap', 'resized', qty, { notional_usd: Math.abs(qty + pos) * ref, max_notional_usd: r.maxNotionalUsd, qty_after: q });
    }
    const exp = ctx.expectedCostBps(i, q);
    if (!(exp <= r.maxSlippageBps)) {
      block(i, 'max_slippage', 'blocked', q, { expected_slippage_bps: Number.isFinite(exp) ? exp : null, max_slippage_bps: r.maxSlippageBps });
      return -1;
    }
    let k: 'market' | 'limit' = kind;
    let px = price;
    let po = postOnly;
    let life = ttl;
    if (r.entryStyle !== 'taker') {
      if (k === 'market') { k = 'limit'; px = mark; life = makerTtl; }
      if (r.entryStyle === 'post_only') po = true;
    }
    const id = k === 'market' ? ctx.submitMarket(i, q, life) : ctx.submitLimit(i, q, px, life, false, po);
    if (id < 0) return id; // refused further down (the paper loop's guards)
    tradesToday++;
    entryId[i] = id;
    const sid = armStop(i, pos + q, ref, dist);
    ledger.entries.push({
      orderId: id, stopOrderId: sid, bar: t, ts_ms: tsNow, instrument: i, side, qty: q, kind: k, postOnly: po, decisionPrice: mark,
      limitPrice: k === 'limit' ? px : null, stopPrice: ref - side * dist, stopDistance: dist, expectedCostBps: exp, regime: regime.label,
    });
    return id;
  };

  const order = (i: number, qty: number, kind: 'market' | 'limit' | 'stop', price: number, ttl: number | undefined, reduceOnly: boolean, postOnly: boolean): number => {
    const pos = ctx.position(i);
    const pass = (): number => kind === 'market' ? ctx.submitMarket(i, qty, ttl, reduceOnly)
      : kind === 'limit' ? ctx.submitLimit(i, qty, price, ttl, reduceOnly, postOnly) : ctx.submitStop(i, qty, price, ttl, reduceOnly);
    if (reduceOnly || kind === 'stop') return pass(); // exits (a stop opening a position is an exit order of the strategy's own)
    const after = pos + qty;
    if (pos !== 0 && Math.sign(qty) !== Math.sign(pos) && Math.abs(qty) <= Math.abs(pos)) return pass(); // a reduction
    if (pos !== 0 && Math.sign(after) !== Math.sign(pos)) {
      // a flip: the closing part passes as reduce-only, the opening part is an entry from flat
      const closeId = kind === 'market' ? ctx.submitMarket(i, -pos, ttl, true) : ctx.submitLimit(i, -pos, price, ttl, true, postOnly);
      entry(i, 0, after, kind, price, ttl, postOnly);
      return closeId;
    }
    return entry(i, pos, qty, kind, price, ttl, postOnly);
  };

  let wrapped: EngineContext | undefined;
  const wrap = (c: EngineContext): EngineContext => ({
    nInstruments: c.nInstruments,
    position: (i) => c.position(i), avgEntry: (i) => c.avgEntry(i), mark: (i) => c.mark(i), cash: () => c.cash(), equity: () => c.equity(),
    openOrderCount: () => c.openOrderCount(), cancel: (id) => c.cancel(id), orderLive: (id) => c.orderLive(id),
    expectedCostBps: (i, q) => c.expectedCostBps(i, q),
    submitMarket: (i, q, ttl, ro) => order(i, q, 'market', NaN, ttl, ro === true, false),
    submitLimit: (i, q, px, ttl, ro, po) => order(i, q, 'limit', px, ttl, ro === true, po === true),
    submitStop: (i, q, px, ttl, ro) => order(i, q, 'stop', px, ttl, ro === true, false),
  });

  const strategy: Strategy = (bar, ts, c) => {
    t = bar;
    tsNow = ts;
    ctx = c;
    for (let i = 0; i < m; i++) {
      const pos = c.position(i);
      const was = prevPos[i]!;
      prevPos[i] = pos;
      if (pos !== 0 && (was === 0 || Math.sign(pos) !== Math.sign(was))) { entryTs[i] = ts; exitId[i] = -1; }
      if (pos === 0) {
        entryTs[i] = NaN;
        if (stopId[i]! >= 0 && !c.orderLive(entryId[i]!)) { c.cancel(stopId[i]!); stopId[i] = -1; }
        continue;
      }
      const held = ts + tf - entryTs[i]!;
      if (held >= r.maxHoldMs) {
        if (!c.orderLive(exitId[i]!)) {
          exitId[i] = c.submitMarket(i, -pos, 1, true);
          if (exitId[i]! >= 0) block(i, 'max_hold', 'forced_exit', -pos, { held_minutes: held / 60_000, max_hold_minutes: r.maxHoldMs / 60_000 });
        }
        continue;
      }
      if (!c.orderLive(stopId[i]!)) {
        const dist = Number.isFinite(stopDist[i]!) ? stopDist[i]! : distanceAt(i, c.avgEntry(i));
        if (dist > 0) armStop(i, pos, c.avgEntry(i), dist);
      }
    }
    wrapped ??= wrap(c);
    inner(bar, ts, wrapped);
  };
  return { strategy, ledger };
}

/**
 * The post-only orders the engine rejected for crossing, as `post_only_cross` blocks (at their fill bar), merged into
 * the ledger in time order. Call once, after the run, with the run's order log.
 */
export function settleLedger(ledger: ExposureLedger, orderLog: readonly OrderEvent[]): ExposureLedger {
  const post = new Set(ledger.entries.filter((e) => e.postOnly).map((e) => e.orderId));
  const rejects: ExposureBlock[] = [];
  for (const e of orderLog) {
    if (e.event === 'rejected' && post.has(e.orderId) && e.reason?.startsWith('post_only')) {
      rejects.push({ bar: e.bar, ts_ms: e.ts_ms, instrument: e.instrument, rule: 'post_only_cross', action: 'rejected', qty: e.qty, detail: { order_id: e.orderId, reason: e.reason } });
    }
  }
  const blocks = [...ledger.blocks, ...rejects].sort((a, b) => a.bar - b.bar);
  return { blocks, entries: ledger.entries };
}

/** Count of each violation counter (catalog names) in a settled ledger; every counter present (0 when none). */
export function violationCounts(ledger: ExposureLedger): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rule of EXPOSURE_RULES) out[COUNTER_OF[rule]] = 0;
  for (const b of ledger.blocks) out[COUNTER_OF[b.rule]]!++;
  return out;
}

/**
 * A source of experiment exposures for callers below lib/experiments (the walk-forward stage): `load` resolves an
 * experiment (a spec file, or an id in the experiments database of `dataDir`) and returns a policy factory over the
 * closes of a run's instruments (slice-indexed). lib/experiments/enforce.ts implements it; the stage executable
 * passes it in (a pipeline system never imports another system).
 */
export interface ExposureSource {
  load(ref: { spec?: string; id?: string }, dataDir: string): Promise<ExperimentExposure>;
}

export interface ExperimentExposure {
  experimentId: string;
  /** Digest of the experiment's spec (what the run was held to). */
  specDigest: string;
  policyFor(closes: readonly ArrayLike<number>[], tfMs: number): ExposurePolicy;
}
