/**
 * ingest.start / ingest.end cut every source to one window (UTC, start inclusive, end exclusive): bars, funding, open
 * interest and market caps; rows keep their source line; provenance records the window and each file's full row count.
 * (The refusals of bad windows are in corpus.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeDb, TABLES, listPartitions, readPartitions, type TableSchema } from '../../lib/lake/index.js';
import { generateSymbol } from '../../lib/ingest/synthetic/index.js';
import { SYNTHETIC_DEFAULTS } from '../../lib/ingest/synthetic/params.js';
import { startBinanceFixture } from '../ingest/ccxt/binance_fixture.js';
import { T0, goodBars, gz, ingest, klinesCsv, put, type Bar } from './helpers.js';

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-window-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const H1 = 3_600_000;
const H8 = 8 * H1;
const DAY = 24 * H1;
/** 72 hourly bars from T0 (3 days); bar k on line k+2 of a headed file. */
const hourly = (): Bar[] => goodBars(72).map((b, i) => ({ ...b, ts: T0 + i * H1 }));
const WINDOW = { start: '2025-01-02', end: '2025-01-03T00:00:00Z' };

async function read(lake: string, table: TableSchema, keys: object, cols: string[]): Promise<Record<string, number[]>> {
  const parts = await listPartitions(lake, table, keys as Record<string, string>);
  const db = await LakeDb.open({ threads: 1 });
  try {
    const c = await readPartitions(db, lake, table, parts, cols);
    return Object.fromEntries(cols.map((k) => [k, Array.from(c[k] as ArrayLike<number>)]));
  } finally {
    db.close();
  }
}

interface Provenance { window: { start: string | null; end: string | null; end_exclusive: boolean }; entries: { file: string; rows: number; rows_in_file?: number; first_ts_ms?: number; last_ts_ms?: number }[] }
const provenance = async (dataDir: string): Promise<Provenance> => JSON.parse(await readFile(join(dataDir, 'lake', 'raw', '_provenance.json'), 'utf8')) as Provenance;
const ok = (r: { exitCode: number; stderr: string }) => {
  if (r.exitCode !== 0) throw new Error(r.stderr);
};

