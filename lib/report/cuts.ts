/**
 * The instruments cut to their funding span (walk-forward summary.json `cut_instruments`, lib/costs/funding_span.ts):
 * a table under the warnings box, present only when some instrument was cut, and one warning line for the box.
 * Plain text (each renderer escapes for its own format).
 */
import { fmtDateTime, fmtInt } from './format.js';
import type { Table } from './sections.js';
import type { ReportCutInstrument, ReportData } from './types.js';

export const CUT_SECTION_ID = 'cut-instruments';
export const CUT_SECTION_TITLE = 'Instruments cut to their funding span';
/** Instruments named in the warning line (the section lists them all). */
const MAX_NAMED = 5;

export function cutInstrumentsTable(d: ReportData): Table {
  const cuts = d.cut_instruments ?? [];
  return {
    columns: [
      { label: 'Instrument' }, { label: 'Funding covers (UTC)', title: 'holdings priced from the first to before the last time' },
      { label: 'Bars (UTC)' }, { label: 'Bars cut', numeric: true }, { label: 'Why' },
    ],
    rows: cuts.map((c) => [
      { text: c.instrument, nowrap: true },
      { text: `${fmtDateTime(c.tradable_start_ms)} .. ${fmtDateTime(c.tradable_end_ms)}`, nowrap: true },
      { text: `${fmtDateTime(c.bars_start_ms)} .. ${fmtDateTime(c.bars_end_ms)}`, nowrap: true },
      { text: fmtInt(c.cut_bars), numeric: true, bad: true },
      { text: c.reason },
    ]),
    empty: 'none: every traded perpetual\'s funding covers all its bars',
    notes: cuts.length > 0
      ? ['Outside its funding span an instrument is not traded: no entry, and a position still open is closed at the last covered bar. A gap inside the span stops the run.']
      : [],
  };
}

/** The warning-box line, or undefined when nothing was cut. */
export function cutWarning(cuts: readonly ReportCutInstrument[] | undefined): string | undefined {
  if (!cuts || cuts.length === 0) return undefined;
  const shown = cuts.slice(0, MAX_NAMED).map((c) => c.instrument).join(', ') + (cuts.length > MAX_NAMED ? `, +${cuts.length - MAX_NAMED} more` : '');
  const ends = cuts.map((c) => c.tradable_end_ms);
  const lo = Math.min(...ends);
  const hi = Math.max(...ends);
  const when = lo === hi ? fmtDateTime(lo) : `${fmtDateTime(lo)} .. ${fmtDateTime(hi)}`;
  return `${cuts.length} instrument(s) traded only inside their funding span (funding covers until ${when}; ${fmtInt(cuts.reduce((s, c) => s + c.cut_bars, 0))} bars not traded): ${shown}. See "${CUT_SECTION_TITLE}".`;
}
