/** renderQualityMarkdown: the quality report as a readable Markdown page (deterministic, pure). */
import type { BarGap, FundingQuality, InstrumentQuality, QualityReport, TimeframeQuality } from './quality.js';
import { MAX_LISTED_GAPS } from './quality.js';

const BAR_HEADER = [
  'timeframe', 'first bar (UTC)', 'last bar (UTC)', 'expected', 'present', 'coverage %', 'gaps', 'longest gap',
  'duplicates dropped', 'zero volume', 'outliers', 'partial buckets',
];

export function renderQualityMarkdown(report: QualityReport): string {
  const out: string[] = ['# Data quality', ''];
  out.push(...totalsSection(report), '');
  for (const inst of report.instruments) out.push(...instrumentSection(inst), '');
  return `${out.join('\n').trimEnd()}\n`;
}

function totalsSection(report: QualityReport): string[] {
  const t = report.totals;
  const rows = t.timeframes.map((x) => [
    x.timeframe, x.instruments, x.expected_bars, x.present_bars, fmtPct(x.coverage_pct), x.gap_count,
    x.duplicates_dropped, x.zero_volume_bars, x.outlier_bars, x.partial_buckets,
  ]);
  const lines = [
    '## Totals', '',
    `${t.instruments} instrument(s).`, '',
    ...table(
      ['timeframe', 'instruments', 'expected', 'present', 'coverage %', 'gaps', 'duplicates dropped', 'zero volume',
        'outliers', 'partial buckets'],
      rows,
    ),
  ];
  const f = t.funding;
  if (f.instruments > 0) {
    lines.push('', ...table(
      ['funding: instruments', 'settlements', 'off schedule', 'duplicates dropped', 'gaps'],
      [[f.instruments, f.settlements, f.off_schedule, f.duplicates_dropped, f.gap_count]],
    ));
  }
  return lines;
}

function instrumentSection(inst: InstrumentQuality): string[] {
  const lines = [`## ${inst.instrument}`, ''];
  if (inst.timeframes.length > 0) {
    lines.push(...table(BAR_HEADER, inst.timeframes.map(barRow)));
    for (const q of inst.timeframes) lines.push(...gapList(q));
  }
  if (inst.funding) lines.push(...(inst.timeframes.length > 0 ? [''] : []), ...fundingLines(inst.funding));
  return lines;
}

function barRow(q: TimeframeQuality): (string | number)[] {
  return [
    q.timeframe, q.first_ts ?? '-', q.last_ts ?? '-', q.expected_bars, q.present_bars, fmtPct(q.coverage_pct),
    q.gap_count, q.longest_gap ? fmtGap(q.longest_gap) : '-', q.duplicates_dropped, q.zero_volume_bars,
    q.outlier_bars, q.partial_buckets,
  ];
}

function gapList(q: TimeframeQuality): string[] {
  if (q.gaps.length === 0) return [];
  const more = q.gap_count > q.gaps.length ? ` (first ${MAX_LISTED_GAPS} of ${q.gap_count})` : '';
  return ['', `Gaps in ${q.timeframe}${more}:`, '', ...q.gaps.map((g) => `- ${fmtGap(g)}`)];
}

function fundingLines(f: FundingQuality): string[] {
  const intervals = f.intervals_seen.map((x) => `${x.hours}h: ${x.count}`).join(', ') || '-';
  const lines = table(
    ['funding settlements', 'first (UTC)', 'last (UTC)', 'intervals seen', 'off schedule', 'duplicates dropped', 'gaps'],
    [[f.settlements, f.first_ts ?? '-', f.last_ts ?? '-', intervals, f.off_schedule, f.duplicates_dropped, f.gap_count]],
  );
  if (f.gaps.length > 0) {
    const more = f.gap_count > f.gaps.length ? ` (first ${MAX_LISTED_GAPS} of ${f.gap_count})` : '';
    lines.push('', `Funding gaps${more}:`, '', ...f.gaps.map((g) => `- ${g.after} -> ${g.before} (${g.hours} h)`));
  }
  return lines;
}

function fmtGap(g: BarGap): string {
  return g.bars === 1 ? `${g.start} (1 bar)` : `${g.start} .. ${g.end} (${g.bars} bars)`;
}

function fmtPct(x: number | null): string {
  return x === null ? '-' : x.toFixed(3);
}

function table(header: string[], rows: (string | number)[][]): string[] {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)];
}
