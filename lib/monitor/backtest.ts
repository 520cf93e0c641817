/**
 * The daily long/short book. Decisions at the close of day d with data up to d; the book earns day d + 1's returns.
 * Day d in order:
 *  1. returns: gross_d = sum_i w_i r_i,d (w: the book after the close of d - 1, drifted), funding_d = sum over perp
 *     legs w_i * funding_i,d (longs pay a positive rate; a held perp leg without funding for d is a DataError),
 *     borrow_d = sum over spot shorts |w_i| * borrow_bps_per_year / 1e4 / 365; weights drift with the returns;
 *  2. at the close: on a rebalance day (every `rebalance_days` from the start, or when the regime's direction
 *     changes) the basket is chosen as of d (alts with prices then: a coin that later disappears is in the basket
 *     while it trades; one that stops trading is closed at its last price), weighted, neutralised
 *     (neutrality.ts), scaled by the vol target; trading cost_d = sum_i |dw_i| (fee + slippage + impact) / 1e4 with
 *     the project's cost config (lib/costs/fill.ts);
 *  3. net_d = gross_d - funding_d - borrow_d - cost_d; equity compounds; a drawdown beyond `max_drawdown_stop`
 *     flattens the book (paying the cost) for `stop_cooldown_days`.
 */
import { DataError } from '../errors.js';
import { trailingDailyVolBps } from '../engine/index.js';
import { fillCostBps, venueFees } from '../costs/fill.js';
import type { CostConfig } from '../costs/schema.js';
import type { MonitorConfig } from './config.js';
import { simpleReturns, type Panel } from './panel.js';
import { isAlt } from './features.js';
import { rollingBeta } from './beta.js';
import { neutralize } from './neutrality.js';

export interface BacktestResult {
  /** Rows from `start` to the end of the panel. */
  day: Float64Array;
  pnl_usd: Float64Array;
  cost: Float64Array;
  funding: Float64Array;
  borrow: Float64Array;
  r_ls_gross: Float64Array;
  r_ls_net: Float64Array;
  alt_turnover: Float64Array;
  gross: Float64Array;
  net_beta: Float64Array;
  equity: Float64Array;
  direction: Int8Array;
  scale: Float64Array;
  /** Basket of each rebalance (day, symbols), for the manifest. */
  baskets: { day: string; direction: number; symbols: string[] }[];
  stops: string[];
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Daily simple return of the majors leg M: BTC and ETH at the long leg's weights (what each alt's beta is to). */
export function majorsLegReturns(p: Panel, rets: Float64Array[], w: { btc: number; eth: number }): Float64Array {
  return Float64Array.from(rets[p.btc]!, (x, d) => (w.btc * x + (w.eth > 0 ? w.eth * rets[p.eth]![d]! : 0)) / (w.btc + w.eth));
}

/** Alt basket as of day d (see the file comment); throws when fewer than N alts qualify. */
export function selectBasket(p: Panel, d: number, u: MonitorConfig['universe'], rets: Float64Array[], strict = true): number[] {
  const cand: { a: number; key: number }[] = [];
  const f = u.filters;
  for (let a = 0; a < p.symbols.length; a++) {
    if (!isAlt(p, a)) continue;
    const c = p.close[a]!;
    if (!Number.isFinite(c[d]!)) continue;
    let hist = 0;
    for (let j = Math.max(0, d - u.min_history_days + 1); j <= d; j++) if (Number.isFinite(c[j]!)) hist++;
    if (hist < u.min_history_days) continue;
    let vs = 0, vn = 0;
    for (let j = Math.max(0, d - u.volume_days + 1); j <= d; j++) { const v = p.volume_usd[a]![j]!; if (Number.isFinite(v)) { vs += v; vn++; } }
    const vol = vn > 0 ? vs / vn : NaN;
    if (!(vol >= u.min_volume_usd) || !(vol > 0)) continue;
    const cap = p.mcap[a]![d]!;
    if (u.selection === 'mcap' && !Number.isFinite(cap)) continue;
    if (u.min_market_cap_usd > 0 && !(cap >= u.min_market_cap_usd)) continue;
    if (f.max_vol_annual !== null || f.max_corr_btc !== null || f.min_momentum !== null) {
      const lo = Math.max(1, d - f.window_days + 1);
      const r = rets[a]!.subarray(lo, d + 1);
      const rb = rets[p.btc]!.subarray(lo, d + 1);
      let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, mom = 0;
      for (let i = 0; i < r.length; i++) {
        if (!Number.isFinite(r[i]!)) continue;
        mom += Math.log1p(r[i]!);
        if (!Number.isFinite(rb[i]!)) continue;
        n++; sx += r[i]!; sy += rb[i]!; sxx += r[i]! ** 2; syy += rb[i]! ** 2; sxy += r[i]! * rb[i]!;
      }
      if (n < 3) continue;
      const vx = (sxx - (sx * sx) / n) / (n - 1), vy = (syy - (sy * sy) / n) / (n - 1), cxy = (sxy - (sx * sy) / n) / (n - 1);
      if (f.max_vol_annual !== null && Math.sqrt(vx * 365) > f.max_vol_annual) continue;
      if (f.max_corr_btc !== null && cxy / Math.sqrt(vx * vy) > f.max_corr_btc) continue;
      if (f.min_momentum !== null && mom < f.min_momentum) continue;
    }
    cand.push({ a, key: u.selection === 'mcap' ? cap : vol });
  }
  cand.sort((x, y) => y.key - x.key || x.a - y.a);
  if (strict && cand.length < u.basket_size) {
    throw new DataError(`only ${cand.length} alts qualify for a basket of ${u.basket_size} (${u.selection === 'mcap' ? 'market cap' : 'volume'} rank, min_history_days ${u.min_history_days}, min_market_cap_usd ${u.min_market_cap_usd}, min_volume_usd ${u.min_volume_usd})`,
      { field: 'universe.basket_size', value: `${iso(p.days[d]!)}: ${u.basket_size}` },
      { hint: 'lower universe.basket_size (target.short_leg.basket_size in MSM) or the minimums, or start later when more alts have data' });
  }
  return cand.slice(0, u.basket_size).map((c) => c.a);
}

