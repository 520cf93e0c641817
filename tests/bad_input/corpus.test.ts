/**
 * The bad-input corpus (issue 9 items 4 and 7, issue 10 item 2's ingest window): malformed inputs across every ingest
 * source (binance-vision, csv, ccxt answers from a local server, synthetic params), the ingest window and the clean
 * coverage threshold. Each case runs the REAL stage executable over a copy of a committed good lake and asserts the
 * exact message (hint included), the exit code, the location (file, line, field, value) where there is one, and that
 * every file under the data dir is byte-identical afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBinanceFixture, type BinanceFixture, type FixturePatch } from '../ingest/ccxt/binance_fixture.js';
import {
  FLAT_KLINES, KLINE_HEADER, M5, T0, binanceParams, copyLake, expectFailure, goodBars, gz, ingest, klinesCsv, put, run,
  seedGoodLake, snapshot, visionKlinePath, zipCsv, type Bar, type RunResult,
} from './helpers.js';

let work: string;
let seed: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bad-corpus-'));
  seed = await seedGoodLake(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const H1 = 3_600_000;
const FUNDING = 'funding/BTCUSDT-funding.csv';
const FUNDING_CSV = `funding_time,funding_rate\n${T0},0.0001\n${T0 + 8 * H1},0.0002\n`;

/** A fresh source folder under the work dir. */
const newSrc = (): string => join(work, `src-${++n}`);

/**
 * Run one stage over a copy of the good lake; the lake must be byte-identical afterwards. Returns the result and the
 * error message with the work dir replaced by <W> (sources live there).
 */
async function refused(args: string[], stage: 'ingest' | 'clean' = 'ingest', lake?: string): Promise<{ r: RunResult; msg: (code: number, type?: string) => string }> {
  const dataDir = lake ?? (await copyLake(seed, join(work, `data-${++n}`)));
  const before = await snapshot(dataDir);
  const r = await run(stage, ['--data_dir', dataDir, ...args]);
  expect(await snapshot(dataDir)).toEqual(before);
  return { r, msg: (code, type) => expectFailure(r, code, type).split(work).join('<W>') };
}

const params = (p: object): string[] => ['--params_json', JSON.stringify(p)];
const binance = (path: string, extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) =>
  params({ source: 'binance-vision', ...top, binance_vision: { path, ...extra } });

/** 12 bars `step` apart from T0. */
const spaced = (nBars: number, step: number): Bar[] => goodBars(nBars).map((b, i) => ({ ...b, ts: T0 + i * step }));

const HEADER_ONLY_HINT = (sym: string, src: string) => `a header-only file would drop ${sym} from the lake: download the file again or remove it from ${src}`;
const WINDOW_HINT = 'use an ISO date or datetime in UTC, e.g. 2025-01-01 or 2025-01-01T08:00:00Z (start inclusive, end exclusive)';

