import { discoverBinanceFiles, filterFiles, type DiscoveredFile } from '../../ingest/binance_vision/index.js';
import { readCsvColumns, type CsvColumnRequest, type LakeDb } from '../../lake/index.js';
import { withExtractedCsv } from '../../ingest/zip.js';
import { checkBars, checkFunding, checkNotEmpty, checkOrder, checkSpacing, detectTimestampUnit, scaleTimestamps } from '../../ingest/validate.js';
import { describeWindow, parseWindow, sliceColumns, windowRange, type IngestWindow } from '../../ingest/window.js';
import { DataError, UsageError } from '../../errors.js';
import { emptyBars, type BarColumns, type InstrumentKey, type OpenInterestColumns } from '../../market.js';
import type { StageContext } from '../../stage/definition.js';
import { type RawWriter, singleOrigin, type RowOrigins } from './raw_writer.js';
import type { IngestParams } from './params.js';
import { concatArrays, concatBars, concatColumns } from './concat.js';
import { hasInterval } from '../../ingest/binance_vision/layout.js';
import { parseChecksum } from '../../ingest/binance_vision/checksum.js';
import { AGG_TRADES_CSV_COLUMNS, AGG_TRADES_FIELD_COUNTS, aggTradesObservations } from '../../ingest/binance_vision/agg_trades.js';
import { sha256File } from '../../hash.js';
import { readFile, stat } from 'node:fs/promises';
import { METRICS_CSV_COLUMNS, METRICS_FIELD_COUNTS, metricsObservations } from '../../ingest/binance_vision/metrics.js';

const KLINE_COLUMNS: CsvColumnRequest[] = [
  { name: 'ts_ms', source: 0 }, { name: 'open', source: 1 }, { name: 'high', source: 2 }, { name: 'low', source: 3 },
  { name: 'close', source: 4 }, { name: 'volume', source: 5 }, { name: 'quote_volume', source: 7, optional: true },
  { name: 'trades', source: 8, optional: true }, { name: 'taker_buy_base', source: 9, optional: true },
  { name: 'taker_buy_quote', source: 10, optional: true },
];
const MARK_COLUMNS = KLINE_COLUMNS.slice(0, 5);
const FUNDING_COLUMNS: CsvColumnRequest[] = [
  { name: 'ts_ms', source: ['funding_time', 'calc_time', 'fundingTime', 0] },
  { name: 'funding_rate', source: ['funding_rate', 'last_funding_rate', 'fundingRate', 1] },
];

/** The Binance Vision files an ingest reads, by instrument (binance/<market>/<symbol>, sorted), and the listing's counts. */
export interface BinanceListing {
  instruments: Map<string, DiscoveredFile[]>;
  files: number;
  ignored: number;
}

/**
 * The files of a Binance Vision folder this ingest reads (downloaded first when `download` and
 * ingest.binance_vision.download.enabled), filtered by symbols/intervals/kinds and checked as a whole (every kline's
 * market is known, every perpetual has its funding), grouped by instrument.
 */
export async function listBinanceVision(ctx: StageContext<IngestParams>, download: boolean): Promise<BinanceListing> {
  // download false: the reduce's listing again (for provenance), which logs nothing the first listing logged
  const p = ctx.params.binance_vision!;
  if (download && p.download.enabled) {
    if (!p.market) {
      throw new UsageError('ingest.binance_vision.download needs the market to download (um: USDT-M futures, spot, cm)', {
        hint: 'pass --set ingest.binance_vision.market=um (or spot), or set stages.ingest.binance_vision.market in spec/pipeline.yaml',
      });
    }
    for (const kind of p.kinds.length ? p.kinds : (['klines', 'funding'] as const)) {
      const { downloadBinanceVision } = await import('../../ingest/binance_vision/download.js');
      const report = await downloadBinanceVision({
        baseUrl: p.download.base_url, destDir: p.path, market: p.market, kind, symbols: p.symbols,
        ...(hasInterval(kind) ? { interval: p.intervals[0] ?? '5m' } : {}),
        startMonth: p.download.start_month, endMonth: p.download.end_month, concurrency: p.download.concurrency, log: ctx.log,
      });
      ctx.log.info({ kind, report }, 'download finished');
    }
  }
  const found = await discoverBinanceFiles(p.path, p.market ? { market: p.market } : {});
  if (download) for (const ig of found.ignored) ctx.log.debug({ file: ig.rel, reason: ig.reason }, 'ignored file');
  const files = filterFiles(found.files, {
    ...(p.symbols.length ? { symbols: p.symbols } : {}),
    ...(p.intervals.length ? { intervals: p.intervals } : {}),
    ...(p.kinds.length ? { kinds: p.kinds } : {}),
  }, p.path);
  requireMarket(files, p.market, p.path);
  requireFunding(ctx, files, p.kinds, p.market, download);
  const byId = new Map<string, DiscoveredFile[]>();
  for (const f of files) {
    const id = `binance/${f.market}/${f.symbol}`;
    (byId.get(id) ?? byId.set(id, []).get(id)!).push(f);
  }
  const instruments = new Map([...byId.keys()].sort().map((id) => [id, byId.get(id)!] as const));
  return { instruments, files: files.length, ignored: found.ignored.length };
}

