/**
 * Charts as self-contained SVG strings (no scripts, no external fonts or links): a time-series line chart, a
 * drawdown area chart and a horizontal bar chart. Pure functions: same input, same bytes.
 *
 * Conventions:
 * - x values of line/area charts are UTC epoch milliseconds; ticks fall on UTC boundaries (minutes, hours, days,
 *   Mondays, months, years) chosen by the span, labelled ISO style ("2025-01-05", "2025-01", "2025").
 * - The x domain is exactly [min x, max x] of the data; the y domain is widened to nice tick values.
 * - NaN (or a non-positive value on a log axis) is a gap: the line stops and restarts, nothing is interpolated.
 * - Series longer than `maxPoints` (default 2,000) are downsampled keeping each bucket's min and max.
 * - Coordinates are rounded to 0.1 px; every text is XML-escaped.
 * - A chart with no finite point is still drawn: a framed box saying `emptyText` (default "none"), never blank.
 */
import { escapeXml, fmtDate } from './format.js';
import { downsampleMinMax, finiteMin } from './series.js';

const { abs, floor, ceil, log10, pow, round, max, min } = Math;
const { isFinite: isFiniteNum } = Number;

export interface ChartSeries {
  label: string;
  /** Epoch milliseconds, increasing. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; defaults to PALETTE[i]. */
  color?: string;
  /** SVG stroke-dasharray, e.g. "4 3". */
  dash?: string;
}

export interface Margin { top: number; right: number; bottom: number; left: number }

export interface LineChartOptions {
  series: ChartSeries[];
  /** Tick label of a y value; default: as many decimals as the tick step needs. */
  yFormat?: (v: number) => string;
  width?: number;
  height?: number;
  /** Logarithmic y axis (falls back to linear when a finite value is <= 0). */
  logY?: boolean;
  /** Accessible title (the SVG <title>). */
  title?: string;
  /** Text of the chart drawn when there is no finite point. */
  emptyText?: string;
  /** Per-series point budget before min/max downsampling. */
  maxPoints?: number;
  /** Overrides the computed margins (the left one fits the y tick labels). */
  margin?: Partial<Margin>;
}

export interface AreaChartOptions extends LineChartOptions {
  /** Mark the lowest point of the first series with a dot. Default true. */
  markMin?: boolean;
}

export interface Bar {
  label: string;
  value: number;
  /** Printed after the value, greyed. */
  note?: string;
  color?: string;
}

export interface BarChartOptions {
  bars: Bar[];
  valueFormat?: (v: number) => string;
  width?: number;
  /** Height of one bar in px (the chart's height follows from the number of bars). */
  barHeight?: number;
  title?: string;
  emptyText?: string;
}

/** Colour-blind-safe (Okabe-Ito based) series colours. */
export const PALETTE = ['#0b5cad', '#6b6b6b', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];
const FONT_SIZE = 11;
/**
 * Advance of an 11 px sans-serif glyph used to reserve room for text (SVG has no layout engine): DejaVu Sans, the
 * usual Linux fallback, is among the widest (digits 0.636 em = 7.0 px), so narrower fonts only leave more room.
 */
const CHAR_W = 7;
const AXIS = '#444';
const GRID = '#e3e3e3';
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