describe('binance-vision', () => {
  test('bv1 a header-only flat kline file (the symbol used to vanish) is exit 3 at line 2', async () => {
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(`${KLINE_HEADER}\n`));
    const { msg } = await refused(binance(src, { market: 'spot' }));
    expect(msg(3, 'DataError')).toBe(`${FLAT_KLINES}:2 rows: no kline rows: the file holds only a header, was 0\n  -> ${HEADER_ONLY_HINT('BTCUSDT', src.split(work).join('<W>'))}`);
  });

  test('bv2 a header-only vision zip is exit 3 naming the zip', async () => {
    const src = newSrc();
    const rel = visionKlinePath('spot', '2025-01');
    await put(src, rel, zipCsv('BTCUSDT-5m-2025-01.csv', `${KLINE_HEADER}\n`));
    const { msg } = await refused(binance(src));
    expect(msg(3, 'DataError')).toBe(`${rel}:2 rows: no kline rows: the file holds only a header, was 0\n  -> ${HEADER_ONLY_HINT('BTCUSDT', src.split(work).join('<W>'))}`);
  });

  test('bv3 a header-only funding file is exit 3', async () => {
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(klinesCsv(goodBars(12))));
    await put(src, FUNDING, 'funding_time,funding_rate\n');
    const { msg } = await refused(binance(src, { market: 'um' }));
    expect(msg(3, 'DataError')).toBe(`${FUNDING}:2 rows: no funding rows: the file holds only a header, was 0\n  -> ${HEADER_ONLY_HINT('BTCUSDT', src.split(work).join('<W>'))}`);
  });

  test('bv4 1h bars in a 5m file (accepted at 8.4% coverage before) are exit 3 at the first 1h step', async () => {
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(klinesCsv(spaced(12, H1))));
    const { msg } = await refused(binance(src, { market: 'spot' }));
    // line 3 holds bar 1, the first one 1h after its predecessor
    expect(msg(3, 'DataError')).toBe(`${FLAT_KLINES}:3 open_time: bars are 1h apart (11 of 11 steps; 0 at 5m) but the file name (BTCUSDT-5m.csv.gz) says 5m, was ${T0 + H1}`
      + '\n  -> the file holds 1h bars: name it for that interval (or fix the mapping), or re-export it at 5m');
  });

  test('bv5 1m bars in a 5m vision zip are exit 3', async () => {
    const src = newSrc();
    const rel = visionKlinePath('spot', '2025-01');
    await put(src, rel, zipCsv('BTCUSDT-5m-2025-01.csv', klinesCsv(spaced(12, 60_000), false)));
    const { msg } = await refused(binance(src));
    expect(msg(3, 'DataError')).toBe(`${rel}:2 open_time: bars are 1m apart (11 of 11 steps; 0 at 5m) but the file name (BTCUSDT-5m-2025-01.zip) says 5m, was ${T0 + 60_000}`
      + '\n  -> the file holds 1m bars: name it for that interval (or fix the mapping), or re-export it at 5m');
  });

  test('bv6 a flat klines/ folder with no market stated is a usage error (exit 2) asking for it', async () => {
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(klinesCsv(goodBars(12))));
    const { msg } = await refused(binance(src));
    expect(msg(2, 'UsageError')).toBe(`1 kline file(s) in ${src.split(work).join('<W>')} do not say their market (e.g. ${FLAT_KLINES}): spot or perpetual (um)?`
      + '\n  -> pass --set ingest.binance_vision.market=um (USDT-M perpetuals) or --set ingest.binance_vision.market=spot, or set stages.ingest.binance_vision.market in spec/pipeline.yaml');
  });

  const NO_FUNDING_HINT = 'if these are spot klines pass --set ingest.binance_vision.market=spot; for a perpetual add its funding history '
    + '(funding/BTCUSDT-funding.csv or fundingRate/BTCUSDT/ zips); to ingest bars only set ingest.binance_vision.kinds=["klines"]';

  test('bv7 spot klines in the flat layout taken as perps (market=um) with no funding file: exit 3 naming market=spot', async () => {
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(klinesCsv(goodBars(12))));
    const { msg } = await refused(binance(src, { market: 'um' }));
    expect(msg(3, 'DataError')).toBe(`${FLAT_KLINES} market: BTCUSDT is a perpetual (market um, from ingest.binance_vision.market=um) but the source has no funding file for it, was "um"\n  -> ${NO_FUNDING_HINT}`);
  });

  test('bv8 a USDT-M vision zip (market from its path) with no funding file: exit 3', async () => {
    const src = newSrc();
    const rel = visionKlinePath('um', '2025-01');
    await put(src, rel, zipCsv('BTCUSDT-5m-2025-01.csv', klinesCsv(goodBars(12))));
    const { msg } = await refused(binance(src));
    expect(msg(3, 'DataError')).toBe(`${rel} market: BTCUSDT is a perpetual (market um, from its path) but the source has no funding file for it, was "um"\n  -> ${NO_FUNDING_HINT}`);
  });

  test('bv9 a broken symlink in the source folder is a located error, not a bare ENOENT', async () => {
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(klinesCsv(goodBars(12))));
    await symlink(join(work, 'gone', 'ETHUSDT-5m.csv.gz'), join(src, 'klines', 'ETHUSDT-5m.csv.gz'));
    const { msg } = await refused(binance(src, { market: 'spot' }));
    expect(msg(3, 'DataError')).toBe(`klines/ETHUSDT-5m.csv.gz target: broken symbolic link: its target does not exist, was "<W>/gone/ETHUSDT-5m.csv.gz"`
      + `\n  -> restore the target or remove the link from ${src.split(work).join('<W>')}`);
  });

  test('bv10 download enabled without a market is a usage error (before any request)', async () => {
    const src = newSrc();
    const { msg } = await refused(binance(src, { download: { enabled: true, base_url: 'http://127.0.0.1:9' } }));
    expect(msg(2, 'UsageError')).toBe('ingest.binance_vision.download needs the market to download (um: USDT-M futures, spot, cm)'
      + '\n  -> pass --set ingest.binance_vision.market=um (or spot), or set stages.ingest.binance_vision.market in spec/pipeline.yaml');
  });

  test('bv11 a market that does not exist is an invalid-spec error (exit 3)', async () => {
    const src = newSrc();
    const { msg } = await refused(binance(src, { market: 'futures' }));
    expect(msg(3, 'SpecError')).toMatch(/^ingest params binance_vision\.market: must be one of "spot", "um", "cm", was "futures"\n {2}-> /);
  });
});

