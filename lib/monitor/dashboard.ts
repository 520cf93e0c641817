/**
 * dashboard.html: one offline file, ECharts (node_modules/echarts/dist/echarts.min.js) inlined, data embedded as
 * JSON. Charts: composite score with regime bands over BTC and the alt index (rebased to 1), equity, drawdown,
 * per-regime mean forward target (first horizon) with its CI.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let echartsSource: string | undefined;
function echartsJs(): string {
  if (echartsSource === undefined) {
    const require = createRequire(import.meta.url);
    echartsSource = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  }
  return echartsSource;
}

export interface DashboardData {
  title: string;
  subtitle: string;
  days: string[];
  score: (number | null)[];
  labels: string[];
  btc: (number | null)[];
  alt_index: (number | null)[];
  equity: (number | null)[];
  drawdown: (number | null)[];
  regimes: { label: string; mean: number | null; ci_lo: number | null; ci_hi: number | null; n: number }[];
  regime_target: string;
  kpis: Record<string, number | null>;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function renderDashboard(d: DashboardData): string {
  const json = JSON.stringify(d).replace(/</g, '\\u003c');
  const kpiRows = Object.entries(d.kpis).map(([k, v]) => `<td><b>${esc(k)}</b><br>${v === null ? 'n/a' : Number(v).toFixed(4)}</td>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:16px;color:#222}h1{font-size:20px;margin:0}p{color:#555;margin:4px 0 12px}
.chart{width:100%;height:340px;margin-bottom:12px}table{border-collapse:collapse;margin:8px 0}td{border:1px solid #ddd;padding:4px 8px;font-size:12px}</style>
<script>${echartsJs().replace(/<\/script/gi, '<\\/script')}</script></head>
<body><h1>${esc(d.title)}</h1><p>${esc(d.subtitle)}</p><table><tr>${kpiRows}</tr></table>
<div id="regime" class="chart"></div><div id="equity" class="chart"></div><div id="drawdown" class="chart"></div><div id="bars" class="chart"></div>
<script>
const D = ${json};
const COLORS = {STRONG_RISK_ON_ALTS:'rgba(0,160,0,0.25)',RISK_ON_ALTS:'rgba(0,160,0,0.12)',BALANCED:'rgba(128,128,128,0.08)',RISK_ON_MAJORS:'rgba(230,120,0,0.12)',STRONG_RISK_ON_MAJORS:'rgba(230,120,0,0.25)'};
const bands = []; let s = 0;
for (let i = 1; i <= D.days.length; i++) { if (i === D.days.length || D.labels[i] !== D.labels[s]) { if (D.labels[s]) bands.push([{xAxis: D.days[s], name: D.labels[s], itemStyle: {color: COLORS[D.labels[s]] || 'rgba(0,0,255,0.08)'}}, {xAxis: D.days[i - 1]}]); s = i; } }
const zoom = [{type:'inside'},{type:'slider'}];
const mk = (id, opt) => { const c = echarts.init(document.getElementById(id), null, {renderer: 'svg'}); c.setOption(Object.assign({animation:false, tooltip:{trigger:'axis'}}, opt)); return c; };
window.__charts = [
 mk('regime', {title:{text:'Composite score and regime (bands); BTC and alt index rebased to 1'}, legend:{top:24}, grid:{top:60}, dataZoom: zoom,
   xAxis:{type:'category', data:D.days}, yAxis:[{type:'value', name:'score'},{type:'log', name:'price (rebased)'}],
   series:[{name:'score', type:'line', showSymbol:false, data:D.score, markArea:{silent:true, label:{show:false}, data:bands}},
           {name:'BTC', type:'line', yAxisIndex:1, showSymbol:false, data:D.btc},{name:'alt index', type:'line', yAxisIndex:1, showSymbol:false, data:D.alt_index}]}),
 mk('equity', {title:{text:'Equity (net of every cost, start 1)'}, dataZoom: zoom, xAxis:{type:'category', data:D.days}, yAxis:{type:'value', scale:true}, series:[{name:'equity', type:'line', showSymbol:false, data:D.equity}]}),
 mk('drawdown', {title:{text:'Drawdown'}, dataZoom: zoom, xAxis:{type:'category', data:D.days}, yAxis:{type:'value'}, series:[{name:'drawdown', type:'line', areaStyle:{}, showSymbol:false, data:D.drawdown}]}),
 mk('bars', {title:{text:'Mean ' + D.regime_target + ' by regime (bars) with the bootstrap CI'}, xAxis:{type:'category', data:D.regimes.map(r => r.label + ' (n=' + r.n + ')')}, yAxis:{type:'value'},
   series:[{name:'mean', type:'bar', data:D.regimes.map(r => r.mean)},{name:'CI low', type:'scatter', data:D.regimes.map(r => r.ci_lo)},{name:'CI high', type:'scatter', data:D.regimes.map(r => r.ci_hi)}]}),
];
document.body.setAttribute('data-rendered', String(window.__charts.length));
</script></body></html>
`;
}
