/**
 * What the walk-forward stage reads, one instrument at a time, aligned to ONE global bar grid (the union of the
 * traded instruments' cleaned ranges): cleaned OHLCV (NaN outside the instrument's own range and on missing bars, so
 * the engine never fills there), the feature columns and events its blueprints read, and its funding settlements
 * with their tradable span (lib/costs/funding_span.ts): a perpetual without funding is an error, never a free carry;
 * bars outside the span its funding covers are not traded (the instrument is listed as cut), and a gap inside the
 * span is an error.
 */
import { DataError } from '../../errors.js';
import { listPartitions, readPartitions, TABLES, type FoundPartition, type LakeDb } from '../../lake/index.js';
import { EVENTS_TABLE, featuresTable } from '../../lake/derived.js';
import { trailingDailyVolBps, trailingSum, type EngineBars, type EngineFunding } from '../../engine/index.js';
import type { CostConfig } from '../../costs/schema.js';
import { blueprintEvents, blueprintFeatures, type Blueprint } from '../../dsl/index.js';
import { fundingSpan, holdableRange, noFundingError, spanCut, type CutInstrument, type TradableSpan } from '../../costs/funding_span.js';
import { fundingSum } from '../../research/bridge.js';
import { cmp } from '../../research/plan.js';
import type { InstrumentKey as MarketKey } from '../../market.js';
import { instrumentLabel, loadEvents, loadFunding, type InstrumentKey } from '../discovery/io.js';

export interface Grid {
  ts0: number;
  tfMs: number;
  n: number;
  ts_ms: Float64Array;
}

export interface InstrumentData {
  key: MarketKey;
  label: string;
  bars: EngineBars;
  funding: EngineFunding | undefined;
  /** The span its funding covers (perpetuals with funding costs on); undefined: no limit. */
  tradable: TradableSpan | undefined;
  /** Set when bars of the instrument lie outside `tradable` (they are not traded). */
  cut: CutInstrument | undefined;
  features: Record<string, Float64Array>;
  events: Map<string, { t: Int32Array; direction: Int8Array }>;
  /** First and last grid index with a bar of this instrument. */
  first: number;
  last: number;
  /** The engine's trailing 24h volume and daily volatility over the grid (lib/engine defaults), computed once. */
  volume24h: Float64Array;
  dailyVolBps: Float64Array;
}

function hive(k: InstrumentKey): Record<string, string> {
  return { exchange: k.exchange, market: k.market, symbol: k.symbol, timeframe: k.timeframe };
}

/** The union of the instruments' cleaned bar ranges as one grid (from the partition manifests only). */
export async function globalGrid(lakeRoot: string, keys: readonly InstrumentKey[], tfMs: number): Promise<Grid> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const k of keys) {
    const parts = await listPartitions(lakeRoot, TABLES.cleanBars, hive(k));
    if (parts.length === 0) {
      throw new DataError('no cleaned bars for an instrument of a blueprint', {
        file: `lake/cleaned/bars/exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}/timeframe=${k.timeframe}`,
        field: 'instrument', value: instrumentLabel(k),
      }, { hint: 'the blueprints name an instrument that clean did not produce: rerun clean, or the blueprint stage' });
    }
    for (const p of parts) {
      lo = Math.min(lo, p.manifest.min_ts_ms);
      hi = Math.max(hi, p.manifest.max_ts_ms);
    }
  }
  if (!(hi >= lo)) return { ts0: 0, tfMs, n: 0, ts_ms: new Float64Array(0) };
  const n = Math.round((hi - lo) / tfMs) + 1;
  const ts_ms = new Float64Array(n);
  for (let t = 0; t < n; t++) ts_ms[t] = lo + t * tfMs;
  return { ts0: lo, tfMs, n, ts_ms };
}

/**
 * Every partition loadInstrument may read for an instrument (cleaned bars of the timeframe, its features and events,
 * its cleaned funding): what a walk-forward shard's input digest covers.
 */
