/**
 * Issue 12: listPartitions reads the hive folders and manifests synchronously (hundreds of small files at a stage's
 * start; fs/promises' thread-pool round trips cost more than the reads). What it returns is unchanged: the
 * partitions whose keys match the filter (a value or a list of values), sorted by path, each with its keys, folder
 * and manifest; a folder without a manifest (an unfinished write) and folders of other keys are skipped; a missing
 * table gives no partitions.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listPartitions, TABLES, PARTITION_MANIFEST } from '../../lib/lake/index.js';

let root: string;
const table = TABLES.cleanBars; // cleaned/bars, partitioned by exchange, market, symbol, timeframe, month

async function partition(keys: string[], manifest: object | null): Promise<string> {
  const dir = join(root, table.dir, ...keys);
  await mkdir(dir, { recursive: true });
  if (manifest) await writeFile(join(dir, PARTITION_MANIFEST), JSON.stringify(manifest));
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'list-partitions-'));
  const base = ['exchange=binance', 'market=um'];
  await partition([...base, 'symbol=ETHUSDT', 'timeframe=5m', 'month=2025-02'], { rows: 3, file: 'e2' });
  await partition([...base, 'symbol=BTCUSDT', 'timeframe=5m', 'month=2025-02'], { rows: 2, file: 'b2' });
  await partition([...base, 'symbol=BTCUSDT', 'timeframe=5m', 'month=2025-01'], { rows: 1, file: 'b1' });
  await partition([...base, 'symbol=BTCUSDT', 'timeframe=1h', 'month=2025-01'], { rows: 9, file: 'b1h' });
  await partition([...base, 'symbol=SOLUSDT', 'timeframe=5m', 'month=2025-01'], null); // no manifest yet
  await mkdir(join(root, table.dir, ...base, '.staging-x'), { recursive: true }); // not a key folder
  await writeFile(join(root, table.dir, ...base, 'notes.txt'), 'x');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('listPartitions', () => {
  test('every partition with a manifest, sorted by path, with keys, folder and manifest', async () => {
    const parts = await listPartitions(root, table);
    expect(parts.map((p) => p.manifest)).toEqual([{ rows: 9, file: 'b1h' }, { rows: 1, file: 'b1' }, { rows: 2, file: 'b2' }, { rows: 3, file: 'e2' }]);
    expect(parts[1]!.keys).toEqual({ exchange: 'binance', market: 'um', symbol: 'BTCUSDT', timeframe: '5m', month: '2025-01' });
    expect(parts[1]!.dir).toBe(join(root, table.dir, 'exchange=binance', 'market=um', 'symbol=BTCUSDT', 'timeframe=5m', 'month=2025-01'));
  });

  test('filters by a value or a list of values', async () => {
    expect((await listPartitions(root, table, { timeframe: '5m' })).map((p) => p.manifest.file)).toEqual(['b1', 'b2', 'e2']);
    expect((await listPartitions(root, table, { symbol: ['ETHUSDT', 'SOLUSDT'], timeframe: '5m' })).map((p) => p.manifest.file)).toEqual(['e2']);
    expect(await listPartitions(root, table, { symbol: 'XRPUSDT' })).toEqual([]);
  });

  test('a table that does not exist has no partitions', async () => {
    expect(await listPartitions(join(root, 'nowhere'), table)).toEqual([]);
  });
});
