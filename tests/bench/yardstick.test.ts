import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LakeDb } from '../../lib/lake/index.js';
import { sqlString } from '../../lib/lake/db.js';
import { sourceCsvFiles, stageYardstick } from '../../bench/yardstick.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-yardstick-'));
  const db = await LakeDb.open();
  try {
    for (const [rel, n] of [['in/a/x=1/part.parquet', 100], ['in/a/x=2/part.parquet', 50], ['out/o/part.parquet', 30]] as const) {
      await mkdir(join(dir, rel, '..'), { recursive: true });
      await db.run(`COPY (SELECT range AS ts_ms, range * 0.5 AS close FROM range(${n})) TO ${sqlString(join(dir, rel))} (FORMAT parquet)`);
    }
  } finally {
    db.close();
  }
  await writeFile(join(dir, 'in', 'a', 'notes.json'), '{}');
  // a binance-vision-like source: one kline file (gzip), one funding file, a MANIFEST.csv at the top (not data)
  await mkdir(join(dir, 'src', 'klines'), { recursive: true });
  await mkdir(join(dir, 'src', 'funding'), { recursive: true });
  const t0 = Date.UTC(2025, 0, 31, 23, 50);
  const kl = ['open_time,open,high,low,close,volume', ...[0, 1, 2, 3].map((i) => `${t0 + i * 300_000},1,2,0.5,1.5,10`)].join('\n') + '\n';
  await writeFile(join(dir, 'src', 'klines', 'BTCUSDT-5m.csv.gz'), gzipSync(kl));
  await writeFile(join(dir, 'src', 'funding', 'BTCUSDT-funding.csv'), `funding_time,funding_rate\n${t0},0.0001\n`);
  await writeFile(join(dir, 'src', 'MANIFEST.csv'), 'file,sha256\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('per-stage yardstick: DuckDB alone over a stage\'s inputs and outputs', () => {
  test('reads every input Parquet file and rewrites every output file; counts rows from the files, not from the stage', async () => {
    const y = await stageYardstick({ stage: 's', inputs: [join(dir, 'in/a')], sourceCsv: [], outputs: [join(dir, 'out/o'), join(dir, 'out/none')] }, join(dir, 'scratch'));
    expect(y).toMatchObject({ stage: 's', input_files: 2, rows_in: 150, output_files: 1, rows_out: 30 });
    expect(y.duckdb_ms).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'scratch'))).toBe(false);
  });

  test('ingest: read_csv of the source files (subfolders only) into Parquet by month; rows are the CSV rows', async () => {
    const files = await sourceCsvFiles(join(dir, 'src'));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['src/funding/BTCUSDT-funding.csv', 'src/klines/BTCUSDT-5m.csv.gz']);
    const y = await stageYardstick({ stage: 'ingest', inputs: [], sourceCsv: files, outputs: [join(dir, 'out/o')] }, join(dir, 'scratch'));
    expect(y).toMatchObject({ input_files: 2, rows_in: 5, output_files: 1, rows_out: 30 });
    expect(y.pass).toMatch(/^read_csv of 2 source files/);
  });
});
