/**
 * qualityReport: what the Clean stage found, per instrument and timeframe, plus totals. Plain JSON (no NaN: unknown
 * values are null), deterministic: instruments sorted by id, timeframes by duration, keys in a fixed order.
 */
import type { BarColumns } from '../market.js';
import { isoMs, timeframeMs, type Timeframe } from '../timeframe.js';
import { fundingGaps, HOUR_MS, type AlignedFunding } from './funding.js';
import type { CleanFlags } from './types.js';

/** How many gaps are listed one by one (all are counted). */
export const MAX_LISTED_GAPS = 20;

export interface BarQualityInput {
  timeframe: Timeframe;
  bars: BarColumns;
  flags: CleanFlags;
  duplicates_dropped: number;
}
export interface FundingQualityInput {
  funding: AlignedFunding;
  duplicates_dropped: number;
}
export interface InstrumentQualityInput {
  instrument: string;
  timeframes: BarQualityInput[];
  funding: FundingQualityInput | null;
}

/** A run of missing bars: open times of its first and last missing bar (ISO, UTC). */
export interface BarGap { start: string; end: string; bars: number }
export interface TimeframeQuality {
  timeframe: Timeframe;
  first_ts: string | null;
  last_ts: string | null;
  expected_bars: number;
  present_bars: number;
  coverage_pct: number | null;
  missing_bars: number;
  gap_count: number;
  longest_gap: BarGap | null;
  gaps: BarGap[]; // the first MAX_LISTED_GAPS
  duplicates_dropped: number;
  zero_volume_bars: number;
  outlier_bars: number;
  partial_buckets: number;
}
/** Settlements `after` and `before` are the two consecutive settlements around missing ones. */
export interface FundingGap { after: string; before: string; hours: number }
export interface FundingQuality {
  settlements: number;
  first_ts: string | null;
  last_ts: string | null;
  intervals_seen: { hours: number; count: number }[];
  off_schedule: number;
  duplicates_dropped: number;
  gap_count: number;
  gaps: FundingGap[]; // the first MAX_LISTED_GAPS
}
export interface InstrumentQuality {
  instrument: string;
  timeframes: TimeframeQuality[];
  funding: FundingQuality | null;
}
export interface TimeframeTotals {
  timeframe: Timeframe;
  instruments: number;
  expected_bars: number;
  present_bars: number;
  coverage_pct: number | null;
  missing_bars: number;
  gap_count: number;
  duplicates_dropped: number;
  zero_volume_bars: number;
  outlier_bars: number;
  partial_buckets: number;
}
export interface FundingTotals {
  instruments: number;
  settlements: number;
  off_schedule: number;
  duplicates_dropped: number;
  gap_count: number;
}
export interface QualityReport {
  version: 1;
  instruments: InstrumentQuality[];
  totals: { instruments: number; timeframes: TimeframeTotals[]; funding: FundingTotals };
}

export function qualityReport(inputs: readonly InstrumentQualityInput[]): QualityReport {
  const instruments = [...inputs]
    .sort((a, b) => (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0))
    .map((x) => ({
      instrument: x.instrument,
      timeframes: [...x.timeframes]
        .sort((a, b) => timeframeMs(a.timeframe) - timeframeMs(b.timeframe))
        .map(timeframeQuality),
      funding: x.funding ? fundingQuality(x.funding) : null,
    }));
  return { version: 1, instruments, totals: totalsOf(instruments) };
}

export function timeframeQuality(x: BarQualityInput): TimeframeQuality {
  const { ts_ms } = x.bars;
  const f = x.flags;
  const n = ts_ms.length;
  const tfMs = timeframeMs(x.timeframe);
  const gaps: BarGap[] = [];
  let gapCount = 0;
  let longest: BarGap | null = null;
  let missing = 0, zero = 0, outliers = 0, partial = 0;
  for (let i = 0; i < n; i++) {
    missing += f.is_missing[i]!;
    zero += f.is_zero_volume[i]!;
    outliers += f.is_outlier[i]!;
    partial += f.is_partial[i]!;
    if (f.is_missing[i] === 0 || (i > 0 && f.is_missing[i - 1] !== 0)) continue;
    let j = i;
    while (j + 1 < n && f.is_missing[j + 1] !== 0) j++;
    const gap = { start: isoMs(ts_ms[i]!), end: isoMs(ts_ms[j]!), bars: (ts_ms[j]! - ts_ms[i]!) / tfMs + 1 };
    gapCount++;
    if (gaps.length < MAX_LISTED_GAPS) gaps.push(gap);
    if (longest === null || gap.bars > longest.bars) longest = gap;
  }
  return {
    timeframe: x.timeframe,
    first_ts: n > 0 ? isoMs(ts_ms[0]!) : null,
    last_ts: n > 0 ? isoMs(ts_ms[n - 1]!) : null,
    expected_bars: n,
    present_bars: n - missing,
    coverage_pct: pct(n - missing, n),
    missing_bars: missing,
    gap_count: gapCount,
    longest_gap: longest,
    gaps,
    duplicates_dropped: x.duplicates_dropped,
    zero_volume_bars: zero,
    outlier_bars: outliers,
    partial_buckets: partial,
  };
}