/** The Binance Vision source's provenance fields. */
export function binanceMeta(ctx: StageContext<IngestParams>, l: BinanceListing): Record<string, unknown> {
  const p = ctx.params.binance_vision!;
  return { synthetic: false, root: p.path, market: p.market ?? null, files: l.files, ignored: l.ignored, window: describeWindow(parseWindow(ctx.params.start, ctx.params.end)) };
}

/** One instrument's files (klines of each interval, mark-price klines, funding, metrics, aggTrades), one kind at a time. */
export async function ingestBinanceInstrument(ctx: StageContext<IngestParams>, db: LakeDb, w: RawWriter, files: readonly DiscoveredFile[]): Promise<void> {
  const window = parseWindow(ctx.params.start, ctx.params.end);
  for (const group of groupByInstrument(files).values()) {
    if (ctx.signal.aborted) return;
    await ingestGroup(ctx, db, w, group, window);
  }
}

/**
 * Klines and aggTrades whose path does not tell their market (the flat klines/ layout, a loose zip) need `market` stated: taking
 * them as perpetuals by default made a spot dataset fail only at the bridge ("no funding rows for a perpetual").
 */
function requireMarket(files: readonly DiscoveredFile[], market: string | undefined, root: string): void {
  if (market) return;
  const unplaced = files.filter((f) => (f.kind === 'klines' || f.kind === 'agg_trades') && f.marketFrom === 'default');
  if (unplaced.length === 0) return;
  throw new UsageError(
    `${unplaced.length} ${[...new Set(unplaced.map((f) => (f.kind === 'klines' ? 'kline' : 'aggTrades')))].sort().reverse().join(' and ')} file(s) in ${root} do not say their market (e.g. ${unplaced[0]!.rel}): spot or perpetual (um)?`,
    { hint: 'pass --set ingest.binance_vision.market=um (USDT-M perpetuals) or --set ingest.binance_vision.market=spot, or set stages.ingest.binance_vision.market in spec/pipeline.yaml' },
  );
}

/**
 * A perpetual (um/cm klines) needs its funding history: without it walk-forward and the bridge cannot charge funding.
 * Checked when funding is among the kinds ingested (kinds empty = every kind found); `kinds: ["klines"]` states that
 * bars alone are wanted (the funding of costs.yaml must then be disabled downstream) and only logs a warning.
 */
function requireFunding(ctx: StageContext<IngestParams>, files: readonly DiscoveredFile[], kinds: readonly string[], market: string | undefined, warn: boolean): void {
  const funded = new Set(files.filter((f) => f.kind === 'funding').map((f) => `${f.market}/${f.symbol}`));
  const wantFunding = kinds.length === 0 || kinds.includes('funding');
  for (const f of files) {
    if (f.kind !== 'klines' || f.market === 'spot' || funded.has(`${f.market}/${f.symbol}`)) continue;
    const from = f.marketFrom === 'path' ? 'from its path' : market ? `from ingest.binance_vision.market=${market}` : 'by default';
    if (!wantFunding) {
      if (warn) ctx.log.warn({ file: f.rel, symbol: f.symbol, market: f.market }, 'a perpetual is ingested without funding (kinds excludes funding)');
      continue;
    }
    throw new DataError(
      `${f.symbol} is a perpetual (market ${f.market}, ${from}) but the source has no funding file for it`,
      { file: f.rel, field: 'market', value: f.market },
      {
        hint: `if these are spot klines pass --set ingest.binance_vision.market=spot; for a perpetual add its funding history `
          + `(funding/${f.symbol}-funding.csv or fundingRate/${f.symbol}/ zips); to ingest bars only set ingest.binance_vision.kinds=["klines"]`,
      },
    );
  }
}