describe('the ingest window (ingest.start / ingest.end)', () => {
  let src: string;
  beforeAll(async () => {
    src = join(work, 'window-src');
    await put(src, FLAT_KLINES, gz(klinesCsv(goodBars(12))));
  });
  const windowed = (top: Record<string, unknown>) => binance(src, { market: 'spot' }, top);

  test.each([
    ['w1 a month 13', { start: '2025-13-01' }, 'start: not a real calendar date and time, was "2025-13-01"'],
    ['w2 February 30th', { start: '2025-02-30' }, 'start: not a real calendar date and time, was "2025-02-30"'],
    ['w3 a US-style date', { end: '01/02/2025' }, 'end: not an ISO date or UTC datetime (YYYY-MM-DD[THH:MM[:SS[.mmm]][Z]]), was "01/02/2025"'],
    ['w4 a non-UTC offset', { start: '2025-01-01T00:00:00+02:00' }, 'start: not an ISO date or UTC datetime (YYYY-MM-DD[THH:MM[:SS[.mmm]][Z]]), was "2025-01-01T00:00:00+02:00"'],
    ['w5 hour 24', { start: '2025-01-01T24:00' }, 'start: not a real calendar date and time, was "2025-01-01T24:00"'],
    ['w6 end before start', { start: '2025-02-01', end: '2025-01-01' }, 'end: must be after start ("2025-02-01"; end is exclusive), was "2025-01-01"'],
    ['w7 end equal to start (end is exclusive)', { start: '2025-01-01', end: '2025-01-01' }, 'end: must be after start ("2025-01-01"; end is exclusive), was "2025-01-01"'],
  ])('%s is exit 3 naming the setting and the value', async (_name, top, text) => {
    const { msg } = await refused(windowed(top));
    expect(msg(3, 'SpecError')).toBe(`ingest params ${text}\n  -> ${WINDOW_HINT}`);
  });

  test('w8 a number instead of a date is exit 3 (schema)', async () => {
    const { msg } = await refused(windowed({ start: 20250101 }));
    expect(msg(3, 'SpecError')).toBe('ingest params start: must be string, was 20250101\n  -> fix ingest params at the positions shown and rerun');
  });

  test('w9 a window holding none of the rows is exit 3 naming the instrument and the window', async () => {
    const { msg } = await refused(windowed({ start: '2025-03-01', end: '2025-04-01' }));
    expect(msg(3, 'DataError')).toBe(`${FLAT_KLINES} ts_ms: binance/spot/BTCUSDT/5m: no rows inside the ingest window [2025-03-01T00:00:00.000Z, 2025-04-01T00:00:00.000Z)`
      + '\n  -> widen ingest.start / ingest.end, or leave this symbol out with ingest.binance_vision.symbols');
  });
});

