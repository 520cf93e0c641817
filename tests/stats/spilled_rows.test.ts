/**
 * SpilledRows (lib/stats/spilled_rows.ts): Float64 rows in a temporary file, read back bit for bit (issue 12: the
 * walk-forward's plan-candidate series leave the heap). Written in any order, by index; a row never written reads as
 * zeros; close removes the file.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpilledRows } from '../../lib/stats/spilled_rows.js';

describe('SpilledRows', () => {
  test('rows come back bit for bit (NaN, -0, infinities, subnormals), in any order, unwritten ones as zeros', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spill-test-'));
    try {
      const s = new SpilledRows(5, { dir });
      const a = Float64Array.from([NaN, -0, Infinity, -Infinity, 5e-324]);
      const b = [1.5, -2.25, 1e300, 3, 0.1];
      s.write(3, a);
      s.write(0, b);
      expect(s.n).toBe(4);
      const back = Array.from(s.row(3));
      a.forEach((v, k) => expect(Object.is(back[k], v)).toBe(true));
      expect(Array.from(s.row(0))).toEqual(b);
      expect(Array.from(s.row(1))).toEqual([0, 0, 0, 0, 0]);
      expect(() => s.row(4)).toThrow(/row 4 of 4/);
      expect(() => s.write(1, [1, 2])).toThrow(/row 1 has 2 values, expected 5/);
      expect(readdirSync(dir)).toHaveLength(1);
      s.close();
      s.close();
      expect(readdirSync(dir)).toHaveLength(0);
      expect(() => s.row(0)).toThrow(/after close/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a subarray view is written as its own values (byte offset honoured)', () => {
    const s = new SpilledRows(3);
    try {
      const big = Float64Array.from([9, 8, 7, 6, 5, 4]);
      s.write(0, big.subarray(2, 5));
      expect(Array.from(s.row(0))).toEqual([7, 6, 5]);
    } finally {
      s.close();
    }
    expect(existsSync((s as unknown as { dir: string }).dir)).toBe(false);
  });
});
