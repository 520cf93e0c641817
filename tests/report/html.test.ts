import { describe, expect, test } from '@jest/globals';
import { HTML_SECTION_IDS, renderReportHtml } from '../../lib/report/html.js';
import { escapeXml, fmtSignedPct } from '../../lib/report/format.js';
import type { ReportData } from '../../lib/report/types.js';
import { reportWarnings } from '../../lib/report/warnings.js';
import { emptyFixture, makeFixture } from './fixture.js';
import { echartsBundle, type ChartSpec } from '../../lib/report/charts.js';
import { markupProblems } from './markup.js';

const data = makeFixture();
const html = renderReportHtml(data);
const BUNDLE = `<script>${echartsBundle()}</script>`;
/** The page without the inlined ECharts bundle (the library's own text is not the report's markup). */
const own = (page: string): string => page.split(BUNDLE).join('<script>/*echarts*/</script>');
/** The page without the code of its scripts (ECharts, the glue, the table sorter); the JSON block of data stays. */
const text = (page: string): string => page.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
/** The chart specs of the page's JSON block. */
function chartSpecs(page: string): ChartSpec[] {
  const m = /<script type="application\/json" id="quantlab-charts">([\s\S]*?)<\/script>/.exec(page);
  return m ? JSON.parse(m[1]!) as ChartSpec[] : [];
}

function withBlueprintName(d: ReportData, name: string): ReportData {
  return { ...d, blueprints: d.blueprints.map((b, i) => (i === 0 ? { ...b, name } : b)) };
}

