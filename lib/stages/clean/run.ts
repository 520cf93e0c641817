import { dirname, join } from 'node:path';
import {
  LakeDb, TABLES, listPartitions, readPartitionsWithOrigins, writeMonthlyPartitions, type FoundPartition, type ColumnSet,
} from '../../lake/index.js';
import {
  alignToGrid, flagBars, resample, alignFunding, timeframeQuality, fundingQuality, summarizeQuality, renderQualityMarkdown,
  type CleanFlags, type InstrumentQuality, type TimeframeQuality,
} from '../../clean/index.js';
import { BAR_FIELDS, OPEN_INTEREST_EXTRAS, emptyBars, type BarColumns, type Market } from '../../market.js';
import { canResample, timeframeMs, type Timeframe } from '../../timeframe.js';
import { writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { DataError, UsageError } from '../../errors.js';
import type { ShardSpec, StageContext, StageRunSummary } from '../../stage/definition.js';
import { partitionsDigest, runShardsInProcess } from '../../stage/shard.js';
import type { CleanParams } from './params.js';
import { dedupeSeries, take } from './series.js';

const WORKERS = 2;
const RAW_TABLES = [TABLES.rawKlines, TABLES.rawFunding, TABLES.rawOpenInterest, TABLES.rawMarketCap] as const;

/** What one instrument's cleaning reports to the reduce. */
export interface CleanShardResult {
  quality: InstrumentQuality | null;
  rows: Record<string, number>;
}

/**
 * clean in shards of one instrument (exchange/market/symbol): its bars of every timeframe, funding, open interest
 * and market caps; the reduce writes the quality report. The unsharded run is the same functions in one process.
 */
export const cleanShards: ShardSpec<CleanParams, undefined, CleanShardResult> = {
  by: 'instrument',
  // each input file is read once (an instrument's partitions): DuckDB's file cache would only grow with them
  fileCache: false,
  list: async (ctx) => {
    const raw = dirname(ctx.input('lake/raw'));
    const byInstrument = new Map<string, FoundPartition[]>();
    for (const t of RAW_TABLES) {
      for (const p of await listPartitions(raw, t)) {
        const id = instrumentOf(p);
        const g = byInstrument.get(id);
        if (g) g.push(p);
        else byInstrument.set(id, [p]);
      }
    }
    return [...byInstrument.keys()].sort().map((label) => ({ label, input_digest: partitionsDigest(byInstrument.get(label)!) }));
  },
  runShard: async (ctx, shard, _prepared, conn) => cleanInstrument(ctx, conn, shard.label),
  reduce: async (ctx, _shards, results) => {
    const rows: Record<string, number> = {};
    for (const r of results) for (const [t, n] of Object.entries(r.rows)) rows[t] = (rows[t] ?? 0) + n;
    const report = summarizeQuality(results.flatMap((r) => (r.quality ? [r.quality] : [])));
    await writeJsonAtomic(join(ctx.output('reports/quality'), 'quality.json'), report);
    await writeFileAtomic(join(ctx.output('reports/quality'), 'quality.md'), renderQualityMarkdown(report));
    return {
      rows,
      metrics: {
        instruments: report.totals.instruments,
        ...Object.fromEntries(report.totals.timeframes.map((t) => [`coverage_pct_${t.timeframe}`, t.coverage_pct ?? 0])),
      },
    };
  },
};

/** The clean stage's work, loaded only when the stage runs: every instrument, two at a time (2 cores). */
export async function runClean(ctx: StageContext<CleanParams>): Promise<StageRunSummary> {
  return runShardsInProcess(cleanShards, ctx, WORKERS);
}

/** One instrument: bars of every timeframe, funding, open interest and market caps, from its raw partitions. */
async function cleanInstrument(ctx: StageContext<CleanParams>, db: LakeDb, id: string): Promise<CleanShardResult> {
  const raw = dirname(ctx.input('lake/raw'));
  const out = dirname(ctx.output('lake/cleaned'));
  const [exchange, market, symbol] = id.split('/') as [string, string, string];
  const filter = { exchange, market, symbol };
  const rows: Record<string, number> = {};
  const count = (t: string, n: number) => (rows[t] = (rows[t] ?? 0) + n);
  let quality: InstrumentQuality | null = null;
  const klines = await listPartitions(raw, TABLES.rawKlines, filter);
  if (klines.length) quality = { instrument: id, timeframes: await cleanInstrumentBars(ctx, db, raw, out, klines, count), funding: null };
  const funding = await listPartitions(raw, TABLES.rawFunding, filter);
  if (funding.length) {
    quality ??= { instrument: id, timeframes: [], funding: null };
    quality.funding = await cleanFunding(db, raw, out, funding, count);
  }
  for (const [rawT, cleanT, value] of [
    [TABLES.rawOpenInterest, TABLES.cleanOpenInterest, ['open_interest', 'open_interest_usd', ...OPEN_INTEREST_EXTRAS]],
    [TABLES.rawMarketCap, TABLES.cleanMarketCap, ['market_cap_usd']],
  ] as const) {
    const parts = await listPartitions(raw, rawT, filter);
    if (!parts.length) continue;
    const r = await readPartitionsWithOrigins(db, raw, rawT, parts, ['ts_ms', ...value]);
    const ts = r.columns.ts_ms as Float64Array;
    const vals = value.map((v) => r.columns[v] as Float64Array);
    const { keep } = dedupeSeries(ts, vals, r.origins, rawT.dir);
    const data: ColumnSet = { ts_ms: take(ts, keep) };
    value.forEach((v, i) => (data[v] = take(vals[i]!, keep)));
    const period = cleanT === TABLES.cleanMarketCap ? ctx.params.market_cap_partition : 'month';
    const ms = await writeMonthlyPartitions(db, out, cleanT, keysOf(parts[0]!), data, { period });
    count(cleanT.dir, ms.reduce((s, m) => s + m.rows, 0));
  }
  return { quality, rows };
}

function instrumentOf(p: FoundPartition): string {
  return `${p.keys.exchange}/${p.keys.market}/${p.keys.symbol}`;
}

function keysOf(p: FoundPartition): { exchange: string; market: string; symbol: string } {
  return { exchange: p.keys.exchange!, market: p.keys.market!, symbol: p.keys.symbol! };
}

/** Clean one instrument: base grid from its finest raw interval, then each requested timeframe. */
async function cleanInstrumentBars(
  ctx: StageContext<CleanParams>, db: LakeDb, raw: string, out: string, parts: FoundPartition[],
  count: (t: string, n: number) => void,
): Promise<TimeframeQuality[]> {
  const p = ctx.params;
  const intervals = [...new Set(parts.map((x) => x.keys.interval as Timeframe))].sort((a, b) => timeframeMs(a) - timeframeMs(b));
  const base = intervals[0]!;
  const keys = keysOf(parts[0]!);
  const instrument = instrumentOf(parts[0]!);
  const targets = [...new Set([base, p.timeframe, ...p.extra_timeframes])].sort((a, b) => timeframeMs(a) - timeframeMs(b));
  for (const tf of targets) {
    if (!canResample(base, tf)) {
      throw new UsageError(`${instrument}: cannot produce ${tf} bars from ${base} raw bars`, {
        hint: timeframeMs(tf) < timeframeMs(base) ? `ingest ${tf} or finer data` : `${tf} is not a whole multiple of ${base} aligned to the UTC day`,
      });
    }
  }
  const r = await readPartitionsWithOrigins(db, raw, TABLES.rawKlines, parts.filter((x) => x.keys.interval === base), BAR_FIELDS);
  const rawBars = emptyBars(0);
  for (const f of BAR_FIELDS) rawBars[f] = r.columns[f] as Float64Array;
  const aligned = alignToGrid(rawBars, r.origins, base, { instrument });
  const flagged = flagBars(aligned.bars, aligned.flags, { outlier_window_bars: p.outlier_window_bars, outlier_mad_k: p.outlier_mad_k });
  const quality: TimeframeQuality[] = [];
  for (const tf of targets) {
    const { bars, flags } = tf === base ? { bars: aligned.bars, flags: flagged.flags } : resample(aligned.bars, flagged.flags, base, tf);
    // daily (or coarser) bars: one file per year (a monthly file would hold <= 31 rows; lib/lake PartitionPeriod)
    const period = timeframeMs(tf) >= timeframeMs('1d') ? 'year' : 'month';
    const ms = await writeMonthlyPartitions(db, out, TABLES.cleanBars, { ...keys, timeframe: tf }, barsWithFlags(bars, flags), { period });
    count(`${TABLES.cleanBars.dir} ${tf}`, ms.reduce((s, m) => s + m.rows, 0));
    const q = timeframeQuality({ timeframe: tf, bars, flags, duplicates_dropped: tf === base ? aligned.stats.duplicates_dropped : 0 });
    requireCoverage(instrument, q, p.min_coverage, r.origins.files);
    quality.push(q);
  }
  return quality;
}

/** A mostly-missing series is an error, not a line in quality.md: coverage below clean.min_coverage fails clean. */
function requireCoverage(instrument: string, q: TimeframeQuality, minPct: number, files: readonly string[]): void {
  if (q.coverage_pct === null || q.coverage_pct >= minPct) return;
  const gap = q.longest_gap ? `; longest gap ${q.longest_gap.bars} bars from ${q.longest_gap.start}` : '';
  throw new DataError(
    `${instrument} ${q.timeframe}: coverage ${q.coverage_pct}% (${q.present_bars} of ${q.expected_bars} bars from ${q.first_ts} to ${q.last_ts}${gap}) is below clean.min_coverage = ${minPct}%`,
    { file: files.length === 1 ? files[0]! : `${files[0]} (+${files.length - 1} more files)`, field: 'coverage_pct', value: q.coverage_pct },
    { hint: `the series is mostly missing: check the source (bars of another interval, missing files), or accept it with --set clean.min_coverage=${Math.floor(q.coverage_pct)}` },
  );
}

function barsWithFlags(b: BarColumns, f: CleanFlags): ColumnSet {
  return { ...b, ...f };
}

async function cleanFunding(
  db: LakeDb, raw: string, out: string, parts: FoundPartition[], count: (t: string, n: number) => void,
) {
  const keys = keysOf(parts[0]!);
  const r = await readPartitionsWithOrigins(db, raw, TABLES.rawFunding, parts, ['ts_ms', 'funding_rate', 'mark_price']);
  const { funding, stats } = alignFunding(
    { ts_ms: r.columns.ts_ms as Float64Array, funding_rate: r.columns.funding_rate as Float64Array, mark_price: r.columns.mark_price as Float64Array },
    r.origins, { instrument: `${keys.exchange}/${keys.market as Market}/${keys.symbol}` },
  );
  const ms = await writeMonthlyPartitions(db, out, TABLES.cleanFunding, keys, { ...funding });
  count(TABLES.cleanFunding.dir, ms.reduce((s, m) => s + m.rows, 0));
  return fundingQuality({ funding, duplicates_dropped: stats.duplicates_dropped });
}
