/**
 * Order quantization to an exchange's market rules (ccxt market info: amount step = lot size, price step = tick
 * size, limits.cost.min = minimum notional). Quantities round toward zero to whole lots (never a larger order than
 * asked); limit prices round to the passive side (buy down, sell up) and stop prices away from the market (buy
 * up, sell down), so quantization never makes an order more aggressive. A risk-reducing order is never refused by
 * the minimum notional or the lot size: an exit that closes the whole position keeps the position's exact size.
 */
export interface MarketRules {
  lot_size: number;
  tick_size: number;
  min_notional: number;
}

export type QuantizeResult =
  | { ok: true; qty: number; price: number | undefined; adjusted: boolean }
  | { ok: false; reason: string; numbers: Record<string, number> };

/** A ccxt market's rules (precision as step sizes: ccxt's TICK_SIZE precision mode, the default of binance). */
export function rulesFromCcxtMarket(m: { precision?: { amount?: number; price?: number }; limits?: { cost?: { min?: number } } }): MarketRules {
  const lot = m.precision?.amount;
  const tick = m.precision?.price;
  if (!(typeof lot === 'number' && lot > 0 && typeof tick === 'number' && tick > 0)) {
    throw new Error(`market info has no precision.amount/precision.price step (was ${JSON.stringify(m.precision)})`);
  }
  return { lot_size: lot, tick_size: tick, min_notional: m.limits?.cost?.min ?? 0 };
}

const DECIMALS = new Map<number, number>();
function decimals(step: number): number {
  const d = DECIMALS.get(step);
  if (d !== undefined) return d;
  const v = countDecimals(step);
  DECIMALS.set(step, v);
  return v;
}

function countDecimals(step: number): number {
  const s = step.toString();
  if (s.includes('e-')) return Number(s.split('e-')[1]);
  return s.includes('.') ? s.split('.')[1]!.length : 0;
}

/** floor/ceil of x to a multiple of step, exact in decimal (0.1 + 0.2 artefacts removed). */
export function toStep(x: number, step: number, mode: 'floor' | 'ceil' | 'trunc'): number {
  const k = x / step;
  const r = Math.abs(k - Math.round(k)) < 1e-9 ? Math.round(k) : mode === 'floor' ? Math.floor(k) : mode === 'ceil' ? Math.ceil(k) : Math.trunc(k);
  return Number((r * step).toFixed(decimals(step)));
}

export function quantizeOrder(
  o: { qty: number; kind: 'market' | 'limit' | 'stop'; price?: number; refPrice: number },
  rules: MarketRules, position: number,
): QuantizeResult {
  const reducing = position !== 0 && Math.sign(o.qty) !== Math.sign(position) && Math.abs(o.qty) <= Math.abs(position) + 1e-12;
  const closesAll = reducing && Math.abs(Math.abs(o.qty) - Math.abs(position)) <= 1e-12;
  const qty = closesAll ? -position : toStep(o.qty, rules.lot_size, 'trunc');
  let price: number | undefined;
  if (o.kind !== 'market') {
    if (!(o.price !== undefined && o.price > 0)) return { ok: false, reason: `${o.kind} order without a positive price`, numbers: { price: o.price ?? NaN } };
    const buy = o.qty > 0;
    price = o.kind === 'limit' ? toStep(o.price, rules.tick_size, buy ? 'floor' : 'ceil') : toStep(o.price, rules.tick_size, buy ? 'ceil' : 'floor');
  }
  if (qty === 0) {
    return { ok: false, reason: `quantity ${o.qty} is below the lot size ${rules.lot_size}`, numbers: { qty: o.qty, lot_size: rules.lot_size } };
  }
  const notional = Math.abs(qty) * (price ?? o.refPrice);
  if (!reducing && notional < rules.min_notional) {
    return { ok: false, reason: `notional ${notional.toFixed(4)} is below the minimum ${rules.min_notional}`, numbers: { notional, min_notional: rules.min_notional } };
  }
  return { ok: true, qty, price, adjusted: qty !== o.qty || price !== o.price };
}
