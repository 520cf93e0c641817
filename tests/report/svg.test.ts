import { describe, expect, test } from '@jest/globals';
import { Xoshiro128ss } from '../../lib/stats/rng.js';
import { downsampleIndices, downsampleMinMax, drawdownFromEquity, equityMaxDrawdown, equityTotalReturn } from '../../lib/report/series.js';
import { areaChart, barChart, lineChart, logTicks, niceTicks, px, timeTicks } from '../../lib/report/svg.js';
import { maxDrawdown } from '../../lib/stats/index.js';
import { markupProblems, pathData } from './markup.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const X3 = [T0, T0 + DAY, T0 + 2 * DAY];
// Fixed margins so the plot area is known: x in [60, 380], y in [20, 170] (top to bottom).
const BOX = { width: 400, height: 200, margin: { top: 20, right: 20, bottom: 30, left: 60 } };

function randomWalk(n: number, seed: number): Float64Array {
  const rng = Xoshiro128ss.fromSeed(seed, 3);
  const y = new Float64Array(n);
  let v = 0;
  for (let i = 0; i < n; i++) {
    v += rng.normal();
    y[i] = v;
  }
  return y;
}

describe('nice ticks', () => {
  test('Heckbert nice numbers: [0.83, 1.47] -> 0.8..1.6 by 0.2, without float drift', () => {
    // range nice(0.64) = 1; step nice(1 / 4 = 0.25, rounded) = 0.2; outward to whole steps
    const t = niceTicks(0.83, 1.47);
    expect(t.ticks).toEqual([0.8, 1, 1.2, 1.4, 1.6]);
    expect([t.lo, t.hi, t.step]).toEqual([0.8, 1.6, 0.2]);
  });
  test('a zero-width range is widened, never divides by zero', () => {
    expect(niceTicks(0, 0).ticks.length).toBeGreaterThan(1);
    const t = niceTicks(2, 2);
    expect(t.lo).toBeLessThan(2);
    expect(t.hi).toBeGreaterThan(2);
  });
  test('log ticks: 1-2-5 per decade over two decades, nice linear values inside a narrow range', () => {
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks(0.9, 1.3)).toEqual([0.9, 1, 1.1, 1.2, 1.3]);
  });
});

describe('UTC time ticks', () => {
  test('one year -> every 2 months, labelled YYYY-MM', () => {
    const t = timeTicks(Date.UTC(2025, 0, 1), Date.UTC(2025, 11, 31), 8);
    expect(t.labels).toEqual(['2025-01', '2025-03', '2025-05', '2025-07', '2025-09', '2025-11']);
  });
  test('six hours -> hourly, labelled MM-DD HH:MM', () => {
    const t = timeTicks(T0, T0 + 6 * 3_600_000, 8);
    expect(t.labels).toEqual(['01-01 00:00', '01-01 01:00', '01-01 02:00', '01-01 03:00', '01-01 04:00', '01-01 05:00', '01-01 06:00']);
  });
  test('ten days -> every 2nd UTC midnight, labelled YYYY-MM-DD', () => {
    const t = timeTicks(T0, T0 + 10 * DAY, 8);
    expect(t.ts.length).toBe(5);
    for (const ts of t.ts) expect(ts % (2 * DAY)).toBe(0);
    expect(t.labels[0]).toBe('2025-01-02'); // 2025-01-01 is epoch day 20089 (odd)
  });
  test('eight weeks -> Mondays', () => {
    const t = timeTicks(T0, T0 + 56 * DAY, 10);
    expect(t.ts.length).toBe(8);
    for (const ts of t.ts) expect(new Date(ts).getUTCDay()).toBe(1);
    expect(t.labels[0]).toBe('2025-01-06');
  });
});

