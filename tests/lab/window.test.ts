import { describe, expect, test } from '@jest/globals';
import { anchorWindow, checkZone, envDateDefaults, parseDotEnv, parseWindowArgs } from '../../lib/lab/window.js';
import { DataError, UsageError } from '../../lib/errors.js';

function usage(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('date/window contract', () => {
  test('neither dates nor window: exit-2 error with an actionable hint', () => {
    const e = usage(() => parseWindowArgs({}));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('no dates given: a backtest needs a window');
    expect(e.hint).toContain('--start YYYY-MM-DD --end YYYY-MM-DD');
    expect(e.hint).toContain('--window P90D');
    expect(usage(() => parseWindowArgs({ start: '2025-01-01' })).message).toBe('--end is missing: a backtest needs a window');
  });

  test('both a range and a window are refused', () => {
    expect(usage(() => parseWindowArgs({ start: '2025-01-01', end: '2025-02-01', window: 'P30D' })).message).toContain('not both');
  });

  test('a misspelt zone is refused with a suggestion', () => {
    const e = usage(() => checkZone('America/Nwe_York'));
    expect(e.message).toBe('--tz "America/Nwe_York" is not an IANA time zone');
    expect(e.hint).toBe('did you mean --tz America/New_York?');
    expect(checkZone('Asia/Kolkata')).toBe('Asia/Kolkata');
  });

  test('dates are midnight in the zone; a date --end includes that day', () => {
    const w = parseWindowArgs({ start: '2025-01-01', end: '2025-01-31', tz: 'America/New_York' });
    expect(w.kind).toBe('range');
    if (w.kind !== 'range') return;
    expect(new Date(w.startMs).toISOString()).toBe('2025-01-01T05:00:00.000Z');
    expect(new Date(w.endMs).toISOString()).toBe('2025-02-01T05:00:00.000Z');
  });

  test('ISO timestamps with offsets are that instant whatever --tz says', () => {
    const w = parseWindowArgs({ start: '2025-03-01T09:30:00-05:00', end: '2025-03-02T00:00:00Z', tz: 'Asia/Tokyo' });
    if (w.kind !== 'range') throw new Error('range expected');
    expect(w.startMs).toBe(Date.UTC(2025, 2, 1, 14, 30));
    expect(w.endMs).toBe(Date.UTC(2025, 2, 2));
    const local = parseWindowArgs({ start: '2025-03-01T09:30:00', end: '2025-03-02T00:00:00', tz: 'Asia/Tokyo' });
    if (local.kind !== 'range') throw new Error('range expected');
    expect(local.startMs).toBe(Date.UTC(2025, 2, 1, 0, 30));
  });

  test('reversed and empty windows, bad dates and bad durations exit 2', () => {
    expect(usage(() => parseWindowArgs({ start: '2025-03-01', end: '2025-02-01' })).message).toContain('reversed');
    expect(usage(() => parseWindowArgs({ start: '2025-03-01T00:00:00Z', end: '2025-03-01T00:00:00Z' })).message).toContain('empty');
    expect(usage(() => parseWindowArgs({ start: '2025-13-01', end: '2025-12-01' })).message).toContain('--start "2025-13-01" is not a date');
    expect(usage(() => parseWindowArgs({ window: '90D' })).message).toBe('--window "90D" is not an ISO-8601 duration');
    expect(usage(() => parseWindowArgs({ window: 'P0D' })).message).toContain('empty or negative');
  });

  test('a duration window ends at the end of the data, one calendar duration earlier in the zone', () => {
    const data = { startMs: Date.UTC(2024, 0, 1), endMs: Date.UTC(2025, 3, 1), where: 'lake' };
    const w = anchorWindow(parseWindowArgs({ window: 'P90D' }), data);
    expect(w.endMs).toBe(data.endMs);
    expect(w.startMs).toBe(data.endMs - 90 * 86_400_000);
    // across the US DST change (2025-03-09): 1 calendar month in New York is 31 days minus one hour
    const ny = anchorWindow(parseWindowArgs({ window: 'P1M', tz: 'America/New_York' }), { ...data, endMs: Date.UTC(2025, 3, 1, 4) });
    expect(new Date(ny.startMs).toISOString()).toBe('2025-03-01T05:00:00.000Z');
    expect(ny.start_local).toBe('2025-03-01T00:00:00.000-05:00');
  });

  test('a window outside the data is a located DataError (exit 3)', () => {
    const w = parseWindowArgs({ start: '2020-01-01', end: '2020-02-01' });
    expect(() => anchorWindow(w, { startMs: Date.UTC(2025, 0, 1), endMs: Date.UTC(2025, 1, 1), where: 'lake/cleaned/bars BTCUSDT 5m' })).toThrow(DataError);
    try {
      anchorWindow(w, { startMs: Date.UTC(2025, 0, 1), endMs: Date.UTC(2025, 1, 1), where: 'lake/cleaned/bars BTCUSDT 5m' });
    } catch (e) {
      expect((e as DataError).exitCode).toBe(3);
      expect((e as DataError).message).toBe('lake/cleaned/bars BTCUSDT 5m window: the window 2020-01-01T00:00:00.000Z .. 2020-02-02T00:00:00.000Z is outside the data (2025-01-01T00:00:00.000Z .. 2025-02-01T00:00:00.000Z), was "2020-01-01..2020-02-01"');
    }
  });

  test('--allow-env-dates: environment over .env, only for flags not given, keys reported', () => {
    const dotenv = parseDotEnv('# dates\nQUANTLAB_START=2025-01-01\nexport QUANTLAB_END="2025-02-01"\nQUANTLAB_TZ=Europe/London\n');
    expect(dotenv).toEqual({ QUANTLAB_START: '2025-01-01', QUANTLAB_END: '2025-02-01', QUANTLAB_TZ: 'Europe/London' });
    const r = envDateDefaults({}, { QUANTLAB_END: '2025-03-01' }, dotenv);
    expect(r.args).toEqual({ start: '2025-01-01', end: '2025-03-01', tz: 'Europe/London' });
    expect(r.used).toEqual({ QUANTLAB_START: '2025-01-01', QUANTLAB_END: '2025-03-01', QUANTLAB_TZ: 'Europe/London' });
    const given = envDateDefaults({ window: 'P7D', tz: 'UTC' }, { QUANTLAB_START: '2025-01-01' }, {});
    expect(given).toEqual({ args: { window: 'P7D', tz: 'UTC' }, used: {} });
  });
});
