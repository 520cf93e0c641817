/**
 * ECharts options for the dashboard's charts (drawn by the client script with node_modules/echarts/dist, no CDN).
 * Every time chart zooms and pans (inside + slider dataZoom) and shows values on hover; charts given the same group
 * on a page share the cursor and the zoom (echarts.connect). Long series are thinned to at most MAX_POINTS by keeping
 * the first, last, min and max of each bucket (the shape and the extremes survive).
 */

export const MAX_POINTS = 4000;

export type Point = [number, number | null];

/** At most `max` points: per bucket the first, min, max and last (in time order). */
export function thin(points: Point[], max = MAX_POINTS): Point[] {
  if (points.length <= max) return points;
  const buckets = Math.max(1, Math.floor(max / 4));
  const size = points.length / buckets;
  const out: Point[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(points.length, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    let iMin = lo;
    let iMax = lo;
    for (let i = lo; i < hi; i++) {
      const v = points[i]![1];
      if (v === null) continue;
      if (points[iMin]![1] === null || v < points[iMin]![1]!) iMin = i;
      if (points[iMax]![1] === null || v > points[iMax]![1]!) iMax = i;
    }
    for (const i of [...new Set([lo, iMin, iMax, hi - 1])].sort((a, b2) => a - b2)) out.push(points[i]!);
  }
  return out;
}

export function zip(ts: ArrayLike<number>, v: ArrayLike<number>): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < Math.min(ts.length, v.length); i++) {
    const x = v[i]!;
    if (Number.isFinite(ts[i]!)) out.push([ts[i]!, Number.isFinite(x) ? x : null]);
  }
  return out;
}

/** Drawdown (fraction, <= 0) of an equity series. */
export function drawdown(points: Point[]): Point[] {
  let peak = -Infinity;
  return points.map(([t, v]) => {
    if (v === null) return [t, null];
    peak = Math.max(peak, v);
    return [t, peak > 0 ? v / peak - 1 : 0];
  });
}

const ZOOM = [{ type: 'inside', xAxisIndex: 0 }, { type: 'slider', xAxisIndex: 0, height: 18, bottom: 4 }];

export interface LineSeries { name: string; points: Point[]; area?: boolean; step?: boolean; yAxisIndex?: number }

/** A time chart of one or more lines (with zoom, pan and hover). */
export function timeChart(series: LineSeries[], opts: { yName?: string; percent?: boolean; y2Name?: string; markAreas?: { from: number; to: number; label: string; color: string }[] } = {}): unknown {
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: series.length > 1 ? { top: 0 } : undefined,
    grid: { left: 64, right: opts.y2Name ? 64 : 24, top: series.length > 1 ? 28 : 16, bottom: 56 },
    xAxis: { type: 'time' },
    yAxis: [
      { type: 'value', name: opts.yName, scale: true, axisLabel: opts.percent ? { formatter: '{value}' } : undefined },
      ...(opts.y2Name ? [{ type: 'value', name: opts.y2Name, scale: true }] : []),
    ],
    dataZoom: ZOOM,
    series: series.map((s, i) => ({
      name: s.name,
      type: 'line',
      showSymbol: false,
      sampling: 'lttb',
      step: s.step ? 'end' : undefined,
      yAxisIndex: s.yAxisIndex ?? 0,
      areaStyle: s.area ? { opacity: 0.25 } : undefined,
      data: thin(s.points),
      ...(i === 0 && opts.markAreas?.length ? {
        markArea: { silent: true, data: opts.markAreas.map((m) => [{ xAxis: m.from, name: m.label, itemStyle: { color: m.color } }, { xAxis: m.to }]) },
      } : {}),
    })),
  };
}

/** A category bar chart. */
export function barChart(categories: string[], series: { name: string; values: (number | null)[] }[], opts: { yName?: string; horizontal?: boolean } = {}): unknown {
  const cat = { type: 'category', data: categories, axisLabel: { interval: 0, rotate: opts.horizontal ? 0 : categories.length > 8 ? 30 : 0 } };
  const val = { type: 'value', name: opts.yName, scale: false };
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: series.length > 1 ? { top: 0 } : undefined,
    grid: { left: opts.horizontal ? 140 : 64, right: 24, top: series.length > 1 ? 28 : 16, bottom: opts.horizontal ? 24 : 64, containLabel: false },
    xAxis: opts.horizontal ? val : cat,
    yAxis: opts.horizontal ? { ...cat, inverse: true } : val,
    dataZoom: categories.length > 30 ? [{ type: 'inside', [opts.horizontal ? 'yAxisIndex' : 'xAxisIndex']: 0 }] : undefined,
    series: series.map((s) => ({ name: s.name, type: 'bar', data: s.values.map((v) => (v !== null && Number.isFinite(v) ? v : null)) })),
  };
}
