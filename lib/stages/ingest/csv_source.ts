import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { readCsvColumns, type LakeDb } from '../../lake/index.js';
import { checkBars, checkNotEmpty, checkOrder, checkSpacing, detectTimestampUnit, scaleTimestamps } from '../../ingest/validate.js';
import { describeWindow, parseWindow, sliceColumns, windowRange } from '../../ingest/window.js';
import { emptyBars } from '../../market.js';
import { DataError } from '../../errors.js';
import type { StageContext } from '../../stage/definition.js';
import { type RawWriter, singleOrigin } from './raw_writer.js';
import type { IngestParams } from './params.js';

/**
 * Generic OHLCV CSV files with a column mapping, one instrument per file: the files of each symbol
 * (<exchange>/<market>/<symbol>, sorted), as indexes into ingest.csv.files. A missing file is refused here, before any is read.
 */
export function csvShardFiles(ctx: StageContext<IngestParams>): Map<string, number[]> {
  const p = ctx.params.csv!;
  const byId = new Map<string, number[]>();
  for (const [k, f] of p.files.entries()) {
    if (!existsSync(f.path)) {
      const link = lstatSync(f.path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
      throw new DataError(link ? 'broken symbolic link: its target does not exist' : 'file not found', {
        file: f.path, field: `ingest.csv.files[${k}].path`, value: link ? readlinkSync(f.path) : f.path,
      }, { hint: link ? 'restore the link target or point ingest.csv.files at the real file' : 'check stages.ingest.csv.files in spec/pipeline.yaml' });
    }
    const id = `${p.exchange}/${p.market}/${f.symbol}`;
    (byId.get(id) ?? byId.set(id, []).get(id)!).push(k);
  }
  return new Map([...byId.keys()].sort().map((id) => [id, byId.get(id)!] as const));
}

/** The csv source's provenance fields. */
export function csvMeta(ctx: StageContext<IngestParams>): Record<string, unknown> {
  return { synthetic: false, files: ctx.params.csv!.files.length, window: describeWindow(parseWindow(ctx.params.start, ctx.params.end)) };
}

/** One file of ingest.csv.files (index k): read, validated row by row, cut to the ingest window, written. */
export async function ingestCsvFile(ctx: StageContext<IngestParams>, db: LakeDb, w: RawWriter, k: number): Promise<void> {
  const p = ctx.params.csv!;
  const m = p.columns;
  const window = parseWindow(ctx.params.start, ctx.params.end);
  const f = p.files[k]!;
  const res = await readCsvColumns(db, {
    file: f.path, display: f.path, header: p.header, delimiter: p.delimiter,
    columns: [
      { name: 'ts_ms', source: m.ts, parse: p.ts_unit === 'iso' ? 'timestamp' : 'number' },
      { name: 'open', source: m.open }, { name: 'high', source: m.high }, { name: 'low', source: m.low },
      { name: 'close', source: m.close }, { name: 'volume', source: m.volume },
      ...(m.quote_volume !== undefined ? [{ name: 'quote_volume', source: m.quote_volume }] : []),
    ],
  });
  let ts = res.columns.ts_ms!;
  const src = { file: f.path, lines: res.lines };
  checkNotEmpty(ts.length, { file: f.path, header: res.header !== null }, 'bar', `a header-only file would drop ${f.symbol} from the lake: fix the export or remove it from ingest.csv.files`);
  const divisor = p.ts_unit === 'auto' ? detectTimestampUnit(ts, src) : p.ts_unit === 'us' ? 1000 : 1;
  if (p.ts_unit === 's') for (let i = 0; i < ts.length; i++) ts[i] = ts[i]! * 1000;
  scaleTimestamps(ts, divisor);
  if (p.ts_unit !== 'auto' && detectTimestampUnit(ts, src, 'ts') !== 1) {
    throw new DataError(`timestamp is not in milliseconds after converting from ts_unit "${p.ts_unit}"`, { file: f.path, line: res.lines[0]!, field: 'ts', value: ts[0] }, {
      hint: 'the column is in another unit: set ingest.csv.ts_unit to match it (auto accepts ms and us)',
    });
  }
  const all = emptyBars(ts.length);
  Object.assign(all, res.columns);
  checkOrder(ts, src, 'ts');
  checkBars(all, src);
  checkSpacing(ts, p.interval, src, 'ts', 'ingest.csv.interval');
  const [from, to] = windowRange(ts, window);
  if (from === to) {
    throw new DataError(`no rows inside the ingest window`, { file: f.path, field: 'ts', value: describeWindow(window) }, {
      hint: `the file covers ${new Date(ts[0]!).toISOString()} .. ${new Date(ts[ts.length - 1]!).toISOString()}: widen ingest.start / ingest.end or drop the file`,
    });
  }
  const b = sliceColumns(all, from, to);
  const rowsInFile = ts.length;
  ts = b.ts_ms;
  const key = { exchange: p.exchange, market: p.market, symbol: f.symbol };
  await w.bars('rawKlines', key, p.interval, b, singleOrigin(f.path, ts.length, res.lines.slice(from, to)));
  await w.recordFile(f.path, {
    table: 'raw/klines', instrument: `${p.exchange}/${p.market}/${f.symbol}/${p.interval}`, file: f.path, rows: ts.length,
    ...(rowsInFile !== ts.length ? { rows_in_file: rowsInFile } : {}), first_ts_ms: ts[0]!, last_ts_ms: ts[ts.length - 1]!,
  });
}