export function fundingQuality(x: FundingQualityInput): FundingQuality {
  const { ts_ms, interval_hours, is_off_schedule } = x.funding;
  const n = ts_ms.length;
  const counts = new Map<number, number>();
  let off = 0;
  for (let i = 0; i < n; i++) {
    off += is_off_schedule[i]!;
    const h = interval_hours[i]!;
    if (h === h) counts.set(round(h, 3), (counts.get(round(h, 3)) ?? 0) + 1);
  }
  const gapRows = fundingGaps(ts_ms);
  return {
    settlements: n,
    first_ts: n > 0 ? isoMs(ts_ms[0]!) : null,
    last_ts: n > 0 ? isoMs(ts_ms[n - 1]!) : null,
    intervals_seen: [...counts].sort((a, b) => a[0] - b[0]).map(([hours, count]) => ({ hours, count })),
    off_schedule: off,
    duplicates_dropped: x.duplicates_dropped,
    gap_count: gapRows.length,
    gaps: gapRows.slice(0, MAX_LISTED_GAPS).map((i) => ({
      after: isoMs(ts_ms[i - 1]!),
      before: isoMs(ts_ms[i]!),
      hours: round((ts_ms[i]! - ts_ms[i - 1]!) / HOUR_MS, 3),
    })),
  };
}

function totalsOf(instruments: InstrumentQuality[]): QualityReport['totals'] {
  const byTf = new Map<Timeframe, TimeframeTotals>();
  const funding: FundingTotals = { instruments: 0, settlements: 0, off_schedule: 0, duplicates_dropped: 0, gap_count: 0 };
  for (const inst of instruments) {
    for (const q of inst.timeframes) {
      const t = byTf.get(q.timeframe) ?? emptyTotals(q.timeframe);
      byTf.set(q.timeframe, t);
      t.instruments++;
      t.expected_bars += q.expected_bars;
      t.present_bars += q.present_bars;
      t.missing_bars += q.missing_bars;
      t.gap_count += q.gap_count;
      t.duplicates_dropped += q.duplicates_dropped;
      t.zero_volume_bars += q.zero_volume_bars;
      t.outlier_bars += q.outlier_bars;
      t.partial_buckets += q.partial_buckets;
    }
    if (inst.funding) {
      funding.instruments++;
      funding.settlements += inst.funding.settlements;
      funding.off_schedule += inst.funding.off_schedule;
      funding.duplicates_dropped += inst.funding.duplicates_dropped;
      funding.gap_count += inst.funding.gap_count;
    }
  }
  const timeframes = [...byTf.values()].sort((a, b) => timeframeMs(a.timeframe) - timeframeMs(b.timeframe));
  for (const t of timeframes) t.coverage_pct = pct(t.present_bars, t.expected_bars);
  return { instruments: instruments.length, timeframes, funding };
}

function emptyTotals(timeframe: Timeframe): TimeframeTotals {
  return {
    timeframe, instruments: 0, expected_bars: 0, present_bars: 0, coverage_pct: null, missing_bars: 0, gap_count: 0,
    duplicates_dropped: 0, zero_volume_bars: 0, outlier_bars: 0, partial_buckets: 0,
  };
}

/** Percent to 3 decimals; never shows 100 unless complete (99.9996 % reads 99.999). */
function pct(part: number, whole: number): number | null {
  if (whole <= 0) return null;
  const r = round((100 * part) / whole, 3);
  return r === 100 && part < whole ? 99.999 : r;
}

function round(x: number, digits: number): number {
  const s = 10 ** digits;
  return Math.round(x * s) / s;
}

/**
 * The report from per-instrument results computed one instrument at a time (so the stage never holds every
 * instrument's bars at once): sorted by instrument, with totals.
 */
export function summarizeQuality(instruments: readonly InstrumentQuality[]): QualityReport {
  const sorted = [...instruments].sort((a, b) => (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0));
  return { version: 1, instruments: sorted, totals: totalsOf(sorted) };
}
