/**
 * Issue 12: the correlation sums run in a WebAssembly SIMD kernel (lib/stats/dots_wasm.ts), two sums per f64x2
 * instruction, each lane its own sum in ascending t. Every sum must equal the JS loop's bit for bit: random series
 * with NaN rows, huge and tiny magnitudes (subnormal products, overflow to Infinity), sizes that are not multiples of
 * the 4 x 4 block or of the tiles, several tiles over t, arbitrary and repeated index lists, both the rectangular and
 * the upper-triangle mode.
 */
import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { dotSums, standardizeSeries, type StandardizedSeries } from '../../lib/stats/onc.js';
import { dotsModule, dotsModuleBytes } from '../../lib/stats/dots_wasm.js';
import { SpilledRows } from '../../lib/stats/spilled_rows.js';

function randomZ(n: number, len: number, seed: number): StandardizedSeries {
  const rng = Xoshiro128ss.fromSeed(seed, 3, 4);
  const series = Array.from({ length: n }, (_, i) => {
    if (i % 9 === 4) return new Float64Array(len).fill(1.5); // constant: a NaN row after standardising
    return Float64Array.from({ length: len }, (_, t) => (i % 4 === 1 && t % 5 !== 0 ? 0 : rng.normal() * (1 + i)));
  });
  const zs = standardizeSeries(series);
  // raw magnitudes the standardised rows never have, to hold the kernel to IEEE rounding at the extremes
  if (n > 6) {
    zs.z[6] = Float64Array.from({ length: len }, (_, t) => (t % 3 === 0 ? 1e-160 : t % 3 === 1 ? -3e-170 : 1e200) * (1 + rng.uniform()));
  }
  return zs;
}

function both(zs: StandardizedSeries, rows: ArrayLike<number>, cols: ArrayLike<number>, upper: boolean): { js: Float64Array; wasm: Float64Array } {
  const js = new Float64Array(rows.length * cols.length);
  const wasm = new Float64Array(rows.length * cols.length);
  expect(dotSums(zs, rows, cols, js, upper, 'js')).toBe('js');
  expect(dotSums(zs, rows, cols, wasm, upper, 'wasm')).toBe('wasm');
  return { js, wasm };
}

function mismatches(a: Float64Array, b: Float64Array, nr: number, nc: number, upper: boolean): number {
  let bad = 0;
  for (let x = 0; x < nr; x++) for (let y = upper ? x : 0; y < nc; y++) if (!Object.is(a[x * nc + y], b[x * nc + y])) bad++;
  return bad;
}

