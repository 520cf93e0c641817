/**
 * Issue 12: a written partition's manifest takes its size and sha256 from one synchronous read for files up to
 * 1 MB (many small event files) and from the streamed digest above that. Both must describe the file's bytes.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeDb, featuresTable, writeMonthlyPartitions } from '../../lib/lake/index.js';
import { sha256Hex } from '../../lib/hash.js';
import { withTempDir } from '../helpers/tmp.js';

describe('partition manifests: size and sha256 of the written bytes', () => {
  let db: LakeDb;
  beforeAll(async () => { db = await LakeDb.open({ threads: 2 }); });
  afterAll(() => db.close());

  test('a small file (one read) and a file over 1 MB (streamed) alike', () =>
    withTempDir(async (root) => {
      // January: 40 rows; February: 8000 rows of 24 random columns (random doubles barely compress: > 1 MB)
      const t0 = Date.UTC(2025, 0, 31, 20, 40);
      const n = 40 + 8000;
      const names = Array.from({ length: 24 }, (_, j) => `f${j}`);
      const data: Record<string, Float64Array> = { ts_ms: Float64Array.from({ length: n }, (_, i) => t0 + i * 300_000) };
      let seed = 12345;
      for (const f of names) data[f] = Float64Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 1e6);
      const manifests = await writeMonthlyPartitions(db, root, featuresTable(names), { exchange: 'x', market: 'm', symbol: 'S', timeframe: '5m' }, data);
      expect(manifests.map((m) => m.rows)).toEqual([40, 8000]);
      const sizes = [];
      for (const m of manifests) {
        const file = join(root, m.file);
        const bytes = await readFile(file);
        expect(m.bytes).toBe((await stat(file)).size);
        expect(m.sha256).toBe(sha256Hex(bytes));
        sizes.push(m.bytes);
      }
      expect(sizes[0]).toBeLessThan(1 << 20);
      expect(sizes[1]).toBeGreaterThan(1 << 20);
    }));
});
