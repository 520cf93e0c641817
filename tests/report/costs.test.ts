/**
 * How the report shows the cost check of the walk-forward (lib/costs/evaluation.ts): a stress (these costs are dearer
 * than the ones the blueprints were found under) in the costs section; a what-if under cheaper costs before anything
 * else: the HTML's first visible element and <title>, the Markdown's first line, the first key of report.json, and a
 * critical warning. A report without either renders exactly as before (the golden report bytes do not move).
 */
import { describe, expect, test } from '@jest/globals';
import { renderReportHtml } from '../../lib/report/html.js';
import { renderReportMarkdown } from '../../lib/report/markdown.js';
import type { ReportData } from '../../lib/report/types.js';
import { reportWarnings } from '../../lib/report/warnings.js';
import { reportCostChecks, whatIfOf } from '../../lib/stages/report/run.js';
import { makeFixture } from './fixture.js';

const F = 'a'.repeat(64);
const C = 'c'.repeat(64);
const data = makeFixture();

const stressed = (): ReportData => ({
  ...data,
  cost_checks: reportCostChecks({ [F]: { status: 'stress', costlier: ['slippage_bps 2 (current) > 1 (found)'] } }),
});

function whatIf(): ReportData {
  const checks = reportCostChecks({
    [F]: { status: 'cheaper_what_if', costlier: [], cheaper: ['venues.binance.um.taker_fee_bps 4 (current) < 5 (found)'], incomparable: [] },
  });
  return { what_if: whatIfOf(checks, C)!, ...data, cost_checks: checks };
}

describe('report cost checks', () => {
  test('the walk-forward statuses map to report checks; "same" digests are left out', () => {
    expect(reportCostChecks({ [C]: { status: 'same', costlier: [] } })).toEqual([]);
    expect(whatIfOf([], C)).toBeUndefined();
    expect(reportCostChecks({ [F]: { status: 'stress', costlier: ['x'] } })).toEqual([{ found_digest: F, status: 'stress', costlier: ['x'], cheaper: [], incomparable: [] }]);
  });

  test('a summary written before issue 9 (status "stricter", the inverted check) is refused: rerun the walk-forward', () => {
    const old = { [F]: { status: 'stricter', costlier: [] } } as unknown as Parameters<typeof reportCostChecks>[0];
    expect(() => reportCostChecks(old)).toThrow(`lake/walkforward/summary.json blueprint_cost_digests.${F}.status: unknown cost status`);
  });

  test('without cost checks the report has no what-if banner and no check lines', () => {
    const html = renderReportHtml(data);
    expect(html).not.toContain('id="what-if"');
    expect(html).not.toContain('WHAT-IF');
    expect(renderReportMarkdown(data)).not.toContain('Blueprints found under costs');
  });

  test('a stress is listed in the costs section (HTML and Markdown) and is not a what-if', () => {
    const d = stressed();
    const line = `Blueprints found under costs ${F.slice(0, 16)}: STRESS, these costs are dearer (allowed): slippage_bps 2 (current) &gt; 1 (found).`;
    const html = renderReportHtml(d);
    const costs = html.slice(html.indexOf('<section id="costs">'), html.indexOf('<section id="overfitting">'));
    expect(costs).toContain(`<li>${line}</li>`);
    expect(html).not.toContain('WHAT-IF');
    const md = renderReportMarkdown(d);
    expect(md.slice(md.indexOf('## Costs and cost sensitivity'))).toContain('- Blueprints found under costs aaaaaaaaaaaaaaaa: STRESS, these costs are dearer (allowed): slippage_bps 2 (current) > 1 (found).');
    expect(md.startsWith('# ')).toBe(true);
  });

  test('a what-if is said first: HTML banner and title, Markdown first line, report.json first key, a critical warning', () => {
    const d = whatIf();
    expect(d.what_if).toMatchObject({ reason: 'cheaper_costs', current_digest: C, found_digests: [F], components: ['venues.binance.um.taker_fee_bps 4 (current) < 5 (found)'] });
    const html = renderReportHtml(d);
    const body = html.slice(html.indexOf('<body>') + 6).trimStart();
    expect(body.startsWith('<div id="what-if" role="alert"')).toBe(true);
    expect(body.slice(0, body.indexOf('</div>'))).toContain('WHAT-IF, NOT A VALIDATION: the walk-forward evaluated blueprints under costs cheaper than');
    expect(html).toContain(`<title>WHAT-IF (not a validation): ${data.title}</title>`);
    const md = renderReportMarkdown(d);
    expect(md.split('\n')[0]).toMatch(/^\*\*WHAT-IF, NOT A VALIDATION: .*\*\*$/);
    expect(md).toContain('WHAT-IF, these costs are cheaper or incomparable (not a validation): venues.binance.um.taker_fee_bps 4 (current) < 5 (found).');
    expect(Object.keys(JSON.parse(JSON.stringify(d)) as object)[0]).toBe('what_if');
    expect(reportWarnings(d)[0]).toEqual({ level: 'critical', text: d.what_if!.text });
  });
});