function groupByInstrument(files: readonly DiscoveredFile[]): Map<string, DiscoveredFile[]> {
  const g = new Map<string, DiscoveredFile[]>();
  for (const f of files) {
    const id = `${f.kind}/${f.market}/${f.symbol}/${f.interval ?? ''}`;
    (g.get(id) ?? g.set(id, []).get(id)!).push(f);
  }
  return g;
}

async function ingestGroup(ctx: StageContext<IngestParams>, db: LakeDb, w: RawWriter, group: DiscoveredFile[], window: IngestWindow): Promise<void> {
  const first = group[0]!;
  if (first.kind === 'agg_trades') return ingestAggTrades(ctx, db, w, group, window);
  const key: InstrumentKey = { exchange: 'binance', market: first.market, symbol: first.symbol };
  const instrument = `binance/${first.market}/${first.symbol}${first.interval ? '/' + first.interval : ''}`;
  const cols: Record<string, Float64Array>[] = [];
  const origins: RowOrigins = { files: [], file_idx: new Int32Array(0), line: new Int32Array(0) };
  const idx: Int32Array[] = [];
  const lines: Int32Array[] = [];
  for (const f of group) {
    if (f.kind === 'metrics') {
      const read = (csv: string) => readCsvColumns(db, { file: csv, display: f.rel, columns: METRICS_CSV_COLUMNS, fieldCounts: METRICS_FIELD_COUNTS, header: 'yes' });
      const res = f.compression === 'zip' ? await withExtractedCsv(f.path, f.rel, (csv) => read(csv)) : await read(f.path);
      const oi = metricsObservations(res.columns, { file: f.rel, lines: res.lines }, f.period) as unknown as Record<string, Float64Array>;
      checkNotEmpty(oi.ts_ms!.length, { file: f.rel, header: true }, 'metrics', `a header-only file would leave a day of ${f.symbol} open interest out: download the file again or remove it from ${ctx.params.binance_vision!.path}`);
      // the window, as for every kind: rows start <= ts < end, after the whole file is validated
      const [from, to] = windowRange(oi.ts_ms!, window);
      const kept = sliceColumns(oi, from, to);
      const kts = kept.ts_ms!;
      cols.push(kept);
      origins.files.push(f.rel);
      idx.push(new Int32Array(kts.length).fill(origins.files.length - 1));
      lines.push(res.lines.slice(from, to));
      await w.recordFile(f.path, {
        table: 'raw/open_interest', instrument, file: f.rel, rows: kts.length, ...(kts.length !== oi.ts_ms!.length ? { rows_in_file: oi.ts_ms!.length } : {}),
        ...(kts.length ? { first_ts_ms: kts[0]!, last_ts_ms: kts[kts.length - 1]! } : {}),
      });
      continue;
    }
    const request = f.kind === 'klines' ? KLINE_COLUMNS : f.kind === 'mark_klines' ? MARK_COLUMNS : FUNDING_COLUMNS;
    const fieldCounts = f.kind === 'funding' ? [2, 3] : f.kind === 'mark_klines' ? [5, 6, 12] : [6, 12];
    const read = (csv: string) => readCsvColumns(db, { file: csv, display: f.rel, columns: request, fieldCounts, header: 'auto' });
    const res = f.compression === 'zip' ? await withExtractedCsv(f.path, f.rel, (csv) => read(csv)) : await read(f.path);
    const src = { file: f.rel, lines: res.lines };
    const ts = res.columns.ts_ms!;
    const what = f.kind === 'funding' ? 'funding' : f.kind === 'mark_klines' ? 'mark-price kline' : 'kline';
    checkNotEmpty(ts.length, { file: f.rel, header: res.header !== null }, what, `a header-only file would drop ${f.symbol} from the lake: download the file again or remove it from ${ctx.params.binance_vision!.path}`);
    scaleTimestamps(ts, detectTimestampUnit(ts, src, f.kind === 'funding' ? 'funding_time' : 'open_time'));
    if (f.kind === 'funding') checkFunding({ ts_ms: ts, funding_rate: res.columns.funding_rate!, mark_price: new Float64Array(ts.length).fill(NaN) }, src);
    else {
      checkOrder(ts, src);
      checkBars(toBars(res.columns), src);
      checkSpacing(ts, f.interval!, src, 'open_time', `the file name (${f.rel.split('/').pop()})`);
    }
    // The window: rows start <= ts < end (the whole file is validated first, so a bad row outside it still fails).
    const [from, to] = windowRange(ts, window);
    const kept = sliceColumns(res.columns, from, to);
    const keptLines = res.lines.slice(from, to);
    const kts = kept.ts_ms!;
    cols.push(kept);
    origins.files.push(f.rel);
    idx.push(new Int32Array(kts.length).fill(origins.files.length - 1));
    lines.push(keptLines);
    await w.recordFile(f.path, {
      table: `raw/${f.kind}`, instrument, file: f.rel, rows: kts.length, ...(kts.length !== ts.length ? { rows_in_file: ts.length } : {}),
      ...(kts.length ? { first_ts_ms: kts[0]!, last_ts_ms: kts[kts.length - 1]! } : {}),
    });
  }
  origins.file_idx = concatArrays(idx, (n) => new Int32Array(n));
  origins.line = concatArrays(lines, (n) => new Int32Array(n));
  const all = concatColumns(cols);
  if (all.ts_ms!.length === 0) {
    throw new DataError(`${instrument}: no rows inside the ingest window ${fmtWindow(window)}`, { file: first.rel, field: 'ts_ms' }, {
      hint: 'widen ingest.start / ingest.end, or leave this symbol out with ingest.binance_vision.symbols',
    });
  }
  if (first.kind === 'metrics') {
    await w.openInterest(key, all as unknown as OpenInterestColumns, origins);
  } else if (first.kind === 'funding') {
    await w.funding(key, { ts_ms: all.ts_ms!, funding_rate: all.funding_rate!, mark_price: new Float64Array(all.ts_ms!.length).fill(NaN) }, origins);
  } else {
    await w.bars(first.kind === 'klines' ? 'rawKlines' : 'rawMarkKlines', key, first.interval!, concatBars([toBars(all)]), origins);
  }
}

