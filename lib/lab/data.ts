/**
 * Lab data from the lake (lib/lake, the one reader): cleaned bars of one or two instruments at the run's interval
 * on one common UTC grid (NaN where an instrument has no bar, so the engine never fills there), their funding
 * settlements and tradable spans (lib/costs/funding_span.ts), and the lineage of every partition read (path, rows,
 * sha256 from its manifest). Bars after the window's end are never read into the slice; bars before its start are
 * kept as history (indicators, trailing volume and volatility start warm, as in the walk-forward).
 */
import { DataError, UsageError } from '../errors.js';
import { listPartitions, readPartitions, TABLES, type FoundPartition, type LakeDb } from '../lake/index.js';
import { fundingSpan, noFundingError, type TradableSpan } from '../costs/funding_span.js';
import type { EngineBars, EngineFunding } from '../engine/index.js';
import type { MarketSlice } from '../dsl/index.js';
import type { InstrumentKey, Market } from '../market.js';
import type { Timeframe } from '../timeframe.js';
import { timeframeMs } from '../timeframe.js';

export interface LineageEntry {
  table: string;
  file: string;
  rows: number;
  sha256: string;
  min_ts_ms: number;
  max_ts_ms: number;
}

export interface LabMarket {
  slice: MarketSlice;
  lineage: LineageEntry[];
  /** First bar open and last bar close of the data (over all instruments, before the window cut). */
  dataStartMs: number;
  dataEndMs: number;
}

/** Where an instrument's cleaned bars are: the lake keys, or undefined when the lake has none at that interval. */
export async function findInstrument(
  lakeRoot: string, symbol: string, tf: Timeframe, market?: Market,
): Promise<InstrumentKey | undefined> {
  const parts = await listPartitions(lakeRoot, TABLES.cleanBars, { symbol, timeframe: tf, ...(market ? { market } : {}) });
  const found = new Map<string, InstrumentKey>();
  for (const p of parts) found.set(`${p.keys.exchange}/${p.keys.market}`, { exchange: p.keys.exchange!, market: p.keys.market as Market, symbol });
  if (found.size === 0) return undefined;
  if (found.size > 1) {
    throw new UsageError(`${symbol} ${tf} is in the lake in several markets (${[...found.keys()].join(', ')})`, {
      hint: `choose one with --market ${[...found.values()].map((k) => k.market).join(' or --market ')}`,
    });
  }
  return [...found.values()][0]!;
}

function lineageOf(table: string, parts: readonly FoundPartition[]): LineageEntry[] {
  return parts.map((p) => ({
    table, file: p.manifest.file, rows: p.manifest.rows, sha256: p.manifest.sha256,
    min_ts_ms: p.manifest.min_ts_ms, max_ts_ms: p.manifest.max_ts_ms,
  }));
}

/**
 * Bars (and funding for perpetuals while `fundingEnabled`) of `keys` on one grid from the earliest bar to
 * `untilMs` (exclusive; the window's end). A perpetual without funding is the bridge's and walk-forward's exit 3.
 */
