/**
 * The same month as a monthly and a daily Binance Vision file: ingest keeps both as received; clean drops exact
 * duplicates (and counts them in the quality report) and refuses conflicting ones naming both file:line locations,
 * leaving the previously cleaned lake and quality report untouched.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RAW_PART, binanceParams, clean, copyLake, expectDataError, goodBars, ingest, klinesCsv, put, seedGoodLake, snapshot,
  visionKlinePath, zipCsv, type Bar,
} from './helpers.js';

let work: string;
let seed: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bad-dups-'));
  seed = await seedGoodLake(work, true);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const MONTHLY = visionKlinePath('um', '2025-01');
const DAILY = visionKlinePath('um', '2025-01-01');

/**
 * Monthly file: 12 bars from 00:00; daily file: bars 6..11 of the same day (header on line 1, so bar k of the
 * monthly file is on line k+2 and bar 6+j of the daily file on line j+2), with `edit` applied to the daily bars.
 * Ingest must accept both; returns the data dir.
 */
async function ingestMonthlyAndDaily(edit: (daily: Bar[]) => void): Promise<string> {
  const src = join(work, `src-${++n}`);
  const bars = goodBars(12);
  const daily = bars.slice(6).map((b) => ({ ...b }));
  edit(daily);
  await put(src, MONTHLY, zipCsv('BTCUSDT-5m-2025-01.csv', klinesCsv(bars)));
  await put(src, DAILY, zipCsv('BTCUSDT-5m-2025-01-01.csv', klinesCsv(daily)));
  const dataDir = await copyLake(seed, join(work, `data-${n}`));
  const r = await ingest(dataDir, binanceParams(src));
  if (r.exitCode !== 0) throw new Error(`ingest of monthly + daily failed:\n${r.stderr}`);
  return dataDir;
}

describe('duplicate bars across a monthly and a daily file', () => {
  test('conflicting duplicates (a different close) fail clean with exit 3 naming both file:line', async () => {
    // bar 8 (08 = 00:40 UTC): open 108, high 110, low 107, close 109 in the monthly file; close 109.5 in the daily
    const dataDir = await ingestMonthlyAndDaily((d) => (d[2]!.close = 109.5));
    const before = await snapshot(dataDir);
    const r = await clean(dataDir);
    // locations are ordered by file name: data/futures/um/daily/... sorts before data/futures/um/monthly/...
    const msg = expectDataError(r, { file: DAILY, line: 4, field: 'close', value: '109.5' });
    expect(msg).toContain(`${MONTHLY}:10 has close = 109`);
    expect(msg).toContain('2025-01-01T00:40:00');
    expect(await snapshot(dataDir)).toEqual(before);
  });

  test('exact duplicates are dropped: clean succeeds and the quality report counts them', async () => {
    const dataDir = await ingestMonthlyAndDaily(() => {});
    // ingest keeps both files as received: 12 + 6 raw rows
    const rawManifest = JSON.parse(await readFile(join(dataDir, RAW_PART.replace('part.parquet', '_manifest.json')), 'utf8')) as { rows: number };
    expect(rawManifest.rows).toBe(18);
    const r = await clean(dataDir);
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const q = JSON.parse(await readFile(join(dataDir, 'reports', 'quality', 'quality.json'), 'utf8')) as {
      instruments: { instrument: string; timeframes: { timeframe: string; expected_bars: number; present_bars: number; duplicates_dropped: number }[] }[];
      totals: { timeframes: { timeframe: string; duplicates_dropped: number }[] };
    };
    // by construction: 12 monthly bars + 6 identical daily bars = 18 raw rows on a 12-slot grid, 6 dropped
    expect(q.instruments.map((i) => i.instrument)).toEqual(['binance/um/BTCUSDT']);
    expect(q.instruments[0]!.timeframes).toEqual([
      expect.objectContaining({ timeframe: '5m', expected_bars: 12, present_bars: 12, duplicates_dropped: 6 }),
    ]);
    expect(q.totals.timeframes).toEqual([expect.objectContaining({ timeframe: '5m', duplicates_dropped: 6 })]);
  });
});
