/**
 * The report's "Instruments cut to their funding span" (issue 10.2): a boxed section under the warnings, in HTML and
 * Markdown, only when the walk-forward cut some instrument, and one warning line naming them.
 */
import { describe, expect, test } from '@jest/globals';
import { renderReportHtml } from '../../lib/report/html.js';
import { renderReportMarkdown } from '../../lib/report/markdown.js';
import { cutWarning } from '../../lib/report/cuts.js';
import type { ReportCutInstrument } from '../../lib/report/types.js';
import { makeFixture } from './fixture.js';

const H = 3_600_000;
const END = Date.UTC(2026, 1, 19, 16);
const cut = (symbol: string, end = END): ReportCutInstrument => ({
  instrument: `binance/um/${symbol}/5m`, tradable_start_ms: Date.UTC(2026, 0, 1) - 8 * H, tradable_end_ms: end,
  bars_start_ms: Date.UTC(2026, 0, 1), bars_end_ms: Date.UTC(2026, 1, 19, 17), cut_bars: 12,
  reason: 'funding ends before the bars (covered until 2026-02-19T16:00:00.000Z, bars until 2026-02-19T17:00:00.000Z): 12 bars after it not traded, positions closed at 2026-02-19T15:55:00.000Z',
});

describe('instruments cut to their funding span', () => {
  test('absent: no section (the report of an uncut run is unchanged)', () => {
    const d = makeFixture();
    expect(renderReportHtml(d)).not.toContain('cut-instruments');
    expect(renderReportMarkdown(d)).not.toContain('funding span');
    expect(cutWarning(undefined)).toBeUndefined();
    expect(cutWarning([])).toBeUndefined();
  });

  test('present: a boxed table right after the warnings box (HTML) and a section after the warnings (Markdown)', () => {
    const d = { ...makeFixture(), cut_instruments: [cut('BTCUSDT'), cut('ETHUSDT')] };
    const html = renderReportHtml(d);
    const box = html.indexOf('<section id="cut-instruments" class="warnings">');
    expect(box).toBeGreaterThan(html.indexOf('<section id="warnings"'));
    expect(box).toBeLessThan(html.indexOf('<section id="metrics"'));
    expect(html).toContain('<h2>Instruments cut to their funding span (2)</h2>');
    expect(html).toContain('<td class="nw">binance/um/ETHUSDT/5m</td><td class="nw">2025-12-31 16:00 UTC .. 2026-02-19 16:00 UTC</td>');
    const md = renderReportMarkdown(d);
    expect(md.indexOf('## Instruments cut to their funding span (2)')).toBeGreaterThan(md.indexOf('## Warnings'));
    expect(md.indexOf('## Instruments cut to their funding span (2)')).toBeLessThan(md.indexOf('## Out-of-sample performance'));
    expect(md).toContain('| binance/um/BTCUSDT/5m | 2025-12-31 16:00 UTC .. 2026-02-19 16:00 UTC | 2026-01-01 00:00 UTC .. 2026-02-19 17:00 UTC | 12 | funding ends before the bars');
  });

  test('the warning line names up to 5 instruments, the funding end (range) and the bars not traded', () => {
    expect(cutWarning([cut('BTCUSDT')])).toBe('1 instrument(s) traded only inside their funding span (funding covers until 2026-02-19 16:00 UTC; 12 bars not traded): binance/um/BTCUSDT/5m. See "Instruments cut to their funding span".');
    const many = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((s, k) => cut(`${s}USDT`, END - k * H));
    expect(cutWarning(many)).toBe('7 instrument(s) traded only inside their funding span (funding covers until 2026-02-19 10:00 UTC .. 2026-02-19 16:00 UTC; 84 bars not traded): '
      + 'binance/um/AUSDT/5m, binance/um/BUSDT/5m, binance/um/CUSDT/5m, binance/um/DUSDT/5m, binance/um/EUSDT/5m, +2 more. See "Instruments cut to their funding span".');
  });
});
