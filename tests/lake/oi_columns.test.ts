/**
 * Open interest gained the Binance metrics columns (top trader / account long-short ratios, taker buy/sell ratio):
 * raw partitions written before that (a resumed ccxt lake keeps its old months) still read, the new columns as NaN.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeDb, TABLES, listPartitions, readPartitionsWithOrigins, writeMonthlyPartitions, type TableSchema } from '../../lib/lake/index.js';
import { OPEN_INTEREST_EXTRAS } from '../../lib/market.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'quantlab-oi-cols-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test('old raw open-interest partitions without the metrics columns read as NaN beside new ones', async () => {
  const OLD: TableSchema = { ...TABLES.rawOpenInterest, columns: TABLES.rawOpenInterest.columns.filter((c) => !(OPEN_INTEREST_EXTRAS as readonly string[]).includes(c.name)) };
  const key = { exchange: 'binance', market: 'um', symbol: 'BTCUSDT' };
  const jan = Date.UTC(2025, 0, 31);
  const feb = Date.UTC(2025, 1, 1);
  const db = await LakeDb.open({ threads: 1 });
  try {
    const src = (file: string, n: number) => ({ src_file: { dict: [file], idx: new Int32Array(n) }, src_line: Int32Array.from({ length: n }, (_, i) => i + 2) });
    await writeMonthlyPartitions(db, root, OLD, key, { ts_ms: Float64Array.of(jan), open_interest: Float64Array.of(10), open_interest_usd: Float64Array.of(NaN), ...src('old', 1) });
    const extras = Object.fromEntries(OPEN_INTEREST_EXTRAS.map((k, i) => [k, Float64Array.of(1 + i)]));
    await writeMonthlyPartitions(db, root, TABLES.rawOpenInterest, key, { ts_ms: Float64Array.of(feb), open_interest: Float64Array.of(11), open_interest_usd: Float64Array.of(550), ...extras, ...src('new', 1) });
    const parts = await listPartitions(root, TABLES.rawOpenInterest);
    expect(parts.length).toBe(2);
    const r = await readPartitionsWithOrigins(db, root, TABLES.rawOpenInterest, parts, ['ts_ms', 'open_interest', ...OPEN_INTEREST_EXTRAS]);
    expect(Array.from(r.columns.ts_ms!)).toEqual([jan, feb]);
    expect(Array.from(r.columns.open_interest!)).toEqual([10, 11]);
    expect(Array.from(r.columns.top_trader_account_ratio!)).toEqual([NaN, 1]);
    expect(Array.from(r.columns.taker_buy_sell_volume_ratio!)).toEqual([NaN, 4]);
    expect(r.origins.files).toEqual(['new', 'old']);
  } finally {
    db.close();
  }
});
