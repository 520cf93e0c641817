/**
 * Binance Vision futures `metrics` files (open interest, long/short and taker ratios): discovery, download planning
 * and download (CHECKSUM-verified, against the fixture server), and the ingest + clean executables on a fixture the
 * test writes, run in a non-UTC time zone to prove create_time is read as UTC. Bad rows: exit 3, located, lake untouched.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBinanceFiles } from '../../../lib/ingest/binance_vision/discover.js';
import { downloadBinanceVision } from '../../../lib/ingest/binance_vision/download.js';
import { planDownload } from '../../../lib/ingest/binance_vision/plan.js';
import { LakeDb, TABLES, listPartitions, readPartitions } from '../../../lib/lake/index.js';
import {
  binanceParams, clean, copyLake, expectDataError, goodBars, ingest, klinesCsv, put, snapshot, visionKlinePath, zipCsv,
} from '../../bad_input/helpers.js';
import { klineZip, publish, startFixtureServer } from './fixture_server.js';
import { M5, metricsDay, metricsRel, metricsZip, type MetricsRow } from './metrics_fixture.js';

const DAY1 = '2025-01-01';
const DAY2 = '2025-01-02';
const T0 = Date.UTC(2025, 0, 1);
let work: string;
let savedTz: string | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-metrics-'));
  // The stage executables inherit this: a local zone 5 h behind UTC must not shift create_time.
  savedTz = process.env.TZ;
  process.env.TZ = 'America/New_York';
});
afterAll(async () => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
  await rm(work, { recursive: true, force: true });
});

describe('discovery and download of metrics files', () => {
  test('daily metrics files in the vision tree are found as kind metrics; monthly names and spot are refused with a reason', async () => {
    const root = join(work, 'disc');
    await put(root, metricsRel('BTCUSDT', DAY1), 'x');
    await put(root, `${metricsRel('BTCUSDT', DAY1)}.CHECKSUM`, 'x');
    await put(root, 'data/futures/um/monthly/metrics/BTCUSDT/BTCUSDT-metrics-2025-01.zip', 'x');
    await put(root, 'data/spot/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-01-01.zip', 'x');
    await put(root, 'flat/ETHUSDT-metrics.csv.gz', 'x');
    const { files, ignored } = await discoverBinanceFiles(root);
    expect(files.map((f) => [f.kind, f.market, f.symbol, f.interval ?? '-', f.period ?? '-', f.granularity ?? '-'])).toEqual([
      ['metrics', 'um', 'BTCUSDT', '-', DAY1, 'daily'],
      ['metrics', 'um', 'ETHUSDT', '-', '-', '-'],
    ]);
    expect(ignored.map((i) => [i.rel, i.reason])).toEqual([
      ['data/futures/um/monthly/metrics/BTCUSDT/BTCUSDT-metrics-2025-01.zip', 'period "2025-01": data.binance.vision publishes metrics as daily files only (YYYY-MM-DD)'],
      ['data/spot/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-01-01.zip', 'metrics does not exist for spot'],
    ]);
  });

  test('a download of metrics months fetches every day of them (no interval), 404 days reported missing', async () => {
    const plan = planDownload({ destDir: '/x', market: 'um', kind: 'metrics', symbols: ['BTCUSDT'], startMonth: '2024-02', endMonth: '2024-02' });
    expect(plan.length).toBe(29); // leap year
    expect(plan[0]!.rel).toBe('data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2024-02-01.zip');
    expect(plan[28]!.rel).toBe('data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2024-02-29.zip');

    const files = new Map<string, Uint8Array>();
    publish(files, metricsRel('BTCUSDT', DAY1), metricsZip('BTCUSDT', DAY1, metricsDay(DAY1)));
    publish(files, metricsRel('BTCUSDT', DAY2), metricsZip('BTCUSDT', DAY2, metricsDay(DAY2)));
    const server = await startFixtureServer(files);
    const dest = join(work, 'dl');
    try {
      const report = await downloadBinanceVision({
        baseUrl: server.baseUrl, destDir: dest, market: 'um', kind: 'metrics', symbols: ['BTCUSDT'], startMonth: '2025-01', endMonth: '2025-01',
        concurrency: 2, retries: 0, retryBaseMs: 1,
      });
      expect(report.downloaded.map((f) => f.rel)).toEqual([metricsRel('BTCUSDT', DAY1), metricsRel('BTCUSDT', DAY2)]);
      expect(report.missing.length).toBe(29);
    } finally {
      await server.close();
    }
    const found = await discoverBinanceFiles(dest);
    expect(found.files.map((f) => `${f.kind} ${f.period}`)).toEqual([`metrics ${DAY1}`, `metrics ${DAY2}`]);
  });
});

/** A source folder: BTCUSDT 5m klines for DAY1..DAY2 (daily zips) and metrics for both days. */
async function source(name: string, day2Rows: MetricsRow[] = metricsDay(DAY2)): Promise<string> {
  const src = join(work, name);
  for (const [k, day] of [DAY1, DAY2].entries()) {
    await put(src, visionKlinePath('um', day), zipCsv(`BTCUSDT-5m-${day}.csv`, klinesCsv(goodBars(288, T0 + k * 288 * M5))));
  }
  const day1 = metricsDay(DAY1);
  day1[9] = { ...day1[9]!, topAccounts: '', topPositions: '' }; // early history: ratios missing on some rows
  await put(src, metricsRel('BTCUSDT', DAY1), metricsZip('BTCUSDT', DAY1, day1));
  await put(src, metricsRel('BTCUSDT', DAY2), metricsZip('BTCUSDT', DAY2, day2Rows));
  return src;
}