export async function instrumentPartitions(lakeRoot: string, k: InstrumentKey): Promise<FoundPartition[]> {
  return [
    ...(await listPartitions(lakeRoot, TABLES.cleanBars, hive(k))),
    ...(await listPartitions(lakeRoot, featuresTable([]), hive(k))),
    ...(await listPartitions(lakeRoot, EVENTS_TABLE, hive(k))),
    ...(await listPartitions(lakeRoot, TABLES.cleanFunding, { exchange: k.exchange, market: k.market, symbol: k.symbol })),
  ];
}

/**
 * One instrument on the global grid. `featureNames` are read from lake/features (NULL -> NaN); `eventNames` from
 * lake/events. Funding is required for um/cm while costs.funding.enabled, and must cover the instrument's range.
 */
export async function loadInstrument(
  db: LakeDb, lakeRoot: string, k: InstrumentKey, grid: Grid, featureNames: readonly string[],
  eventNames: ReadonlySet<string>, costs: CostConfig,
): Promise<InstrumentData> {
  const label = instrumentLabel(k);
  const barsDir = `lake/cleaned/bars/exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}/timeframe=${k.timeframe}`;
  const parts = await listPartitions(lakeRoot, TABLES.cleanBars, hive(k));
  const cols = await readPartitions(db, lakeRoot, TABLES.cleanBars, parts, ['ts_ms', 'open', 'high', 'low', 'close', 'volume']);
  const ts = cols.ts_ms as Float64Array;
  const bars: EngineBars = {
    open: new Float64Array(grid.n).fill(NaN), high: new Float64Array(grid.n).fill(NaN), low: new Float64Array(grid.n).fill(NaN),
    close: new Float64Array(grid.n).fill(NaN), volume: new Float64Array(grid.n).fill(NaN),
  };
  const first = ts.length ? index(ts[0]!, grid, barsDir) : 0;
  for (let i = 0; i < ts.length; i++) {
    const t = first + i;
    if (ts[i] !== grid.ts0 + t * grid.tfMs) {
      throw new DataError(`bars are not a complete ${k.timeframe} grid`, { file: barsDir, field: 'ts_ms', value: ts[i] }, {
        hint: 'cleaned bars fill every grid slot (is_missing = 1): rerun clean',
      });
    }
  }
  for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) bars[f].set(cols[f] as Float64Array, first);
  const last = first + ts.length - 1;

  const features: Record<string, Float64Array> = {};
  if (featureNames.length > 0) {
    const table = featuresTable(featureNames);
    const fdir = `lake/features/exchange=${k.exchange}/market=${k.market}/symbol=${k.symbol}/timeframe=${k.timeframe}`;
    const fparts = await listPartitions(lakeRoot, table, hive(k));
    if (fparts.length === 0) {
      throw new DataError('no features for an instrument of a blueprint', { file: fdir, field: 'instrument', value: label }, { hint: 'rerun the features stage' });
    }
    const fc = await readPartitions(db, lakeRoot, table, fparts, ['ts_ms', ...featureNames]);
    const fts = fc.ts_ms as Float64Array;
    const off = fts.length ? index(fts[0]!, grid, fdir) : 0;
    for (const name of featureNames) {
      const col = new Float64Array(grid.n).fill(NaN);
      col.set(fc[name] as Float64Array, off);
      features[name] = col;
    }
  }
  const events = eventNames.size > 0 ? await loadEvents(db, lakeRoot, k, eventNames, grid.ts0, grid.tfMs) : new Map();
  for (const e of eventNames) if (!events.has(e)) events.set(e, { t: new Int32Array(0), direction: new Int8Array(0) }); // never fired

  let funding: EngineFunding | undefined;
  let tradable: TradableSpan | undefined;
  let cut: CutInstrument | undefined;
  if (k.market !== 'spot' && costs.funding.enabled) {
    const f = await loadFunding(db, lakeRoot, k);
    const where = { file: f.file, instrument: label };
    if (!f.series || f.series.ts_ms.length === 0) {
      throw noFundingError(label, f.file);
    }
    // The tradable span is what the funding covers; bars outside it are cut (not traded). Inside it, over the bars a
    // position may be held in, coverage is validated: no spacing above 24 h (a gap is an error), no NaN rate.
    tradable = fundingSpan(f.series)!;
    if (ts.length > 0) {
      cut = spanCut(label, tradable, ts[0]!, ts[ts.length - 1]! + grid.tfMs, grid.tfMs);
      const h = holdableRange(tradable, ts, grid.tfMs);
      if (h.last >= h.first) fundingSum(f.series, ts[h.first]!, ts[h.last]! + grid.tfMs, where);
    }
    funding = { ts_ms: f.series.ts_ms, rate: f.series.funding_rate };
  }
  const dayBars = Math.max(1, Math.round(86_400_000 / grid.tfMs));
  return {
    key: { exchange: k.exchange, market: k.market as MarketKey['market'], symbol: k.symbol }, label, bars, funding, tradable, cut, features, events, first, last,
    volume24h: trailingSum(bars.volume, dayBars), dailyVolBps: trailingDailyVolBps(bars.close, 30 * dayBars, grid.tfMs),
  };
}