/** Round to 0.1 px and print without a trailing ".0" (and never "-0"). */
export function px(v: number): string {
  return String(round(v * 10) / 10 + 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Ticks

/** Heckbert's "nice number": the 1, 2, 5 (x 10^k) value nearest (round) or above (ceil) x. */
function niceNum(x: number, roundIt: boolean): number {
  const e = floor(log10(x));
  const f = x / pow(10, e);
  let nf: number;
  if (roundIt) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * pow(10, e);
}

function decimalsOf(step: number): number {
  return max(0, -floor(log10(step) + 1e-9));
}

/**
 * Nice linear ticks covering [lo, hi] (Heckbert 1990, "Nice numbers for graph labels", Graphics Gems): the step is
 * a 1/2/5 x 10^k number giving about `target` ticks, the domain is [lo, hi] rounded outward to whole steps. A
 * zero-width range is widened by 5% of its magnitude (or 1 around 0). Tick values are k * step rounded to the
 * step's decimals, so 0.1 + 0.2 style drift never reaches a label.
 */
export function niceTicks(lo: number, hi: number, target = 5): { lo: number; hi: number; step: number; ticks: number[] } {
  if (!isFiniteNum(lo) || !isFiniteNum(hi)) throw new RangeError(`niceTicks: non-finite range [${lo}, ${hi}]`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const d = lo === 0 ? 1 : abs(lo) * 0.05;
    lo -= d;
    hi += d;
  }
  const range = niceNum(hi - lo, false);
  const step = niceNum(range / max(1, target - 1), true);
  const dec = decimalsOf(step);
  const k0 = floor(lo / step + 1e-9);
  const k1 = ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = k0; k <= k1; k++) ticks.push(Number((k * step).toFixed(dec)) + 0);
  return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, step, ticks };
}

/**
 * Ticks for a log axis over [lo, hi] (lo > 0): 1-2-5 per decade when the range spans a decade or more, else nice
 * linear values inside the range (placed logarithmically). The domain is the data range itself, not widened.
 */
