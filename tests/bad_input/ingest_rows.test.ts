/**
 * Bad rows in a well-formed file: exit 3 with `file:line field: what, was VALUE` and a hint, the previous lake
 * untouched. And the one unusual row format that is fine: microsecond timestamps (Binance spot files from 2025).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeDb, TABLES, listPartitions, readPartitions } from '../../lib/lake/index.js';
import {
  FLAT_KLINES, M5, T0, binanceParams, copyLake, expectDataError, goodBars, gz, ingest, klinesCsv, put, seedGoodLake,
  snapshot, visionKlinePath, zipCsv, type Bar, type RunResult,
} from './helpers.js';

let work: string;
let seed: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bad-rows-'));
  seed = await seedGoodLake(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Ingest 12 good bars with `edit` applied, as the flat gzip layout (header on line 1: bar k is on line k+2). */
async function ingestBars(edit: (bars: Bar[]) => void): Promise<RunResult> {
  const bars = goodBars(12);
  edit(bars);
  const src = join(work, `src-${++n}`);
  await put(src, FLAT_KLINES, gz(klinesCsv(bars)));
  const dataDir = await copyLake(seed, join(work, `data-${n}`));
  const before = await snapshot(dataDir);
  const r = await ingest(dataDir, binanceParams(src));
  expect(await snapshot(dataDir)).toEqual(before);
  return r;
}

describe('ingest refuses bad rows, naming file:line, field and value', () => {
  test('a non-numeric price', async () => {
    const r = await ingestBars((b) => (b[4]!.close = '10O.5')); // letter O for zero
    expect(expectDataError(r, { file: FLAT_KLINES, line: 6, field: 'close', value: '"10O.5"' })).toContain('is not a finite number');
  });

  test('a zero price', async () => {
    const r = await ingestBars((b) => (b[2]!.low = 0));
    expect(expectDataError(r, { file: FLAT_KLINES, line: 4, field: 'low', value: '0' })).toContain('price is zero');
  });

  test('a negative price', async () => {
    const r = await ingestBars((b) => (b[9]!.open = -109));
    expect(expectDataError(r, { file: FLAT_KLINES, line: 11, field: 'open', value: '-109' })).toContain('positive');
  });

  test('high below low', async () => {
    const r = await ingestBars((b) => Object.assign(b[7]!, { high: 106, low: 108 })); // open 107, close 108
    expect(expectDataError(r, { file: FLAT_KLINES, line: 9, field: 'high', value: '106' })).toContain('high < low');
  });

  test('timestamps out of order', async () => {
    const r = await ingestBars((b) => ([b[5]!.ts, b[6]!.ts] = [b[6]!.ts, b[5]!.ts]));
    // bars 5 and 6 swapped: line 8 (bar 6's slot) holds T0+5*M5, after T0+6*M5 on line 7
    const msg = expectDataError(r, { file: FLAT_KLINES, line: 8, field: 'open_time', value: String(T0 + 5 * M5) });
    expect(msg).toContain('out of order');
  });

  test('timestamps in seconds', async () => {
    const r = await ingestBars((b) => b.forEach((x) => (x.ts = x.ts / 1000)));
    const msg = expectDataError(r, { file: FLAT_KLINES, line: 2, field: 'open_time', value: String(T0 / 1000) });
    expect(msg).toContain('unexpected unit');
  });
});

describe('ingest refuses a bad funding file', () => {
  test('a non-finite funding rate names file:line, funding_rate and the value', async () => {
    const src = join(work, `src-${++n}`);
    const rel = 'funding/BTCUSDT-funding.csv';
    const H8 = 8 * 3_600_000;
    await put(src, rel, `funding_time,funding_rate\n${T0},0.0001\n${T0 + H8},NaN\n${T0 + 2 * H8},-0.00002\n`);
    const dataDir = await copyLake(seed, join(work, `data-${n}`));
    const before = await snapshot(dataDir);
    const r = await ingest(dataDir, binanceParams(src, { kinds: ['funding'] }));
    const msg = expectDataError(r, { file: rel, line: 3, field: 'funding_rate', value: '"NaN"' });
    expect(msg).toContain('is not a finite number');
    expect(await snapshot(dataDir)).toEqual(before);
  });
});

describe('microsecond timestamps are accepted', () => {
  test('a Binance spot 2025 zip with microsecond open times lands in the lake as milliseconds', async () => {
    const bars = goodBars(12).map((b) => ({ ...b, ts: b.ts * 1000 })); // microseconds
    const text = klinesCsv(bars, false); // spot files have no header; the close_time column is not read
    const src = join(work, `src-${++n}`);
    const rel = visionKlinePath('spot', '2025-01');
    await put(src, rel, zipCsv('BTCUSDT-5m-2025-01.csv', text));
    const dataDir = await copyLake(seed, join(work, `data-${n}`));
    const r = await ingest(dataDir, binanceParams(src));
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const lake = join(dataDir, 'lake');
    const parts = await listPartitions(lake, TABLES.rawKlines, { market: 'spot', symbol: 'BTCUSDT', interval: '5m' });
    expect(parts.map((p) => p.keys.month)).toEqual(['2025-01']);
    const db = await LakeDb.open({ threads: 1 });
    try {
      const cols = await readPartitions(db, lake, TABLES.rawKlines, parts, ['ts_ms']);
      // expected: the microsecond values / 1000 = T0 + k * 5 min, the ms grid goodBars started from
      expect(Array.from(cols.ts_ms as Float64Array)).toEqual(goodBars(12).map((b) => b.ts));
    } finally {
      db.close();
    }
    const prov = JSON.parse(await readFile(join(lake, 'raw', '_provenance.json'), 'utf8')) as { entries: { file: string; first_ts_ms: number; last_ts_ms: number }[] };
    expect(prov.entries).toEqual([expect.objectContaining({ file: rel, first_ts_ms: T0, last_ts_ms: T0 + 11 * M5 })]);
  });
});
