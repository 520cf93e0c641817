/**
 * Issue 18: ingest sharded by instrument. On a Binance Vision folder the test writes (monthly kline and funding zips
 * of three USDT-M perps), the sharded run writes the unsharded bytes (raw partitions and _provenance.json), one
 * shard per symbol; a symbol added to the folder runs that symbol's shard only, the others are reused, and the
 * result is again the bytes of an unsharded run on the grown folder. Real stage processes (tests/scale/harness.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goodBars, klinesCsv, put, visionKlinePath, zipCsv, T0 } from '../bad_input/helpers.js';
import { outputDigests, runAll, stageRecord } from './harness.js';

let work: string;
let source: string;

/** One symbol's January 2025: two days of 5m klines and six 8-hourly funding settlements (zips, vision layout). */
async function addSymbol(symbol: string, k: number): Promise<void> {
  const bars = goodBars(576).map((b) => ({ ...b, open: Number(b.open) * k, high: Number(b.high) * k, low: Number(b.low) * k, close: Number(b.close) * k }));
  const klines = visionKlinePath('um', '2025-01', symbol);
  await put(source, klines, zipCsv(`${symbol}-5m-2025-01.csv`, klinesCsv(bars)));
  const funding = ['calc_time,funding_interval_hours,last_funding_rate', ...Array.from({ length: 6 }, (_, i) => `${T0 + i * 8 * 3_600_000},8,${(0.0001 * k * (i % 2 ? -1 : 1)).toFixed(6)}`)].join('\n');
  await put(source, `data/futures/um/monthly/fundingRate/${symbol}/${symbol}-fundingRate-2025-01.zip`, zipCsv(`${symbol}-fundingRate-2025-01.csv`, `${funding}\n`));
}

const SRC = () => ['--only', 'ingest', '--set', 'ingest.source=binance-vision', '--set', `ingest.binance_vision.path=${source}`, '--set', 'ingest.binance_vision.market=um'];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-ingest-shards-'));
  source = join(work, 'vision');
  await addSymbol('BTCUSDT', 1);
  await addSymbol('ETHUSDT', 2);
  await addSymbol('SOLUSDT', 3);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('ingest sharded by instrument (binance-vision)', () => {
  test('sharded = unsharded bytes, one shard per symbol; an added symbol runs alone, the others are reused', async () => {
    const plain = join(work, 'plain');
    const sharded = join(work, 'sharded');
    const u1 = await runAll(plain, 'u1', SRC());
    expect(u1.exitCode).toBe(0);
    const s1 = await runAll(sharded, 's1', [...SRC(), '--sharded', '--shard_concurrency', '2']);
    expect(s1.exitCode).toBe(0);
    expect(await outputDigests(sharded, 'ingest')).toEqual(await outputDigests(plain, 'ingest'));
    const sh = stageRecord(s1.record, 'ingest').shards!;
    expect(sh).toMatchObject({ by: 'instrument', total: 3, ran: 3, reused: 0, failed: 0 });
    expect(sh.shards.map((x) => x.label)).toEqual(['binance/um/BTCUSDT', 'binance/um/ETHUSDT', 'binance/um/SOLUSDT']);
    // the reduce's provenance: every file of every shard, the listing's counts, the rows of both tables
    const prov = JSON.parse(await readFile(join(sharded, 'lake', 'raw', '_provenance.json'), 'utf8')) as {
      files: number; rows: Record<string, number>; entries: { table: string; instrument: string; rows: number }[];
    };
    expect(prov.files).toBe(6);
    expect(prov.rows).toEqual({ 'raw/funding': 18, 'raw/klines': 3 * 576 });
    expect(prov.entries.map((e) => `${e.table} ${e.instrument} ${e.rows}`)).toEqual([
      'raw/funding binance/um/BTCUSDT 6', 'raw/funding binance/um/ETHUSDT 6', 'raw/funding binance/um/SOLUSDT 6',
      'raw/klines binance/um/BTCUSDT/5m 576', 'raw/klines binance/um/ETHUSDT/5m 576', 'raw/klines binance/um/SOLUSDT/5m 576',
    ]);

    // a fourth symbol appears in the folder: only its shard runs; the stage is the unsharded bytes on the new folder
    await addSymbol('XRPUSDT', 4);
    const s2 = await runAll(sharded, 's2', [...SRC(), '--sharded']);
    expect(s2.exitCode).toBe(0);
    const sh2 = stageRecord(s2.record, 'ingest').shards!;
    expect(sh2).toMatchObject({ total: 4, ran: 1, reused: 3 });
    expect(sh2.shards.filter((x) => x.outcome === 'ran').map((x) => x.label)).toEqual(['binance/um/XRPUSDT']);
    const u2 = await runAll(plain, 'u2', SRC());
    expect(u2.exitCode).toBe(0);
    expect(stageRecord(u2.record, 'ingest').outcome.type).toBe('ran');
    expect(await outputDigests(sharded, 'ingest')).toEqual(await outputDigests(plain, 'ingest'));
  }, 300_000);

  test('csv: one shard per symbol of ingest.csv.files, the unsharded bytes', async () => {
    const files = [
      { path: await put(work, 'csv/AAA.csv', klinesCsv(goodBars(288))), symbol: 'AAAUSDT' },
      { path: await put(work, 'csv/BBB.csv', klinesCsv(goodBars(288).map((b) => ({ ...b, volume: 7 })))), symbol: 'BBBUSDT' },
    ];
    const csv = { files, exchange: 'binance', market: 'spot', interval: '5m', columns: { ts: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 } };
    const args = ['--only', 'ingest', '--set', 'ingest.source=csv', '--set', `ingest.csv=${JSON.stringify(csv)}`];
    const u = await runAll(join(work, 'csv-plain'), 'c1', args);
    expect(u.exitCode).toBe(0);
    const s = await runAll(join(work, 'csv-sharded'), 'c2', [...args, '--sharded']);
    expect(s.exitCode).toBe(0);
    expect(stageRecord(s.record, 'ingest').shards!.shards.map((x) => x.label)).toEqual(['binance/spot/AAAUSDT', 'binance/spot/BBBUSDT']);
    expect(await outputDigests(join(work, 'csv-sharded'), 'ingest')).toEqual(await outputDigests(join(work, 'csv-plain'), 'ingest'));
  }, 120_000);
});