export async function loadLabMarket(
  db: LakeDb, lakeRoot: string, keys: readonly InstrumentKey[], tf: Timeframe, untilMs: number, fundingEnabled: boolean,
): Promise<LabMarket> {
  const tfMs = timeframeMs(tf);
  const lineage: LineageEntry[] = [];
  const raw: { ts: Float64Array; cols: Record<string, Float64Array> }[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const k of keys) {
    const parts = await listPartitions(lakeRoot, TABLES.cleanBars, { exchange: k.exchange, market: k.market, symbol: k.symbol, timeframe: tf });
    lineage.push(...lineageOf(TABLES.cleanBars.dir, parts));
    const cols = await readPartitions(db, lakeRoot, TABLES.cleanBars, parts, ['ts_ms', 'open', 'high', 'low', 'close', 'volume']) as Record<string, Float64Array>;
    const ts = cols.ts_ms!;
    if (ts.length > 0) {
      lo = Math.min(lo, ts[0]!);
      hi = Math.max(hi, ts[ts.length - 1]! + tfMs);
    }
    raw.push({ ts, cols });
  }
  if (!(hi > lo)) {
    throw new DataError('no cleaned bars', { file: `lake/${TABLES.cleanBars.dir}`, field: 'symbol', value: keys.map((k) => k.symbol).join(',') });
  }
  const end = Math.min(hi, Math.max(lo + tfMs, Math.ceil((untilMs - lo) / tfMs) * tfMs + lo));
  const n = Math.round((end - lo) / tfMs);
  const ts_ms = new Float64Array(n);
  for (let t = 0; t < n; t++) ts_ms[t] = lo + t * tfMs;
  const bars: EngineBars[] = raw.map(({ ts, cols }, i) => {
    const b: EngineBars = {
      open: new Float64Array(n).fill(NaN), high: new Float64Array(n).fill(NaN), low: new Float64Array(n).fill(NaN),
      close: new Float64Array(n).fill(NaN), volume: new Float64Array(n).fill(NaN),
    };
    const k = keys[i]!;
    for (let r = 0; r < ts.length; r++) {
      const d = (ts[r]! - lo) / tfMs;
      if (!Number.isInteger(d)) {
        throw new DataError(`bar is not on the ${tf} grid`, { file: `lake/cleaned/bars/exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}/timeframe=${tf}`, line: r, field: 'ts_ms', value: ts[r] });
      }
      if (d >= n) break;
      for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) b[f][d] = cols[f]![r]!;
    }
    return b;
  });
  const funding: (EngineFunding | undefined)[] = [];
  const tradable: (TradableSpan | undefined)[] = [];
  for (const k of keys) {
    if (k.market === 'spot' || !fundingEnabled) {
      funding.push(undefined);
      tradable.push(undefined);
      continue;
    }
    const file = `lake/cleaned/funding/exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}`;
    const parts = await listPartitions(lakeRoot, TABLES.cleanFunding, { exchange: k.exchange, market: k.market, symbol: k.symbol });
    lineage.push(...lineageOf(TABLES.cleanFunding.dir, parts));
    const f = await readPartitions(db, lakeRoot, TABLES.cleanFunding, parts, ['ts_ms', 'funding_rate', 'interval_hours']) as Record<string, Float64Array>;
    if (f.ts_ms!.length === 0) throw noFundingError(`${k.exchange}/${k.market}/${k.symbol}`, file);
    checkFundingGaps(f.ts_ms!, file);
    funding.push({ ts_ms: f.ts_ms!, rate: f.funding_rate! });
    tradable.push(fundingSpan({ ts_ms: f.ts_ms!, interval_hours: f.interval_hours! }));
  }
  return {
    slice: {
      instruments: keys.map((k) => ({ exchange: k.exchange, market: k.market, symbol: k.symbol })),
      ts_ms, tfMs, bars, features: keys.map(() => ({})), events: keys.map(() => new Map()), funding, tradable,
    },
    lineage, dataStartMs: lo, dataEndMs: hi,
  };
}

/** Two settlements more than 24 h apart inside the series: missing data (docs/strategy.md "Funding coverage"). */
export function checkFundingGaps(ts: Float64Array, file: string): void {
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]! - ts[i - 1]! > 86_400_000) {
      throw new DataError(`funding gap of ${((ts[i]! - ts[i - 1]!) / 3_600_000).toFixed(1)} h inside the series`, { file, line: i, field: 'ts_ms', value: new Date(ts[i]!).toISOString() }, {
        hint: 'reingest the missing funding settlements (a gap would trade for free)',
      });
    }
  }
}

/** First bar open and last bar close of the instruments' cleaned bars, from the partition manifests only. */
export async function dataRange(lakeRoot: string, keys: readonly InstrumentKey[], tf: Timeframe): Promise<{ startMs: number; endMs: number }> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const k of keys) {
    for (const p of await listPartitions(lakeRoot, TABLES.cleanBars, { exchange: k.exchange, market: k.market, symbol: k.symbol, timeframe: tf })) {
      lo = Math.min(lo, p.manifest.min_ts_ms);
      hi = Math.max(hi, p.manifest.max_ts_ms + timeframeMs(tf));
    }
  }
  return { startMs: lo, endMs: hi };
}
