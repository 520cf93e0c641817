import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from '../../../lib/errors.js';
import { discoverBinanceFiles } from '../../../lib/ingest/binance_vision/discover.js';
import type { DiscoveredFile } from '../../../lib/ingest/binance_vision/layout.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bv-disc-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function touch(...rels: string[]): Promise<void> {
  for (const r of rels) {
    await mkdir(dirname(join(root, r)), { recursive: true });
    await writeFile(join(root, r), 'x');
  }
}

/** The fields a test cares about, compact. */
function brief(f: DiscoveredFile): string {
  return [f.kind, f.market, f.marketFrom, f.symbol, f.interval ?? '-', f.period ?? '-', f.granularity ?? '-', f.compression].join(' ');
}

const VISION = [
  'mirror/data/spot/monthly/klines/ETHUSDT/5m/ETHUSDT-5m-2025-01.zip',
  'mirror/data/spot/monthly/klines/ETHUSDT/5m/ETHUSDT-5m-2025-01.zip.CHECKSUM',
  'mirror/data/futures/um/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2025-02.zip',
  'mirror/data/futures/um/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-02.zip',
  'mirror/data/futures/um/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip',
  'mirror/data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2025-03-01.csv',
  'mirror/data/futures/um/monthly/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2025-01.zip',
  'mirror/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-01.zip',
  'mirror/data/futures/cm/monthly/klines/BTCUSD_PERP/5m/BTCUSD_PERP-5m-2025-01.zip',
];

describe('discoverBinanceFiles: data.binance.vision tree', () => {
  test('a nested mirror is found from above data/, with kind, market and period from the path, sorted', async () => {
    await touch(...VISION);
    const { files, ignored } = await discoverBinanceFiles(root);
    expect(ignored).toEqual([]); // the .CHECKSUM is a companion, not data and not "unknown"
    expect(files.map(brief)).toEqual([
      'funding um path BTCUSDT - 2025-01 monthly zip',
      'klines cm path BTCUSD_PERP 5m 2025-01 monthly zip',
      'klines spot path ETHUSDT 5m 2025-01 monthly zip',
      'klines um path BTCUSDT 5m 2025-01 monthly zip',
      'klines um path BTCUSDT 5m 2025-02 monthly zip',
      'klines um path BTCUSDT 5m 2025-03-01 daily none',
      'klines um path BTCUSDT 1h 2025-02 monthly zip',
      'mark_klines um path BTCUSDT 1h 2025-01 monthly zip',
    ]);
    expect(files[0]!.rel).toBe('mirror/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-01.zip');
    expect(files[0]!.path).toBe(join(root, files[0]!.rel));
  });

  test('a root deep inside the tree still reads kind and market from the folders above it', async () => {
    await touch(...VISION);
    const deep = join(root, 'mirror/data/futures/um/monthly/markPriceKlines/BTCUSDT/1h');
    const { files } = await discoverBinanceFiles(deep, { market: 'spot' });
    expect(files.map(brief)).toEqual(['mark_klines um path BTCUSDT 1h 2025-01 monthly zip']);
    expect(files[0]!.rel).toBe('BTCUSDT-1h-2025-01.zip');
  });

  test('a loose folder of monthly zips takes its market from the option, else the default um', async () => {
    await touch('loose/BTCUSDT-5m-2025-01.zip', 'loose/BTCUSDT-5m-2025-02.zip');
    const spot = await discoverBinanceFiles(join(root, 'loose'), { market: 'spot' });
    expect(spot.files.map(brief)).toEqual([
      'klines spot option BTCUSDT 5m 2025-01 monthly zip',
      'klines spot option BTCUSDT 5m 2025-02 monthly zip',
    ]);
    const dflt = await discoverBinanceFiles(join(root, 'loose'));
    expect(dflt.files.map((f) => `${f.market} ${f.marketFrom}`)).toEqual(['um default', 'um default']);
  });

  test('unknown intervals, unsupported data types and misplaced files are ignored with a reason', async () => {
    await touch(
      'data/spot/monthly/klines/BTCUSDT/1w/BTCUSDT-1w-2025-01.zip',
      'data/futures/um/monthly/indexPriceKlines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip',
      'data/futures/um/monthly/klines/ETHUSDT/5m/BTCUSDT-5m-2025-01.zip',
      'data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip',
      'data/futures/um/monthly/trades/BTCUSDT/BTCUSDT-trades-2025-01.zip',
      'data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-13.zip',
      'data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-02.zip.part',
      'README.md',
    );
    const { files, ignored } = await discoverBinanceFiles(root);
    expect(files).toEqual([]);
    const reasons = Object.fromEntries(ignored.map((i) => [i.rel, i.reason]));
    expect(reasons['data/spot/monthly/klines/BTCUSDT/1w/BTCUSDT-1w-2025-01.zip']).toMatch(/interval "1w" is not supported .*5m/);
    expect(reasons['data/futures/um/monthly/indexPriceKlines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip']).toMatch(/indexPriceKlines files are not ingested/);
    expect(reasons['data/futures/um/monthly/klines/ETHUSDT/5m/BTCUSDT-5m-2025-01.zip']).toMatch(/symbol BTCUSDT .* differs from its folder "ETHUSDT"/);
    expect(reasons['data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip']).toMatch(/monthly period .* in a daily\/ folder/);
    expect(reasons['data/futures/um/monthly/trades/BTCUSDT/BTCUSDT-trades-2025-01.zip']).toMatch(/"trades" is not a data type we ingest/);
    expect(reasons['data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-13.zip']).toMatch(/period "2025-13"/);
    expect(reasons['data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-02.zip.part']).toMatch(/incomplete download/);
    expect(reasons['README.md']).toMatch(/not a \.zip, \.csv or \.csv\.gz file/);
    expect(ignored.map((i) => i.rel)).toEqual([...ignored.map((i) => i.rel)].sort());
  });

  test('a zip and its unzipped csv count once: the zip is kept, the csv reported as a duplicate', async () => {
    await touch('data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip', 'data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.csv');
    const { files, ignored } = await discoverBinanceFiles(root);
    expect(files.map((f) => f.compression)).toEqual(['zip']);
    expect(ignored).toHaveLength(1);
    expect(ignored[0]!.reason).toBe('duplicate of data/spot/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2025-01.zip (same kind, market, symbol, interval, period)');
  });

  test('a missing root is a usage error naming it', async () => {
    await expect(discoverBinanceFiles(join(root, 'nope'))).rejects.toThrow(UsageError);
    await expect(discoverBinanceFiles(join(root, 'nope'))).rejects.toThrow(/Binance data folder not found: .*nope/);
  });
});