describe('lineChart', () => {
  test('a known 3-point series lands on hand-computed coordinates', () => {
    const svg = lineChart({ ...BOX, series: [{ label: 'eq', x: X3, y: [1, 1.5, 1.2] }] });
    // y domain = niceTicks(1, 1.5) = [1, 1.5] step 0.1; x: T0 -> 60, T0+1d -> 220, T0+2d -> 380;
    // y: 1 -> 170, 1.5 -> 20, 1.2 -> 170 - 0.2 / 0.5 * 150 = 110
    expect(pathData(svg)).toContain('M60,170L220,20L380,110');
    // y grid line and label of tick 1.2 (label baseline 3.5 px below the line)
    expect(svg).toContain('<line x1="60" y1="110" x2="380" y2="110"');
    expect(svg).toContain('y="113.5" text-anchor="end" fill="#444">1.2</text>');
    // x ticks: 320 px / 90 px -> at most 3 ticks -> daily
    for (const label of ['2025-01-01', '2025-01-02', '2025-01-03']) expect(svg).toContain(`>${label}</text>`);
    expect(markupProblems(svg)).toEqual([]);
  });

  test('log axis: 1, 10, 100 are equally spaced', () => {
    const svg = lineChart({ ...BOX, logY: true, series: [{ label: 'eq', x: X3, y: [1, 10, 100] }] });
    // log10 domain [0, 2] over 150 px: 10 -> 170 - 75 = 95; the tick 2 -> 170 - log10(2) / 2 * 150 = 147.4
    expect(pathData(svg)).toContain('M60,170L220,95L380,20');
    expect(svg).toContain('<line x1="60" y1="147.4" x2="380" y2="147.4"');
  });

  test('log axis falls back to linear when a value is <= 0', () => {
    const svg = lineChart({ ...BOX, logY: true, series: [{ label: 'eq', x: X3, y: [1, 0, 2] }] });
    // linear domain niceTicks(0, 2) = [0, 2]: 1 -> 95, 0 -> 170, 2 -> 20
    expect(pathData(svg)).toContain('M60,95L220,170L380,20');
  });

  test('NaN is a gap: the line restarts, an isolated point is a dot', () => {
    const x = [T0, T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY, T0 + 4 * DAY];
    const svg = lineChart({ ...BOX, series: [{ label: 'eq', x, y: [1, 2, NaN, 1.5, NaN] }] });
    const d = pathData(svg)[0]!;
    expect(d).toBe('M60,170L140,20M300,95h0.1');
  });

  test('coordinates are rounded to 0.1 px; labels are escaped; the SVG is well formed', () => {
    const y = randomWalk(5000, 1);
    const x = Array.from(y, (_, i) => T0 + i * 300_000);
    const svg = lineChart({ series: [{ label: 'a <b> & "c"', x, y }], title: 'x<y' });
    expect(markupProblems(svg)).toEqual([]);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg).not.toContain('<b>');
    const coords = [...svg.matchAll(/ (?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"]*)"/g)].map((m) => m[1]!);
    const nums = [...pathData(svg).join(' ').matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => m[0]);
    for (const c of [...coords, ...nums]) expect(c).toMatch(/^-?\d+(\.\d)?$/);
    expect(px(-0.04)).toBe('0');
    expect(px(12.345)).toBe('12.3');
  });

  test('100,000 points are drawn with about 2,000', () => {
    const y = randomWalk(100_000, 2);
    const x = Array.from(y, (_, i) => T0 + i * 300_000);
    const svg = lineChart({ series: [{ label: 'eq', x, y }] });
    const points = (pathData(svg)[0]!.match(/[ML]/g) ?? []).length;
    expect(points).toBeLessThanOrEqual(2000);
    expect(points).toBeGreaterThan(1900);
  });

  test('no finite point -> a framed "none" box, not a blank chart', () => {
    for (const series of [[], [{ label: 'eq', x: [], y: [] }], [{ label: 'eq', x: X3, y: [NaN, NaN, NaN] }]]) {
      const svg = lineChart({ series, emptyText: 'none: no equity' });
      expect(svg).toContain('>none: no equity</text>');
      expect(markupProblems(svg)).toEqual([]);
    }
  });

  test('mismatched x and y lengths are an error naming the series', () => {
    expect(() => lineChart({ series: [{ label: 'strategy', x: [1, 2], y: [1] }] })).toThrow(/"strategy": x has 2 points, y has 1/);
  });
});

describe('areaChart (drawdown)', () => {
  test('0 at the top, losses below, filled from 0', () => {
    const svg = areaChart({ ...BOX, series: [{ label: 'dd', x: X3, y: [0, -0.1, -0.05] }] });
    // domain niceTicks(-0.1, 0) = [-0.1, 0]: 0 -> 20 (top), -0.1 -> 170, -0.05 -> 95
    const [area, line] = pathData(svg);
    expect(area).toBe('M60,20L60,20L220,170L380,95L380,20Z');
    expect(line).toBe('M60,20L220,170L380,95');
    // the lowest point is marked
    expect(svg).toContain('<circle cx="220" cy="170"');
    expect(svg).toContain('lowest: -10.00% on 2025-01-02');
    expect(markupProblems(svg)).toEqual([]);
  });
  test('a series without any drawdown still gets a readable axis', () => {
    const svg = areaChart({ ...BOX, series: [{ label: 'dd', x: X3, y: [0, 0, 0] }] });
    expect(markupProblems(svg)).toEqual([]);
    expect(pathData(svg)[1]).toBe('M60,20L220,20L380,20');
  });
});