function index(ts: number, grid: Grid, file: string): number {
  const d = (ts - grid.ts0) / grid.tfMs;
  if (!Number.isInteger(d) || d < 0 || d >= grid.n) {
    throw new DataError(`time is not on the ${grid.tfMs} ms grid starting ${new Date(grid.ts0).toISOString()}`, { file, field: 'ts_ms', value: ts });
  }
  return d;
}

/** Instruments loaded on the grid, kept while a later blueprint (in processing order) still needs them, or always (`keep`). */
export class InstrumentCache {
  private readonly held = new Map<string, InstrumentData>();
  private readonly kept: ReadonlySet<string>;
  private readonly featuresOf = new Map<string, Set<string>>();
  private readonly eventsOf = new Map<string, Set<string>>();
  private readonly cutOf = new Map<string, CutInstrument>();

  constructor(
    private readonly db: LakeDb, private readonly lakeRoot: string, private readonly grid: Grid,
    private readonly bps: readonly Blueprint[], private readonly costs: CostConfig, private readonly tf: string,
    keep: readonly InstrumentKey[] = [],
  ) {
    this.kept = new Set(keep.map((k) => instrumentLabel({ ...k, timeframe: tf })));
    for (const bp of bps) {
      const feats = blueprintFeatures(bp);
      const evs = blueprintEvents(bp);
      for (const k of bp.instruments) {
        const id = instrumentLabel({ ...k, timeframe: tf });
        const f = this.featuresOf.get(id) ?? new Set<string>();
        feats.forEach((x) => f.add(x));
        this.featuresOf.set(id, f);
        const e = this.eventsOf.get(id) ?? new Set<string>();
        evs.forEach((x) => e.add(x));
        this.eventsOf.set(id, e);
      }
    }
  }

  /** The blueprint's instruments; evicts instruments no blueprint from position `pos` of `order` on needs. */
  async get(bp: Blueprint, order: readonly number[], pos: number): Promise<InstrumentData[]> {
    const needed = new Set<string>(this.kept);
    for (let j = pos; j < order.length; j++) for (const k of this.bps[order[j]!]!.instruments) needed.add(instrumentLabel({ ...k, timeframe: this.tf }));
    for (const id of [...this.held.keys()]) if (!needed.has(id)) this.held.delete(id);
    const out = [];
    for (const k of bp.instruments) out.push(await this.load({ ...k, timeframe: this.tf }));
    return out;
  }

  /** The traded instruments (of some blueprint) loaded so far whose bars reach outside their funding span, by label. */
  cuts(): CutInstrument[] {
    return [...this.cutOf.values()].sort((a, b) => cmp(a.instrument, b.instrument));
  }

  async bars(k: InstrumentKey): Promise<{ close: Float64Array }> {
    return (await this.load(k)).bars;
  }

  private async load(k: InstrumentKey): Promise<InstrumentData> {
    const id = instrumentLabel(k);
    const hit = this.held.get(id);
    if (hit) return hit;
    const d = await loadInstrument(this.db, this.lakeRoot, k, this.grid, [...(this.featuresOf.get(id) ?? [])].sort(),
      this.eventsOf.get(id) ?? new Set(), this.costs);
    this.held.set(id, d);
    if (d.cut && this.featuresOf.has(id)) this.cutOf.set(id, d.cut);
    return d;
  }
}