const PARAMS = (src: string) => binanceParams(src, { kinds: ['klines', 'metrics'] }); // bars and open interest: the fixture has no funding files

describe('ingest and clean of metrics files', () => {
  test('open interest and the ratios land in raw and cleaned open_interest, stamped at create_time (UTC), with provenance', async () => {
    const src = await source('src-ok');
    const d = join(work, 'data-ok');
    const r = await ingest(d, PARAMS(src));
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const c = await clean(d);
    if (c.exitCode !== 0) throw new Error(c.stderr);
    const lake = join(d, 'lake');
    const db = await LakeDb.open({ threads: 1 });
    try {
      const parts = await listPartitions(lake, TABLES.cleanOpenInterest, { symbol: 'BTCUSDT' });
      expect(parts.map((p) => p.keys.month)).toEqual(['2025-01']);
      const cols = ['ts_ms', 'open_interest', 'open_interest_usd', 'top_trader_account_ratio', 'top_trader_position_ratio', 'long_short_account_ratio', 'taker_buy_sell_volume_ratio'];
      const oi = await readPartitions(db, lake, TABLES.cleanOpenInterest, parts, cols);
      expect(oi.ts_ms!.length).toBe(576);
      // first snapshot: '2025-01-01 00:05:00' UTC, whatever the local zone
      expect(oi.ts_ms![0]).toBe(T0 + M5);
      expect(oi.ts_ms![575]).toBe(T0 + 576 * M5);
      expect(Array.from(oi.open_interest!.slice(0, 3))).toEqual([1001, 1002, 1003]);
      expect(oi.open_interest_usd![0]).toBe(1001 * 50);
      expect(oi.long_short_account_ratio![0]).toBe(2);
      expect(Array.from(oi.taker_buy_sell_volume_ratio!.slice(0, 4))).toEqual([0.75, 0.875, 1, 1.125]);
      expect(oi.top_trader_account_ratio![8]).toBe(1.5);
      expect(oi.top_trader_account_ratio![9]).toBeNaN(); // the empty field is NULL, not 0
      expect(oi.top_trader_position_ratio![9]).toBeNaN();
      expect(oi.long_short_account_ratio![9]).toBe(2);
      const raw = await listPartitions(lake, TABLES.rawOpenInterest, { symbol: 'BTCUSDT' });
      expect(raw.map((p) => p.manifest.rows)).toEqual([576]);
    } finally {
      db.close();
    }
    const prov = JSON.parse(await (await import('node:fs/promises')).readFile(join(lake, 'raw', '_provenance.json'), 'utf8')) as {
      rows: Record<string, number>; entries: { table: string; file: string; rows: number; first_ts_ms: number }[];
    };
    expect(prov.rows['raw/open_interest']).toBe(576);
    expect(prov.entries.filter((e) => e.table === 'raw/open_interest').map((e) => [e.file, e.rows, e.first_ts_ms])).toEqual([
      [metricsRel('BTCUSDT', DAY1), 288, T0 + M5],
      [metricsRel('BTCUSDT', DAY2), 288, T0 + 289 * M5],
    ]);
  });

  test('a negative open interest: exit 3 naming file, line, field and value; the lake untouched', async () => {
    const rows = metricsDay(DAY2);
    rows[4] = { ...rows[4]!, oi: -5 };
    const src = await source('src-neg', rows);
    const seed = join(work, 'seed-neg');
    const ok = await ingest(seed, PARAMS(await source('src-seed')));
    if (ok.exitCode !== 0) throw new Error(ok.stderr);
    const d = await copyLake(seed, join(work, 'data-neg'));
    const before = await snapshot(d);
    const r = await ingest(d, PARAMS(src));
    // header on line 1: row 4 (0-based) is on line 6
    expect(expectDataError(r, { file: metricsRel('BTCUSDT', DAY2), line: 6, field: 'sum_open_interest', value: '-5' })).toContain('finite number >= 0');
    expect(await snapshot(d)).toEqual(before);
  });

  test('a create_time outside the file\'s day is refused (the name and the contents disagree)', async () => {
    const rows = metricsDay(DAY2).map((x) => ({ ...x, ts: x.ts + 86_400_000 }));
    const r = await ingest(join(work, 'data-day'), PARAMS(await source('src-day', rows)));
    expect(expectDataError(r, { file: metricsRel('BTCUSDT', DAY2), line: 2, field: 'create_time' })).toContain("outside the file's day 2025-01-02");
  });
});