describe('csv', () => {
  const csvParams = (files: { path: string; symbol: string }[], extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => params({
    source: 'csv', ...top,
    csv: {
      files, exchange: 'testex', market: 'spot', interval: '5m',
      columns: { ts: 'ts', open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume' }, ...extra,
    },
  });
  const csvText = (bars: readonly Bar[], header = 'ts,open,high,low,close,volume') =>
    `${[header, ...bars.map((b) => [b.ts, b.open, b.high, b.low, b.close, b.volume].join(','))].join('\n')}\n`;
  const csvFile = async (text: string, name = 'btc.csv'): Promise<string> => put(newSrc(), name, text);

  test('c1 a header-only csv is exit 3 at line 2', async () => {
    const f = await csvFile('ts,open,high,low,close,volume\n');
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }]));
    expect(msg(3, 'DataError')).toBe(`${f.split(work).join('<W>')}:2 rows: no bar rows: the file holds only a header, was 0`
      + '\n  -> a header-only file would drop BTCUSDT from the lake: fix the export or remove it from ingest.csv.files');
  });

  test('c2 a missing file names the setting and the path', async () => {
    const f = join(work, 'no-such.csv');
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }]));
    expect(msg(3, 'DataError')).toBe('<W>/no-such.csv ingest.csv.files[0].path: file not found, was "<W>/no-such.csv"\n  -> check stages.ingest.csv.files in spec/pipeline.yaml');
  });

  test('c3 a broken symlink says so and names its target', async () => {
    const dir = newSrc();
    await put(dir, 'keep.txt', '');
    await symlink(join(work, 'moved-away.csv'), join(dir, 'btc.csv'));
    const { msg } = await refused(csvParams([{ path: join(dir, 'btc.csv'), symbol: 'BTCUSDT' }]));
    expect(msg(3, 'DataError')).toBe(`${join(dir, 'btc.csv').split(work).join('<W>')} ingest.csv.files[0].path: broken symbolic link: its target does not exist, was "<W>/moved-away.csv"`
      + '\n  -> restore the link target or point ingest.csv.files at the real file');
  });

  test('c4 a non-numeric price names file:line, the column and the text', async () => {
    const bars = goodBars(6);
    bars[3]!.high = 'n/a';
    const f = await csvFile(csvText(bars));
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }]));
    expect(msg(3, 'DataError')).toMatch(new RegExp(`^${esc(f.split(work).join('<W>'))}:5 high: .*, was "n/a"\n {2}-> `));
  });

  test('c5 1h bars declared as interval 5m are exit 3 naming ingest.csv.interval', async () => {
    const f = await csvFile(csvText(spaced(6, H1)));
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }]));
    expect(msg(3, 'DataError')).toBe(`${f.split(work).join('<W>')}:3 ts: bars are 1h apart (5 of 5 steps; 0 at 5m) but ingest.csv.interval says 5m, was ${T0 + H1}`
      + '\n  -> the file holds 1h bars: name it for that interval (or fix the mapping), or re-export it at 5m');
  });

  test('c6 ts_unit "s" on millisecond times is exit 3 at line 2', async () => {
    const f = await csvFile(csvText(goodBars(6)));
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }], { ts_unit: 's' }));
    expect(msg(3, 'DataError')).toBe(`${f.split(work).join('<W>')}:2 ts: timestamp is not in milliseconds after converting from ts_unit "s", was ${T0 * 1000}`
      + '\n  -> the column is in another unit: set ingest.csv.ts_unit to match it (auto accepts ms and us)');
  });

  test('c7 rows out of order name the line', async () => {
    const bars = goodBars(6);
    [bars[2]!.ts, bars[3]!.ts] = [bars[3]!.ts, bars[2]!.ts];
    const f = await csvFile(csvText(bars));
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }]));
    expect(msg(3, 'DataError')).toMatch(new RegExp(`^${esc(f.split(work).join('<W>'))}:5 ts: timestamp out of order: ${T0 + 2 * M5} after ${T0 + 3 * M5}, was ${T0 + 2 * M5}\n {2}-> `));
  });

  test('c8 high below low names the line', async () => {
    const bars = goodBars(6);
    Object.assign(bars[1]!, { high: 100, low: 101.5 }); // open 101, close 102
    const f = await csvFile(csvText(bars));
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }]));
    expect(msg(3, 'DataError')).toBe(`${f.split(work).join('<W>')}:3 high: high < low (100 < 101.5), was 100\n  -> corrupt row: fix the source`);
  });

  test('c9 a column mapped to a header that does not exist is exit 3', async () => {
    const f = await csvFile(csvText(goodBars(6)));
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }], {
      columns: { ts: 'time', open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume' },
    }));
    expect(msg(3, 'DataError')).toBe(`${f.split(work).join('<W>')} ts_ms: no column named "time" for ts_ms\n  -> header has: ts, open, high, low, close, volume`);
  });

  test('c10 a window outside the file is exit 3 naming the file and the span it covers', async () => {
    const f = await csvFile(csvText(goodBars(6)));
    const { msg } = await refused(csvParams([{ path: f, symbol: 'BTCUSDT' }], {}, { start: '2024-01-01', end: '2024-06-01' }));
    expect(msg(3, 'DataError')).toBe(`${f.split(work).join('<W>')} ts: no rows inside the ingest window, was {"start":"2024-01-01T00:00:00.000Z","end":"2024-06-01T00:00:00.000Z","end_exclusive":true}`
      + '\n  -> the file covers 2025-01-01T00:00:00.000Z .. 2025-01-01T00:25:00.000Z: widen ingest.start / ingest.end or drop the file');
  });
});

