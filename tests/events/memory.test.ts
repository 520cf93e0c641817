/**
 * Issue 12, peak memory of the events stage: it read every instrument's features files through a DuckDB that kept
 * them in its external file cache, so its memory grew with the instrument count (1.44 to 1.6x from 5 to 50
 * instruments, the cache alone ~3 MB per instrument of 5m features over two years). Its shards now run on a DuckDB
 * without that cache (ShardSpec.fileCache = false, lib/stage/shard.ts openShardDb): reading more files leaves
 * nothing behind. A stage that keeps the default still has the cache.
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { sqlString } from '../../lib/lake/db.js';
import type { LakeDb } from '../../lib/lake/index.js';
import { openShardDb } from '../../lib/stage/shard.js';
import { eventsShards } from '../../lib/stages/events/run.js';
import { withTempDir } from '../helpers/tmp.js';

/** Bytes DuckDB holds in its external file cache. */
async function fileCacheBytes(db: LakeDb): Promise<number> {
  const rows = await db.rows(`SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'EXTERNAL_FILE_CACHE'`);
  return Number(rows[0]![0]);
}

/** Read `n` Parquet files of 20,000 rows x 4 columns one after the other (as the events shards read instruments). */
async function readFiles(db: LakeDb, dir: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const f = sqlString(join(dir, `f${i}.parquet`));
    await db.run(`COPY (SELECT range AS ts_ms, random() AS a, random() AS b, random() AS c FROM range(20000)) TO ${f} (FORMAT parquet)`);
  }
  for (let i = 0; i < n; i++) await db.rows(`SELECT sum(a + b + c) FROM read_parquet(${sqlString(join(dir, `f${i}.parquet`))})`);
}

describe('events: the DuckDB of its shards keeps no file cache', () => {
  test('reading more features files leaves no cached bytes (a default stage DuckDB caches them)', () =>
    withTempDir(async (dir) => {
      expect(eventsShards.fileCache).toBe(false);
      const events = await openShardDb(eventsShards);
      const other = await openShardDb({});
      try {
        await readFiles(events, dir, 6);
        await readFiles(other, dir, 6);
        expect(await fileCacheBytes(events)).toBe(0);
        expect(await fileCacheBytes(other)).toBeGreaterThan(0);
      } finally {
        events.close();
        other.close();
      }
    }));
});
