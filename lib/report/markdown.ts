/**
 * renderReportMarkdown: the strategy report as GitHub-flavoured Markdown, the same sections and numbers as the
 * HTML page (both read lib/report/sections.ts), tables instead of charts. Cell text is escaped so a name cannot
 * break a table (`|`, newlines) or inject HTML into a renderer that allows it (`<` before a tag name and `&` before an entity
 * name become entities; other `<` and `&` are left readable).
 */
import { notEvaluatedMarkdownLines } from './not_evaluated.js';
import { fmtDateTime, fmtNum, fmtPct, mdEscape } from './format.js';
import {
  blueprintsTable, conceptFunnelTable, costCheckLines, costSensitivityTable, definitions, funnelTable, gateTable, headerFacts, metricsTable, oosSummary,
  overfittingTable, timingsTable, windowsTable, deflationTable, clustersTable, type Table,
} from './sections.js';
import { equityMaxDrawdown, finiteMin, drawdownFromEquity } from './series.js';
import type { ReportData } from './types.js';
import { reportWarnings } from './warnings.js';
import { CUT_SECTION_TITLE, cutInstrumentsTable } from './cuts.js';

function mdTable(t: Table): string[] {
  if (t.rows.length === 0) return [`_${mdEscape(t.empty)}_`];
  const head = `| ${t.columns.map((c) => mdEscape(c.label)).join(' | ')} |`;
  const rule = `|${t.columns.map((c) => (c.numeric ? '---:' : '---')).join('|')}|`;
  const rows = t.rows.map((r) => `| ${r.map((c) => {
    const text = mdEscape(c.text);
    return c.strong && text !== '' ? `**${text}**` : text;
  }).join(' | ')} |`);
  const out = [head, rule, ...rows];
  if (t.notes.length > 0) out.push('', ...t.notes.map(mdEscape));
  return out;
}

export function renderReportMarkdown(d: ReportData): string {
  const out: string[] = [];
  const g = d.generated;
  // A what-if is said on the first line, before the title.
  if (d.what_if) out.push(`**${mdEscape(d.what_if.text)}**`, '');
  out.push(`# ${mdEscape(d.title)}${g.synthetic ? ' (SYNTHETIC DATA)' : ''}`, '');
  for (const f of headerFacts(d)) out.push(`- **${mdEscape(f.label)}:** ${f.mono ? `\`${f.value.replace(/`/g, "'")}\`` : mdEscape(f.value)}`);
  out.push('');

  const warnings = reportWarnings(d);
  out.push(`## Warnings${warnings.length > 0 ? ` (${warnings.length})` : ''}`, '');
  if (warnings.length === 0) out.push('none');
  for (const w of warnings) out.push(`> ${w.level === 'critical' ? '**CRITICAL:** ' : '**Caution:** '}${mdEscape(w.text)}`, '>');
  if (warnings.length > 0) out.pop();
  out.push('');

  if (d.cut_instruments?.length) out.push(`## ${CUT_SECTION_TITLE} (${d.cut_instruments.length})`, '', ...mdTable(cutInstrumentsTable(d)), '');

  out.push('## Out-of-sample performance', '', mdEscape(oosSummary(d)), '', ...mdTable(metricsTable(d)), '');

  out.push('## Equity and drawdown (stitched out-of-sample)', '');
  const dd = drawdownFromEquity(d.oos.equity);
  const mdd = finiteMin(dd);
  if (mdd.index < 0) {
    out.push('_none: no out-of-sample equity_');
  } else {
    let last = NaN;
    for (let i = d.oos.equity.length - 1; i >= 0; i--) if (Number.isFinite(d.oos.equity[i]!)) { last = d.oos.equity[i]!; break; }
    out.push(`Final equity ${fmtNum(last, 4)} (starts at 1); maximum drawdown ${fmtPct(mdd.value)} at ${fmtDateTime(d.oos.ts_ms[mdd.index])}.`);
    if (d.oos.benchmark) {
      out.push(`${mdEscape(d.oos.benchmark.label)}: maximum drawdown ${fmtPct(equityMaxDrawdown(d.oos.benchmark.equity))}.`);
    }
    out.push('Charts: see the HTML report.');
  }
  out.push('');

  out.push('## Walk-forward windows', '', ...mdTable(windowsTable(d)), '');
  out.push('## Blueprints', '', ...mdTable(blueprintsTable(d)), '');
  out.push('## Discovery funnel', '', ...notEvaluatedMarkdownLines(d), ...mdTable(funnelTable(d)), '');
  out.push('### Funnel by concept', '', ...mdTable(conceptFunnelTable(d)), '');
  out.push('### Candidates by first failing gate', '', ...mdTable(gateTable(d)), '');

  out.push('## Costs and cost sensitivity', '', `Cost config digest \`${d.cost_digest || 'n/a'}\``, '');
  if (d.cost_lines.length === 0) out.push('_none: no cost summary_');
  for (const l of d.cost_lines) out.push(`- ${mdEscape(l)}`);
  const checks = costCheckLines(d);
  if (checks.length > 0) out.push('', ...checks.map((l) => `- ${mdEscape(l)}`));
  out.push('', '### Sensitivity of the out-of-sample result', '', ...mdTable(costSensitivityTable(d)), '');

  const of = d.overfitting;
  out.push('## Overfitting checks', '', ...mdTable(overfittingTable(d)), '');
  if (of.clustered) {
    out.push('### Deflated Sharpe: naive and clustered trials', '', ...mdTable(deflationTable(d)), '',
      '### Trial clusters (ONC over the blueprints\' hourly returns, plan candidates assigned)', '', ...mdTable(clustersTable(d)), '');
  }
  out.push(`**PBO rank convention:** ${mdEscape(of.rank_convention || 'n/a')}`, '');
  for (const n of of.notes) out.push(`- ${mdEscape(n)}`);
  if (of.notes.length > 0) out.push('');

  out.push('## Pipeline stage timings', '', ...mdTable(timingsTable(d)), '');

  out.push('## Definitions', '');
  for (const x of definitions(d)) out.push(`- **${mdEscape(x.term)}:** ${mdEscape(x.text)}`);
  return `${out.join('\n').trimEnd()}\n`;
}

/** The section headings every Markdown report has. */
export const MARKDOWN_SECTIONS = [
  '## Warnings', '## Out-of-sample performance', '## Equity and drawdown', '## Walk-forward windows', '## Blueprints',
  '## Discovery funnel', '### Candidates by first failing gate', '## Costs and cost sensitivity',
  '## Overfitting checks', '## Pipeline stage timings', '## Definitions',
] as const;