describe('ccxt (answers from a local Binance stand-in)', () => {
  const SINCE = '2024-01-01';
  const UNTIL = '2024-01-01T02:00:00Z';
  const CCXT_T0 = Date.UTC(2024, 0, 1);
  async function withFixture(patch: FixturePatch, f: (fx: BinanceFixture) => Promise<void>): Promise<void> {
    const fx = await startBinanceFixture({ klines: 48, funding: 3, openInterest: 0 }, patch);
    try {
      await f(fx);
    } finally {
      await fx.close();
    }
  }
  const ccxtParams = (fx: BinanceFixture, extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => params({
    source: 'ccxt', ...top,
    // ETH: the good lake holds binance/um/BTCUSDT, which ccxt would resume after (past `until`)
    ccxt: { exchange_id: 'binanceusdm', symbols: ['ETH/USDT:USDT'], timeframe: '5m', since: SINCE, until: UNTIL, urls: fx.urls, rate_limit_ms: 0, ...extra },
  });
  const OHLCV = 'ccxt:binanceusdm:ETH/USDT:USDT:ohlcv:5m';

  test('x1 a negative low price is exit 3 naming the response row', async () => {
    await withFixture({ kline: (row, i) => (i === 4 ? Object.assign([...row], { 3: '-5' }) : row) }, async (fx) => {
      const { msg } = await refused(ccxtParams(fx));
      expect(msg(3, 'DataError')).toBe(`${OHLCV}:5 low: price must be a positive number, was -5\n  -> a zero or negative price is corrupt data: remove the row at the source`);
    });
  });

  test('x2 high below low is exit 3', async () => {
    await withFixture({ kline: (row, i) => (i === 2 ? Object.assign([...row], { 2: '50' }) : row) }, async (fx) => {
      const { msg } = await refused(ccxtParams(fx));
      expect(msg(3, 'DataError')).toBe(`${OHLCV}:3 high: high < low (50 < 100.25), was 50\n  -> corrupt row: fix the source`);
    });
  });

  test('x3 1h bars answered for a 5m request are exit 3 naming ingest.ccxt.timeframe', async () => {
    await withFixture({ kline: (row, i) => Object.assign([...row], { 0: CCXT_T0 + i * H1 }) }, async (fx) => {
      const { msg } = await refused(ccxtParams(fx, { until: '2024-01-02' }));
      expect(msg(3, 'DataError')).toMatch(new RegExp(`^${esc(OHLCV)}:2 timestamp: bars are 1h apart \\(\\d+ of \\d+ steps; 0 at 5m\\) but ingest.ccxt.timeframe says 5m, was ${CCXT_T0 + H1}\n {2}-> the file holds 1h bars`));
    });
  });

  test('x4 a funding rate that is not a number is exit 3 naming the settlement row', async () => {
    await withFixture({ funding: (row, k) => ({ ...row, symbol: 'ETHUSDT', ...(k === 0 ? { fundingRate: 'abc' } : {}) }) }, async (fx) => {
      const { msg } = await refused(ccxtParams(fx));
      expect(msg(3, 'DataError')).toBe('ccxt:binanceusdm:ETH/USDT:USDT:funding:1 funding_rate: funding rate must be a finite number, was NaN'
        + '\n  -> the source sent a settlement without a usable rate: fix or drop the row at the source');
    });
  });

  test('x5 a negative volume is exit 3', async () => {
    await withFixture({ kline: (row, i) => (i === 7 ? Object.assign([...row], { 5: '-3' }) : row) }, async (fx) => {
      const { msg } = await refused(ccxtParams(fx));
      expect(msg(3, 'DataError')).toBe(`${OHLCV}:8 volume: volume must be >= 0, was -3\n  -> corrupt row: fix the source`);
    });
  });

  test('x8 a perpetual whose funding history comes back empty over two days is exit 3', async () => {
    // the stand-in labels every settlement BTCUSDT, so ccxt returns none for ETH/USDT:USDT
    await withFixture({}, async (fx) => {
      const { msg } = await refused(ccxtParams(fx, { until: '2024-01-03' }));
      expect(msg(3, 'DataError')).toBe('ccxt:binanceusdm:ETH/USDT:USDT:funding funding_rate: ETH/USDT:USDT is a perpetual but the exchange returned no funding settlements '
        + 'from 2024-01-01T00:00:00.000Z to 2024-01-03T00:00:00.000Z, was 0'
        + '\n  -> check the symbol is a perpetual of this exchange and the window; or set ingest.ccxt.funding=false (then disable funding in spec/costs.yaml)');
    });
  });

  test('x6 ccxt.since that is not a date is exit 3 naming the setting', async () => {
    await withFixture({}, async (fx) => {
      const { msg } = await refused(ccxtParams(fx, { since: 'last tuesday' }));
      expect(msg(3, 'SpecError')).toBe(`ingest params ccxt.since: not an ISO date or UTC datetime (YYYY-MM-DD[THH:MM[:SS[.mmm]][Z]]), was "last tuesday"\n  -> ${WINDOW_HINT}`);
    });
  });

  test('x7 an ingest window that misses since..until is exit 3 before any request', async () => {
    await withFixture({}, async (fx) => {
      const { msg } = await refused(ccxtParams(fx, {}, { end: '2023-12-01' }));
      expect(msg(3, 'SpecError')).toBe('ingest params ccxt.since: the window to fetch is empty (since 2024-01-01T00:00:00.000Z is not before until 2023-12-01T00:00:00.000Z), was "2024-01-01"'
        + '\n  -> ccxt.since/ccxt.until and ingest.start/ingest.end must overlap (until and end are exclusive)');
      expect(fx.requests).toHaveLength(0);
    });
  });
});

describe('synthetic params', () => {
  const DAY = { n_symbols: 1, start_ms: Date.UTC(2025, 0, 1), end_ms: Date.UTC(2025, 0, 2) };
  const synth = (s: Record<string, unknown>, top: Record<string, unknown> = {}) =>
    [...params({ source: 'synthetic', ...top, synthetic: s }), '--allow_synthetic'];

  test('s1 n_symbols 0 is exit 3 naming the parameter', async () => {
    const { msg } = await refused(synth({ ...DAY, n_symbols: 0 }));
    expect(msg(3, 'SpecError')).toMatch(/^ingest params synthetic\.n_symbols: must be >= 1, was 0\n {2}-> /);
  });

  test('s2 an unknown timeframe is exit 3', async () => {
    const { msg } = await refused(synth({ ...DAY, timeframe: '7m' }));
    expect(msg(3, 'SpecError')).toMatch(/^ingest params synthetic\.timeframe: must be one of .*, was "7m"\n {2}-> /);
  });

  test('s3 an unknown key is exit 3', async () => {
    const { msg } = await refused(synth({ ...DAY, symbols: 3 }));
    expect(msg(3, 'SpecError')).toMatch(/^ingest params synthetic\.symbols: unknown key "symbols" \(did you mean "n_symbols"\? allowed: seed, n_symbols, .*\)\n {2}-> /);
  });

  test('s4 an ingest window outside the generated market is exit 3', async () => {
    const { msg } = await refused(synth(DAY, { start: '2025-03-01' }));
    expect(msg(3, 'SpecError')).toBe('ingest params start: the ingest window [2025-03-01T00:00:00.000Z, +inf) does not overlap the synthetic market '
      + '[2025-01-01T00:00:00.000Z, 2025-01-02T00:00:00.000Z), was "2025-03-01"\n  -> move ingest.start / ingest.end inside synthetic.start_ms .. synthetic.end_ms');
  });
});

describe('clean: the coverage threshold', () => {
  test('k1 a mostly-missing series is exit 3 naming symbol, timeframe, coverage and clean.min_coverage', async () => {
    // bars 0, 1 and then bar 24 (2 h later): 3 of 25 grid slots present. The common step is 5m, so ingest accepts it.
    const bars = goodBars(3);
    bars[2]!.ts = T0 + 24 * M5;
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(klinesCsv(bars)));
    const dataDir = await copyLake(seed, join(work, `data-${++n}`));
    const ing = await ingest(dataDir, JSON.stringify({ source: 'binance-vision', binance_vision: { path: src, market: 'spot' } }));
    if (ing.exitCode !== 0) throw new Error(ing.stderr);
    const { msg } = await refused(params({ timeframe: '5m' }), 'clean', dataDir);
    expect(msg(3, 'DataError')).toBe(`${FLAT_KLINES} coverage_pct: binance/spot/BTCUSDT 5m: coverage 12% (3 of 25 bars from 2025-01-01T00:00:00.000Z to 2025-01-01T02:00:00.000Z; `
      + 'longest gap 22 bars from 2025-01-01T00:10:00.000Z) is below clean.min_coverage = 90%, was 12'
      + '\n  -> the series is mostly missing: check the source (bars of another interval, missing files), or accept it with --set clean.min_coverage=12');
  });

  test('k1b the same series passes when the setting accepts it (--set clean.min_coverage=12)', async () => {
    const bars = goodBars(3);
    bars[2]!.ts = T0 + 24 * M5;
    const src = newSrc();
    await put(src, FLAT_KLINES, gz(klinesCsv(bars)));
    const dataDir = join(work, `data-${++n}`);
    const ing = await ingest(dataDir, JSON.stringify({ source: 'binance-vision', binance_vision: { path: src, market: 'spot' } }));
    if (ing.exitCode !== 0) throw new Error(ing.stderr);
    const c = await run('clean', ['--data_dir', dataDir, ...params({ timeframe: '5m', min_coverage: 12 })]);
    if (c.exitCode !== 0) throw new Error(c.stderr);
  });

  test('k2 clean.min_coverage above 100 is exit 3', async () => {
    const { msg } = await refused(params({ timeframe: '5m', min_coverage: 150 }), 'clean');
    expect(msg(3, 'SpecError')).toMatch(/^clean params min_coverage: must be <= 100, was 150\n {2}-> /);
  });
});

