import { describe, expect, test } from '@jest/globals';
import { HTML_SECTION_IDS, renderReportHtml } from '../../lib/report/html.js';
import { escapeXml, fmtSignedPct } from '../../lib/report/format.js';
import type { ReportData } from '../../lib/report/types.js';
import { reportWarnings } from '../../lib/report/warnings.js';
import { emptyFixture, makeFixture } from './fixture.js';
import { markupProblems, pathData, svgBlocks } from './markup.js';

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';
const data = makeFixture();
const html = renderReportHtml(data);

function withBlueprintName(d: ReportData, name: string): ReportData {
  return { ...d, blueprints: d.blueprints.map((b, i) => (i === 0 ? { ...b, name } : b)) };
}

describe('renderReportHtml: self-contained', () => {
  test('no remote resource: nothing http(s) or protocol-relative in src, href or url()', () => {
    const refs = [...html.matchAll(/(?:src|href)\s*=\s*["']?([^"'\s>]*)|url\(\s*["']?([^"')]*)/gi)].map((m) => m[1] ?? m[2] ?? '');
    for (const r of refs) expect(r).not.toMatch(/^(https?:)?\/\//i);
    expect(html).not.toMatch(/\/\/cdn/i);
    // the only "http" in the page is the SVG namespace name (an identifier, never fetched)
    expect(html.split(SVG_NS).join('')).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|@font-face/i);
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

  test('the page and every chart are well formed', () => {
    expect(markupProblems(html, { html: true })).toEqual([]);
    const svgs = svgBlocks(html);
    expect(svgs.length).toBe(5); // equity, drawdown, window returns, funnel, gate failures
    for (const s of svgs) expect(markupProblems(s)).toEqual([]);
  });

  test('deterministic and compact: the same bytes twice, the 20,736-point curves downsampled', () => {
    expect(renderReportHtml(data)).toBe(html);
    const eqPaths = pathData(svgBlocks(html)[0]!);
    for (const d of eqPaths) expect((d.match(/[ML]/g) ?? []).length).toBeLessThanOrEqual(2000);
    expect(html.length).toBeLessThan(400_000);
  });

  test('numbers of the fixture appear with their units', () => {
    const m = data.oos.metrics!;
    expect(html).toContain(`>${fmtSignedPct(m.total_return)}</td>`);
    expect(html).toContain('105,192 bars/year');
    expect(html).toContain(data.plan_hash);
    expect(html).toContain(data.cost_digest);
    expect(html).toContain('x/yr</td>');
    expect(html).not.toMatch(/NaN|undefined|\[object/);
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
    const page = renderReportHtml({ ...withBlueprintName(data, evil), title: 'A & B <c>' });
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=1&gt;');
    expect(page).toContain('<title>A &amp; B &lt;c&gt;</title>');
    expect(markupProblems(page, { html: true })).toEqual([]);
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
    expect(empty).not.toMatch(/NaN|undefined|Infinity/);
    for (const id of HTML_SECTION_IDS) expect(empty).toContain(`id="${id}"`);
    // charts are framed "none" boxes, not blank areas
    for (const s of svgBlocks(empty)) expect(s).toMatch(/>none[^<]*<\/text>/);
  });

  test('NaN metrics print n/a; an infinite Sortino prints +inf', () => {
    const m = data.oos.metrics!;
    const d: ReportData = { ...data, oos: { ...data.oos, metrics: { ...m, sharpe: NaN, cagr: NaN, sortino: Infinity } } };
    const page = renderReportHtml(d);
    expect(page).toContain('>+inf</td>');
    expect(page).toMatch(/<td class="n">n\/a<\/td>/);
    expect(page).not.toMatch(/NaN/);
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
