/**
 * A fast, seeded synthetic DAILY market for the monitor's tests and benchmark (the pipeline's generator,
 * lib/ingest/synthetic, simulates intraday bars and takes seconds per symbol at any timeframe). Asset 0 is BTC-like
 * (SYN001USDT-style names as the pipeline's: SYN01USDT.. / SYN001USDT..), asset 1 ETH-like. A two-state "season"
 * (alts lead / majors lead, persistent Markov chain) shifts alt drift, so the monitor has a regime to find.
 * Market caps = price x a fixed supply, stamped at 00:00 UTC of the next day (known at the close). Written straight
 * into lake/cleaned (bars timeframe=1d, market_cap) in the lake's own format by `writeDailyLake`.
 */
import { Xoshiro128ss } from '../stats/rng.js';
import { LakeDb, TABLES, writeMonthlyPartitions, type PartitionPeriod } from '../lake/index.js';
import { DAY_MS, type Panel } from './panel.js';

export interface DailyMarketParams { seed: number; n_assets: number; days: number; start_ms: number; market?: 'spot' | 'um'; exchange?: string }

export interface DailyAsset { symbol: string; ts_ms: Float64Array; close: Float64Array; volume: Float64Array; cap_ts: Float64Array; cap: Float64Array; listed_from: number }

export function dailySymbols(n: number): string[] {
  const w = n > 99 ? 3 : 2;
  return Array.from({ length: n }, (_, i) => `SYN${String(i + 1).padStart(w, '0')}USDT`);
}

/** One asset at a time (memory: one asset's arrays). */
export function* dailyMarket(p: DailyMarketParams): Generator<DailyAsset> {
  const rngM = Xoshiro128ss.fromSeed(p.seed, 0);
  const season = new Int8Array(p.days);
  const mkt = new Float64Array(p.days);
  let s = 1;
  for (let d = 0; d < p.days; d++) {
    if (rngM.uniform() < 1 / 45) s = -s;
    season[d] = s;
    mkt[d] = 0.0004 + 0.035 * rngM.normal();
  }
  const names = dailySymbols(p.n_assets);
  for (let a = 0; a < p.n_assets; a++) {
    const rng = Xoshiro128ss.fromSeed(p.seed, a + 1);
    const beta = a === 0 ? 1 : a === 1 ? 1.1 : 0.9 + 0.8 * rng.uniform();
    const idio = a === 0 ? 0 : 0.02 + 0.03 * rng.uniform();
    const tilt = a < 2 ? 0 : 0.0025;
    const listed = a < 2 ? 0 : Math.floor(rng.uniform() * rng.uniform() * p.days * 0.5);
    const supply = a === 0 ? 19e6 : (1e9 * Math.exp(4 * rng.uniform())) / 100;
    const n = p.days - listed;
    const ts = new Float64Array(n), close = new Float64Array(n), vol = new Float64Array(n), capTs = new Float64Array(n), cap = new Float64Array(n);
    let px = a === 0 ? 10_000 : 1 + 100 * rng.uniform();
    const baseVol = (a === 0 ? 2e10 : 5e7 * Math.exp(3 * rng.uniform()));
    for (let i = 0; i < n; i++) {
      const d = listed + i;
      px *= Math.exp(beta * mkt[d]! + tilt * season[d]! + idio * rng.normal());
      ts[i] = p.start_ms + d * DAY_MS;
      close[i] = px;
      vol[i] = (baseVol * Math.exp(0.3 * rng.normal())) / px;
      capTs[i] = ts[i]! + DAY_MS;
      cap[i] = px * supply;
    }
    yield { symbol: names[a]!, ts_ms: ts, close, volume: vol, cap_ts: capTs, cap, listed_from: listed };
  }
}

/**
 * Writes the market into <lakeRoot>/cleaned/bars (timeframe=1d) and cleaned/market_cap; returns the symbols. Layout
 * as the clean stage writes it: yearly partitions for 1d bars and (`clean.market_cap_partition: year`) market caps;
 * `period: 'month'` writes the older monthly layout (readers must read both).
 */
export async function writeDailyLake(lakeRoot: string, p: DailyMarketParams, opts: { skipCaps?: boolean; period?: PartitionPeriod } = {}): Promise<string[]> {
  const period = opts.period ?? 'year';
  const db = await LakeDb.open({ threads: 2 });
  const out: string[] = [];
  try {
    for (const a of dailyMarket(p)) {
      const n = a.ts_ms.length;
      const key = { exchange: p.exchange ?? 'synthetic', market: p.market ?? 'spot', symbol: a.symbol };
      const nan = () => new Float64Array(n).fill(NaN);
      await writeMonthlyPartitions(db, lakeRoot, TABLES.cleanBars, { ...key, timeframe: '1d' }, {
        ts_ms: a.ts_ms, open: a.close, high: a.close, low: a.close, close: a.close, volume: a.volume, quote_volume: nan(), trades: nan(),
        taker_buy_base: nan(), taker_buy_quote: nan(), is_missing: new Uint8Array(n), is_zero_volume: new Uint8Array(n), is_outlier: new Uint8Array(n),
        is_partial: new Uint8Array(n), n_source_bars: new Int32Array(n).fill(1),
      }, { period });
      if (!opts.skipCaps) await writeMonthlyPartitions(db, lakeRoot, TABLES.cleanMarketCap, key, { ts_ms: a.cap_ts, market_cap_usd: a.cap }, { period });
      out.push(a.symbol);
    }
  } finally {
    db.close();
  }
  return out;
}

/** The market as an in-memory daily panel (spot, asset 0 = BTC, 1 = ETH; NaN before a coin's listing), no lake. */
export function dailyPanel(p: DailyMarketParams): Panel {
  const days = Float64Array.from({ length: p.days }, (_, i) => p.start_ms + i * DAY_MS);
  const out: Panel = { days, symbols: [], markets: [], exchanges: [], close: [], volume_usd: [], mcap: [], funding: [], oi_usd: [], btc: 0, eth: 1, excluded: [] };
  for (const a of dailyMarket(p)) {
    const pad = (x: Float64Array) => { const o = new Float64Array(p.days).fill(NaN); o.set(x, a.listed_from); return o; };
    out.symbols.push(a.symbol); out.markets.push(p.market ?? 'spot'); out.exchanges.push(p.exchange ?? 'synthetic');
    // caps are stamped at the next day's 00:00, i.e. known at the close of their bar's day: mcap[d] = cap of day d
    out.close.push(pad(a.close)); out.volume_usd.push(pad(Float64Array.from(a.close, (c, i) => c * a.volume[i]!))); out.mcap.push(pad(a.cap));
    out.funding.push(null); out.oi_usd.push(null); out.excluded.push(false);
  }
  return out;
}
