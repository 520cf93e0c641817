/**
 * Binance Vision `aggTrades`: discovery and download planning, the ingest executable on fixtures the test writes
 * (futures daily files with header and CHECKSUM, a spot file without header in microseconds), and the bad inputs:
 * each one exit 3 naming file, line, field and value, the lake untouched.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBinanceFiles } from '../../../lib/ingest/binance_vision/discover.js';
import { planDownload } from '../../../lib/ingest/binance_vision/plan.js';
import { LakeDb, TABLES, listPartitions, readPartitions } from '../../../lib/lake/index.js';
import { binanceParams, copyLake, expectDataError, ingest, put, snapshot } from '../../bad_input/helpers.js';
import { aggCsv, aggRel, aggZip, checksumOf, generateTrades, type AggRow } from './agg_trades_fixture.js';
import { publish, startFixtureServer } from './fixture_server.js';

const DAY1 = '2025-01-01';
const DAY2 = '2025-01-02';
const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const ID0 = 1_000_000;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-aggtrades-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Few trades a day: 4 bars of one minute at the start of the day, fixed seed. */
function dayRows(day: number, firstId: number): AggRow[] {
  return generateTrades({ A: 0.2, k: 0.3, mid: 50_000, barMs: 60_000, fromMs: T0 + day * DAY, toMs: T0 + day * DAY + 4 * 60_000, seed: 7 + day, firstId });
}

/** A source folder of BTCUSDT futures daily files DAY1, DAY2 with their CHECKSUM files; `edit` changes DAY2's rows. */
async function source(name: string, edit: (rows: AggRow[]) => AggRow[] = (r) => r, opts: { checksum?: (zip: Uint8Array, n: string) => string } = {}): Promise<string> {
  const src = join(work, name);
  const d1 = dayRows(0, ID0);
  const d2 = edit(dayRows(1, ID0 + d1.length));
  for (const [period, rows] of [[DAY1, d1], [DAY2, d2]] as const) {
    const zip = aggZip('BTCUSDT', period, aggCsv(rows));
    const rel = aggRel('BTCUSDT', period);
    await put(src, rel, zip);
    const n = rel.split('/').pop()!;
    await put(src, `${rel}.CHECKSUM`, (opts.checksum ?? checksumOf)(zip, n));
  }
  return src;
}

const PARAMS = (src: string, extra: Record<string, unknown> = {}) => binanceParams(src, { kinds: ['agg_trades'], ...extra });

describe('discovery and download planning of aggTrades files', () => {
  test('futures and spot aggTrades files, daily and monthly, are found as kind agg_trades', async () => {
    const root = join(work, 'disc');
    await put(root, aggRel('BTCUSDT', DAY1), 'x');
    await put(root, `${aggRel('BTCUSDT', DAY1)}.CHECKSUM`, 'x');
    await put(root, aggRel('ETHUSDT', '2025-01'), 'x');
    await put(root, aggRel('BTCUSDT', DAY1, 'spot'), 'x');
    await put(root, 'data/futures/um/daily/trades/BTCUSDT/BTCUSDT-trades-2025-01-01.zip', 'x');
    const { files, ignored } = await discoverBinanceFiles(root);
    expect(files.map((f) => [f.kind, f.market, f.symbol, f.period, f.granularity])).toEqual([
      ['agg_trades', 'spot', 'BTCUSDT', DAY1, 'daily'],
      ['agg_trades', 'um', 'BTCUSDT', DAY1, 'daily'],
      ['agg_trades', 'um', 'ETHUSDT', '2025-01', 'monthly'],
    ]);
    expect(ignored.map((i) => i.rel)).toEqual(['data/futures/um/daily/trades/BTCUSDT/BTCUSDT-trades-2025-01-01.zip']);
    expect(ignored[0]!.reason).toContain('"trades" is not a data type we ingest');
  });

  test('the downloader plans aggTrades files for spot and futures, monthly, without an interval', () => {
    const spot = planDownload({ destDir: '/x', market: 'spot', kind: 'agg_trades', symbols: ['BTCUSDT'], startMonth: '2025-01', endMonth: '2025-02' });
    expect(spot.map((p) => p.rel)).toEqual([aggRel('BTCUSDT', '2025-01', 'spot'), aggRel('BTCUSDT', '2025-02', 'spot')]);
    const daily = planDownload({ destDir: '/x', market: 'um', kind: 'agg_trades', symbols: ['BTCUSDT'], startMonth: '2025-01', endMonth: '2025-01', daily: { from: '2025-02-01', to: '2025-02-02' } });
    expect(daily.map((p) => p.rel)).toEqual([aggRel('BTCUSDT', '2025-01'), aggRel('BTCUSDT', '2025-02-01'), aggRel('BTCUSDT', '2025-02-02')]);
  });
});