/**
 * aggTrades, streamed one source file at a time (memory holds one file's trades, never a symbol's history): each file
 * is checked against its `.CHECKSUM` when one lies beside it, read, validated (lib/ingest/binance_vision/agg_trades.ts),
 * cut to the ingest window and written into raw/agg_trades day partitions. Across the files of a symbol (period
 * order), agg_trade_id must keep increasing and no day may come from two files (a monthly file and a daily file of
 * the same day): either is a located error, so a partition is never silently overwritten.
 */
async function ingestAggTrades(ctx: StageContext<IngestParams>, db: LakeDb, w: RawWriter, group: DiscoveredFile[], window: IngestWindow): Promise<void> {
  const first = group[0]!;
  const key: InstrumentKey = { exchange: 'binance', market: first.market, symbol: first.symbol };
  const instrument = `binance/${first.market}/${first.symbol}`;
  const dayFrom = new Map<string, string>();
  let prev: { file: string; id: number } | undefined;
  let total = 0;
  for (const f of group) {
    if (ctx.signal.aborted) return;
    const t0 = performance.now();
    const sha256 = await verifyChecksumIfPresent(f);
    const read = (csv: string) => readCsvColumns(db, { file: csv, display: f.rel, columns: AGG_TRADES_CSV_COLUMNS, fieldCounts: AGG_TRADES_FIELD_COUNTS, header: 'auto' });
    const res = f.compression === 'zip' ? await withExtractedCsv(f.path, f.rel, (csv) => read(csv)) : await read(f.path);
    checkNotEmpty(res.lines.length, { file: f.rel, header: res.header !== null }, 'aggTrades', `a header-only file would leave a gap in ${f.symbol}'s trades: download the file again or remove it from ${ctx.params.binance_vision!.path}`);
    const t = aggTradesObservations(res.columns, { file: f.rel, lines: res.lines }, f.period);
    if (prev && !(t.agg_trade_id[0]! > prev.id)) {
      throw new DataError(`agg_trade_id ${t.agg_trade_id[0]} does not follow ${prev.id}, the last id of ${prev.file}`, { file: f.rel, line: res.lines[0]!, field: 'agg_trade_id', value: t.agg_trade_id[0] }, {
        hint: 'two files of the symbol overlap (a monthly and a daily file of the same days?): keep one of them',
      });
    }
    prev = { file: f.rel, id: t.agg_trade_id[t.agg_trade_id.length - 1]! };
    const [from, to] = windowRange(t.ts_ms, window);
    const kept = sliceColumns(t, from, to);
    const n = kept.ts_ms.length;
    // every UTC day the file fills, checked against the files before it ahead of any write
    for (let i = 0, lastDay = NaN; i < n; i++) {
      const day = Math.floor(kept.ts_ms[i]! / 86_400_000);
      if (day === lastDay) continue;
      lastDay = day;
      const d = new Date(day * 86_400_000).toISOString().slice(0, 10);
      const other = dayFrom.get(d);
      if (other) {
        throw new DataError(`day ${d} of ${f.symbol} comes from two files: ${other} and this one`, { file: f.rel, line: res.lines[from + i]!, field: 'transact_time', value: d }, {
          hint: 'keep either the monthly or the daily file of that day',
        });
      }
      dayFrom.set(d, f.rel);
    }
    if (n > 0) await w.aggTrades(key, kept, singleOrigin(f.rel, n, res.lines.slice(from, to)));
    total += n;
    w.record({
      table: 'raw/agg_trades', instrument, file: f.rel, sha256, bytes: (await stat(f.path)).size, rows: n, ...(n !== t.ts_ms.length ? { rows_in_file: t.ts_ms.length } : {}),
      ...(n ? { first_ts_ms: kept.ts_ms[0]!, last_ts_ms: kept.ts_ms[n - 1]! } : {}),
    });
    const ms = performance.now() - t0;
    ctx.log.info({ file: f.rel, rows: t.ts_ms.length, kept: n, ms: Math.round(ms), rows_per_s: Math.round(t.ts_ms.length / (ms / 1000)) }, 'aggTrades file ingested');
  }
  if (total === 0) {
    throw new DataError(`${instrument}: no aggTrades inside the ingest window ${fmtWindow(window)}`, { file: first.rel, field: 'transact_time' }, {
      hint: 'widen ingest.start / ingest.end, or leave this symbol out with ingest.binance_vision.symbols',
    });
  }
}

