/**
 * renderReportHtml: the strategy report as one self-contained HTML page: inline CSS, Apache ECharts inlined once
 * (from node_modules, at render time) drawing the charts from a JSON block of options (charts.ts), and a small
 * inline script that makes the long tables sortable and filterable. No font, image, script or stylesheet is
 * fetched from anywhere (it opens offline, from a file, in an archive). Deterministic: the same ReportData gives
 * the same bytes (no clock is read; `generated.created_ms` is printed only when given).
 */
import { escapeXml as h, fmtDate, fmtInt, fmtNum, fmtPct } from './format.js';
import {
  blueprintsTable, conceptFunnelTable, costCheckLines, costSensitivityTable, definitions, funnelTable, headerFacts, metricsTable, oosSummary, overfittingTable, deflationTable, clustersTable, stageShares, timingsTable, windowsTable, type Cell, type Table,
} from './sections.js';
import { drawdownFromEquity, equityMaxDrawdown, finiteMin } from './series.js';
import {
  BAD, CHART_SCRIPT, drawdownChart, echartsBundle, equityChart, hbarChart, PALETTE, scriptJson, TABLE_SCRIPT, windowReturnsChart,
  type ChartSpec, type TimeSeriesInput,
} from './charts.js';
import type { ReportData } from './types.js';
import { reportWarnings } from './warnings.js';
import { CUT_SECTION_ID, CUT_SECTION_TITLE, cutInstrumentsTable } from './cuts.js';
import { notEvaluatedHtml } from './not_evaluated.js';

/** An equity curve whose max/min ratio exceeds this is drawn on a log axis (equal moves look equal). */
const LOG_RATIO = 4;

const CSS = `
:root{--fg:#1b1b1b;--muted:#666;--line:#cfcfcf;--bad:#b00020;--badbg:#fff1f1;--cautbg:#fff8e6}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1040px;padding:14px 20px 28px;color:var(--fg);background:#fff;
 font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
h1{font-size:20px;margin:0 0 6px}
h2{font-size:15px;margin:18px 0 6px;padding-bottom:2px;border-bottom:1px solid var(--line)}
h3{font-size:13px;margin:10px 0 4px}
p{margin:4px 0}
.mono,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
.muted{color:var(--muted)}
.bad{color:var(--bad)}
.tag{display:inline-block;padding:1px 6px;margin-left:8px;border-radius:3px;font-size:12px;font-weight:700;
 vertical-align:3px;color:#fff;background:var(--bad)}
dl.facts{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:1px 14px;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
dl.facts .wide{grid-column:2 / span 3}
.warnings{border:2px solid var(--bad);background:var(--badbg);padding:6px 12px;margin:12px 0 4px}
.warnings.ok{border-color:#2e7d32;background:#f1f8f1}
.warnings h2{border:0;margin:0 0 2px;color:var(--bad)}
.warnings.ok h2{color:#2e7d32}
.warnings ul{margin:0;padding-left:18px}
.warnings li.critical{font-weight:600;color:var(--bad)}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:2px 5px;border-bottom:1px solid #e8e8e8;text-align:left;vertical-align:top}
th{font-weight:600;border-bottom:1px solid #999;white-space:nowrap}
th[title]{text-decoration:underline dotted #999}
td.n,th.n{text-align:right;white-space:nowrap}
td.bad{color:var(--bad)}
td.strong{font-weight:700}
td.nw{white-space:nowrap}
tbody tr:nth-child(even){background:#fafafa}
.notes{margin:3px 0 0;color:var(--muted)}
.empty{color:var(--muted);font-style:italic}
.chart{margin:6px 0;width:100%}
input.filter{margin:2px 0 4px;padding:2px 6px;width:260px;font:inherit}
th[aria-sort="ascending"]::after{content:" \\25B2";font-size:9px}
th[aria-sort="descending"]::after{content:" \\25BC";font-size:9px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.share{display:inline-block;height:8px;background:${PALETTE[0]};opacity:.6;vertical-align:0}
ul.plain{margin:2px 0;padding-left:18px}
footer{margin-top:22px;color:#444;font-size:12px}
footer dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
footer dt{font-weight:600}
footer dd{margin:0}
@media print{
 body{max-width:none;padding:0;font-size:11px}
 h2{break-after:avoid}
 section,.chart,tr{break-inside:avoid}
 tbody tr:nth-child(even){background:none}
 .warnings,.tag{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
@page{size:A4;margin:12mm}
`;

