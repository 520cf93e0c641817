/**
 * LakeDb.preopen: a database opened ahead of use (a stage's warm-up, before its fingerprint) is the one the next
 * `open` with the same options returns; other options open their own; a failed early open is reported by `open`.
 */
import { describe, expect, test } from '@jest/globals';
import { LakeDb } from '../../lib/lake/index.js';

describe('LakeDb.preopen', () => {
  test('the next open with the same options takes the early database, once', async () => {
    const early = LakeDb.preopen({ threads: 1, fileCache: false });
    expect(LakeDb.preopen({ threads: 1, fileCache: false })).toBe(early); // started once
    const a = await LakeDb.open({ threads: 1, fileCache: false });
    expect(a).toBe(await early);
    const b = await LakeDb.open({ threads: 1, fileCache: false });
    expect(b).not.toBe(a); // taken: the next open makes its own
    const c = await LakeDb.open({ threads: 1 });
    expect(c).not.toBe(a);
    // the early database is a working one, with the session settings open gives
    expect(await a.rows(`SELECT current_setting('TimeZone'), current_setting('threads')`)).toEqual([['UTC', 1n]]);
    for (const db of [a, b, c]) db.close();
  });

  test('a database preopened with other options is not taken', async () => {
    const early = LakeDb.preopen({ threads: 2 });
    const other = await LakeDb.open({ threads: 1 });
    expect(other).not.toBe(await early);
    const same = await LakeDb.open({ threads: 2 });
    expect(same).toBe(await early);
    other.close();
    same.close();
  });

  test('a failed early open is reported by open, which tries again (no unhandled rejection)', async () => {
    const early = LakeDb.preopen({ memoryLimit: 'not a size' });
    await expect(early).rejects.toThrow();
    await expect(LakeDb.open({ memoryLimit: 'not a size' })).rejects.toThrow('Failed to set config');
  });
});
