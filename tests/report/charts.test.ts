import { describe, expect, test } from '@jest/globals';
import {
  BAD, CHART_SCRIPT, drawdownChart, echartsBundle, equityChart, hbarChart, OOS_GROUP, PALETTE, scriptJson, TABLE_SCRIPT,
  timePoints, windowReturnsChart,
} from '../../lib/report/charts.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const X4 = [T0, T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY];

type Opt = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('timePoints', () => {
  test('[ms, value] pairs; NaN and Infinity are gaps (null), values rounded to 7 significant digits', () => {
    expect(timePoints(X4, [1, NaN, 1.0123456789, Infinity])).toEqual([[T0, 1], [T0 + DAY, null], [T0 + 2 * DAY, 1.012346], [T0 + 3 * DAY, null]]);
  });
  test('on a log axis a non-positive value is a gap too', () => {
    expect(timePoints(X4, [1, 0, -2, 3], 4000, true).map((p) => p[1])).toEqual([1, null, null, 3]);
  });
  test('a long series is downsampled to at most maxPoints, keeping the extremes', () => {
    const n = 10_000;
    const x = Array.from({ length: n }, (_, i) => T0 + i * 60_000);
    const y = Array.from({ length: n }, (_, i) => Math.sin(i / 50) + (i === 7_777 ? 5 : 0));
    const p = timePoints(x, y, 500);
    expect(p.length).toBeLessThanOrEqual(500);
    expect(p[0]![0]).toBe(T0);
    expect(p[p.length - 1]![0]).toBe(x[n - 1]);
    expect(Math.max(...p.map((q) => q[1]!))).toBeCloseTo(5 + Math.sin(7_777 / 50), 5);
  });
  test('x and y of different lengths are refused', () => {
    expect(() => timePoints(X4, [1, 2])).toThrow(/x has 4 points, y has 2/);
  });
});

describe('equityChart / drawdownChart', () => {
  const series = [{ label: 'strategy', y: [1, 1.1, 0.99, 1.2] }, { label: 'bench', y: [1, 0.9, 0.95, 1.05], dashed: true }];
  test('equity: a time axis, one line per series with its points, a shared group and zoom (slider hidden)', () => {
    const c = equityChart(X4, series)!;
    expect(c.id).toBe('chart-equity');
    expect(c.group).toBe(OOS_GROUP);
    expect(c.format).toBe('ratio');
    const o = c.option as Opt;
    expect(o.xAxis).toEqual({ type: 'time', min: 'dataMin', max: 'dataMax' });
    expect(o.yAxis.type).toBe('value');
    expect(o.series.map((s: Opt) => s.name)).toEqual(['strategy', 'bench']);
    expect(o.series[0].data).toEqual([[T0, 1], [T0 + DAY, 1.1], [T0 + 2 * DAY, 0.99], [T0 + 3 * DAY, 1.2]]);
    expect(o.series[0].lineStyle.color).toBe(PALETTE[0]);
    expect(o.series[1].lineStyle.type).toBe('dashed');
    expect(o.series[0].areaStyle).toBeUndefined();
    expect(o.dataZoom.map((z: Opt) => [z.type, z.show ?? true, z.filterMode])).toEqual([['inside', true, 'none'], ['slider', false, 'none']]);
    expect(o.tooltip.trigger).toBe('axis');
  });
  test('equity on a log axis', () => {
    const o = equityChart(X4, series, { logY: true })!.option as Opt;
    expect(o.yAxis.type).toBe('log');
    expect(equityChart(X4, series, { logY: true })!.title).toContain('log scale');
  });
  test('drawdown: areas capped at 0, the zoom slider shown, the same group and zoom as the equity', () => {
    const c = drawdownChart(X4, [{ label: 'dd', y: [0, -0.1, -0.05, 0] }])!;
    const o = c.option as Opt;
    expect(c.group).toBe(OOS_GROUP);
    expect(c.format).toBe('pct');
    expect(o.yAxis).toEqual({ type: 'value', scale: false, max: 0 });
    expect(o.series[0].areaStyle).toBeDefined();
    expect(o.series[0].data.map((p: [number, number]) => p[1])).toEqual([0, -0.1, -0.05, 0]);
    expect(o.dataZoom[1].show).toBe(true);
    // the zoom components line up index for index with the equity chart's, so echarts.connect syncs them
    const e = equityChart(X4, series)!.option as Opt;
    expect(o.dataZoom.map((z: Opt) => z.type)).toEqual(e.dataZoom.map((z: Opt) => z.type));
  });
  test('no finite value: no chart (null)', () => {
    expect(equityChart([], [{ label: 's', y: [] }])).toBeNull();
    expect(drawdownChart(X4, [{ label: 's', y: [NaN, NaN, NaN, NaN] }])).toBeNull();
  });
});