function cellHtml(c: Cell, tag = 'td'): string {
  const cls = [c.numeric ? 'n' : '', c.bad ? 'bad' : '', c.strong ? 'strong' : '', c.nowrap ? 'nw' : ''].filter(Boolean).join(' ');
  return `<${tag}${cls ? ` class="${cls}"` : ''}${c.title ? ` title="${h(c.title)}"` : ''}>${h(c.text)}</${tag}>`;
}

interface TableOpts {
  extra?: (row: number) => string;
  extraHead?: string;
  /** Element id; with it the table is sortable by a click on a header and has a filter box. */
  sortable?: string;
}

function tableHtml(t: Table, opts: TableOpts = {}): string {
  if (t.rows.length === 0) return `<p class="empty">${h(t.empty)}</p>`;
  const head = t.columns.map((c) => `<th${c.numeric ? ' class="n"' : ''}${c.title ? ` title="${h(c.title)}"` : ''}>${h(c.label)}</th>`).join('')
    + (opts.extraHead ?? '');
  const body = t.rows.map((r, i) => `<tr>${r.map((c) => cellHtml(c)).join('')}${opts.extra ? opts.extra(i) : ''}</tr>`).join('\n');
  const notes = t.notes.map((n) => `<p class="notes">${h(n)}</p>`).join('');
  const id = opts.sortable;
  const filter = id
    ? `<p class="muted"><input type="search" class="filter" data-filter-for="${id}" placeholder="filter rows (all words)" aria-label="filter rows">`
      + ` <span id="${id}-count">${t.rows.length} rows</span>; click a column header to sort</p>\n`
    : '';
  return `${filter}<table${id ? ` id="${id}" data-sortable=""` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${notes}`;
}

/** The <div> an ECharts chart is drawn into (by CHART_SCRIPT), or the reason there is no chart. */
function chartHtml(spec: ChartSpec | null, charts: ChartSpec[], emptyText: string): string {
  if (!spec) return `<p class="empty">${h(emptyText)}</p>`;
  charts.push(spec);
  return `<div class="chart" id="${spec.id}" data-chart="${spec.id}" role="img" aria-label="${h(spec.title)}" style="height:${spec.height}px"></div>`;
}

function equitySeries(d: ReportData): TimeSeriesInput[] {
  const s: TimeSeriesInput[] = [{ label: 'strategy (out-of-sample)', y: d.oos.equity, color: PALETTE[0]! }];
  const b = d.oos.benchmark;
  if (b && b.equity.length === d.oos.ts_ms.length) s.push({ label: b.label, y: b.equity, color: PALETTE[1]!, dashed: true });
  return s;
}

function equityCharts(d: ReportData, charts: ChartSpec[]): string {
  const n = d.oos.ts_ms.length;
  if (n !== d.oos.equity.length) {
    return `<p class="empty bad">equity curve not drawn: ${n} timestamps but ${d.oos.equity.length} equity values</p>`;
  }
  const series = equitySeries(d);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.y.length; i++) {
      const v = s.y[i]!;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  const logY = lo > 0 && hi / lo > LOG_RATIO;
  const eq = equityChart(d.oos.ts_ms, series, { logY });
  const dd = series.map((s) => ({ ...s, y: drawdownFromEquity(s.y) }));
  const mdd = finiteMin(dd[0]!.y);
  if (dd[0]) dd[0].label = mdd.index >= 0
    ? `strategy drawdown (max ${fmtPct(mdd.value)} on ${fmtDate(d.oos.ts_ms[mdd.index]!)})`
    : 'strategy drawdown';
  if (dd[1] && d.oos.benchmark) dd[1].label = `${d.oos.benchmark.label} drawdown (max ${fmtPct(equityMaxDrawdown(d.oos.benchmark.equity))})`;
  const none = 'none: no out-of-sample equity';
  const hint = eq ? '<p class="muted">Zoom: mouse wheel or drag on either chart, or the slider below the drawdown; the cursor and the zoom are shared.</p>' : '';
  return `<h3>Equity${logY ? ' (log scale)' : ''}</h3>${hint}${chartHtml(eq, charts, none)}<h3>Drawdown</h3>${chartHtml(drawdownChart(d.oos.ts_ms, dd), charts, none)}`;
}