describe('the ingest stage downloads metrics days', () => {
  test('kinds [klines, metrics] with download enabled: every day of the months is asked for, published days land in open_interest', async () => {
    const files = new Map<string, Uint8Array>();
    publish(files, 'data/futures/um/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip', klineZip('BTCUSDT-5m-2025-01.zip', 600, 0));
    publish(files, metricsRel('BTCUSDT', DAY1), metricsZip('BTCUSDT', DAY1, metricsDay(DAY1)));
    publish(files, metricsRel('BTCUSDT', DAY2), metricsZip('BTCUSDT', DAY2, metricsDay(DAY2)));
    const server = await startFixtureServer(files);
    const d = join(work, 'data-dl');
    try {
      const r = await ingest(d, binanceParams(join(work, 'src-dl'), {
        symbols: ['BTCUSDT'], kinds: ['klines', 'metrics'],
        download: { enabled: true, base_url: server.baseUrl, start_month: '2025-01', end_month: '2025-01', concurrency: 2 },
      }));
      if (r.exitCode !== 0) throw new Error(r.stderr);
      // a day is asked for by its CHECKSUM first; 404 there: missing, the zip is not requested
      const days = new Set(server.requests.flatMap((q) => /-metrics-(\d{4}-\d{2}-\d{2})\.zip/.exec(q)?.[1] ?? []));
      expect(days.size).toBe(31);
      expect(server.requests.filter((q) => /-metrics-.*\.zip -$/.test(q)).length).toBe(2);
    } finally {
      await server.close();
    }
    const parts = await listPartitions(join(d, 'lake'), TABLES.rawOpenInterest, { symbol: 'BTCUSDT' });
    expect(parts.map((p) => p.manifest.rows)).toEqual([576]);
    const bars = await listPartitions(join(d, 'lake'), TABLES.rawKlines, { symbol: 'BTCUSDT' });
    expect(bars.map((p) => p.manifest.rows)).toEqual([600]);
  });
});
