import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../../lib/hash.js';
import { withTempDir } from '../helpers/tmp.js';

describe('sha256File', () => {
  test.each([0, 1, 65_535, 1 << 20, (1 << 20) + 1, 3.5 * (1 << 20)])('%i bytes: the sha256 of the whole file, read through one buffer', async (size) => {
    await withTempDir(async (dir) => {
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 2_654_435_761) >>> 24;
      const f = join(dir, 'f.bin');
      await writeFile(f, bytes);
      expect(await sha256File(f)).toBe(createHash('sha256').update(bytes).digest('hex'));
    });
  });

  test('a missing file is an error naming it', async () => {
    await withTempDir(async (dir) => {
      await expect(sha256File(join(dir, 'none.parquet'))).rejects.toThrow('none.parquet');
    });
  });
});