function windowChart(d: ReportData, charts: ChartSpec[]): string {
  if (d.windows.length === 0) return '';
  return chartHtml(windowReturnsChart(d.windows.map((w) => ({ label: `#${w.index} ${fmtDate(w.test_start_ms)}`, value: w.oos_return }))), charts, '');
}

const WHAT_IF_STYLE = 'border:3px solid #b00020;background:#fdecea;color:#b00020;font-weight:700;font-size:1.15em;padding:10px 14px;margin:0 0 12px';

function section(id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${h(title)}</h2>\n${body}\n</section>\n`;
}

export function renderReportHtml(d: ReportData): string {
  const warnings = reportWarnings(d);
  const g = d.generated;
  const facts = headerFacts(d);
  const factHtml = facts.map((f) => {
    const wide = f.mono ? ' class="wide mono"' : '';
    return `<dt>${h(f.label)}</dt><dd${wide}${f.bad ? ' style="color:var(--bad);font-weight:600"' : ''}>${h(f.value)}</dd>`;
  }).join('');

  const out: string[] = [];
  const charts: ChartSpec[] = [];
  out.push('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${d.what_if ? 'WHAT-IF (not a validation): ' : ''}${h(d.title)}</title>\n<style>${CSS}</style>\n</head>\n<body>`);
  // A what-if is said before anything else (inline style: the stylesheet of every other report stays as it is).
  if (d.what_if) out.push(`<div id="what-if" role="alert" style="${WHAT_IF_STYLE}">${h(d.what_if.text)}</div>`);

  out.push(`<header id="header">\n<h1>${h(d.title)}${g.synthetic ? '<span class="tag">SYNTHETIC DATA</span>' : ''}</h1>\n<dl class="facts">${factHtml}</dl>\n</header>\n`);

  if (warnings.length > 0) {
    out.push(`<section id="warnings" class="warnings">\n<h2>Warnings (${warnings.length})</h2>\n<ul>`
      + warnings.map((w) => `<li class="${w.level}">${h(w.text)}</li>`).join('\n') + '</ul>\n</section>\n');
  } else {
    out.push('<section id="warnings" class="warnings ok">\n<h2>Warnings</h2>\n<p>none</p>\n</section>\n');
  }

  if (d.cut_instruments?.length) {
    out.push(`<section id="${CUT_SECTION_ID}" class="warnings">\n<h2>${h(CUT_SECTION_TITLE)} (${d.cut_instruments.length})</h2>\n${tableHtml(cutInstrumentsTable(d))}\n</section>\n`);
  }

  out.push(section('metrics', 'Out-of-sample performance', `<p>${h(oosSummary(d))}</p>\n${tableHtml(metricsTable(d))}`));
  out.push(section('equity', 'Equity and drawdown (stitched out-of-sample)', equityCharts(d, charts)));
  out.push(section('windows', 'Walk-forward windows', tableHtml(windowsTable(d), { sortable: 'table-windows' }) + windowChart(d, charts)));
  out.push(section('blueprints', 'Blueprints', tableHtml(blueprintsTable(d), { sortable: 'table-blueprints' })));

  const funnel = hbarChart('chart-funnel', 'Discovery funnel',
    d.funnel.map((s) => ({ label: s.step, value: s.count, ...(s.note ? { note: s.note } : {}) })), { format: 'int', valueText: fmtInt });
  const gates = hbarChart('chart-gates', 'Candidates by first failing gate',
    d.gate_failures.map((x) => ({ label: x.gate, value: x.count })), { format: 'int', valueText: fmtInt, color: BAD });
  const funnelHtml = chartHtml(funnel, charts, 'none: no funnel recorded');
  const conceptHtml = tableHtml(conceptFunnelTable(d), { sortable: 'table-concepts' });
  const gatesHtml = chartHtml(gates, charts, 'none: no candidate failed a gate');
  out.push(section('funnel', 'Discovery funnel',
    `${notEvaluatedHtml(d)}${funnelHtml}\n${tableHtml(funnelTable(d))}\n<h3 id="concepts">By concept</h3>\n${conceptHtml}\n<h3 id="gates">Candidates by first failing gate</h3>\n${gatesHtml}`));

  const costLines = d.cost_lines.length > 0
    ? `<ul class="plain mono">${d.cost_lines.map((l) => `<li>${h(l)}</li>`).join('')}</ul>`
    : '<p class="empty">none: no cost summary</p>';
  const checks = costCheckLines(d);
  const checkHtml = checks.length > 0 ? `\n<ul class="plain">${checks.map((l) => `<li>${h(l)}</li>`).join('')}</ul>` : '';
  out.push(section('costs', 'Costs and cost sensitivity',
    `<p>Cost config digest <span class="mono">${h(d.cost_digest || 'n/a')}</span></p>\n${costLines}${checkHtml}\n<h3>Sensitivity of the out-of-sample result</h3>\n${tableHtml(costSensitivityTable(d))}`));

  const of = d.overfitting;
  const ofNotes = of.notes.length > 0 ? `<ul class="plain">${of.notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>` : '';
  const clustered = of.clustered
    ? `<h3>Deflated Sharpe: naive and clustered trials</h3>\n${tableHtml(deflationTable(d))}\n<h3>Trial clusters (ONC over the blueprints' hourly returns, plan candidates assigned)</h3>\n${tableHtml(clustersTable(d), { sortable: 'table-clusters' })}\n`
    : '';
  out.push(section('overfitting', 'Overfitting checks', `${tableHtml(overfittingTable(d))}\n${clustered}`
    + `<p><b>PBO rank convention:</b> ${h(of.rank_convention || 'n/a')}</p>\n${ofNotes}`));

  const shares = stageShares(d);
  out.push(section('timings', 'Pipeline stage timings', tableHtml(timingsTable(d), {
    extraHead: '<th></th>',
    extra: (i) => (i < shares.length ? `<td style="width:22%"><span class="share" style="width:${fmtNum(shares[i]! * 100, 1)}%"></span></td>` : '<td></td>'),
  })));

  out.push(`<footer id="definitions">\n<h2>Definitions</h2>\n<dl>${definitions(d).map((x) => `<dt>${h(x.term)}</dt><dd>${h(x.text)}</dd>`).join('\n')}</dl>\n</footer>`);
  // ECharts once, then the chart options (JSON, escaped for <script>), then the glue; all inline, nothing fetched
  if (charts.length > 0) {
    out.push(`<script>${echartsBundle()}</script>`,
      `<script type="application/json" id="quantlab-charts">${scriptJson(charts)}</script>`,
      `<script>${CHART_SCRIPT}</script>`);
  }
  out.push(`<script>${TABLE_SCRIPT}</script>`);
  out.push('</body>\n</html>\n');
  return out.join('\n');
}

/** The sections every report has, by element id (for tests and for linking). */
export const HTML_SECTION_IDS = [
  'header', 'warnings', 'metrics', 'equity', 'windows', 'blueprints', 'funnel', 'gates', 'costs', 'overfitting',
  'timings', 'definitions',
] as const;

