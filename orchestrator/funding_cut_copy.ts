#!/usr/bin/env node
/**
 * Copies a binance-vision dataset folder (../shared/data/real layout: klines/<SYMBOL>-<tf>.csv.gz,
 * funding/<SYMBOL>-funding.csv) with the funding of some perpetuals cut short: every settlement after
 * (that symbol's last kline close - hours) is dropped. The pipeline then has funding that ends before the bars,
 * as uneven real downloads often do (issue 10.2): the walk-forward trades those perps only inside their funding span
 * and lists them as cut.
 * Usage: node dist/orchestrator/funding_cut_copy.js <dataset dir> <new dir> [--hours 9] [--symbols BTCUSDT,ETHUSDT]
 * (default: every funding file). Prints one line per cut file: symbol, bars end, funding end before/after, rows.
 * `rewriteCleanedFunding` does the same on a lake's cleaned funding (tests and the real-data check).
 */
import { createHash } from 'node:crypto';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { usageExit } from './cli_common.js';
import { LakeDb, TABLES, listPartitions, readPartitions } from '../lib/lake/index.js';
import { sqlString } from '../lib/lake/db.js';

const HOUR_MS = 3_600_000;

/** Cuts `<dir>/funding/<SYMBOL>-funding.csv` after (last kline close of SYMBOL - hours); returns what it did. */
export async function cutFunding(dir: string, symbol: string, hours: number): Promise<{ symbol: string; bars_end_ms: number; funding_end_before_ms: number; funding_end_after_ms: number; rows_before: number; rows_after: number }> {
  const klines = (await readdir(join(dir, 'klines'))).filter((f) => f.startsWith(`${symbol}-`) && f.endsWith('.csv.gz'));
  if (klines.length !== 1) throw new Error(`${dir}/klines: expected one ${symbol}-<tf>.csv.gz, found ${klines.length}`);
  const lines = gunzipSync(await readFile(join(dir, 'klines', klines[0]!))).toString('utf8').trim().split('\n');
  const last = Number(lines[lines.length - 1]!.split(',')[0]);
  const prev = Number(lines[lines.length - 2]!.split(',')[0]);
  const barsEnd = last + (last - prev);
  const file = join(dir, 'funding', `${symbol}-funding.csv`);
  const rows = (await readFile(file, 'utf8')).trim().split('\n');
  const [header, ...data] = rows;
  const limit = barsEnd - hours * HOUR_MS;
  const kept = data.filter((l) => Number(l.split(',')[0]) <= limit);
  await writeFile(file, [header, ...kept].join('\n') + '\n');
  const ts = (l: string | undefined): number => (l === undefined ? NaN : Number(l.split(',')[0]));
  return {
    symbol, bars_end_ms: barsEnd, funding_end_before_ms: ts(data[data.length - 1]), funding_end_after_ms: ts(kept[kept.length - 1]),
    rows_before: data.length, rows_after: kept.length,
  };
}

/**
 * Rewrites the cleaned funding partitions of one instrument under `lakeRoot` (<data>/lake), keeping the settlements
 * `keep` accepts, and updates their manifests (rows, bytes, sha256, min/max ts). For checks on a throwaway lake only:
 * stages downstream must be forced to rerun (the recorded output digests are not updated). Returns the rows kept.
 */
export async function rewriteCleanedFunding(lakeRoot: string, key: { exchange: string; market: string; symbol: string }, keep: (ts: number) => boolean): Promise<number> {
  const db = await LakeDb.open({ threads: 1 });
  let total = 0;
  try {
    const parts = await listPartitions(lakeRoot, TABLES.cleanFunding, key);
    if (parts.length === 0) throw new Error(`${lakeRoot}: no cleaned funding partitions for ${key.exchange}/${key.market}/${key.symbol}`);
    for (const p of parts) {
      const file = join(lakeRoot, p.manifest.file);
      const ts = Array.from((await readPartitions(db, lakeRoot, TABLES.cleanFunding, [p], ['ts_ms'])).ts_ms as Float64Array);
      const kept = ts.filter(keep);
      total += kept.length;
      const tmp = `${file}.tmp`;
      await db.run(`COPY (SELECT * FROM read_parquet(${sqlString(file)}) WHERE ts_ms IN (${kept.length ? kept.join(',') : 'NULL'}) ORDER BY ts_ms) TO ${sqlString(tmp)} (FORMAT parquet)`);
      await cp(tmp, file);
      await rm(tmp);
      const bytes = await readFile(file);
      const mf = join(dirname(file), '_manifest.json');
      const m = JSON.parse(await readFile(mf, 'utf8')) as Record<string, unknown>;
      await writeFile(mf, JSON.stringify({
        ...m, rows: kept.length, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'),
        ...(kept.length ? { min_ts_ms: Math.min(...kept), max_ts_ms: Math.max(...kept) } : {}),
      }));
    }
  } finally {
    db.close();
  }
  return total;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]).endsWith('funding_cut_copy.js');
if (isMain) {
  const argv = yargs(hideBin(process.argv))
    .usage('$0 <dataset dir> <new dir> [--hours 9] [--symbols A,B]')
    .option('hours', { type: 'number', default: 9, describe: 'drop settlements after (bars end - hours)' })
    .option('symbols', { type: 'string', describe: 'comma-separated perps to cut (default: every funding file)' })
    .demandCommand(2)
    .strict()
    .fail((msg, err) => usageExit(msg ?? err?.message ?? 'bad arguments', 'funding_cut_copy.js <dataset dir> <new dir> [--hours 9] [--symbols A,B]'))
    .parseSync();
  const [src, dst] = argv._.map(String) as [string, string];
  if (!existsSync(join(src, 'funding'))) usageExit(`${src}: no funding/ folder`, 'pass a binance-vision dataset folder with funding/<SYMBOL>-funding.csv');
  if (existsSync(dst)) usageExit(`${dst} exists`, 'pass a new folder');
  await cp(src, dst, { recursive: true });
  const symbols = argv.symbols
    ? argv.symbols.split(',').map((s) => s.trim()).filter(Boolean)
    : (await readdir(join(dst, 'funding'))).filter((f) => f.endsWith('-funding.csv')).map((f) => f.replace(/-funding\.csv$/, '')).sort();
  const iso = (x: number): string => (Number.isFinite(x) ? new Date(x).toISOString() : 'none');
  for (const s of symbols) {
    const r = await cutFunding(dst, s, argv.hours);
    process.stdout.write(`${r.symbol}: bars end ${iso(r.bars_end_ms)}, funding ended ${iso(r.funding_end_before_ms)}, now ${iso(r.funding_end_after_ms)} (${r.rows_before} -> ${r.rows_after} rows)\n`);
  }
}
