import { describe, expect, jest, test } from '@jest/globals';
import {
  escapeXml, fmtBps, fmtDate, fmtDateTime, fmtDays, fmtInt, fmtMult, fmtNum, fmtPct, fmtProb, fmtSeconds, fmtSignedPct,
  fmtSpan, localeFixed,
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

  test('thousands without Intl: character for character what toLocaleString(en-US) prints (ICU: shortest decimal, half away from zero)', () => {
    // ties of the shortest decimal that the exact binary value would round the other way (toFixed: 7230.4), carries
    // through every digit, negatives rounding to zero, tiny values printed in exponent form by String, -0, 1e21
    const values = [
      7230.45, 8630.55, 15631.05, 1001.005, 999.995, 9999.995, 99999.9951, -1234.005, 1234.5, -1234.5, 2.5, 0.5, 1.5,
      -0.5, 0, -0, -0.004, -0.0049, 0.0049, 1e-7, -1.5e-7, 5e-324, 123456789.123456, 1e20, -1e20, 999999999999999999999,
      1e21, 1.7976931348623157e308, 0.1 + 0.2, 1000.0000001, 12345.678,
    ];
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 400; i++) values.push((rnd() - 0.5) * 10 ** Math.floor(rnd() * 24 - 6), Math.round((rnd() - 0.5) * 1e8) / 1000 + 0.0005);
    for (const v of values) {
      for (const d of [0, 1, 2, 3, 4, 7]) expect(`${v} ${d}: ${localeFixed(v, d)}`).toBe(`${v} ${d}: ${v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })}`);
      expect(`${v}: ${fmtInt(v)}`).toBe(`${v}: ${Math.round(v).toLocaleString('en-US')}`);
      if (Math.abs(v) >= 1000) expect(fmtNum(v, 2)).toBe(v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    }
    // and no Intl formatter is built for them
    const spy = jest.spyOn(Number.prototype, 'toLocaleString');
    try {
      expect([fmtNum(7230.45, 1), fmtInt(1234567.4), fmtNum(-1234.005)]).toEqual(['7,230.5', '1,234,567', '-1,234.01']);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test('XML escaping', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
