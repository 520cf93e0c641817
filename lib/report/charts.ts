/**
 * The report's charts as Apache ECharts option objects (plain JSON: no functions), and the page glue that draws
 * them. Pure builders: same input, same object. html.ts inlines ECharts itself once (read from node_modules at
 * render time), the options as one JSON block, and CHART_SCRIPT, which adds the value formatters (named by
 * `format`) and links the equity and drawdown charts (echarts.connect: one cursor, one zoom).
 *
 * Conventions:
 * - x values of time series are UTC epoch milliseconds (a 'time' axis); a point is [ms, value].
 * - NaN / Infinity (or a non-positive value on a log axis) is a gap: JSON null, never interpolated.
 * - Series longer than `maxPoints` (default 4,000) are downsampled keeping each bucket's min and max
 *   (series.ts), values rounded to 7 significant digits, so a multi-year 1h curve stays a few hundred KB.
 * - A chart with no finite point is not drawn: the builder returns null and the page says why ("none: ...").
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { downsampleMinMax } from './series.js';

/** Colour-blind-safe (Okabe-Ito based) series colours. */
export const PALETTE = ['#0b5cad', '#6b6b6b', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];
export const BAD = '#c0392b';
export const GOOD = '#2e7d32';
/** The echarts.connect group of the equity and drawdown charts (shared cursor and zoom). */
export const OOS_GROUP = 'oos';
const DEFAULT_MAX_POINTS = 4000;

/** How the page formats values in axis labels and tooltips (CHART_SCRIPT maps it to a function). */
export type ValueFormat = 'ratio' | 'pct' | 'signed_pct' | 'int';

/** One chart of the page: where it goes, how tall, how values print, and its ECharts option. */
export interface ChartSpec {
  /** Element id of the chart's <div> (also the key in the page's JSON block). */
  id: string;
  title: string;
  height: number;
  format: ValueFormat;
  /** echarts.connect group, if any. */
  group?: string;
  option: Record<string, unknown>;
}

export interface TimeSeriesInput {
  label: string;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
}

type Point = [number, number | null];

function round7(v: number): number {
  return Number(v.toPrecision(7));
}

/** [ms, value] pairs, downsampled to `maxPoints`; non-finite (or, with `positive`, non-positive) values are null. */
export function timePoints(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints = DEFAULT_MAX_POINTS, positive = false): Point[] {
  const d = downsampleMinMax(x, y, maxPoints);
  const out: Point[] = new Array(d.x.length);
  for (let i = 0; i < d.x.length; i++) {
    const v = d.y[i]!;
    out[i] = [d.x[i]!, Number.isFinite(v) && (!positive || v > 0) ? round7(v) : null];
  }
  return out;
}

function hasFinite(y: ArrayLike<number>): boolean {
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!)) return true;
  return false;
}

/** The zoom over time shared by the equity and drawdown charts: wheel/drag inside, a slider below (shown or not). */
function timeZoom(showSlider: boolean): Record<string, unknown>[] {
  return [
    { type: 'inside', xAxisIndex: 0, filterMode: 'none', start: 0, end: 100 },
    { type: 'slider', xAxisIndex: 0, filterMode: 'none', start: 0, end: 100, show: showSlider, height: 18, bottom: 6 },
  ];
}

function timeSeriesOption(
  series: TimeSeriesInput[], x: ArrayLike<number>, o: { logY: boolean; area: boolean; slider: boolean; maxPoints: number },
): Record<string, unknown> {
  return {
    animation: false,
    grid: { left: 64, right: 20, top: 30, bottom: o.slider ? 56 : 28 },
    legend: { top: 0, left: 64, data: series.map((s) => s.label) },
    tooltip: { trigger: 'axis', axisPointer: { type: 'cross', label: { show: false } } },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    xAxis: { type: 'time', min: 'dataMin', max: 'dataMax' },
    yAxis: o.logY ? { type: 'log', scale: true } : { type: 'value', scale: !o.area, ...(o.area ? { max: 0 } : {}) },
    dataZoom: timeZoom(o.slider),
    series: series.map((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length]!;
      return {
        type: 'line', name: s.label, showSymbol: false, connectNulls: false, sampling: 'none',
        data: timePoints(x, s.y, o.maxPoints, o.logY),
        lineStyle: { color, width: i === 0 ? 1.6 : 1.2, ...(s.dashed ? { type: 'dashed' } : {}) },
        itemStyle: { color },
        ...(o.area ? { areaStyle: { color, opacity: i === 0 ? 0.25 : 0.08 } } : {}),
      };
    }),
  };
}

