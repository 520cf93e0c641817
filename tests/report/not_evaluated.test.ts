/** The strategy report's "Not evaluated" box (HTML, Markdown, report.json data) from the discovery summary's entries. */
import { describe, expect, test } from '@jest/globals';
import { notEvaluatedText } from '../../lib/features/availability.js';
import { renderReportHtml } from '../../lib/report/html.js';
import { renderReportMarkdown } from '../../lib/report/markdown.js';
import { reportNotEvaluated } from '../../lib/report/not_evaluated.js';
import { makeFixture } from './fixture.js';

const ENTRY = {
  kind: 'event' as const, name: 'liquidation_cascade_oi1', family: 'liquidation_cascade', needs: ['open_interest'],
  instruments: ['binance/um/BTCUSDT', 'binance/um/ETHUSDT'], of: 2, via: ['oi_change_12'],
};
const TEXT = 'event liquidation_cascade_oi1: not evaluated on 2 of 2 instruments: needs open_interest for BTCUSDT, ETHUSDT (via oi_change_12)';

describe('report: not evaluated', () => {
  test('the discovery entries become report rows with their sentence (kept in report.json as not_evaluated)', () => {
    expect(reportNotEvaluated([ENTRY], notEvaluatedText)).toEqual({
      not_evaluated: [{ kind: 'event', name: 'liquidation_cascade_oi1', needs: ['open_interest'], instruments: ENTRY.instruments, text: TEXT }],
    });
    expect(reportNotEvaluated(undefined, notEvaluatedText)).toEqual({});
    expect(reportNotEvaluated([], notEvaluatedText)).toEqual({});
  });

  test('HTML: a box at the top of the funnel section; Markdown: the same lines under the funnel heading', () => {
    const d = { ...makeFixture(), ...reportNotEvaluated([ENTRY], notEvaluatedText) };
    const html = renderReportHtml(d);
    const funnel = html.slice(html.indexOf('<section id="funnel">'));
    expect(funnel.indexOf('<div id="not-evaluated" class="warnings">')).toBeGreaterThan(0);
    expect(funnel.indexOf('id="not-evaluated"')).toBeLessThan(funnel.indexOf('data-chart="chart-funnel"'));
    expect(html).toContain(`<li>${TEXT}</li>`);
    const md = renderReportMarkdown(d);
    const at = md.indexOf('## Discovery funnel');
    expect(md.indexOf('**Not evaluated (1).**')).toBeGreaterThan(at);
    expect(md).toContain(`- ${TEXT}`);
  });

  test('nothing missing: no box', () => {
    const d = makeFixture();
    expect(renderReportHtml(d)).not.toContain('not-evaluated');
    expect(renderReportMarkdown(d)).not.toContain('Not evaluated');
  });
});
