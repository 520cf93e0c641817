import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../../lib/errors.js';
import { dayRange, isDay, joinUrl, monthRange, visionRelPath } from '../../../lib/ingest/binance_vision/layout.js';
import { planDownload, type DownloadOptions } from '../../../lib/ingest/binance_vision/plan.js';

describe('layout', () => {
  test('month and day ranges are inclusive and cross year ends', () => {
    expect(monthRange('2024-11', '2025-02')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
    expect(monthRange('2025-02', '2025-01')).toEqual([]);
    expect(dayRange('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']); // 2024 is a leap year
  });

  test('isDay rejects dates that do not exist', () => {
    expect(isDay('2025-02-29')).toBe(false);
    expect(isDay('2024-02-29')).toBe(true);
  });

  test('paths follow data.binance.vision for spot, futures and funding (URLs copied from the site)', () => {
    expect(visionRelPath({ market: 'spot', kind: 'klines', symbol: 'BTCUSDT', interval: '5m', period: '2025-01' }))
      .toBe('data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip');
    expect(visionRelPath({ market: 'um', kind: 'mark_klines', symbol: 'BTCUSDT', interval: '1h', period: '2025-01-15' }))
      .toBe('data/futures/um/daily/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2025-01-15.zip');
    expect(visionRelPath({ market: 'um', kind: 'funding', symbol: 'BTCUSDT', period: '2025-01' }))
      .toBe('data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-01.zip');
    expect(joinUrl('https://data.binance.vision/', 'data/x.zip')).toBe('https://data.binance.vision/data/x.zip');
  });
});

describe('planDownload', () => {
  const base: DownloadOptions = {
    destDir: '/tmp/x', market: 'um', kind: 'klines', symbols: ['ETHUSDT', 'BTCUSDT', 'BTCUSDT'], interval: '5m',
    startMonth: '2025-01', endMonth: '2025-02', daily: { from: '2025-03-01', to: '2025-03-02' },
  };

  test('lists monthly then daily files per symbol, symbols sorted and de-duplicated', () => {
    expect(planDownload(base).map((p) => p.rel.split('/').pop())).toEqual([
      'BTCUSDT-5m-2025-01.zip', 'BTCUSDT-5m-2025-02.zip', 'BTCUSDT-5m-2025-03-01.zip', 'BTCUSDT-5m-2025-03-02.zip',
      'ETHUSDT-5m-2025-01.zip', 'ETHUSDT-5m-2025-02.zip', 'ETHUSDT-5m-2025-03-01.zip', 'ETHUSDT-5m-2025-03-02.zip',
    ]);
  });

  test('daily files inside the monthly range, daily funding and a missing interval are refused', () => {
    expect(() => planDownload({ ...base, daily: { from: '2025-02-20', to: '2025-03-01' } })).toThrow(/falls in a month already fetched/);
    expect(() => planDownload({ ...base, kind: 'funding' })).toThrow(/funding rates monthly only/);
    const { interval: _drop, ...noInterval } = base;
    expect(() => planDownload(noInterval)).toThrow(UsageError);
    expect(() => planDownload({ ...base, interval: '7m' as never })).toThrow(/unknown interval "7m"/);
  });
});