/** Equity curves (start at 1) over time; null when no series has a finite value. */
export function equityChart(
  x: ArrayLike<number>, series: TimeSeriesInput[], o: { logY?: boolean; maxPoints?: number } = {},
): ChartSpec | null {
  if (!series.some((s) => hasFinite(s.y))) return null;
  const logY = o.logY === true;
  return {
    id: 'chart-equity', title: `Out-of-sample equity (starts at 1${logY ? ', log scale' : ''})`, height: 320, format: 'ratio',
    group: OOS_GROUP, option: timeSeriesOption(series, x, { logY, area: false, slider: false, maxPoints: o.maxPoints ?? DEFAULT_MAX_POINTS }),
  };
}

/** Drawdown curves (fractions <= 0) as areas, with the zoom slider; null when no series has a finite value. */
export function drawdownChart(x: ArrayLike<number>, series: TimeSeriesInput[], o: { maxPoints?: number } = {}): ChartSpec | null {
  if (!series.some((s) => hasFinite(s.y))) return null;
  return {
    id: 'chart-drawdown', title: 'Out-of-sample drawdown', height: 230, format: 'pct',
    group: OOS_GROUP, option: timeSeriesOption(series, x, { logY: false, area: true, slider: true, maxPoints: o.maxPoints ?? DEFAULT_MAX_POINTS }),
  };
}

export interface BarInput {
  label: string;
  value: number;
  /** Shown after the value on the bar's label. */
  note?: string;
  color?: string;
}

/** ECharts reads {a}, {b}, {c} in a label template: braces of a note are printed as parentheses. */
function literal(s: string): string {
  return s.replace(/\{/g, '(').replace(/\}/g, ')');
}

/** Horizontal bars, first bar on top, each labelled with its value (and note); null when there is no bar. */
export function hbarChart(
  id: string, title: string, bars: BarInput[], o: { format: ValueFormat; valueText: (v: number) => string; barHeight?: number; color?: string },
): ChartSpec | null {
  if (bars.length === 0) return null;
  const bh = o.barHeight ?? 22;
  return {
    id, title, height: 40 + bars.length * bh, format: o.format,
    option: {
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', show: false },
      yAxis: { type: 'category', inverse: true, data: bars.map((b) => b.label), axisTick: { show: false } },
      series: [{
        type: 'bar', name: title, barMaxWidth: 16,
        data: bars.map((b) => ({
          value: Number.isFinite(b.value) ? b.value : null,
          itemStyle: { color: b.color ?? o.color ?? PALETTE[0]! },
          label: {
            show: true, position: 'right', color: '#222',
            formatter: literal(b.note ? `${o.valueText(b.value)}   ${b.note}` : o.valueText(b.value)),
          },
        })),
      }],
    },
  };
}

export interface WindowReturnInput { label: string; value: number }

/** Out-of-sample return per walk-forward window as vertical bars (losses red), zoomable; null without windows. */
export function windowReturnsChart(windows: WindowReturnInput[]): ChartSpec | null {
  if (windows.length === 0) return null;
  const many = windows.length > 24;
  return {
    id: 'chart-windows', title: 'Out-of-sample return per test window', height: 280, format: 'signed_pct',
    option: {
      animation: false,
      grid: { left: 64, right: 20, top: 16, bottom: many ? 80 : 56 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: windows.map((w) => w.label), axisLabel: { rotate: windows.length > 8 ? 40 : 0 } },
      yAxis: { type: 'value' },
      dataZoom: many
        ? [{ type: 'inside', xAxisIndex: 0 }, { type: 'slider', xAxisIndex: 0, height: 16, bottom: 4 }]
        : [{ type: 'inside', xAxisIndex: 0 }],
      series: [{
        type: 'bar', name: 'OOS return', barMaxWidth: 28,
        data: windows.map((w) => ({
          value: Number.isFinite(w.value) ? round7(w.value) : null,
          itemStyle: { color: w.value < 0 ? BAD : PALETTE[0]! },
        })),
      }],
    },
  };
}

/**
 * JSON for inside a <script> element: `<`, `>`, `&` and the JS line separators are \u escapes, so no value (a run
 * id, a blueprint name) can close the element or open a comment; JSON.parse gives back the same value.
 */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

let echartsSource: string | undefined;