describe('discoverBinanceFiles: flat layout of the shared datasets', () => {
  const FLAT = [
    'ds/klines/BTCUSDT-5m.csv.gz',
    'ds/klines/ETHUSDT-5m.csv.gz',
    'ds/spot-klines/ADAUSDT-5m.csv.gz',
    'ds/funding/BTCUSDT-funding.csv',
    'ds/markprice/BTCUSDT-mark-1h.csv.gz',
    'ds/SOURCE.md',
    'ds/MANIFEST.csv',
    'ds/qa.json',
  ];

  test('klines, spot-klines, funding and markprice are recognised; klines market from the option (default um)', async () => {
    await touch(...FLAT);
    const { files, ignored } = await discoverBinanceFiles(join(root, 'ds'));
    expect(files.map(brief)).toEqual([
      'funding um default BTCUSDT - - - none',
      'klines spot path ADAUSDT 5m - - gzip',
      'klines um default BTCUSDT 5m - - gzip',
      'klines um default ETHUSDT 5m - - gzip',
      'mark_klines um default BTCUSDT 1h - - gzip',
    ]);
    expect(ignored.map((i) => i.rel)).toEqual(['MANIFEST.csv', 'SOURCE.md', 'qa.json']);
    expect(ignored.find((i) => i.rel === 'MANIFEST.csv')!.reason).toMatch(/file name not recognised/);
  });

  test('a spot dataset (klines/ holding spot bars) is read as spot when asked; funding stays a futures market', async () => {
    await touch(...FLAT);
    const { files } = await discoverBinanceFiles(join(root, 'ds'), { market: 'spot' });
    expect(files.filter((f) => f.kind === 'klines').map((f) => `${f.symbol} ${f.market}`)).toEqual(['ADAUSDT spot', 'BTCUSDT spot', 'ETHUSDT spot']);
    expect(files.find((f) => f.kind === 'funding')!.market).toBe('um');
  });

  test('a flat file with an unsupported interval is ignored with the reason', async () => {
    await touch('ds/klines/BTCUSDT-1s.csv.gz', 'ds/markprice/BTCUSDT-mark-1w.csv.gz');
    const { files, ignored } = await discoverBinanceFiles(join(root, 'ds'));
    expect(files).toEqual([]);
    expect(ignored.map((i) => i.reason)).toEqual([
      expect.stringMatching(/interval "1s" is not supported/),
      expect.stringMatching(/interval "1w" is not supported/),
    ]);
  });

  test('both layouts side by side are discovered in one pass', async () => {
    await touch(...FLAT, ...VISION);
    const { files } = await discoverBinanceFiles(root);
    expect(files).toHaveLength(5 + 8);
    expect(files.filter((f) => f.period === undefined)).toHaveLength(5);
  });
});
