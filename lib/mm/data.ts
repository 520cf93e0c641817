/**
 * What market making reads from the lake (read only): one instrument's cleaned bars (OHLCV on a complete grid,
 * missing slots NaN) and its cleaned funding settlements. Errors name the folder, the field and the value.
 */
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { listPartitions, readPartitions, TABLES, type LakeDb } from '../lake/index.js';
import type { InstrumentKey } from '../market.js';
import { timeframeMs, type Timeframe } from '../timeframe.js';

export interface MmBars {
  /** display path of the bars folder (relative to the data dir) */
  file: string;
  timeframe: Timeframe;
  tfMs: number;
  ts_ms: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export interface MmFunding {
  file: string;
  ts_ms: Float64Array;
  funding_rate: Float64Array;
}

function folder(dir: string, k: InstrumentKey, tf?: string): string {
  return join('lake', dir, `exchange=${k.exchange}`, `market=${k.market}`, `symbol=${k.symbol}`, ...(tf ? [`timeframe=${tf}`] : []));
}

/** Cleaned bars of one instrument, optionally only those with fromMs <= ts_ms < toMs. */
export async function loadMmBars(
  db: LakeDb, lakeRoot: string, k: InstrumentKey, tf: Timeframe, range: { fromMs?: number; toMs?: number } = {},
): Promise<MmBars> {
  const file = folder(TABLES.cleanBars.dir, k, tf);
  const parts = await listPartitions(lakeRoot, TABLES.cleanBars, { exchange: k.exchange, market: k.market, symbol: k.symbol, timeframe: tf });
  if (parts.length === 0) {
    throw new DataError('no cleaned bars for this instrument and timeframe', { file, field: 'instrument', value: `${k.exchange}/${k.market}/${k.symbol} ${tf}` }, {
      hint: 'ingest and clean it first (npm run all -- --until clean ...), or pick a symbol the lake holds (ls <data_dir>/lake/cleaned/bars/exchange=*/market=*)',
    });
  }
  const conds: string[] = [];
  if (range.fromMs !== undefined) conds.push(`ts_ms >= ${Math.floor(range.fromMs)}`);
  if (range.toMs !== undefined) conds.push(`ts_ms < ${Math.floor(range.toMs)}`);
  const c = await readPartitions(db, lakeRoot, TABLES.cleanBars, parts, ['ts_ms', 'open', 'high', 'low', 'close', 'volume'],
    conds.length ? { where: conds.join(' AND ') } : {});
  const tfMs = timeframeMs(tf);
  const ts = c.ts_ms as Float64Array;
  for (let i = 1; i < ts.length; i++) {
    if (ts[i]! - ts[i - 1]! !== tfMs) {
      throw new DataError(`bars are not a complete ${tf} grid: ${ts[i - 1]} is followed by ${ts[i]}`, { file, field: 'ts_ms', value: ts[i] }, {
        hint: 'cleaned bars fill every grid slot (is_missing = 1): rerun clean',
      });
    }
  }
  return {
    file, timeframe: tf, tfMs, ts_ms: ts, open: c.open as Float64Array, high: c.high as Float64Array,
    low: c.low as Float64Array, close: c.close as Float64Array, volume: c.volume as Float64Array,
  };
}

/** Cleaned funding settlements (ts ascending), or undefined when the lake has none for the instrument. */
export async function loadMmFunding(db: LakeDb, lakeRoot: string, k: InstrumentKey): Promise<MmFunding | undefined> {
  const file = folder(TABLES.cleanFunding.dir, k);
  const parts = await listPartitions(lakeRoot, TABLES.cleanFunding, { exchange: k.exchange, market: k.market, symbol: k.symbol });
  if (parts.length === 0) return undefined;
  const c = await readPartitions(db, lakeRoot, TABLES.cleanFunding, parts, ['ts_ms', 'funding_rate']);
  return { file, ts_ms: c.ts_ms as Float64Array, funding_rate: c.funding_rate as Float64Array };
}