describe('the ingest window', () => {
  test('binance-vision: bars and funding cut to [start, end), source lines kept, provenance records it', async () => {
    const src = join(work, `src-${++n}`);
    await put(src, 'klines/BTCUSDT-1h.csv.gz', gz(klinesCsv(hourly())));
    const funding = Array.from({ length: 9 }, (_, k) => `${T0 + k * H8},${(k + 1) / 10000}`);
    await put(src, 'funding/BTCUSDT-funding.csv', `funding_time,funding_rate\n${funding.join('\n')}\n`);
    const dataDir = join(work, `data-${n}`);
    ok(await ingest(dataDir, JSON.stringify({ source: 'binance-vision', ...WINDOW, binance_vision: { path: src, market: 'um' } })));
    const lake = join(dataDir, 'lake');
    const key = { exchange: 'binance', market: 'um', symbol: 'BTCUSDT' };
    const bars = await read(lake, TABLES.rawKlines, { ...key, interval: '1h' }, ['ts_ms', 'open', 'src_line']);
    // 2025-01-02 00:00 .. 23:00: bars 24..47, open 100+k, on lines k+2
    expect(bars.ts_ms).toEqual(Array.from({ length: 24 }, (_, i) => T0 + DAY + i * H1));
    expect(bars.open).toEqual(Array.from({ length: 24 }, (_, i) => 124 + i));
    expect(bars.src_line).toEqual(Array.from({ length: 24 }, (_, i) => 26 + i));
    const f = await read(lake, TABLES.rawFunding, key, ['ts_ms', 'funding_rate']);
    expect(f.ts_ms).toEqual([T0 + DAY, T0 + DAY + H8, T0 + DAY + 2 * H8]); // settlements 3, 4, 5
    expect(f.funding_rate).toEqual([0.0004, 0.0005, 0.0006]);
    const p = await provenance(dataDir);
    expect(p.window).toEqual({ start: '2025-01-02T00:00:00.000Z', end: '2025-01-03T00:00:00.000Z', end_exclusive: true });
    expect(p.entries.find((e) => e.file === 'klines/BTCUSDT-1h.csv.gz')).toEqual(expect.objectContaining({
      rows: 24, rows_in_file: 72, first_ts_ms: T0 + DAY, last_ts_ms: T0 + DAY + 23 * H1,
    }));
    expect(p.entries.find((e) => e.file === 'funding/BTCUSDT-funding.csv')).toEqual(expect.objectContaining({ rows: 3, rows_in_file: 9 }));
  });

  test('without a window nothing is cut and provenance says so', async () => {
    const src = join(work, `src-${++n}`);
    await put(src, 'klines/BTCUSDT-1h.csv.gz', gz(klinesCsv(hourly())));
    const dataDir = join(work, `data-${n}`);
    ok(await ingest(dataDir, JSON.stringify({ source: 'binance-vision', binance_vision: { path: src, market: 'spot' } })));
    const p = await provenance(dataDir);
    expect(p.window).toEqual({ start: null, end: null, end_exclusive: true });
    expect(p.entries[0]).toEqual(expect.objectContaining({ rows: 72 }));
    expect(p.entries[0]!.rows_in_file).toBeUndefined();
  });

  test('csv: a datetime window (end exclusive) keeps exactly the bars inside', async () => {
    const f = await put(join(work, `src-${++n}`), 'btc.csv',
      `ts,open,high,low,close,volume\n${hourly().map((b) => [b.ts, b.open, b.high, b.low, b.close, b.volume].join(',')).join('\n')}\n`);
    const dataDir = join(work, `data-${n}`);
    ok(await ingest(dataDir, JSON.stringify({
      source: 'csv', start: '2025-01-01T10:00Z', end: '2025-01-01T13:00:00.000Z',
      csv: { files: [{ path: f, symbol: 'BTCUSDT' }], exchange: 'testex', market: 'spot', interval: '1h', columns: { ts: 'ts', open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume' } },
    })));
    const bars = await read(join(dataDir, 'lake'), TABLES.rawKlines, { exchange: 'testex', market: 'spot', symbol: 'BTCUSDT', interval: '1h' }, ['ts_ms', 'src_line']);
    expect(bars.ts_ms).toEqual([T0 + 10 * H1, T0 + 11 * H1, T0 + 12 * H1]);
    expect(bars.src_line).toEqual([12, 13, 14]);
    expect((await provenance(dataDir)).entries[0]).toEqual(expect.objectContaining({ rows: 3, rows_in_file: 72 }));
  });

  test('synthetic: the window cuts the generated series without changing a value', async () => {
    const s = { ...SYNTHETIC_DEFAULTS, n_symbols: 1, start_ms: T0, end_ms: T0 + 2 * DAY };
    const dataDir = join(work, `data-${++n}`);
    ok(await ingest(dataDir, JSON.stringify({ source: 'synthetic', ...WINDOW, synthetic: s }), '--allow_synthetic'));
    const g = generateSymbol(s, 0);
    const lake = join(dataDir, 'lake');
    const bars = await read(lake, TABLES.rawKlines, { ...g.key, interval: s.timeframe }, ['ts_ms', 'close']);
    const inside = Array.from(g.bars.ts_ms).map((t, i) => [t, i] as const).filter(([t]) => t >= T0 + DAY && t < T0 + 2 * DAY);
    expect(bars.ts_ms).toEqual(inside.map(([t]) => t));
    expect(bars.ts_ms).toHaveLength(288);
    expect(bars.close).toEqual(inside.map(([, i]) => g.bars.close[i]));
    const fund = await read(lake, TABLES.rawFunding, g.key, ['ts_ms']);
    expect(fund.ts_ms!).toEqual(Array.from(g.funding.ts_ms).filter((t) => t >= T0 + DAY && t < T0 + 2 * DAY));
    expect(fund.ts_ms!.length).toBeGreaterThan(0);
    const oi = await read(lake, TABLES.rawOpenInterest, g.key, ['ts_ms']);
    expect(Math.min(...oi.ts_ms!)).toBeGreaterThanOrEqual(T0 + DAY);
    expect(Math.max(...oi.ts_ms!)).toBeLessThan(T0 + 2 * DAY);
  });

  test('ccxt: ingest.start narrows ccxt.since (nothing earlier is requested or stored)', async () => {
    const fx = await startBinanceFixture({ klines: 48, funding: 1, openInterest: 0 });
    try {
      const dataDir = join(work, `data-${++n}`);
      ok(await ingest(dataDir, JSON.stringify({
        source: 'ccxt', start: '2024-01-01T01:00:00Z',
        ccxt: { exchange_id: 'binanceusdm', symbols: ['BTC/USDT:USDT'], timeframe: '5m', since: '2024-01-01', until: '2024-01-01T02:00:00Z', funding: false, urls: fx.urls, rate_limit_ms: 0 },
      })));
      const C0 = Date.UTC(2024, 0, 1);
      const bars = await read(join(dataDir, 'lake'), TABLES.rawKlines, { exchange: 'binance', market: 'um', symbol: 'BTCUSDT', interval: '5m' }, ['ts_ms']);
      expect(bars.ts_ms).toEqual(Array.from({ length: 12 }, (_, i) => C0 + H1 + i * 300_000));
      expect(fx.requestsTo('/fapi/v1/klines').every((q) => Number(q.query.startTime) >= C0 + H1)).toBe(true);
      expect((await provenance(dataDir)).window.start).toBe('2024-01-01T01:00:00.000Z');
    } finally {
      await fx.close();
    }
  });
});
