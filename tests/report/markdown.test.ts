import { describe, expect, test } from '@jest/globals';
import { fmtProb, fmtSignedPct, mdEscape } from '../../lib/report/format.js';
import { renderReportHtml } from '../../lib/report/html.js';
import { MARKDOWN_SECTIONS, renderReportMarkdown } from '../../lib/report/markdown.js';
import type { ReportData } from '../../lib/report/types.js';
import { emptyFixture, makeFixture } from './fixture.js';

const data = makeFixture();
const md = renderReportMarkdown(data);

/** Rows of the Markdown table that follows `heading`. */
function tableAfter(text: string, heading: string): string[][] {
  const lines = text.split('\n');
  let i = lines.indexOf(heading);
  while (i < lines.length && !lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(lines[i]!.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows;
}

describe('renderReportMarkdown', () => {
  test('every section, in the HTML order', () => {
    let at = -1;
    for (const h of MARKDOWN_SECTIONS) {
      const k = md.indexOf(`\n${h}`);
      expect(k).toBeGreaterThan(at);
      at = k;
    }
    expect(md.startsWith(`# ${data.title} (SYNTHETIC DATA)\n`)).toBe(true);
  });

  test('tables have a constant column count and the numbers of the HTML report', () => {
    const windows = tableAfter(md, '## Walk-forward windows');
    expect(windows.length).toBe(2 + data.windows.length);
    for (const r of windows) expect(r.length).toBe(6);
    expect(windows[2]![4]).toBe(fmtSignedPct(data.windows[0]!.oos_return));
    const blueprints = tableAfter(md, '## Blueprints');
    expect(blueprints.length).toBe(2 + data.blueprints.length);
    for (const r of blueprints) expect(r.length).toBe(10);
    const metrics = tableAfter(md, '## Out-of-sample performance');
    expect(metrics[2]![1]).toBe(fmtSignedPct(data.oos.metrics!.total_return));
    expect(renderReportHtml(data)).toContain(`>${metrics[2]![1]}</td>`);
    expect(md).toContain(`| DSR: P(true Sharpe &gt; SR0) |`.replace('&gt;', '>'));
    expect(md).toContain(fmtProb(data.overfitting.dsr));
  });

  test('warnings are block quotes with their level', () => {
    expect(md).toMatch(/> \*\*CRITICAL:\*\* DSR 0\.\d{3} < 0\.95/);
    expect(md).toContain('> **Caution:** SYNTHETIC DATA');
  });

  test('a name cannot break a table or inject HTML', () => {
    const d: ReportData = {
      ...data,
      blueprints: data.blueprints.map((b, i) => (i === 0 ? { ...b, name: 'a | b <script>x</script>\nnext' } : b)),
    };
    const text = renderReportMarkdown(d);
    expect(text).not.toContain('<script>');
    expect(text).toContain('a \\| b &lt;script>x&lt;/script> next');
    for (const r of tableAfter(text, '## Blueprints')) expect(r.length).toBe(10);
    expect(mdEscape('x <= 0 & y')).toBe('x <= 0 & y'); // not a tag nor an entity: left readable
    expect(mdEscape('&amp; <b>')).toBe('&amp;amp; &lt;b>');
    expect(mdEscape('min_n _x_ *y*')).toBe('min_n \\_x\\_ \\*y\\*');
  });

  test('empty data: none and n/a, no NaN', () => {
    const text = renderReportMarkdown(emptyFixture());
    for (const h of MARKDOWN_SECTIONS) expect(text).toContain(h);
    for (const s of ['_none: no out-of-sample result_', '_none: no out-of-sample equity_', '_none: no walk-forward window_',
      '_none: no blueprint survived_', '_none: no funnel recorded_', '_none: no stage timings recorded_']) {
      expect(text).toContain(s);
    }
    expect(text).toContain('n/a');
    expect(text).not.toMatch(/NaN|undefined|Infinity/);
  });
});
