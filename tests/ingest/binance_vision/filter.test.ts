import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../../lib/errors.js';
import { filterFiles } from '../../../lib/ingest/binance_vision/filter.js';
import type { DiscoveredFile } from '../../../lib/ingest/binance_vision/layout.js';
import type { Timeframe } from '../../../lib/timeframe.js';

function file(kind: DiscoveredFile['kind'], symbol: string, interval?: Timeframe): DiscoveredFile {
  const f: DiscoveredFile = { path: `/d/${symbol}`, rel: symbol, kind, market: 'um', marketFrom: 'default', symbol, compression: 'gzip' };
  if (interval) f.interval = interval;
  return f;
}

const FILES = [
  file('funding', 'BTCUSDT'),
  file('klines', 'BTCUSDT', '5m'),
  file('klines', 'ETHUSDT', '5m'),
  file('klines', 'SOLUSDT', '1h'),
  file('mark_klines', 'BTCUSDT', '1h'),
];

function errorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('filterFiles', () => {
  test('keeps the requested symbols, intervals and kinds; funding has no interval and passes the interval filter', () => {
    const out = filterFiles(FILES, { symbols: ['BTCUSDT'], intervals: ['5m'], kinds: ['klines', 'funding'] });
    expect(out.map((f) => `${f.kind} ${f.symbol} ${f.interval ?? '-'}`)).toEqual(['funding BTCUSDT -', 'klines BTCUSDT 5m']);
  });

  test('no filter keeps everything', () => {
    expect(filterFiles(FILES, {})).toEqual(FILES);
  });

  test('an unknown symbol is a usage error listing the available symbols and the root', () => {
    const e = errorOf(() => filterFiles(FILES, { symbols: ['BTCUSDT', 'BTCUSD'] }, '/data/bv'));
    expect(e.message).toBe('Unknown symbol "BTCUSD". Available in /data/bv: BTCUSDT, ETHUSDT, SOLUSDT');
  });

  test('a wrong-case symbol gets a did-you-mean hint', () => {
    const e = errorOf(() => filterFiles(FILES, { symbols: ['ethusdt'] }, '/data/bv'));
    expect(e.hint).toBe('Names are case-sensitive: did you mean ETHUSDT?');
  });

  test('an unknown interval lists the intervals present, shortest first', () => {
    const e = errorOf(() => filterFiles(FILES, { intervals: ['15m'] }, '/data/bv'));
    expect(e.message).toBe('Unknown interval "15m". Available in /data/bv: 5m, 1h');
  });

  test('availability is checked after the earlier filters: SOLUSDT has no 5m bars', () => {
    const e = errorOf(() => filterFiles(FILES, { symbols: ['SOLUSDT'], intervals: ['5m'] }, '/data/bv'));
    expect(e.message).toBe('Unknown interval "5m". Available in /data/bv: 1h');
  });

  test('a kind with no files is refused, listing the kinds present', () => {
    const e = errorOf(() => filterFiles([file('klines', 'BTCUSDT', '5m')], { kinds: ['funding'] }, '/data/bv'));
    expect(e.message).toBe('Unknown kind "funding". Available in /data/bv: klines');
  });
});