describe('renderReportHtml: self-contained', () => {
  test('no remote resource: nothing http(s) or protocol-relative in src, href or url()', () => {
    const refs = [...html.matchAll(/(?:src|href)\s*=\s*["']?([^"'\s>]*)|url\(\s*["']?([^"')]*)/gi)].map((m) => m[1] ?? m[2] ?? '');
    for (const r of refs) expect(r).not.toMatch(/^(https?:)?\/\//i);
    expect(html).not.toMatch(/\/\/cdn/i);
    // ECharts is inlined exactly once; outside it (whose text names XML namespaces and its licence) nothing says http
    expect(html.split(BUNDLE).length).toBe(2);
    expect(echartsBundle().length).toBeGreaterThan(500_000);
    expect(own(html)).not.toMatch(/https?:/i);
    expect(own(html)).not.toMatch(/<link|<img|<iframe|@import|@font-face|<script[^>]*\ssrc/i);
    // four scripts: ECharts, the chart options (JSON), the chart glue, the table sorter
    expect((html.match(/<script\b/g) ?? []).length).toBe(4);
  });

  test('every section is present, in order', () => {
    let at = -1;
    for (const id of HTML_SECTION_IDS) {
      const k = html.indexOf(`id="${id}"`);
      expect(k).toBeGreaterThan(at);
      at = k;
    }
    for (const h of ['Out-of-sample performance', 'Walk-forward windows', 'Blueprints', 'Discovery funnel',
      'Costs and cost sensitivity', 'Overfitting checks', 'Pipeline stage timings', 'Definitions']) {
      expect(html).toContain(`>${h}</h2>`);
    }
  });

  test('the page is well formed; every chart has its <div> and its option in the JSON block', () => {
    expect(markupProblems(own(html), { html: true })).toEqual([]);
    const specs = chartSpecs(html);
    // equity, drawdown, window returns, funnel, gate failures
    expect(specs.map((c) => c.id)).toEqual(['chart-equity', 'chart-drawdown', 'chart-windows', 'chart-funnel', 'chart-gates']);
    for (const c of specs) expect(html).toContain(`<div class="chart" id="${c.id}" data-chart="${c.id}"`);
    expect(specs.filter((c) => c.group === 'oos').map((c) => c.id)).toEqual(['chart-equity', 'chart-drawdown']);
    const funnel = specs[3]!.option as { series: { data: { value: number }[] }[] };
    expect(funnel.series[0]!.data.map((x) => x.value)).toEqual(data.funnel.map((f) => f.count));
    const win = specs[2]!.option as { series: { data: { value: number }[] }[] };
    expect(win.series[0]!.data.map((x) => x.value)).toEqual(data.windows.map((w) => Number(w.oos_return.toPrecision(7))));
  });

  test('deterministic and compact: the same bytes twice, the 20,736-point curves downsampled', () => {
    expect(renderReportHtml(data)).toBe(html);
    const eq = chartSpecs(html)[0]!.option as { series: { data: [number, number | null][] }[] };
    expect(eq.series.length).toBe(2);
    for (const s of eq.series) {
      expect(s.data.length).toBeGreaterThan(1000);
      expect(s.data.length).toBeLessThanOrEqual(4000);
    }
    expect(eq.series[0]!.data[0]).toEqual([data.oos.ts_ms[0], Number(data.oos.equity[0]!.toPrecision(7))]);
    expect(own(html).length).toBeLessThan(600_000);
  });

  test('long tables are sortable and filterable: blueprints and windows carry an id, the marker and a filter box', () => {
    for (const id of ['table-blueprints', 'table-windows']) {
      expect(html).toContain(`<table id="${id}" data-sortable="">`);
      expect(html).toContain(`<input type="search" class="filter" data-filter-for="${id}"`);
    }
    expect(html).toContain(`<span id="table-blueprints-count">${data.blueprints.length} rows</span>`);
  });

  test('numbers of the fixture appear with their units', () => {
    const m = data.oos.metrics!;
    expect(html).toContain(`>${fmtSignedPct(m.total_return)}</td>`);
    expect(html).toContain('105,192 bars/year');
    expect(html).toContain(data.plan_hash);
    expect(html).toContain(data.cost_digest);
    expect(html).toContain('x/yr</td>');
    expect(text(html)).not.toMatch(/NaN|undefined|\[object/);
  });

  test('the DSR benchmark, the PBO with its rank convention and the trials count are shown', () => {
    expect(html).toContain('2,412');
    expect(html).toContain('70 CSCV splits');
    expect(html).toContain(escapeXml(data.overfitting.rank_convention));
    expect(html).toContain('FAIL (&gt;= 0.95)'); // the fixture's DSR is far below 0.95
  });
});

describe('renderReportHtml: escaping', () => {
  test('a blueprint named <script> is text, not markup', () => {
    const evil = '<script>alert("x")</script> & <img src=x onerror=1>';
    const page = own(renderReportHtml({ ...withBlueprintName(data, evil), title: 'A & B <c>' }));
    expect(page).not.toContain('<script>alert');
    expect((page.match(/<script\b/g) ?? []).length).toBe(4);
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=1&gt;');
    expect(page).toContain('<title>A &amp; B &lt;c&gt;</title>');
    expect(markupProblems(page, { html: true })).toEqual([]);
  });

  test('names inside the charts\' JSON cannot close the <script>: escaped, and read back unchanged', () => {
    const evil = '</script><script>alert(1)</script><!-- \u2028 &amp;';
    const d: ReportData = {
      ...data, generated: { ...data.generated, run_id: evil },
      gate_failures: [{ gate: evil, count: 3 }],
      oos: { ...data.oos, benchmark: { ...data.oos.benchmark!, label: evil } },
    };
    const page = renderReportHtml(d);
    const block = /<script type="application\/json" id="quantlab-charts">([\s\S]*?)<\/script>/.exec(page)![1]!;
    expect(block).not.toMatch(/<|>|&|\u2028/);
    const specs = JSON.parse(block) as ChartSpec[];
    const gates = specs.find((c) => c.id === 'chart-gates')!.option as { yAxis: { data: string[] } };
    expect(gates.yAxis.data).toEqual([evil]);
    const eq = specs.find((c) => c.id === 'chart-equity')!.option as { legend: { data: string[] } };
    expect(eq.legend.data[1]).toBe(evil);
    expect((own(page).match(/<script\b/g) ?? []).length).toBe(4);
    expect(markupProblems(own(page), { html: true })).toEqual([]);
  });
});

describe('renderReportHtml: empty and missing data', () => {
  const empty = renderReportHtml(emptyFixture());
  test('renders "none" and "n/a", never crashes, never NaN', () => {
    expect(markupProblems(empty, { html: true })).toEqual([]);
    for (const s of ['none: no out-of-sample result', 'none: no out-of-sample equity', 'none: no walk-forward window',
      'none: no blueprint survived', 'none: no funnel recorded', 'none: no candidate failed a gate',
      'none: no cost sensitivity run', 'none: no stage timings recorded', 'none: no cost summary']) {
      expect(empty).toContain(s);
    }
    expect(empty).toContain('n/a');
    expect(text(empty)).not.toMatch(/NaN|undefined|Infinity/);
    for (const id of HTML_SECTION_IDS) expect(empty).toContain(`id="${id}"`);
    // no chart to draw: each says why, and the page carries no chart library at all
    expect(empty).not.toContain('class="chart"');
    expect(empty).not.toContain('id="quantlab-charts"');
    expect(empty.length).toBeLessThan(100_000);
  });

  test('NaN metrics print n/a; an infinite Sortino prints +inf', () => {
    const m = data.oos.metrics!;
    const d: ReportData = { ...data, oos: { ...data.oos, metrics: { ...m, sharpe: NaN, cagr: NaN, sortino: Infinity } } };
    const page = renderReportHtml(d);
    expect(page).toContain('>+inf</td>');
    expect(page).toMatch(/<td class="n">n\/a<\/td>/);
    expect(text(page)).not.toMatch(/NaN/);
  });

  test('an equity curve of a different length than its timestamps is refused in words, not drawn wrong', () => {
    const d: ReportData = { ...data, oos: { ...data.oos, equity: data.oos.equity.slice(1) } };
    expect(renderReportHtml(d)).toContain('equity curve not drawn: 20736 timestamps but 20735 equity values');
  });
});

describe('warnings', () => {
  test('synthetic data, DSR < 0.95, PBO > 0.5, no blueprint: derived and shown prominently', () => {
    const d: ReportData = {
      ...data,
      warnings: [],
      overfitting: { ...data.overfitting, pbo: 0.62 },
    };
    const texts = reportWarnings(d).map((w) => `${w.level}: ${w.text}`);
    expect(texts.some((t) => t.startsWith('critical: Synthetic data'))).toBe(true);
    expect(texts.some((t) => t.startsWith('critical: PBO 0.620 > 0.5: selection likely overfit'))).toBe(true);
    expect(texts.some((t) => t.startsWith(`critical: DSR ${data.overfitting.dsr!.toFixed(3)} < 0.95`))).toBe(true);
    const page = renderReportHtml(d);
    expect(page).toContain('<li class="critical">PBO 0.620 &gt; 0.5: selection likely overfit');
    expect(page.indexOf('id="warnings"')).toBeLessThan(page.indexOf('id="metrics"'));

    const none = reportWarnings(emptyFixture()).map((w) => w.text);
    expect(none).toContain('No blueprint survived: nothing reached the walk-forward test.');
  });

  test('the pipeline\'s own synthetic warning is not doubled; other pipeline warnings are kept once', () => {
    const d: ReportData = { ...data, warnings: [...data.warnings, 'custom note', 'custom note'] };
    const texts = reportWarnings(d).map((w) => w.text);
    expect(texts.filter((t) => /synthetic/i.test(t)).length).toBe(1);
    expect(texts.filter((t) => t === 'custom note').length).toBe(1);
  });

  test('a clean, significant result has no warning and says so', () => {
    const m = data.oos.metrics!;
    const d: ReportData = {
      ...data, warnings: [],
      generated: { ...data.generated, synthetic: false, data_source: 'binance-vision' },
      oos: { ...data.oos, metrics: { ...m, total_return: 0.2, n_trades: 400, psr: 0.99, dsr: 0.97 } },
      overfitting: { ...data.overfitting, psr: 0.99, dsr: 0.97, pbo: 0.1 },
      cost_sensitivity: data.cost_sensitivity.map((c) => ({ ...c, total_return: 0.2 - 0.01 * c.multiplier })),
    };
    expect(reportWarnings(d)).toEqual([]);
    expect(renderReportHtml(d)).toContain('<section id="warnings" class="warnings ok">\n<h2>Warnings</h2>\n<p>none</p>');
  });

  test('a blueprint evaluated under cheaper costs than it was found under is a critical warning; a stress is not', () => {
    const d: ReportData = { ...data, blueprints: data.blueprints.map((b, i) => (i === 1 ? { ...b, cost_digest_status: 'cheaper_what_if' } : i === 2 ? { ...b, cost_digest_status: 'stress' } : b)) };
    const w = reportWarnings(d).find((x) => x.text.includes('not validated: evaluated under costs cheaper than'));
    expect(w?.level).toBe('critical');
    expect(w?.text).toContain(`1 blueprint(s) not validated`);
    expect(w?.text).toContain(`${data.blueprints[1]!.id} (cheaper_what_if)`);
    expect(w?.text).not.toContain(data.blueprints[2]!.id);
  });
});