describe('barChart', () => {
  test('bars proportional to values, values printed', () => {
    const svg = barChart({ width: 400, bars: [{ label: 'a', value: 10 }, { label: 'b', value: 5, note: 'half' }] });
    // label column 1 char x 7 px + 10 = 17; value column "10" 14 px + 10 = 24 ... but "5  half" is wider:
    // 7 chars x 7 + 10 = 59 -> bars from x = 17 to 400 - 59 = 341 (324 px for the value 10)
    expect(svg).toContain('<rect x="17" y="6" width="324" height="18"');
    expect(svg).toContain('<rect x="17" y="30" width="162" height="18"');
    expect(svg).toContain('>10</text>');
    expect(svg).toContain('>5<tspan dx="8" fill="#777">half</tspan></text>');
    expect(markupProblems(svg)).toEqual([]);
  });
  test('negative values go left of the zero line; NaN prints n/a without a bar', () => {
    const svg = barChart({ width: 400, bars: [{ label: 'w1', value: -0.5 }, { label: 'w2', value: 1 }, { label: 'w3', value: NaN }] });
    expect((svg.match(/<rect /g) ?? []).length).toBe(2);
    expect(svg).toContain('>n/a</text>');
    expect(markupProblems(svg)).toEqual([]);
  });
  test('no bars -> "none"', () => {
    expect(barChart({ bars: [] })).toContain('>none</text>');
  });
});

describe('downsampling keeps the extremes', () => {
  test('global min and max, first and last survive; at most maxPoints kept', () => {
    const n = 100_000;
    const y = randomWalk(n, 5);
    y[54_321] = -1e6;
    y[77_777] = 1e6;
    const idx = downsampleIndices(y, 2000);
    expect(idx.length).toBeLessThanOrEqual(2000);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(n - 1);
    expect(Array.from(idx)).toContain(54_321);
    expect(Array.from(idx)).toContain(77_777);
    for (let j = 1; j < idx.length; j++) expect(idx[j]!).toBeGreaterThan(idx[j - 1]!);
  });
  test('every bucket keeps its own min and max (a drawdown trough is never smoothed away)', () => {
    const n = 30_000;
    const y = randomWalk(n, 6);
    const d = downsampleMinMax(Float64Array.from(y, (_, i) => i), y, 1000);
    // independent check: recompute the minimum of some buckets from the original series
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of y) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(Math.min(...d.y)).toBe(lo);
    expect(Math.max(...d.y)).toBe(hi);
    const buckets = Math.floor((1000 - 2) / 2);
    for (let b = 0; b < buckets; b += 37) {
      const a = Math.max(1, Math.floor((b * n) / buckets));
      const e = Math.min(n - 1, Math.floor(((b + 1) * n) / buckets));
      let bmin = Infinity;
      for (let i = a; i < e; i++) bmin = Math.min(bmin, y[i]!);
      const kept = Array.from(d.x).map((x, j) => [x, d.y[j]!] as const).filter(([x]) => x >= a && x < e).map(([, v]) => v);
      expect(Math.min(...kept)).toBe(bmin);
    }
  });
  test('a NaN gap stays a gap', () => {
    const y = randomWalk(50_000, 7);
    for (let i = 20_000; i < 20_010; i++) y[i] = NaN;
    const d = downsampleMinMax(Float64Array.from(y, (_, i) => i), y, 2000);
    expect(Array.from(d.y).some((v) => Number.isNaN(v))).toBe(true);
  });
  test('short series are not touched', () => {
    expect(Array.from(downsampleIndices([3, 1, 2], 2000))).toEqual([0, 1, 2]);
  });
});

describe('equity helpers', () => {
  test('drawdown of a sampled curve agrees with lib/stats maxDrawdown on the same returns', () => {
    const r = [0.1, -0.2, 0.05, 0.3, -0.1];
    const eq: number[] = [];
    let e = 1;
    for (const x of r) eq.push((e *= 1 + x));
    // lib/stats counts the starting capital 1 as a peak; prepend it to the sampled curve
    expect(equityMaxDrawdown([1, ...eq])).toBeCloseTo(maxDrawdown(r), 14);
    expect(equityTotalReturn([1, ...eq])).toBeCloseTo(eq[eq.length - 1]! - 1, 14);
  });
  test('NaN samples are gaps, not zeros', () => {
    const dd = drawdownFromEquity([1, 1.2, NaN, 0.9, 1.3]);
    expect(Number.isNaN(dd[2]!)).toBe(true);
    expect(dd[3]).toBeCloseTo(0.9 / 1.2 - 1, 14);
    expect(dd[4]).toBe(0);
  });
});
