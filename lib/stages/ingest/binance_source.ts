import { discoverBinanceFiles, filterFiles, type DiscoveredFile } from '../../ingest/binance_vision/index.js';
import { readCsvColumns, mapWithConnections, type CsvColumnRequest, type LakeDb } from '../../lake/index.js';
import { withExtractedCsv } from '../../ingest/zip.js';
import { checkBars, checkFunding, checkOrder, detectTimestampUnit, scaleTimestamps } from '../../ingest/validate.js';
import { emptyBars, type BarColumns, type InstrumentKey, type OpenInterestColumns } from '../../market.js';
import type { StageContext } from '../../stage/definition.js';
import { RawWriter, type RowOrigins } from './raw_writer.js';
import type { IngestParams } from './params.js';
import { concatArrays, concatBars, concatColumns } from './concat.js';
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

/** Binance Vision files (local folder, optionally downloaded first), one instrument at a time. */
export async function ingestBinanceVision(ctx: StageContext<IngestParams>, db: LakeDb, w: RawWriter): Promise<Record<string, unknown>> {
  const p = ctx.params.binance_vision!;
  if (p.download.enabled) {
    for (const kind of p.kinds.length ? p.kinds : (['klines', 'funding'] as const)) {
      const { downloadBinanceVision } = await import('../../ingest/binance_vision/download.js');
      const report = await downloadBinanceVision({
        baseUrl: p.download.base_url, destDir: p.path, market: p.market, kind, symbols: p.symbols,
        ...(kind !== 'funding' && kind !== 'metrics' ? { interval: p.intervals[0] ?? '5m' } : {}),
        startMonth: p.download.start_month, endMonth: p.download.end_month, concurrency: p.download.concurrency, log: ctx.log,
      });
      ctx.log.info({ kind, report }, 'download finished');
    }
  }
  const found = await discoverBinanceFiles(p.path, { market: p.market });
  for (const ig of found.ignored) ctx.log.debug({ file: ig.rel, reason: ig.reason }, 'ignored file');
  const files = filterFiles(found.files, {
    ...(p.symbols.length ? { symbols: p.symbols } : {}),
    ...(p.intervals.length ? { intervals: p.intervals } : {}),
    ...(p.kinds.length ? { kinds: p.kinds } : {}),
  }, p.path);
  const groups = [...groupByInstrument(files).values()];
  let done = 0;
  // Two instruments at a time (2 cores), each on its own connection; memory holds two instruments at most.
  await mapWithConnections(db, groups, 2, async (group, conn) => {
    if (ctx.signal.aborted) return;
    await ingestGroup(ctx, conn, w.on(conn), group);
    ctx.progress(++done, groups.length, 'instruments');
  });
  return { synthetic: false, root: p.path, files: files.length, ignored: found.ignored.length };
}

function groupByInstrument(files: readonly DiscoveredFile[]): Map<string, DiscoveredFile[]> {
  const g = new Map<string, DiscoveredFile[]>();
  for (const f of files) {
    const id = `${f.kind}/${f.market}/${f.symbol}/${f.interval ?? ''}`;
    (g.get(id) ?? g.set(id, []).get(id)!).push(f);
  }
  return g;
}

async function ingestGroup(ctx: StageContext<IngestParams>, db: LakeDb, w: RawWriter, group: DiscoveredFile[]): Promise<void> {
  const first = group[0]!;
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
      const oi = metricsObservations(res.columns, { file: f.rel, lines: res.lines }, f.period);
      cols.push(oi as unknown as Record<string, Float64Array>);
      origins.files.push(f.rel);
      idx.push(new Int32Array(oi.ts_ms.length).fill(origins.files.length - 1));
      lines.push(res.lines);
      const ts = oi.ts_ms;
      await w.recordFile(f.path, { table: 'raw/open_interest', instrument, file: f.rel, rows: ts.length, ...(ts.length ? { first_ts_ms: ts[0]!, last_ts_ms: ts[ts.length - 1]! } : {}) });
      continue;
    }
    const request = f.kind === 'klines' ? KLINE_COLUMNS : f.kind === 'mark_klines' ? MARK_COLUMNS : FUNDING_COLUMNS;
    const fieldCounts = f.kind === 'funding' ? [2, 3] : f.kind === 'mark_klines' ? [5, 6, 12] : [6, 12];
    const read = (csv: string) => readCsvColumns(db, { file: csv, display: f.rel, columns: request, fieldCounts, header: 'auto' });
    const res = f.compression === 'zip' ? await withExtractedCsv(f.path, f.rel, (csv) => read(csv)) : await read(f.path);
    const src = { file: f.rel, lines: res.lines };
    const ts = res.columns.ts_ms!;
    scaleTimestamps(ts, detectTimestampUnit(ts, src, f.kind === 'funding' ? 'funding_time' : 'open_time'));
    if (f.kind === 'funding') checkFunding({ ts_ms: ts, funding_rate: res.columns.funding_rate!, mark_price: new Float64Array(ts.length).fill(NaN) }, src);
    else {
      checkOrder(ts, src);
      checkBars(toBars(res.columns), src);
    }
    cols.push(res.columns);
    origins.files.push(f.rel);
    idx.push(new Int32Array(ts.length).fill(origins.files.length - 1));
    lines.push(res.lines);
    await w.recordFile(f.path, { table: `raw/${f.kind}`, instrument, file: f.rel, rows: ts.length, ...(ts.length ? { first_ts_ms: ts[0]!, last_ts_ms: ts[ts.length - 1]! } : {}) });
  }
  origins.file_idx = concatArrays(idx, (n) => new Int32Array(n));
  origins.line = concatArrays(lines, (n) => new Int32Array(n));
  const all = concatColumns(cols);
  if (first.kind === 'metrics') {
    await w.openInterest(key, all as unknown as OpenInterestColumns, origins);
  } else if (first.kind === 'funding') {
    await w.funding(key, { ts_ms: all.ts_ms!, funding_rate: all.funding_rate!, mark_price: new Float64Array(all.ts_ms!.length).fill(NaN) }, origins);
  } else {
    await w.bars(first.kind === 'klines' ? 'rawKlines' : 'rawMarkKlines', key, first.interval!, concatBars([toBars(all)]), origins);
  }
}

function toBars(c: Record<string, Float64Array>): BarColumns {
  const n = c.ts_ms!.length;
  const b = emptyBars(n);
  for (const k of Object.keys(b) as (keyof BarColumns)[]) if (c[k]) b[k] = c[k]!;
  if (!c.volume) b.volume = new Float64Array(n);
  return b;
}