describe('WebAssembly SIMD correlation sums', () => {
  test('the module validates (Node 20 has WebAssembly SIMD) and is small', () => {
    expect(dotsModule()).not.toBeNull();
    expect(dotsModuleBytes().length).toBeLessThan(600);
  });

  test.each([[1, 3], [5, 1], [7, 1025], [13, 2049], [38, 3000], [70, 1100]])('upper triangle, %i series of %i values: bit for bit the JS loop', (n, len) => {
    const zs = randomZ(n, len, n * 31 + len);
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const { js, wasm } = both(zs, idx, idx, true);
    expect(mismatches(js, wasm, n, n, true)).toBe(0);
    if (n > 6 && len > 3) {
      const vals = [...js];
      expect(vals.some((v) => Number.isNaN(v))).toBe(true); // NaN rows exercised
      expect(vals.some((v) => v === Infinity)).toBe(true); // overflow exercised
    }
  });

  test('rectangular blocks over arbitrary, repeated index lists, several column tiles', () => {
    const zs = randomZ(90, 2100, 11);
    const rows = [89, 0, 13, 13, 5, 31, 2, 6, 77, 40, 41];
    const cols = Int32Array.from({ length: 71 }, (_, i) => (i * 7) % 90);
    const { js, wasm } = both(zs, rows, cols, false);
    expect(mismatches(js, wasm, rows.length, cols.length, false)).toBe(0);
  });

  test('more rows than one packed chunk (128): every chunk bit for bit', () => {
    const zs = randomZ(300, 1100, 17);
    const rows = Int32Array.from({ length: 291 }, (_, i) => (i * 13) % 300);
    const cols = [0, 6, 4, 299, 150, 151, 7];
    const { js, wasm } = both(zs, rows, cols, false);
    expect(mismatches(js, wasm, rows.length, cols.length, false)).toBe(0);
  });

  test('one kernel memory reused from call to call: what a bigger call left (NaN, Infinity) does not reach a smaller one', () => {
    const big = randomZ(61, 1500, 21);
    for (const row of big.z) row.fill(NaN, 0, 700);
    big.z[2]!.fill(Infinity);
    const idx = Int32Array.from({ length: 61 }, (_, i) => i);
    dotSums(big, idx, idx, new Float64Array(61 * 61), true, 'wasm');
    const small = randomZ(6, 1300, 22); // 6 rows: two padding rows and columns in the second group of 4
    const sIdx = [0, 1, 2, 3, 4, 5];
    for (const upper of [true, false]) {
      const { js, wasm } = both(small, sIdx, upper ? sIdx : [5, 3, 1], upper);
      expect(mismatches(js, wasm, 6, upper ? 6 : 3, upper)).toBe(0);
      // series 4 does not vary (a NaN row); every other sum is finite
      const cols = upper ? sIdx : [5, 3, 1];
      sIdx.forEach((i, x) => cols.forEach((j, y) => { if (i !== 4 && j !== 4) expect(Number.isFinite(wasm[x * cols.length + y])).toBe(true); }));
    }
  });

  test('sums already in the output are continued, as the JS loop continues them', () => {
    const zs = randomZ(9, 700, 5);
    const idx = [0, 1, 2, 3, 4, 5, 7, 8];
    const seedOut = () => Float64Array.from({ length: 64 }, (_, k) => (k % 5) * 0.1 + 1e-17 * k);
    const js = seedOut();
    const wasm = seedOut();
    dotSums(zs, idx, idx, js, false, 'js');
    dotSums(zs, idx, idx, wasm, false, 'wasm');
    expect(mismatches(js, wasm, 8, 8, false)).toBe(0);
  });

  test('more columns than one packed chunk (128), rows before and inside each chunk: every sum bit for bit, in both modes', () => {
    const zs = randomZ(1100, 40, 29);
    const idx = Int32Array.from({ length: 1100 }, (_, i) => (i * 17) % 1100);
    const up = both(zs, idx, idx, true);
    expect(mismatches(up.js, up.wasm, 1100, 1100, true)).toBe(0);
    const rows = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 1100);
    const rect = both(zs, rows, idx, false);
    expect(mismatches(rect.js, rect.wasm, 300, 1100, false)).toBe(0);
  });

  test('rows read one at a time from a file (SpilledRows): the same sums as from memory, with either kernel', () => {
    const zs = randomZ(150, 1300, 31);
    const spill = new SpilledRows(1300);
    try {
      // written out of order: row i at its index
      for (let i = 149; i >= 0; i--) spill.write(i, zs.z[i]!);
      const idx = Int32Array.from({ length: 150 }, (_, i) => (i * 11) % 150);
      const cols = [4, 9, 149, 0, 77, 78, 79, 80, 13];
      for (const [rows, cs, upper] of [[idx, idx, true], [idx, cols, false]] as const) {
        const mem = new Float64Array(rows.length * cs.length);
        expect(dotSums(zs, rows, cs, mem, upper, 'js')).toBe('js');
        for (const kernel of ['js', 'wasm'] as const) {
          const got = new Float64Array(rows.length * cs.length);
          expect(dotSums(spill, rows, cs, got, upper, kernel)).toBe(kernel);
          expect(mismatches(mem, got, rows.length, cs.length, upper)).toBe(0);
        }
      }
    } finally {
      spill.close();
    }
  });
});