/**
 * Volatility target: scale = min(max_scale, target_annual / (std(r, ddof 1) * sqrt(365))) over the unscaled book's
 * trailing daily returns (known at the decision close); max_scale when the std is 0.
 */
export function volTargetScale(tail: ArrayLike<number>, targetAnnual: number, maxScale: number): number {
  const n = tail.length;
  let mu = 0;
  for (let i = 0; i < n; i++) mu += tail[i]!;
  mu /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (tail[i]! - mu) ** 2;
  const sd = Math.sqrt(v / (n - 1)) * Math.sqrt(365);
  return sd > 0 ? Math.min(maxScale, targetAnnual / sd) : maxScale;
}

export function runBacktest(p: Panel, cfg: MonitorConfig, costs: CostConfig, labels: Int32Array, labelNames: string[], start: number): BacktestResult {
  const bt = cfg.backtest;
  const nA = p.symbols.length;
  const nD = p.days.length;
  const rets = p.close.map(simpleReturns);
  const { btc: wb, eth: we } = bt.long_leg.weights;
  const rM = majorsLegReturns(p, rets, bt.long_leg.weights);
  const betaCache = new Map<number, Float64Array>();
  const betaOf = (a: number) => {
    let b = betaCache.get(a);
    if (!b) betaCache.set(a, (b = rollingBeta(rets[a]!, rM, bt.beta.window_days, bt.beta.shrinkage, bt.beta.min_obs)));
    return b;
  };
  const dvol = p.close.map((c) => trailingDailyVolBps(c, 20, 86_400_000));
  const fees = p.symbols.map((_, a) => venueFees(costs, cfg.costs.exchange, p.markets[a]!, cfg.costs.file));
  const borrowDaily = costs.borrow.spot_short_bps_per_year / 1e4 / 365;
  const dirOf = (d: number) => (labels[d]! < 0 ? 0 : bt.direction_by_regime[labelNames[labels[d]!]!] ?? 0);
  const m = nD - start;
  const out: BacktestResult = {
    day: p.days.slice(start), pnl_usd: new Float64Array(m), cost: new Float64Array(m), funding: new Float64Array(m), borrow: new Float64Array(m),
    r_ls_gross: new Float64Array(m), r_ls_net: new Float64Array(m), alt_turnover: new Float64Array(m), gross: new Float64Array(m),
    net_beta: new Float64Array(m), equity: new Float64Array(m), direction: new Int8Array(m), scale: new Float64Array(m), baskets: [], stops: [],
  };
  let w = new Float64Array(nA);
  let equity = 1, peak = 1, prevDir = 0, lastRebal = -Infinity, stopUntil = -1, scale = 1;
  const unscaled: number[] = [];
  let wUnscaled = new Float64Array(nA);
  for (let d = start; d < nD; d++) {
    const k = d - start;
    // 1. returns on the book held since the close of d - 1
    let g = 0, fund = 0, bor = 0, gu = 0;
    if (k > 0) {
      for (let a = 0; a < nA; a++) {
        const wa = w[a]!, wu = wUnscaled[a]!;
        if (wa === 0 && wu === 0) continue;
        let r = rets[a]![d]!;
        if (!Number.isFinite(r)) r = 0; // no price today: carried at the last price (closed below)
        g += wa * r; gu += wu * r;
        if (wa === 0) continue;
        const fa = p.funding[a];
        if (fa) {
          const f = fa[d]!;
          if (!Number.isFinite(f)) {
            throw new DataError(`perp leg held on ${iso(p.days[d]!)} has no funding for that day`, { file: `lake/cleaned/funding/exchange=${p.exchanges[a]}/market=${p.markets[a]}/symbol=${p.symbols[a]}`, field: 'funding_rate', value: iso(p.days[d]!) },
              { hint: 'ingest the funding history of this perpetual (it must cover the whole run), or set data.markets to prefer spot' });
          }
          fund += wa * f;
        } else if (wa < 0) bor += -wa * borrowDaily;
      }
      const drift = (x: Float64Array, gr: number) => { for (let a = 0; a < nA; a++) if (x[a] !== 0) { const r = Number.isFinite(rets[a]![d]!) ? rets[a]![d]! : 0; x[a] = (x[a]! * (1 + r)) / (1 + gr); } };
      drift(w, g); drift(wUnscaled, gu);
      unscaled.push(gu);
    }
    // 2. decide at the close of d
    let dir = dirOf(d);
    if (d <= stopUntil) dir = 0;
    const rebalance = dir !== prevDir || d - lastRebal >= bt.rebalance_days || w.some((x, a) => x !== 0 && !Number.isFinite(p.close[a]![d]!));
    let turnover = 0, altTurn = 0, cost = 0;
    let target = w;
    let netBeta = 0;
    if (rebalance) {
      const tgt = new Float64Array(nA);
      const tgtU = new Float64Array(nA);
      if (dir !== 0) {
        const basket = selectBasket(p, d, cfg.universe, rets);
        out.baskets.push({ day: iso(p.days[d]!), direction: dir, symbols: basket.map((a) => p.symbols[a]!) });
        const caps = basket.map((a) => p.mcap[a]![d]!);
        const capSum = caps.reduce((s, x) => s + x, 0);
        const alt = Float64Array.from(basket, (_, i) => dir * bt.gross_per_side * (bt.weighting === 'mcap' && capSum > 0 ? caps[i]! / capSum : 1 / basket.length));
        const betas = Float64Array.from(basket, (a) => betaOf(a)[d]!);
        const book = neutralize(alt, betas, { mode: bt.neutrality, maxName: bt.max_name_weight, maxGross: bt.max_gross, wBtc: wb, wEth: we });
        if (bt.vol_target.enabled) {
          const W = bt.vol_target.window_days;
          scale = unscaled.length >= W ? volTargetScale(unscaled.slice(-W), bt.vol_target.annual, bt.vol_target.max_scale) : 1;
        } else scale = 1;
        basket.forEach((a, i) => { tgtU[a] = book.alt[i]!; });
        tgtU[p.btc] = tgtU[p.btc]! + book.btc;
        if (we > 0) tgtU[p.eth] = tgtU[p.eth]! + book.eth;
        for (let a = 0; a < nA; a++) tgt[a] = tgtU[a]! * scale;
      }
      for (let a = 0; a < nA; a++) {
        const dw = Math.abs(tgt[a]! - w[a]!);
        if (dw === 0) continue;
        turnover += dw;
        if (isAlt(p, a)) altTurn += dw;
        const vUsd = p.volume_usd[a]![d]!;
        const part = Number.isFinite(vUsd) && vUsd > 0 ? (dw * equity * bt.capital_usd) / vUsd : NaN;
        cost += (dw * fillCostBps(costs, fees[a]!.taker_fee_bps, dvol[a]![d]!, part)) / 1e4;
      }
      target = tgt;
      wUnscaled = tgtU;
      lastRebal = d;
    }
    w = target;
    for (let a = 0; a < nA; a++) if (w[a] !== 0) netBeta += w[a]! * betaOf(a)[d]!;
    prevDir = dir;
    // 3. net return, equity, drawdown stop
    const net = g - fund - bor - cost;
    out.pnl_usd[k] = net * equity * bt.capital_usd;
    equity *= 1 + net;
    peak = Math.max(peak, equity);
    out.cost[k] = cost; out.funding[k] = fund; out.borrow[k] = bor; out.r_ls_gross[k] = g; out.r_ls_net[k] = net;
    out.alt_turnover[k] = altTurn; out.gross[k] = w.reduce((s, x) => s + Math.abs(x), 0); out.net_beta[k] = netBeta;
    out.equity[k] = equity; out.direction[k] = dir; out.scale[k] = rebalance ? scale : (k > 0 ? out.scale[k - 1]! : 1);
    if (bt.max_drawdown_stop !== null && equity / peak - 1 < -bt.max_drawdown_stop && stopUntil < d) {
      stopUntil = d + bt.stop_cooldown_days;
      out.stops.push(`${iso(p.days[d]!)}: drawdown ${((equity / peak - 1) * 100).toFixed(1)}% beyond ${(bt.max_drawdown_stop * 100).toFixed(0)}%: flat until ${iso(p.days[Math.min(nD - 1, stopUntil)]!)}`);
      peak = equity;
      prevDir = NaN as unknown as number; // force the flattening rebalance at the next close
    }
  }
  return out;
}