/**
 * The file's sha256; when a data.binance.vision `<file>.CHECKSUM` lies beside it, the two must agree (a corrupt or
 * swapped file is refused before it is read). Files without one (fetched by hand) are taken as they are; the
 * downloader (ingest.binance_vision.download) always verifies.
 */
async function verifyChecksumIfPresent(f: DiscoveredFile): Promise<string> {
  const actual = await sha256File(f.path);
  const text = await readFile(`${f.path}.CHECKSUM`, 'utf8').catch(() => undefined);
  if (text === undefined) return actual;
  const name = f.path.split('/').pop()!;
  const want = parseChecksum(text, name, `${f.rel}.CHECKSUM`);
  if (want !== actual) {
    throw new DataError(`sha256 ${actual} differs from the ${want} its CHECKSUM file states`, { file: f.rel, field: 'sha256', value: actual }, {
      hint: 'the file is corrupt or was replaced: download it again',
    });
  }
  return actual;
}

function fmtWindow(w: IngestWindow): string {
  const d = describeWindow(w);
  return `[${d.start ?? '-inf'}, ${d.end ?? '+inf'})`;
}

function toBars(c: Record<string, Float64Array>): BarColumns {
  const n = c.ts_ms!.length;
  const b = emptyBars(n);
  for (const k of Object.keys(b) as (keyof BarColumns)[]) if (c[k]) b[k] = c[k]!;
  if (!c.volume) b.volume = new Float64Array(n);
  return b;
}