/** The minified ECharts bundle from node_modules (read once per process), safe to inline in a <script>. */
export function echartsBundle(): string {
  if (echartsSource === undefined) {
    const file = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
    const src = readFileSync(file, 'utf8');
    // a literal "</script" or "<!--" inside would end the element early; the 6.x bundle has none, keep it so
    echartsSource = src.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  }
  return echartsSource;
}

/**
 * The page glue (plain ES5, no network): draws every chart of the JSON block #quantlab-charts into its <div>, adds
 * the value formatters, connects each group, resizes with the window.
 */
export const CHART_SCRIPT = `(function(){
var specs=JSON.parse(document.getElementById('quantlab-charts').textContent);
function num(v,d){return v.toLocaleString('en-US',{minimumFractionDigits:d,maximumFractionDigits:d});}
var F={
 ratio:function(v){return v==null||!isFinite(v)?'n/a':num(v,Math.abs(v)<10?3:1);},
 pct:function(v){return v==null||!isFinite(v)?'n/a':num(v*100,1)+'%';},
 signed_pct:function(v){return v==null||!isFinite(v)?'n/a':(v>0?'+':'')+num(v*100,2)+'%';},
 int:function(v){return v==null||!isFinite(v)?'n/a':num(v,0);}
};
var groups={},charts=[];
specs.forEach(function(s){
 var el=document.getElementById(s.id);if(!el)return;
 var f=F[s.format],o=s.option;
 o.tooltip=o.tooltip||{};o.tooltip.valueFormatter=f;
 [].concat(o.yAxis||[]).forEach(function(a){if(a.type!=='category'){a.axisLabel=a.axisLabel||{};a.axisLabel.formatter=f;}});
 var c=echarts.init(el,null,{renderer:'canvas'});
 c.setOption(o);charts.push(c);
 if(s.group){c.group=s.group;groups[s.group]=1;}
});
Object.keys(groups).forEach(function(g){echarts.connect(g);});
window.addEventListener('resize',function(){charts.forEach(function(c){c.resize();});});
})();`;

/**
 * Sorting and filtering of the tables marked data-sortable (plain ES5): a click on a header sorts by that column
 * (again: the other way round), numeric columns by their number ("n/a" last), the filter box keeps the rows whose
 * text contains every word typed.
 */
export const TABLE_SCRIPT = `(function(){
function val(td,numeric){var t=td.textContent.trim();if(!numeric)return t.toLowerCase();
 var m=/^[+-]?\\d*\\.?\\d+(?:e[+-]?\\d+)?/i.exec(t.replace(/\\u2212/g,'-').replace(/,/g,'').replace(/^\\+/,''));return m?parseFloat(m[0]):NaN;}
[].forEach.call(document.querySelectorAll('table[data-sortable]'),function(table){
 var body=table.tBodies[0],ths=table.tHead.rows[0].cells;
 [].forEach.call(ths,function(th,col){
  th.style.cursor='pointer';th.setAttribute('aria-sort','none');
  th.addEventListener('click',function(){
   var numeric=th.classList.contains('n'),asc=th.getAttribute('aria-sort')!=='ascending';
   var rows=[].slice.call(body.rows).map(function(r,i){return {r:r,i:i,v:val(r.cells[col],numeric)};});
   rows.sort(function(a,b){var x=a.v,y=b.v,c;
    if(numeric){var nx=isNaN(x),ny=isNaN(y);c=nx||ny?(nx===ny?0:nx?1:-1):(asc?x-y:y-x);if(nx||ny)return c||a.i-b.i;}
    else c=asc?(x<y?-1:x>y?1:0):(x<y?1:x>y?-1:0);
    return c||a.i-b.i;});
   rows.forEach(function(o){body.appendChild(o.r);});
   [].forEach.call(ths,function(h){h.setAttribute('aria-sort','none');});
   th.setAttribute('aria-sort',asc?'ascending':'descending');
  });
 });
 var box=document.querySelector('input[data-filter-for="'+table.id+'"]');
 if(box)box.addEventListener('input',function(){
  var words=box.value.toLowerCase().split(/\\s+/).filter(Boolean),shown=0;
  [].forEach.call(body.rows,function(r){var t=r.textContent.toLowerCase();
   var ok=words.every(function(w){return t.indexOf(w)>=0;});r.style.display=ok?'':'none';if(ok)shown++;});
  var n=document.getElementById(table.id+'-count');if(n)n.textContent=shown+' of '+body.rows.length+' rows';
 });
});
})();`;