export function logTicks(lo: number, hi: number, target = 5): number[] {
  if (!(lo > 0) || !(hi >= lo)) throw new RangeError(`logTicks: needs 0 < lo <= hi, was [${lo}, ${hi}]`);
  if (hi / lo >= 10) {
    const out: number[] = [];
    const mults = hi / lo >= 1e3 ? [1] : [1, 2, 5];
    for (let e = floor(log10(lo)); e <= ceil(log10(hi)); e++) {
      for (const m of mults) {
        const v = Number((m * pow(10, e)).toPrecision(6));
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  }
  return niceTicks(lo, hi, target).ticks.filter((v) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9));
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
type TimeStep = { kind: 'ms'; ms: number; align: number } | { kind: 'month'; months: number };
/** Candidate steps, finest first. Epoch day 0 (1970-01-01) was a Thursday, so Mondays are days = 4 (mod 7). */
const TIME_STEPS: TimeStep[] = [
  { kind: 'ms', ms: MINUTE, align: 0 }, { kind: 'ms', ms: 5 * MINUTE, align: 0 },
  { kind: 'ms', ms: 15 * MINUTE, align: 0 }, { kind: 'ms', ms: 30 * MINUTE, align: 0 },
  { kind: 'ms', ms: HOUR, align: 0 }, { kind: 'ms', ms: 3 * HOUR, align: 0 }, { kind: 'ms', ms: 6 * HOUR, align: 0 },
  { kind: 'ms', ms: 12 * HOUR, align: 0 }, { kind: 'ms', ms: DAY, align: 0 }, { kind: 'ms', ms: 2 * DAY, align: 0 },
  { kind: 'ms', ms: 7 * DAY, align: 4 * DAY },
  { kind: 'month', months: 1 }, { kind: 'month', months: 2 }, { kind: 'month', months: 3 },
  { kind: 'month', months: 6 }, { kind: 'month', months: 12 }, { kind: 'month', months: 24 },
  { kind: 'month', months: 60 }, { kind: 'month', months: 120 },
];

function timeLabel(ms: number, step: TimeStep): string {
  const iso = new Date(ms).toISOString();
  if (step.kind === 'month') return step.months % 12 === 0 ? iso.slice(0, 4) : iso.slice(0, 7);
  if (step.ms >= DAY) return iso.slice(0, 10);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/**
 * UTC time ticks inside [lo, hi] (epoch ms): the finest step from TIME_STEPS that gives at most `maxTicks` ticks,
 * each on a UTC boundary of that step (midnight, Monday, the 1st of a month, Jan 1st).
 */
export function timeTicks(lo: number, hi: number, maxTicks: number): { ts: number[]; labels: string[] } {
  if (!isFiniteNum(lo) || !isFiniteNum(hi) || hi < lo) return { ts: [], labels: [] };
  const limit = max(2, maxTicks);
  for (const step of TIME_STEPS) {
    const ts: number[] = [];
    if (step.kind === 'ms') {
      if ((hi - lo) / step.ms > limit + 1) continue;
      for (let t = ceil((lo - step.align) / step.ms) * step.ms + step.align; t <= hi; t += step.ms) ts.push(t);
    } else {
      const d = new Date(lo);
      const first = floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / step.months) * step.months;
      for (let k = first; ts.length <= limit; k += step.months) {
        const t = Date.UTC(floor(k / 12), k % 12, 1);
        if (t > hi) break;
        if (t >= lo) ts.push(t);
      }
    }
    if (ts.length <= limit) return { ts, labels: ts.map((t) => timeLabel(t, step)) };
  }
  return { ts: [], labels: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

function textWidth(s: string): number {
  return s.length * CHAR_W;
}

function truncate(s: string, maxWidth: number): string {
  const n = max(1, floor(maxWidth / CHAR_W + 1e-6));
  return s.length <= n ? s : `${s.slice(0, max(1, n - 1))}\u2026`;
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"`
    + ` role="img" font-family="${escapeXml(FONT)}" font-size="${FONT_SIZE}"><title>${escapeXml(title)}</title>`;
}

/** A short framed box saying why there is no chart (never a blank area, never a full-height empty frame). */
function emptyChart(width: number, fullHeight: number, title: string, text: string): string {
  const height = min(fullHeight, 56);
  return `${svgOpen(width, height, title)}<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" fill="#fafafa" stroke="#bbb"/>`
    + `<text x="${px(width / 2)}" y="${px(height / 2 + 4)}" text-anchor="middle" fill="#666">${escapeXml(text)}</text></svg>`;
}

function defaultYFormat(step: number): (v: number) => string {
  const dec = decimalsOf(step);
  return (v) => (v + 0).toFixed(dec);
}

function legend(series: { label: string; color: string; dash?: string | undefined }[], x0: number, y: number): string {
  let out = '';
  let x = x0;
  for (const s of series) {
    const dash = s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : '';
    out += `<line x1="${px(x)}" y1="${px(y - 4)}" x2="${px(x + 18)}" y2="${px(y - 4)}" stroke="${escapeXml(s.color)}" stroke-width="2"${dash}/>`;
    out += `<text x="${px(x + 22)}" y="${px(y)}" fill="#222">${escapeXml(s.label)}</text>`;
    x += 22 + textWidth(s.label) + 16;
  }
  return out;
}

interface Prepared { label: string; color: string; dash?: string | undefined; x: Float64Array; y: Float64Array }

function prepare(series: ChartSeries[], maxPoints: number, logY: boolean): Prepared[] {
  return series.map((s, i) => {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`chart series "${s.label}": x has ${s.x.length} points, y has ${s.y.length}`);
    }
    const d = downsampleMinMax(s.x, s.y, maxPoints);
    if (logY) for (let j = 0; j < d.y.length; j++) if (!(d.y[j]! > 0)) d.y[j] = NaN;
    return { label: s.label, color: s.color ?? PALETTE[i % PALETTE.length]!, dash: s.dash, x: d.x, y: d.y };
  });
}

function extent(values: Float64Array[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of values) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!isFiniteNum(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** Polyline path through (sx(x), sy(y)), a new subpath after every gap; isolated points become dots. */
function linePath(x: Float64Array, y: Float64Array, sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let run = 0;
  for (let i = 0; i < x.length; i++) {
    if (!isFiniteNum(y[i]!) || !isFiniteNum(x[i]!)) {
      if (run === 1) d += 'h0.1';
      run = 0;
      continue;
    }
    d += `${run === 0 ? 'M' : 'L'}${px(sx(x[i]!))},${px(sy(y[i]!))}`;
    run++;
  }
  if (run === 1) d += 'h0.1';
  return d;
}

/** Closed areas between the baseline y = base and the curve, one per run of finite points. */
function areaPath(
  x: Float64Array, y: Float64Array, sx: (v: number) => number, sy: (v: number) => number, base: number,
): string {
  let d = '';
  let runStart = -1;
  const close = (end: number): void => {
    if (runStart < 0) return;
    d += `L${px(sx(x[end]!))},${px(sy(base))}Z`;
    runStart = -1;
  };
  for (let i = 0; i < x.length; i++) {
    if (!isFiniteNum(y[i]!) || !isFiniteNum(x[i]!)) {
      close(i - 1);
      continue;
    }
    if (runStart < 0) {
      runStart = i;
      d += `M${px(sx(x[i]!))},${px(sy(base))}`;
    }
    d += `L${px(sx(x[i]!))},${px(sy(y[i]!))}`;
  }
  close(x.length - 1);
  return d;
}

interface Frame {
  svg: string;
  sx: (v: number) => number;
  sy: (v: number) => number;
  plot: { x0: number; x1: number; y0: number; y1: number };
}

/** Axes, grid, tick labels and legend of a time-series chart; returns the scales for the data layers. */
function frame(
  o: LineChartOptions, prepared: Prepared[], yDomain: { lo: number; hi: number; ticks: number[]; step: number },
  logY: boolean, title: string, width: number, height: number,
): Frame {
  const fmt = o.yFormat ?? defaultYFormat(yDomain.step);
  const labels = yDomain.ticks.map(fmt);
  const m: Margin = {
    top: o.margin?.top ?? 22,
    right: o.margin?.right ?? 14,
    bottom: o.margin?.bottom ?? 22,
    left: o.margin?.left ?? ceil(max(...labels.map(textWidth), 12) + 12),
  };
  const plot = { x0: m.left, x1: width - m.right, y0: m.top, y1: height - m.bottom };
  const [xlo, xhiRaw] = extent(prepared.map((p) => p.x));
  const xhi = xhiRaw > xlo ? xhiRaw : xlo + DAY; // a single instant gets a one-day axis
  const sx = (v: number): number => plot.x0 + ((v - xlo) / (xhi - xlo)) * (plot.x1 - plot.x0);
  const f = logY ? log10 : (v: number) => v;
  const flo = f(yDomain.lo);
  const fhi = f(yDomain.hi);
  const sy = (v: number): number => plot.y1 - ((f(v) - flo) / (fhi - flo)) * (plot.y1 - plot.y0);

  let svg = svgOpen(width, height, title);
  svg += `<rect x="${px(plot.x0)}" y="${px(plot.y0)}" width="${px(plot.x1 - plot.x0)}" height="${px(plot.y1 - plot.y0)}" fill="#fff"/>`;
  // y grid and labels
  for (let i = 0; i < yDomain.ticks.length; i++) {
    const y = sy(yDomain.ticks[i]!);
    svg += `<line x1="${px(plot.x0)}" y1="${px(y)}" x2="${px(plot.x1)}" y2="${px(y)}" stroke="${GRID}"/>`;
    svg += `<text x="${px(plot.x0 - 5)}" y="${px(y + 3.5)}" text-anchor="end" fill="${AXIS}">${escapeXml(labels[i]!)}</text>`;
  }
  // x grid and labels: about one label per 90 px
  const tt = timeTicks(xlo, xhi, floor((plot.x1 - plot.x0) / 90));
  for (let i = 0; i < tt.ts.length; i++) {
    const x = sx(tt.ts[i]!);
    svg += `<line x1="${px(x)}" y1="${px(plot.y0)}" x2="${px(x)}" y2="${px(plot.y1)}" stroke="${GRID}"/>`;
    svg += `<line x1="${px(x)}" y1="${px(plot.y1)}" x2="${px(x)}" y2="${px(plot.y1 + 4)}" stroke="${AXIS}"/>`;
    const w = textWidth(tt.labels[i]!) / 2;
    const anchor = x - w < 0 ? 'start' : x + w > width ? 'end' : 'middle';
    svg += `<text x="${px(x)}" y="${px(plot.y1 + 15)}" text-anchor="${anchor}" fill="${AXIS}">${escapeXml(tt.labels[i]!)}</text>`;
  }
  svg += `<line x1="${px(plot.x0)}" y1="${px(plot.y0)}" x2="${px(plot.x0)}" y2="${px(plot.y1)}" stroke="${AXIS}"/>`;
  svg += `<line x1="${px(plot.x0)}" y1="${px(plot.y1)}" x2="${px(plot.x1)}" y2="${px(plot.y1)}" stroke="${AXIS}"/>`;
  if (prepared.some((p) => p.label !== '')) svg += legend(prepared, plot.x0 + 4, m.top - 8);
  return { svg, sx, sy, plot };
}

function hasFinite(prepared: Prepared[]): boolean {
  return prepared.some((p) => {
    for (let i = 0; i < p.y.length; i++) if (isFiniteNum(p.y[i]!) && isFiniteNum(p.x[i]!)) return true;
    return false;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Charts

/** Time-series line chart (equity curves): one path per series, legend on top, UTC date axis. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 960;
  const height = o.height ?? 280;
  const title = o.title ?? o.series.map((s) => s.label).join(', ');
  let logY = o.logY === true;
  let prepared = prepare(o.series, o.maxPoints ?? 2000, false);
  if (!hasFinite(prepared)) return emptyChart(width, height, title, o.emptyText ?? 'none');
  let [lo, hi] = extent(prepared.map((p) => p.y));
  if (logY && !(lo > 0)) logY = false; // a value <= 0 cannot sit on a log axis: say it on a linear one
  if (logY) prepared = prepare(o.series, o.maxPoints ?? 2000, true);
  let dom: { lo: number; hi: number; ticks: number[]; step: number };
  if (logY) {
    if (hi === lo) [lo, hi] = [lo * 0.95, hi * 1.05];
    dom = { lo, hi, ticks: logTicks(lo, hi), step: niceTicks(lo, hi).step };
  } else {
    dom = niceTicks(lo, hi);
  }
  const fr = frame(o, prepared, dom, logY, title, width, height);
  let svg = fr.svg;
  // draw in reverse so the first series (the strategy) is on top
  for (let i = prepared.length - 1; i >= 0; i--) {
    const p = prepared[i]!;
    const dash = p.dash ? ` stroke-dasharray="${escapeXml(p.dash)}"` : '';
    svg += `<path d="${linePath(p.x, p.y, fr.sx, fr.sy)}" fill="none" stroke="${escapeXml(p.color)}" stroke-width="${i === 0 ? 1.6 : 1.2}" stroke-linejoin="round" stroke-linecap="round"${dash}/>`;
  }
  return `${svg}</svg>`;
}

/**
 * Area chart for drawdowns (values <= 0): 0 at the top, losses below, each series filled from 0 to its curve. The
 * lowest point of the first series is marked. Positive values (should there be any) widen the domain upward.
 */
export function areaChart(o: AreaChartOptions): string {
  const width = o.width ?? 960;
  const height = o.height ?? 160;
  const title = o.title ?? o.series.map((s) => s.label).join(', ');
  const prepared = prepare(o.series, o.maxPoints ?? 2000, false);
  if (!hasFinite(prepared)) return emptyChart(width, height, title, o.emptyText ?? 'none');
  const [lo, hi] = extent(prepared.map((p) => p.y));
  // 0 stays the top edge; a flat zero series still gets a small depth so the axis is readable
  const dom = niceTicks(min(lo, -0.001), max(hi, 0));
  const fr = frame({ ...o, logY: false }, prepared, dom, false, title, width, height);
  let svg = fr.svg;
  for (let i = prepared.length - 1; i >= 0; i--) {
    const p = prepared[i]!;
    const col = escapeXml(p.color);
    const dash = p.dash ? ` stroke-dasharray="${escapeXml(p.dash)}"` : '';
    if (i === 0) svg += `<path d="${areaPath(p.x, p.y, fr.sx, fr.sy, 0)}" fill="${col}" fill-opacity="0.28" stroke="none"/>`;
    svg += `<path d="${linePath(p.x, p.y, fr.sx, fr.sy)}" fill="none" stroke="${col}" stroke-width="${i === 0 ? 1.2 : 1}" stroke-linejoin="round"${dash}/>`;
  }
  const z = fr.sy(0);
  svg += `<line x1="${px(fr.plot.x0)}" y1="${px(z)}" x2="${px(fr.plot.x1)}" y2="${px(z)}" stroke="${AXIS}"/>`;
  if (o.markMin !== false) {
    const p0 = prepared[0]!;
    const mn = finiteMin(p0.y);
    if (mn.index >= 0 && mn.value < 0) {
      const cx = fr.sx(p0.x[mn.index]!);
      const cy = fr.sy(mn.value);
      svg += `<circle cx="${px(cx)}" cy="${px(cy)}" r="3" fill="none" stroke="#b00020" stroke-width="1.5"><title>${escapeXml(`lowest: ${(mn.value * 100).toFixed(2)}% on ${fmtDate(p0.x[mn.index]!)}`)}</title></circle>`;
    }
  }
  return `${svg}</svg>`;
}

/** Horizontal bar chart (funnel, gate failures): label on the left, bar, value (and note) printed at its end. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 960;
  const bh = o.barHeight ?? 18;
  const title = o.title ?? 'bar chart';
  const fmt = o.valueFormat ?? ((v: number) => (isFiniteNum(v) ? String(v) : 'n/a'));
  if (o.bars.length === 0) return emptyChart(width, 2 * bh + 16, title, o.emptyText ?? 'none');
  const gap = round(bh * 0.35);
  const pad = 6;
  const height = pad * 2 + o.bars.length * (bh + gap) - gap;
  const texts = o.bars.map((b) => {
    const v = fmt(b.value);
    return b.note ? `${v}  ${b.note}` : v;
  });
  const labelW = min(width * 0.32, max(...o.bars.map((b) => textWidth(b.label))) + 10);
  const textW = min(width * 0.4, max(...texts.map(textWidth)) + 10);
  const x0 = labelW;
  const x1 = width - textW;
  const finite = o.bars.map((b) => b.value).filter((v) => isFiniteNum(v));
  const vlo = min(0, ...finite);
  const vhi = max(0, ...finite);
  const span = vhi > vlo ? vhi - vlo : 1;
  const sx = (v: number): number => x0 + ((v - vlo) / span) * (x1 - x0);
  let svg = svgOpen(width, height, title);
  o.bars.forEach((b, i) => {
    const y = pad + i * (bh + gap);
    const label = truncate(b.label, labelW - 10);
    svg += `<text x="${px(labelW - 8)}" y="${px(y + bh / 2 + 4)}" text-anchor="end" fill="#222">${escapeXml(label)}`
      + `${label !== b.label ? `<title>${escapeXml(b.label)}</title>` : ''}</text>`;
    let end = sx(0);
    if (isFiniteNum(b.value)) {
      const a = sx(min(0, b.value));
      const w = max(b.value === 0 ? 0 : 1, sx(max(0, b.value)) - a); // a non-zero value is at least 1 px wide
      const col = escapeXml(b.color ?? (b.value < 0 ? '#b00020' : PALETTE[0]!));
      svg += `<rect x="${px(a)}" y="${px(y)}" width="${px(w)}" height="${bh}" fill="${col}" fill-opacity="0.85"/>`;
      end = b.value < 0 ? sx(0) : a + w;
    }
    const v = fmt(b.value);
    const note = b.note ? truncate(b.note, textW - 10 - textWidth(v) - 2 * CHAR_W) : '';
    svg += `<text x="${px(end + 5)}" y="${px(y + bh / 2 + 4)}" fill="#111">${escapeXml(v)}`
      + (note ? `<tspan dx="8" fill="#777">${escapeXml(note)}</tspan>` : '')
      + `${b.note && note !== b.note ? `<title>${escapeXml(b.note)}</title>` : ''}</text>`;
  });
  svg += `<line x1="${px(sx(0))}" y1="${pad - 2}" x2="${px(sx(0))}" y2="${px(height - pad + 2)}" stroke="${AXIS}"/>`;
  return `${svg}</svg>`;
}