describe('the ingest stage downloads aggTrades months, CHECKSUM-verified', () => {
  const month = (m: string, firstId: number) => aggCsv(generateTrades({ A: 0.2, k: 0.3, mid: 50_000, barMs: 60_000, fromMs: Date.parse(`${m}-01T00:00:00Z`), toMs: Date.parse(`${m}-01T00:03:00Z`), seed: 3, firstId }));
  test('a published month lands in raw/agg_trades; a month whose zip does not match its CHECKSUM fails the run (exit 3)', async () => {
    const files = new Map<string, Uint8Array>();
    publish(files, aggRel('BTCUSDT', '2025-01'), aggZip('BTCUSDT', '2025-01', month('2025-01', 1)));
    const server = await startFixtureServer(files);
    const d = join(work, 'data-dl');
    try {
      const r = await ingest(d, PARAMS(join(work, 'src-dl'), { symbols: ['BTCUSDT'], download: { enabled: true, base_url: server.baseUrl, start_month: '2025-01', end_month: '2025-01', concurrency: 1 } }));
      if (r.exitCode !== 0) throw new Error(r.stderr);
      expect(server.requests.some((q) => q.startsWith(`${aggRel('BTCUSDT', '2025-01')}.CHECKSUM`))).toBe(true);
    } finally {
      await server.close();
    }
    const parts = await listPartitions(join(d, 'lake'), TABLES.rawAggTrades, { symbol: 'BTCUSDT' });
    expect(parts.map((p) => p.keys.day)).toEqual(['2025-01-01']);

    const bad = new Map<string, Uint8Array>();
    publish(bad, aggRel('BTCUSDT', '2025-02'), aggZip('BTCUSDT', '2025-02', month('2025-02', 1)), new Uint8Array([1, 2, 3]));
    const s2 = await startFixtureServer(bad);
    try {
      const r = await ingest(join(work, 'data-dl-bad'), PARAMS(join(work, 'src-dl-bad'), { symbols: ['BTCUSDT'], download: { enabled: true, base_url: s2.baseUrl, start_month: '2025-02', end_month: '2025-02', concurrency: 1 } }));
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toContain('aggTrades-2025-02.zip');
    } finally {
      await s2.close();
    }
  }, 120_000);
});

