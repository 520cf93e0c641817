import { describe, expect, test } from '@jest/globals';
import {
  escapeXml, fmtBps, fmtDate, fmtDateTime, fmtDays, fmtInt, fmtMult, fmtNum, fmtPct, fmtProb, fmtSeconds, fmtSignedPct,
  fmtSpan,
} from '../../lib/report/format.js';

describe('format', () => {
  test('missing values are n/a everywhere, infinities are explicit', () => {
    for (const f of [fmtNum, fmtInt, fmtPct, fmtSignedPct, fmtBps, fmtProb, fmtMult, fmtDate, fmtDateTime, fmtDays, fmtSeconds]) {
      expect(f(NaN)).toBe('n/a');
      expect(f(undefined)).toBe('n/a');
      expect(f(null)).toBe('n/a');
    }
    expect(fmtNum(Infinity)).toBe('+inf');
    expect(fmtPct(-Infinity)).toBe('-inf');
    expect(fmtDate(Infinity)).toBe('n/a');
  });

  test('numbers, percents, bps, multiples', () => {
    expect(fmtNum(12345.678)).toBe('12,345.68');
    expect(fmtNum(-0.001)).toBe('0.00'); // never "-0.00"
    expect(fmtInt(1234567.4)).toBe('1,234,567');
    expect(fmtPct(0.1234)).toBe('12.34%');
    expect(fmtSignedPct(0.1234)).toBe('+12.34%');
    expect(fmtSignedPct(-0.05)).toBe('-5.00%');
    expect(fmtSignedPct(0.00001)).toBe('0.00%');
    expect(fmtBps(0.00123)).toBe('12.3 bps');
    expect(fmtProb(0.97312)).toBe('0.973');
    expect(fmtMult(1.5)).toBe('1.50x');
    expect(fmtSeconds(0.0123)).toBe('12 ms');
    expect(fmtSeconds(4.561)).toBe('4.56 s');
    expect(fmtSeconds(779.6)).toBe('13 min 0 s');
  });

  test('UTC dates; [start, end) spans show the last covered day', () => {
    expect(fmtDate(Date.UTC(2025, 0, 31, 23, 59))).toBe('2025-01-31');
    expect(fmtDateTime(Date.UTC(2025, 0, 31, 23, 55))).toBe('2025-01-31 23:55 UTC');
    expect(fmtSpan(Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1))).toBe('2025-01-01 .. 2025-01-31');
    expect(fmtSpan(Date.UTC(2025, 0, 1, 6), Date.UTC(2025, 0, 2, 6))).toBe('2025-01-01 06:00 .. 2025-01-02 06:00 (end excl.)');
    expect(fmtDays(36 * 3_600_000)).toBe('1.5 d');
  });

  test('XML escaping', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
