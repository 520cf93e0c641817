/**
 * The report's "Not evaluated" box: events and features that could not be evaluated on some instruments because their
 * input data is absent (e.g. liquidation_cascade without open interest). Taken from the discovery summary; shown in
 * the funnel section of the HTML and Markdown reports and kept in report.json (`not_evaluated`). Pure.
 */
import { escapeXml as h, mdEscape } from './format.js';
import type { ReportData, ReportNotEvaluated } from './types.js';

/** The discovery summary's entries as report rows, each with its sentence. */
export function reportNotEvaluated(
  list: readonly { kind: 'feature' | 'event'; name: string; family?: string; needs: string[]; instruments: string[]; of: number; via?: string[] }[] | undefined,
  text: (e: NonNullable<typeof list>[number]) => string,
): Pick<ReportData, 'not_evaluated'> {
  if (!list || list.length === 0) return {};
  return { not_evaluated: list.map((e) => ({ kind: e.kind, name: e.name, needs: [...e.needs], instruments: [...e.instruments], text: `${e.kind} ${text(e)}` })) };
}

const INTRO = 'These had no input data on the instruments named, so they were never tested there '
  + '(no occurrences is not evidence of no effect). Ingest the missing data to evaluate them.';

export function notEvaluatedHtml(d: ReportData): string {
  const list: readonly ReportNotEvaluated[] = d.not_evaluated ?? [];
  if (list.length === 0) return '';
  return `<div id="not-evaluated" class="warnings">\n<h3>Not evaluated (${list.length})</h3>\n<p>${h(INTRO)}</p>\n<ul>`
    + list.map((e) => `<li>${h(e.text)}</li>`).join('\n') + '</ul>\n</div>\n';
}

export function notEvaluatedMarkdownLines(d: ReportData): string[] {
  const list: readonly ReportNotEvaluated[] = d.not_evaluated ?? [];
  if (list.length === 0) return [];
  return [`**Not evaluated (${list.length}).** ${mdEscape(INTRO)}`, '', ...list.map((e) => `- ${mdEscape(e.text)}`), ''];
}
