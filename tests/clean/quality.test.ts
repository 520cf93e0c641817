import { describe, expect, test } from '@jest/globals';
import { alignToGrid } from '../../lib/clean/align.js';
import { flagBars } from '../../lib/clean/flags.js';
import { alignFunding } from '../../lib/clean/funding.js';
import { qualityReport, type InstrumentQualityInput } from '../../lib/clean/quality.js';
import { renderQualityMarkdown } from '../../lib/clean/quality_markdown.js';
import { resample } from '../../lib/clean/resample.js';
import type { FundingColumns } from '../../lib/market.js';
import { barsOf, H1, M5, oneFile, T0, type Row } from './fixtures.js';

/**
 * 10 slots of 5m from 00:00: bars missing at slots 2, 3 (one 2-bar gap) and 6 (a 1-bar gap), slot 4 has volume 0,
 * slot 8 appears twice (an exact duplicate).
 */
function instrument(name: string): InstrumentQualityInput {
  const rows: Row[] = [];
  for (const k of [0, 1, 4, 5, 7, 8, 8, 9]) rows.push([T0 + k * M5, 100, 101, 99, 100, k === 4 ? 0 : 1]);
  const a = alignToGrid(barsOf(rows), oneFile(rows.length), '5m', { instrument: name });
  const flagged = flagBars(a.bars, a.flags, { outlier_window_bars: 3, outlier_mad_k: 5 }).flags;
  flagged.is_outlier[9] = 1; // set by hand: the report counts flags, it does not recompute them
  const h = resample(a.bars, flagged, '5m', '1h');
  // Funding at 0, 8, 16, (24 missing), 32, 40 h after T0: intervals 8, 8, 8, 16, 8.
  const fts = [0, 8, 16, 32, 40].map((x) => T0 + x * H1);
  const raw: FundingColumns = {
    ts_ms: Float64Array.from(fts), funding_rate: new Float64Array(5).fill(0.0001), mark_price: new Float64Array(5).fill(NaN),
  };
  const f = alignFunding(raw, oneFile(5), { instrument: name });
  return {
    instrument: name,
    timeframes: [
      { timeframe: '1h', bars: h.bars, flags: h.flags, duplicates_dropped: 0 },
      { timeframe: '5m', bars: a.bars, flags: flagged, duplicates_dropped: a.stats.duplicates_dropped },
    ],
    funding: { funding: f.funding, duplicates_dropped: f.stats.duplicates_dropped },
  };
}

