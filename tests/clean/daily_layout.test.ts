/**
 * The clean stage's partition layout for daily data: 1d bars go to one file per instrument and year, intraday bars
 * stay monthly; market caps are monthly by default (the certified golden layout) and yearly with
 * clean.market_cap_partition: year; the rows are the same either way.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type Result } from 'execa';
import { LakeDb, TABLES, listPartitions, readPartitions } from '../../lib/lake/index.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { BUILD_ROOT } from '../fixtures/stages/harness.js';

// 2024-12-20 .. 2025-02-03: daily bars and caps across a year and a month boundary
const START = Date.UTC(2024, 11, 20);
const INGEST = { source: 'synthetic', allow_synthetic: true, synthetic: { seed: 5, n_symbols: 2, start_ms: START, end_ms: START + 45 * 86_400_000, timeframe: '1h' } };
let root: string;

function spawnStage(name: string, dataDir: string, params: object): Promise<Result> {
  return execa(process.execPath, [join(BUILD_ROOT, 'stages', `${name}.js`), '--data_dir', dataDir, '--spec_dir', join(PROJECT_ROOT, 'spec'), '--run_id', 'daily-layout-test', '--params_json', JSON.stringify(params)], {
    reject: false, env: { QUANTLAB_NOW_MS: '1750000000000', QUANTLAB_LOG_LEVEL: 'warn' },
  });
}
function expectOk(res: Result): void {
  if (res.exitCode !== 0) throw new Error(`stage exited ${res.exitCode}:\n${String(res.stderr)}`);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-clean-daily-'));
  expectOk(await spawnStage('ingest', join(root, 'template'), INGEST));
  for (const m of ['month', 'year']) {
    await cp(join(root, 'template'), join(root, m), { recursive: true });
    expectOk(await spawnStage('clean', join(root, m), { timeframe: '1h', extra_timeframes: ['1d'], market_cap_partition: m }));
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('clean: daily data layout', () => {
  test('1d bars: one file per year; 1h bars monthly', async () => {
    const lake = join(root, 'month', 'lake');
    const d1 = await listPartitions(lake, TABLES.cleanBars, { symbol: 'SYN01USDT', timeframe: '1d' });
    expect(d1.map((p) => p.keys.month)).toEqual(['2024', '2025']);
    expect(d1.map((p) => p.manifest.rows)).toEqual([12, 33]);
    const h1 = await listPartitions(lake, TABLES.cleanBars, { symbol: 'SYN01USDT', timeframe: '1h' });
    expect(h1.map((p) => p.keys.month)).toEqual(['2024-12', '2025-01', '2025-02']);
  });

  test('market caps: monthly by default, yearly with market_cap_partition: year, same rows', async () => {
    const m = await listPartitions(join(root, 'month', 'lake'), TABLES.cleanMarketCap, { symbol: 'SYN01USDT' });
    const y = await listPartitions(join(root, 'year', 'lake'), TABLES.cleanMarketCap, { symbol: 'SYN01USDT' });
    expect(m.map((p) => p.keys.month)).toEqual(['2024-12', '2025-01', '2025-02']);
    expect(y.map((p) => p.keys.month)).toEqual(['2024', '2025']);
    const db = await LakeDb.open({ threads: 1 });
    try {
      const a = await readPartitions(db, join(root, 'month', 'lake'), TABLES.cleanMarketCap, m, ['ts_ms', 'market_cap_usd']);
      const b = await readPartitions(db, join(root, 'year', 'lake'), TABLES.cleanMarketCap, y, ['ts_ms', 'market_cap_usd']);
      expect(a.ts_ms!.length).toBeGreaterThan(40);
      expect(Array.from(b.ts_ms!)).toEqual(Array.from(a.ts_ms!));
      expect(Array.from(b.market_cap_usd!)).toEqual(Array.from(a.market_cap_usd!));
    } finally {
      db.close();
    }
  });
});