describe('spec/pipeline.yaml (run_all refuses before any stage runs)', () => {
  async function runAllWith(yaml: string): Promise<(code: number) => string> {
    const specDir = join(work, `spec-${++n}`);
    await put(specDir, 'pipeline.yaml', yaml);
    const dataDir = await copyLake(seed, join(work, `data-${n}`));
    const before = await snapshot(dataDir);
    const r = await run('run_all', ['--spec_dir', specDir, '--data_dir', dataDir]);
    expect(await snapshot(dataDir)).toEqual(before);
    return (code) => expectFailure(r, code).split(work).join('<W>');
  }

  test('p1 a market that does not exist and a negative min_coverage: both located at file:line:col', async () => {
    const msg = await runAllWith('timeframe: 5m\nstages:\n  ingest:\n    source: binance-vision\n    binance_vision:\n      path: /nowhere\n      market: perp\n  clean:\n    min_coverage: -5\n');
    const file = `<W>/spec-${n}/pipeline.yaml`;
    expect(msg(3)).toBe(`2 spec errors:\n  ${file}:7:15 stages.ingest.binance_vision.market: must be one of "spot", "um", "cm", was "perp"`
      + `\n  ${file}:9:19 stages.clean.min_coverage: must be >= 0, was -5\n  -> fix ${file} at the positions shown and rerun`);
  });

  test('p2 an impossible ingest.start in the spec is exit 3 naming the parameter and the value', async () => {
    const msg = await runAllWith('timeframe: 5m\nstages:\n  ingest:\n    source: binance-vision\n    start: 2025-02-30\n    binance_vision:\n      path: /nowhere\n      market: spot\n');
    expect(msg(3)).toBe(`ingest params start: not a real calendar date and time, was "2025-02-30"\n  -> ${WINDOW_HINT}`);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