describe('qualityReport', () => {
  test('per timeframe: coverage, gaps, the longest gap, duplicates, zero volume, outliers, partial buckets', () => {
    const report = qualityReport([instrument('B')]);
    const [m5, h1] = report.instruments[0]!.timeframes;
    // Hand count: 10 slots, 7 present -> 70 %; gaps [2..3] and [6]; the longest starts at 00:10 (2 bars).
    expect(m5).toEqual({
      timeframe: '5m',
      first_ts: '2025-01-01T00:00:00.000Z',
      last_ts: '2025-01-01T00:45:00.000Z',
      expected_bars: 10,
      present_bars: 7,
      coverage_pct: 70,
      missing_bars: 3,
      gap_count: 2,
      longest_gap: { start: '2025-01-01T00:10:00.000Z', end: '2025-01-01T00:15:00.000Z', bars: 2 },
      gaps: [
        { start: '2025-01-01T00:10:00.000Z', end: '2025-01-01T00:15:00.000Z', bars: 2 },
        { start: '2025-01-01T00:30:00.000Z', end: '2025-01-01T00:30:00.000Z', bars: 1 },
      ],
      duplicates_dropped: 1,
      zero_volume_bars: 1,
      outlier_bars: 1,
      partial_buckets: 0,
    });
    // One 1h bucket holding 7 of 12 bars: partial, with the outlier carried over.
    expect(h1).toMatchObject({ timeframe: '1h', expected_bars: 1, present_bars: 1, partial_buckets: 1, outlier_bars: 1, gap_count: 0 });
  });

  test('funding: settlements, intervals seen, off-schedule count and gaps', () => {
    const f = qualityReport([instrument('B')]).instruments[0]!.funding;
    expect(f).toEqual({
      settlements: 5,
      first_ts: '2025-01-01T00:00:00.000Z',
      last_ts: '2025-01-02T16:00:00.000Z',
      intervals_seen: [{ hours: 8, count: 4 }, { hours: 16, count: 1 }],
      off_schedule: 0,
      duplicates_dropped: 0,
      gap_count: 1,
      gaps: [{ after: '2025-01-01T16:00:00.000Z', before: '2025-01-02T08:00:00.000Z', hours: 16 }],
    });
  });

  test('lists the first 20 gaps and counts them all', () => {
    const rows: Row[] = [];
    for (let k = 0; k <= 50; k += 2) rows.push([T0 + k * M5, 1, 1, 1, 1, 1]); // every other slot: 25 gaps
    const a = alignToGrid(barsOf(rows), oneFile(rows.length), '5m', { instrument: 'X' });
    const q = qualityReport([{ instrument: 'X', timeframes: [{ timeframe: '5m', bars: a.bars, flags: a.flags, duplicates_dropped: 0 }], funding: null }]);
    const t = q.instruments[0]!.timeframes[0]!;
    expect(t.gap_count).toBe(25);
    expect(t.gaps.length).toBe(20);
    expect(t.longest_gap).toEqual({ start: '2025-01-01T00:05:00.000Z', end: '2025-01-01T00:05:00.000Z', bars: 1 });
  });

  test('totals add up across instruments; output is sorted, JSON-clean and independent of input order', () => {
    const r1 = qualityReport([instrument('B'), instrument('A')]);
    const r2 = qualityReport([instrument('A'), instrument('B')]);
    expect(JSON.stringify(r1)).toBe(JSON.stringify(r2));
    expect(r1.instruments.map((i) => i.instrument)).toEqual(['A', 'B']);
    expect(r1.instruments[0]!.timeframes.map((t) => t.timeframe)).toEqual(['5m', '1h']);
    expect(JSON.parse(JSON.stringify(r1))).toEqual(r1); // no NaN or undefined
    const t5 = r1.totals.timeframes[0]!;
    expect(t5).toEqual({
      timeframe: '5m', instruments: 2, expected_bars: 20, present_bars: 14, coverage_pct: 70, missing_bars: 6,
      gap_count: 4, duplicates_dropped: 2, zero_volume_bars: 2, outlier_bars: 2, partial_buckets: 0,
    });
    expect(r1.totals.funding).toEqual({ instruments: 2, settlements: 10, off_schedule: 0, duplicates_dropped: 0, gap_count: 2 });
    expect(Object.keys(r1)).toEqual(['version', 'instruments', 'totals']);
  });

  test('coverage never rounds up to 100 % while a bar is missing; an empty series has null coverage', () => {
    const rows: Row[] = [];
    for (let k = 0; k < 300_000; k++) if (k !== 5) rows.push([T0 + k * M5, 1, 1, 1, 1, 1]);
    const a = alignToGrid(barsOf(rows), oneFile(rows.length), '5m', { instrument: 'X' });
    const empty = alignToGrid(barsOf([]), oneFile(0), '5m', { instrument: 'X' });
    const q = qualityReport([{
      instrument: 'X',
      timeframes: [
        { timeframe: '5m', bars: a.bars, flags: a.flags, duplicates_dropped: 0 },
        { timeframe: '1h', bars: empty.bars, flags: empty.flags, duplicates_dropped: 0 },
      ],
      funding: null,
    }]);
    expect(q.instruments[0]!.timeframes[0]!.coverage_pct).toBe(99.999); // 299999 / 300000 = 99.99967 %
    expect(q.instruments[0]!.timeframes[1]).toMatchObject({ expected_bars: 0, coverage_pct: null, first_ts: null });
  });
});

describe('renderQualityMarkdown', () => {
  test('a table per instrument, the gap list, funding and totals', () => {
    const md = renderQualityMarkdown(qualityReport([instrument('BTCUSDT-PERP.BINANCE')]));
    expect(md.startsWith('# Data quality\n')).toBe(true);
    expect(md).toContain('## Totals');
    expect(md).toContain('## BTCUSDT-PERP.BINANCE');
    expect(md).toContain(
      '| 5m | 2025-01-01T00:00:00.000Z | 2025-01-01T00:45:00.000Z | 10 | 7 | 70.000 | 2 | ' +
        '2025-01-01T00:10:00.000Z .. 2025-01-01T00:15:00.000Z (2 bars) | 1 | 1 | 1 | 0 |',
    );
    expect(md).toContain('- 2025-01-01T00:30:00.000Z (1 bar)');
    expect(md).toContain('8h: 4, 16h: 1');
    expect(md).toContain('- 2025-01-01T16:00:00.000Z -> 2025-01-02T08:00:00.000Z (16 h)');
    expect(md.endsWith('\n')).toBe(true);
    expect(renderQualityMarkdown(qualityReport([instrument('BTCUSDT-PERP.BINANCE')]))).toBe(md);
  });
});
