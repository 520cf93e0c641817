import { existsSync } from 'node:fs';
import { readCsvColumns, type LakeDb } from '../../lake/index.js';
import { checkBars, checkOrder, detectTimestampUnit, scaleTimestamps } from '../../ingest/validate.js';
import { emptyBars } from '../../market.js';
import { DataError } from '../../errors.js';
import type { StageContext } from '../../stage/definition.js';
import { RawWriter, singleOrigin } from './raw_writer.js';
import type { IngestParams } from './params.js';

/** Generic OHLCV CSV files with a column mapping; one instrument per file. */
export async function ingestCsv(ctx: StageContext<IngestParams>, db: LakeDb, w: RawWriter): Promise<Record<string, unknown>> {
  const p = ctx.params.csv!;
  const m = p.columns;
  let done = 0;
  for (const f of p.files) {
    if (!existsSync(f.path)) throw new DataError('file not found', { file: f.path }, { hint: 'check stages.ingest.csv.files in spec/pipeline.yaml' });
    const res = await readCsvColumns(db, {
      file: f.path, display: f.path, header: p.header, delimiter: p.delimiter,
      columns: [
        { name: 'ts_ms', source: m.ts, parse: p.ts_unit === 'iso' ? 'timestamp' : 'number' },
        { name: 'open', source: m.open }, { name: 'high', source: m.high }, { name: 'low', source: m.low },
        { name: 'close', source: m.close }, { name: 'volume', source: m.volume },
        ...(m.quote_volume !== undefined ? [{ name: 'quote_volume', source: m.quote_volume }] : []),
      ],
    });
    const ts = res.columns.ts_ms!;
    const src = { file: f.path, lines: res.lines };
    const divisor = p.ts_unit === 'auto' ? detectTimestampUnit(ts, src) : p.ts_unit === 'us' ? 1000 : 1;
    if (p.ts_unit === 's') for (let i = 0; i < ts.length; i++) ts[i] = ts[i]! * 1000;
    scaleTimestamps(ts, divisor);
    if (p.ts_unit !== 'auto') detectTimestampUnit(ts, src, 'ts');
    const b = emptyBars(ts.length);
    Object.assign(b, res.columns);
    checkOrder(ts, src, 'ts');
    checkBars(b, src);
    const key = { exchange: p.exchange, market: p.market, symbol: f.symbol };
    await w.bars('rawKlines', key, p.interval, b, singleOrigin(f.path, ts.length, res.lines));
    await w.recordFile(f.path, {
      table: 'raw/klines', instrument: `${p.exchange}/${p.market}/${f.symbol}/${p.interval}`, file: f.path, rows: ts.length,
      ...(ts.length ? { first_ts_ms: ts[0]!, last_ts_ms: ts[ts.length - 1]! } : {}),
    });
    ctx.progress(++done, p.files.length, 'files');
  }
  return { synthetic: false, files: p.files.length };
}
