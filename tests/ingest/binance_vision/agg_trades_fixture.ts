/**
 * Binance Vision `aggTrades` fixtures written by the tests themselves, and a trade generator with a known fill
 * intensity lambda(delta) = A exp(-k delta).
 *
 * The generator: a constant mid m. At every bar open s two reference prints at m (one each side) fix the tape's mid
 * there (lib/mm/trades.ts takes the midpoint of the last sell- and buy-initiated trades); then, on each side
 * independently, trades arrive as a Poisson process of rate A per second inside (s, s + bar), each at a distance
 * delta ~ Exponential(k) bps from m (sells below, buys above). The trades of a side at distance > d are then a
 * Poisson process of rate A exp(-k d): the first one, the fill of a quote at d, waits Exponential(A exp(-k d)), the
 * model the censored MLE assumes. Times are whole milliseconds, prices have 2 decimals (at m = 50,000 a 0.002 bp step).
 */
import { createHash } from 'node:crypto';
import { strToU8, zipSync } from 'fflate';
import { Xoshiro128ss } from '../../../lib/stats/index.js';

export const AGG_HEADER = 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker';

export interface AggRow {
  id: number;
  price: number | string;
  qty: number | string;
  first: number;
  last: number;
  /** ms, or us for a spot file from 2025 */
  ts: number;
  buyerMaker: boolean | string;
  bestMatch?: boolean | string;
}

export function aggCsv(rows: readonly AggRow[], opts: { header?: boolean; spot?: boolean } = {}): string {
  const lines = rows.map((r) => [r.id, r.price, r.qty, r.first, r.last, r.ts, r.buyerMaker, ...(opts.spot ? [r.bestMatch ?? true] : [])].join(','));
  return `${[...(opts.header ?? true ? [AGG_HEADER] : []), ...lines].join('\n')}\n`;
}

/** data/{futures/um|spot}/{daily|monthly}/aggTrades/<SYMBOL>/<SYMBOL>-aggTrades-<period>.zip */
export function aggRel(symbol: string, period: string, market: 'um' | 'spot' = 'um'): string {
  return `data/${market === 'spot' ? 'spot' : 'futures/um'}/${period.length === 7 ? 'monthly' : 'daily'}/aggTrades/${symbol}/${symbol}-aggTrades-${period}.zip`;
}

export function aggZip(symbol: string, period: string, csv: string): Uint8Array {
  return zipSync({ [`${symbol}-aggTrades-${period}.csv`]: [strToU8(csv), { level: 1 }] }, { mtime: new Date('2025-01-01T00:00:00Z') });
}

/** The data.binance.vision CHECKSUM text of a zip. */
export function checksumOf(zip: Uint8Array, name: string): string {
  return `${createHash('sha256').update(zip).digest('hex')}  ${name}\n`;
}

export interface GenOptions {
  A: number;
  k: number;
  mid: number;
  barMs: number;
  fromMs: number;
  toMs: number;
  seed: number;
  firstId?: number;
}

/** Trades of [fromMs, toMs) from the known (A, k) process (file comment), ids consecutive from firstId. */
export function generateTrades(o: GenOptions): AggRow[] {
  const rng = Xoshiro128ss.fromSeed(o.seed, 15);
  const rows: { ts: number; price: number; buyerMaker: boolean }[] = [];
  for (let s = o.fromMs; s < o.toMs; s += o.barMs) {
    rows.push({ ts: s, price: o.mid, buyerMaker: true }, { ts: s, price: o.mid, buyerMaker: false });
    const side: { ts: number; price: number; buyerMaker: boolean }[] = [];
    for (const sell of [true, false]) {
      for (let t = rng.exponential() / o.A; t * 1000 < o.barMs - 1; t += rng.exponential() / o.A) {
        const delta = rng.exponential() / o.k;
        const price = Math.round(o.mid * (1 + (sell ? -delta : delta) / 1e4) * 100) / 100;
        side.push({ ts: s + Math.max(1, Math.ceil(t * 1000)), price, buyerMaker: sell });
      }
    }
    side.sort((a, b) => a.ts - b.ts);
    rows.push(...side);
  }
  let id = o.firstId ?? 1_000_000;
  let trade = 5_000_000;
  return rows.map((r) => {
    const n = 1 + Math.floor(rng.uniform() * 3);
    const row: AggRow = { id: id++, price: r.price.toFixed(2), qty: (0.001 * (1 + Math.floor(rng.uniform() * 500))).toFixed(3), first: trade, last: trade + n - 1, ts: r.ts, buyerMaker: r.buyerMaker };
    trade += n;
    return row;
  });
}