describe('ingest of aggTrades', () => {
  test('futures daily files (header, CHECKSUM) land in raw/agg_trades, one partition per day, every field as in the file', async () => {
    const src = await source('src-ok');
    const d = join(work, 'data-ok');
    const r = await ingest(d, PARAMS(src));
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const lake = join(d, 'lake');
    const parts = await listPartitions(lake, TABLES.rawAggTrades, { symbol: 'BTCUSDT' });
    expect(parts.map((p) => [p.keys.market, p.keys.day])).toEqual([['um', DAY1], ['um', DAY2]]);
    const want = [...dayRows(0, ID0), ...dayRows(1, ID0 + dayRows(0, ID0).length)];
    expect(parts.reduce((s, p) => s + p.manifest.rows, 0)).toBe(want.length);
    const db = await LakeDb.open({ threads: 1 });
    try {
      const c = await readPartitions(db, lake, TABLES.rawAggTrades, parts, ['ts_ms', 'agg_trade_id', 'price', 'quantity', 'first_trade_id', 'last_trade_id', 'is_buyer_maker', 'is_best_match', 'src_line']);
      expect(Array.from(c.agg_trade_id!)).toEqual(want.map((x) => x.id));
      expect(Array.from(c.ts_ms!)).toEqual(want.map((x) => x.ts));
      expect(Array.from(c.price!)).toEqual(want.map((x) => Number(x.price)));
      expect(Array.from(c.quantity!)).toEqual(want.map((x) => Number(x.qty)));
      expect(Array.from(c.last_trade_id!)).toEqual(want.map((x) => x.last));
      expect(Array.from(c.is_buyer_maker!)).toEqual(want.map((x) => (x.buyerMaker ? 1 : 0)));
      expect(Array.from(c.is_best_match!).every(Number.isNaN)).toBe(true); // futures files have no is_best_match
      expect(c.src_line![0]).toBe(2); // header on line 1
    } finally {
      db.close();
    }
    const prov = JSON.parse(await readFile(join(lake, 'raw', '_provenance.json'), 'utf8')) as { rows: Record<string, number>; entries: { table: string; file: string; rows: number; sha256: string }[] };
    expect(prov.rows['raw/agg_trades']).toBe(want.length);
    const e = prov.entries.filter((x) => x.table === 'raw/agg_trades');
    expect(e.map((x) => x.file)).toEqual([aggRel('BTCUSDT', DAY1), aggRel('BTCUSDT', DAY2)]);
    expect(e[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a spot file without header, 8 fields, microsecond transact_time (2025 spot files): floored to ms, is_best_match kept', async () => {
    const rows = dayRows(0, ID0).map((x, i) => ({ ...x, ts: x.ts * 1000 + 999, bestMatch: i % 2 === 0 ? 'True' : 'False', buyerMaker: x.buyerMaker ? 'True' : 'False' }));
    const src = join(work, 'src-spot');
    await put(src, aggRel('BTCUSDT', DAY1, 'spot'), aggZip('BTCUSDT', DAY1, aggCsv(rows, { header: false, spot: true })));
    const d = join(work, 'data-spot');
    const r = await ingest(d, binanceParams(src, { market: 'spot', kinds: ['agg_trades'] }));
    if (r.exitCode !== 0) throw new Error(r.stderr);
    const lake = join(d, 'lake');
    const parts = await listPartitions(lake, TABLES.rawAggTrades, { market: 'spot', symbol: 'BTCUSDT' });
    const db = await LakeDb.open({ threads: 1 });
    try {
      const c = await readPartitions(db, lake, TABLES.rawAggTrades, parts, ['ts_ms', 'is_best_match', 'is_buyer_maker', 'src_line']);
      expect(Array.from(c.ts_ms!)).toEqual(rows.map((x) => Math.floor(x.ts / 1000)));
      expect(Array.from(c.is_best_match!.slice(0, 4))).toEqual([1, 0, 1, 0]);
      expect(Array.from(c.is_buyer_maker!.slice(0, 2))).toEqual([1, 0]);
      expect(c.src_line![0]).toBe(1); // no header
    } finally {
      db.close();
    }
  });

  test('a loose aggTrades zip whose path does not say its market needs ingest.binance_vision.market (exit 2)', async () => {
    const src = join(work, 'src-loose');
    await put(src, 'BTCUSDT-aggTrades-2025-01-01.zip', aggZip('BTCUSDT', DAY1, aggCsv(dayRows(0, ID0))));
    const r = await ingest(join(work, 'data-loose'), binanceParams(src, { market: undefined, kinds: ['agg_trades'] }));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('1 aggTrades file(s)');
    expect(r.stderr).toContain('do not say their market');
  });

  describe('bad rows: exit 3, located, the lake untouched', () => {
    let seed: string;
    beforeAll(async () => {
      seed = join(work, 'seed');
      const ok = await ingest(seed, PARAMS(await source('src-seed')));
      if (ok.exitCode !== 0) throw new Error(ok.stderr);
    });
    // DAY2 row i (0-based) is on line i + 2 (header on line 1)
    const cases: [string, (rows: AggRow[]) => AggRow[], { line: number; field: string; value?: string }, string][] = [
      ['a repeated agg_trade_id', (r) => r.map((x, i) => (i === 5 ? { ...x, id: r[4]!.id } : x)), { line: 7, field: 'agg_trade_id' }, 'agg_trade_id not increasing'],
      ['a side flag that is not a boolean', (r) => r.map((x, i) => (i === 3 ? { ...x, buyerMaker: 'maybe' } : x)), { line: 5, field: 'is_buyer_maker', value: '"maybe"' }, 'is not a boolean'],
      ['a zero price', (r) => r.map((x, i) => (i === 6 ? { ...x, price: '0.00' } : x)), { line: 8, field: 'price', value: '0' }, 'price is zero'],
      ['a negative quantity', (r) => r.map((x, i) => (i === 2 ? { ...x, qty: '-1' } : x)), { line: 4, field: 'quantity', value: '-1' }, 'quantity must be a positive number'],
      ['first_trade_id above last_trade_id', (r) => r.map((x, i) => (i === 9 ? { ...x, first: x.last + 1 } : x)), { line: 11, field: 'first_trade_id' }, '> last_trade_id'],
      ['a transact_time going back', (r) => r.map((x, i) => (i === 10 ? { ...x, ts: r[9]!.ts - 1 } : x)), { line: 12, field: 'transact_time' }, 'out of order'],
      ['a transact_time outside the file\'s day', (r) => r.map((x, i) => (i === r.length - 1 ? { ...x, ts: x.ts + DAY } : x)), { line: dayRows(1, 0).length + 1, field: 'transact_time' }, "outside the file's period 2025-01-02"],
      ['the first id of DAY2 not after DAY1\'s last', (r) => r.map((x) => ({ ...x, id: x.id - 50 })), { line: 2, field: 'agg_trade_id' }, 'does not follow'],
    ];
    test.each(cases)('%s', async (name, edit, where, what) => {
      const d = await copyLake(seed, join(work, `bad-${name.replace(/\W+/g, '-')}`));
      const before = await snapshot(d);
      const r = await ingest(d, PARAMS(await source(`src-${name.replace(/\W+/g, '-')}`, edit)));
      expect(expectDataError(r, { file: aggRel('BTCUSDT', DAY2), ...where })).toContain(what);
      expect(await snapshot(d)).toEqual(before);
    });

    test('a zip that does not match its CHECKSUM is refused before it is read', async () => {
      const d = await copyLake(seed, join(work, 'bad-checksum'));
      const before = await snapshot(d);
      const src = await source('src-checksum', (r) => r, { checksum: (_z, n) => `${'0'.repeat(64)}  ${n}\n` });
      const r = await ingest(d, PARAMS(src));
      expect(expectDataError(r, { file: aggRel('BTCUSDT', DAY1), field: 'sha256' })).toContain('differs from the 0000');
      expect(await snapshot(d)).toEqual(before);
    });

    test('a day delivered twice (a monthly and a daily file) is refused', async () => {
      const src = await source('src-twice');
      const month = dayRows(0, 1); // ids below the daily files' (ID0): only the day check can catch it
      await put(src, aggRel('BTCUSDT', '2025-01'), aggZip('BTCUSDT', '2025-01', aggCsv(month)));
      const r = await ingest(join(work, 'bad-twice'), PARAMS(src));
      expect(expectDataError(r, { file: aggRel('BTCUSDT', DAY1), line: 2, field: 'transact_time', value: `"${DAY1}"` })).toContain('comes from two files');
    });
  });
});