describe('windowReturnsChart', () => {
  test('one bar per window, losses red, values as fractions; zoom slider only past 24 windows', () => {
    const c = windowReturnsChart([{ label: '#1 2025-01-31', value: 0.0612 }, { label: '#2 2025-02-12', value: -0.15 }, { label: '#3', value: NaN }])!;
    const o = c.option as Opt;
    expect(c.format).toBe('signed_pct');
    expect(o.xAxis.data).toEqual(['#1 2025-01-31', '#2 2025-02-12', '#3']);
    expect(o.series[0].data.map((d: Opt) => d.value)).toEqual([0.0612, -0.15, null]);
    expect(o.series[0].data.map((d: Opt) => d.itemStyle.color)).toEqual([PALETTE[0], BAD, PALETTE[0]]);
    expect(o.dataZoom.length).toBe(1);
    const many = windowReturnsChart(Array.from({ length: 30 }, (_, i) => ({ label: `#${i}`, value: 0.01 })))!.option as Opt;
    expect(many.dataZoom.map((z: Opt) => z.type)).toEqual(['inside', 'slider']);
    expect(windowReturnsChart([])).toBeNull();
  });
});

describe('hbarChart', () => {
  test('bars top-down with their values and notes as labels; height grows with the bars; braces of a note are literal', () => {
    const c = hbarChart('chart-funnel', 'Discovery funnel', [
      { label: 'expanded', value: 2412, note: 'templates x events' }, { label: 'passed', value: 85, note: 'q {fdr}' }, { label: 'n/a', value: NaN },
    ], { format: 'int', valueText: (v) => (Number.isFinite(v) ? v.toLocaleString('en-US') : 'n/a') })!;
    const o = c.option as Opt;
    expect(c.height).toBe(40 + 3 * 22);
    expect(o.yAxis).toMatchObject({ type: 'category', inverse: true, data: ['expanded', 'passed', 'n/a'] });
    expect(o.series[0].data.map((d: Opt) => d.value)).toEqual([2412, 85, null]);
    expect(o.series[0].data.map((d: Opt) => d.label.formatter)).toEqual(['2,412   templates x events', '85   q (fdr)', 'n/a']);
    expect(hbarChart('x', 'x', [], { format: 'int', valueText: String })).toBeNull();
    const red = hbarChart('g', 'g', [{ label: 'a', value: 1 }], { format: 'int', valueText: String, color: BAD })!.option as Opt;
    expect(red.series[0].data[0].itemStyle.color).toBe(BAD);
  });
});

describe('page pieces', () => {
  test('scriptJson: no <, >, & or line separator survives; JSON.parse gives the value back', () => {
    const v = { a: '</script><!-- x & y \u2028 \u2029', n: [1, null] };
    const s = scriptJson(v);
    expect(s).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(s)).toEqual(v);
    expect(scriptJson([NaN, Infinity])).toBe('[null,null]');
  });
  test('the ECharts bundle is read from node_modules, whole, with nothing that ends a <script>', () => {
    const b = echartsBundle();
    expect(b.length).toBeGreaterThan(500_000);
    expect(b).not.toMatch(/<\/script/i);
    expect(b).toContain('getInstanceByDom');
    expect(echartsBundle()).toBe(b);
  });
  test('the inline scripts are valid JavaScript', () => {
    expect(() => new Function(CHART_SCRIPT)).not.toThrow();
    expect(() => new Function(TABLE_SCRIPT)).not.toThrow();
  });
});
