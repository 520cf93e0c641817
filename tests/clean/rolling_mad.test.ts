import { describe, expect, test } from '@jest/globals';
import { SortedWindow } from '../../lib/clean/rolling_mad.js';
import { lcg } from './fixtures.js';

/** Independent reference: sort a copy, take the middle (mean of the two middles for an even count). */
function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
function madOf(xs: number[]): number {
  const m = medianOf(xs);
  return medianOf(xs.map((x) => Math.abs(x - m)));
}

describe('SortedWindow', () => {
  test('median and MAD of hand-worked windows', () => {
    const w = new SortedWindow(5);
    for (const x of [4, 100, 1, 3, 2]) w.push(x);
    // sorted 1 2 3 4 100 -> median 3; |x - 3| = 1 0 1 2 97 -> sorted 0 1 1 2 97 -> MAD 1
    expect(w.median()).toBe(3);
    expect(w.mad()).toBe(1);
    w.push(50); // evicts 4 -> 100 1 3 2 50: sorted 1 2 3 50 100, median 3, |dev| 2 1 0 47 97 -> MAD 2
    expect(w.median()).toBe(3);
    expect(w.mad()).toBe(2);
    const e = new SortedWindow(4);
    for (const x of [1, 2, 3, 4]) e.push(x);
    // median 2.5; deviations 1.5 0.5 0.5 1.5 -> sorted 0.5 0.5 1.5 1.5 -> MAD (0.5 + 1.5) / 2 = 1
    expect(e.median()).toBe(2.5);
    expect(e.mad()).toBe(1);
  });

  test('an empty window has NaN median and MAD; a partly filled one uses what it holds', () => {
    const w = new SortedWindow(10);
    expect(w.median()).toBeNaN();
    expect(w.mad()).toBeNaN();
    w.push(7);
    expect(w.median()).toBe(7);
    expect(w.mad()).toBe(0);
    expect(w.full).toBe(false);
  });

  test.each([1, 2, 3, 4, 7, 8, 288])('matches a sort-based reference on a seeded stream with ties (w = %i)', (cap) => {
    const rnd = lcg(cap * 31 + 1);
    const w = new SortedWindow(cap);
    const history: number[] = [];
    for (let t = 0; t < 1500; t++) {
      // rounded values give many ties; occasional large values give skew
      const x = rnd() < 0.05 ? Math.round(rnd() * 1000) : Math.round(rnd() * 20) - 10;
      w.push(x);
      history.push(x);
      const win = history.slice(-cap);
      expect(w.size).toBe(win.length);
      expect(w.median()).toBe(medianOf(win));
      expect(w.mad()).toBe(madOf(win));
      const m = w.median();
      expect(w.madLower(m)).toBeLessThanOrEqual(w.mad(m));
      expect(w.madUpper(m)).toBeGreaterThanOrEqual(w.mad(m));
    }
  });
});
