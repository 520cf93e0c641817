/**
 * Reading one instrument's inputs of the features library from lake/cleaned: bars of one timeframe, funding
 * settlements, open interest and market caps, as typed arrays (NaN = missing).
 */
import { dirname } from 'node:path';
import { LakeDb, TABLES, groupPartitions, listPartitions, readPartitions, type FoundPartition } from '../../lake/index.js';
import { BAR_INPUTS, type BarField, type InstrumentSeries } from '../../features/index.js';
import type { BarColumns, Market } from '../../market.js';
import type { Timeframe } from '../../timeframe.js';

const INSTRUMENT = ['exchange', 'market', 'symbol'] as const;

/** One instrument's cleaned partitions. */
export interface CleanedInstrument {
  id: string;
  key: { exchange: string; market: Market; symbol: string };
  bars: FoundPartition[];
  funding: FoundPartition[];
  openInterest: FoundPartition[];
  marketCap: FoundPartition[];
}

/** Instruments with bars of `timeframe` under the lake root (the folder holding cleaned/), sorted by id; `only`: one of them. */
export async function listCleanedInstruments(
  lakeRoot: string, timeframe: Timeframe, only?: { exchange: string; market: string; symbol: string },
): Promise<CleanedInstrument[]> {
  const bars = groupPartitions(await listPartitions(lakeRoot, TABLES.cleanBars, { ...only, timeframe }), INSTRUMENT);
  const others = await Promise.all(
    [TABLES.cleanFunding, TABLES.cleanOpenInterest, TABLES.cleanMarketCap].map(async (t) => groupPartitions(await listPartitions(lakeRoot, t, only), INSTRUMENT)),
  );
  const [funding, oi, caps] = others as [Map<string, FoundPartition[]>, Map<string, FoundPartition[]>, Map<string, FoundPartition[]>];
  return [...bars.entries()]
    .map(([group, parts]) => {
      const k = parts[0]!.keys;
      return {
        id: `${k.exchange}/${k.market}/${k.symbol}`,
        key: { exchange: k.exchange!, market: k.market as Market, symbol: k.symbol! },
        bars: parts,
        funding: funding.get(group) ?? [],
        openInterest: oi.get(group) ?? [],
        marketCap: caps.get(group) ?? [],
      };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface ReadOptions {
  /** Bar fields to read (ts_ms always); the others are left as empty arrays. Default: every field. */
  barFields?: readonly BarField[];
  funding?: boolean;
  openInterest?: boolean;
  marketCap?: boolean;
}

/** Reads one instrument's series (observations only when asked for and present). */
export async function readInstrumentSeries(
  db: LakeDb, lakeRoot: string, inst: CleanedInstrument, timeframe: Timeframe, opts: ReadOptions = {},
): Promise<InstrumentSeries> {
  const fields = opts.barFields ?? BAR_INPUTS;
  // one instrument at a time: materialized reads (each array allocated once, filled in place)
  const mat = { materialize: true };
  const cols = await readPartitions(db, lakeRoot, TABLES.cleanBars, inst.bars, ['ts_ms', ...fields], mat);
  const empty = new Float64Array(0);
  const bars = { ts_ms: cols.ts_ms as Float64Array } as Record<string, Float64Array>;
  for (const f of BAR_INPUTS) bars[f] = (cols[f] as Float64Array | undefined) ?? empty;
  const s: InstrumentSeries = { key: inst.key, timeframe, bars: bars as unknown as BarColumns };
  if ((opts.funding ?? true) && inst.funding.length > 0) {
    const f = await readPartitions(db, lakeRoot, TABLES.cleanFunding, inst.funding, ['ts_ms', 'funding_rate', 'mark_price'], mat);
    s.funding = { ts_ms: f.ts_ms as Float64Array, funding_rate: f.funding_rate as Float64Array, mark_price: f.mark_price as Float64Array };
  }
  if ((opts.openInterest ?? true) && inst.openInterest.length > 0) {
    const o = await readPartitions(db, lakeRoot, TABLES.cleanOpenInterest, inst.openInterest, ['ts_ms', 'open_interest', 'open_interest_usd'], mat);
    s.openInterest = { ts_ms: o.ts_ms as Float64Array, open_interest: o.open_interest as Float64Array, open_interest_usd: o.open_interest_usd as Float64Array };
  }
  if ((opts.marketCap ?? true) && inst.marketCap.length > 0) {
    const m = await readPartitions(db, lakeRoot, TABLES.cleanMarketCap, inst.marketCap, ['ts_ms', 'market_cap_usd'], mat);
    s.marketCap = { ts_ms: m.ts_ms as Float64Array, market_cap_usd: m.market_cap_usd as Float64Array };
  }
  return s;
}

/**
 * Every instrument of `timeframe` in a cleaned lake, fully in memory (for the look-ahead check and tests; the
 * features stage streams instead). `cleanedDir` is `<data>/lake/cleaned`.
 */
export async function loadCleanedSeries(cleanedDir: string, timeframe: Timeframe): Promise<InstrumentSeries[]> {
  const root = dirname(cleanedDir);
  const db = await LakeDb.open({ threads: 2 });
  try {
    const out: InstrumentSeries[] = [];
    for (const inst of await listCleanedInstruments(root, timeframe)) out.push(await readInstrumentSeries(db, root, inst, timeframe));
    return out;
  } finally {
    db.close();
  }
}
