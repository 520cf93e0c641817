import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataError, UsageError } from '../../../lib/errors.js';
import { sha256Hex } from '../../../lib/hash.js';
import { discoverBinanceFiles } from '../../../lib/ingest/binance_vision/discover.js';
import { downloadBinanceVision, type DownloadOptions } from '../../../lib/ingest/binance_vision/download.js';
import { klineZip, publish, startFixtureServer, type FixtureServer, type Misbehaviour } from './fixture_server.js';

const SPOT = 'data/spot/monthly/klines';
const rel = (sym: string, month: string) => `${SPOT}/${sym}/5m/${sym}-5m-${month}.zip`;

let dest: string;
let server: FixtureServer | undefined;

beforeEach(async () => {
  dest = await mkdtemp(join(tmpdir(), 'bv-dl-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dest, { recursive: true, force: true });
});

/** BTCUSDT and ETHUSDT for 2025-01 and 2025-02 (2024-12 not published: a 404 month). */
function standardFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [i, sym] of ['BTCUSDT', 'ETHUSDT'].entries()) {
    for (const month of ['2025-01', '2025-02']) publish(files, rel(sym, month), klineZip(`${sym}-5m-${month}.zip`, 200, i));
  }
  return files;
}

async function serve(files: Map<string, Uint8Array>, mis?: Misbehaviour): Promise<FixtureServer> {
  server = await startFixtureServer(files, mis);
  return server;
}

function opts(s: FixtureServer, over: Partial<DownloadOptions> = {}): DownloadOptions {
  return {
    baseUrl: s.baseUrl, destDir: dest, market: 'spot', kind: 'klines', symbols: ['BTCUSDT', 'ETHUSDT'], interval: '5m',
    startMonth: '2025-01', endMonth: '2025-02', concurrency: 3, retries: 2, retryBaseMs: 1, ...over,
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

describe('downloadBinanceVision', () => {
  test('downloads every file in the data.binance.vision layout and verifies each against its CHECKSUM', async () => {
    const s = await serve(standardFiles());
    const report = await downloadBinanceVision(opts(s));
    expect(report.downloaded.map((f) => f.rel)).toEqual([
      rel('BTCUSDT', '2025-01'), rel('BTCUSDT', '2025-02'), rel('ETHUSDT', '2025-01'), rel('ETHUSDT', '2025-02'),
    ]);
    expect(report.skipped).toEqual([]);
    expect(report.missing).toEqual([]);
    // expected bytes: the sum of the fixture bodies the server holds
    const served = report.downloaded.map((f) => s.files.get(f.rel)!.length).reduce((a, b) => a + b, 0);
    expect(report.bytes).toBe(served);
    for (const f of report.downloaded) {
      const onDisk = await readFile(join(dest, f.rel));
      expect(sha256Hex(onDisk)).toBe(sha256Hex(s.files.get(f.rel)!)); // independent hash of the served bytes
      expect(f.sha256).toBe(sha256Hex(onDisk));
    }
    expect((await listFiles(dest)).some((p) => p.endsWith('.part'))).toBe(false);
  });

  test('the downloaded tree reads back through discovery with the market taken from the path', async () => {
    const s = await serve(standardFiles());
    await downloadBinanceVision(opts(s));
    const { files, ignored } = await discoverBinanceFiles(dest);
    expect(ignored).toEqual([]);
    expect(files.map((f) => [f.symbol, f.market, f.marketFrom, f.interval, f.period, f.compression])).toEqual([
      ['BTCUSDT', 'spot', 'path', '5m', '2025-01', 'zip'],
      ['BTCUSDT', 'spot', 'path', '5m', '2025-02', 'zip'],
      ['ETHUSDT', 'spot', 'path', '5m', '2025-01', 'zip'],
      ['ETHUSDT', 'spot', 'path', '5m', '2025-02', 'zip'],
    ]);
  });

  test('a second run skips every verified file without touching the network', async () => {
    const s = await serve(standardFiles());
    await downloadBinanceVision(opts(s));
    const before = s.requests.length;
    const report = await downloadBinanceVision(opts(s));
    expect(report.downloaded).toEqual([]);
    expect(report.skipped).toHaveLength(4);
    expect(report.bytes).toBe(0);
    expect(s.requests.length).toBe(before);
  });

  test('a file already in place without a sidecar is kept when it matches its CHECKSUM, replaced when not', async () => {
    const s = await serve(standardFiles());
    const good = rel('BTCUSDT', '2025-01');
    const bad = rel('BTCUSDT', '2025-02');
    for (const [r, body] of [[good, s.files.get(good)!], [bad, new Uint8Array([1, 2, 3])]] as const) {
      await mkdir(dirname(join(dest, r)), { recursive: true });
      await writeFile(join(dest, r), body);
    }
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'] }));
    expect(report.skipped.map((f) => f.rel)).toEqual([good]);
    expect(report.downloaded.map((f) => f.rel)).toEqual([bad]);
    expect(sha256Hex(await readFile(join(dest, bad)))).toBe(sha256Hex(s.files.get(bad)!));
  });

  test('a checksum mismatch fails with a DataError naming the URL and both digests, and leaves no file behind', async () => {
    const files = new Map<string, Uint8Array>();
    const body = klineZip('BTCUSDT-5m-2025-01.zip', 50, 0);
    publish(files, rel('BTCUSDT', '2025-01'), body, new Uint8Array([9, 9, 9]));
    const s = await serve(files);
    const run = downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    await expect(run).rejects.toThrow(DataError);
    const err = (await run.catch((e: unknown) => e)) as DataError;
    expect(err.message).toContain(`${s.baseUrl}/${rel('BTCUSDT', '2025-01')}`);
    expect(err.message).toContain(sha256Hex(new Uint8Array([9, 9, 9]))); // expected (published) digest
    expect(err.message).toContain(sha256Hex(body)); // actual digest of what was served
    expect(await listFiles(dest)).toEqual([]);
  });

  test('a 404 month is recorded as missing and the other months still download', async () => {
    const s = await serve(standardFiles());
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], startMonth: '2024-12' }));
    expect(report.missing).toEqual([{ rel: rel('BTCUSDT', '2024-12'), url: `${s.baseUrl}/${rel('BTCUSDT', '2024-12')}` }]);
    expect(report.downloaded).toHaveLength(2);
    expect(existsSync(join(dest, rel('BTCUSDT', '2024-12')))).toBe(false);
  });

  test('a connection cut halfway resumes with a Range request and the result verifies', async () => {
    const files = standardFiles();
    const target = rel('BTCUSDT', '2025-01');
    const s = await serve(files, { cutOnce: new Set([target]) });
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    expect(report.downloaded.map((f) => f.rel)).toEqual([target]);
    const gets = s.requests.filter((r) => r.startsWith(`${target} `));
    expect(gets).toHaveLength(2);
    expect(gets[0]).toBe(`${target} -`);
    const from = Number(/bytes=(\d+)-/.exec(gets[1]!)![1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThan(files.get(target)!.length);
    expect(report.bytes).toBe(files.get(target)!.length); // first half + the resumed rest, nothing twice
    expect(sha256Hex(await readFile(join(dest, target)))).toBe(sha256Hex(files.get(target)!));
  });

  test('a .part left by an interrupted earlier run is resumed on the next run', async () => {
    const files = standardFiles();
    const target = rel('BTCUSDT', '2025-01');
    const body = files.get(target)!;
    await mkdir(dirname(join(dest, target)), { recursive: true });
    await writeFile(join(dest, `${target}.part`), body.subarray(0, 1000));
    const s = await serve(files);
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    expect(s.requests.filter((r) => r.startsWith(`${target} `))).toEqual([`${target} bytes=1000-`]);
    expect(report.bytes).toBe(body.length - 1000);
    expect(sha256Hex(await readFile(join(dest, target)))).toBe(sha256Hex(body));
  });

  test('a stale .part that does not verify after resuming is discarded and the whole file fetched again', async () => {
    const files = standardFiles();
    const target = rel('BTCUSDT', '2025-01');
    const body = files.get(target)!;
    await mkdir(dirname(join(dest, target)), { recursive: true });
    await writeFile(join(dest, `${target}.part`), new Uint8Array(1000).fill(7));
    const s = await serve(files);
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    expect(s.requests.filter((r) => r.startsWith(`${target} `))).toEqual([`${target} bytes=1000-`, `${target} -`]);
    expect(report.downloaded).toHaveLength(1);
    expect(sha256Hex(await readFile(join(dest, target)))).toBe(sha256Hex(body));
  });

  test('a complete .part (stopped before the rename) is verified and moved into place without a new transfer', async () => {
    const files = standardFiles();
    const target = rel('BTCUSDT', '2025-01');
    await mkdir(dirname(join(dest, target)), { recursive: true });
    await writeFile(join(dest, `${target}.part`), files.get(target)!);
    const s = await serve(files);
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    expect(s.requests).toEqual([`${target}.CHECKSUM -`]);
    expect(report.downloaded.map((f) => f.rel)).toEqual([target]);
    expect(report.bytes).toBe(0);
  });

  test('a .part longer than the file (416 on resume) is dropped and the file fetched whole', async () => {
    const files = standardFiles();
    const target = rel('BTCUSDT', '2025-01');
    const body = files.get(target)!;
    await mkdir(dirname(join(dest, target)), { recursive: true });
    await writeFile(join(dest, `${target}.part`), new Uint8Array(body.length + 10));
    const s = await serve(files);
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01', retries: 0 }));
    expect(s.requests.filter((r) => r.startsWith(`${target} `))).toEqual([`${target} bytes=${body.length + 10}-`, `${target} -`]);
    expect(sha256Hex(await readFile(join(dest, target)))).toBe(sha256Hex(body));
    expect(report.bytes).toBe(body.length);
  });

  test('a transfer that stalls is aborted after the idle timeout and resumed', async () => {
    const files = standardFiles();
    const target = rel('BTCUSDT', '2025-01');
    const s = await serve(files, { stallOnce: new Set([target]) });
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01', idleTimeoutMs: 150 }));
    const gets = s.requests.filter((r) => r.startsWith(`${target} `));
    expect(gets[1]).toMatch(/bytes=\d+-$/);
    expect(sha256Hex(await readFile(join(dest, target)))).toBe(sha256Hex(files.get(target)!));
    expect(report.downloaded).toHaveLength(1);
  });

  test('a server that ignores Range makes the retry start over, and the result still verifies', async () => {
    const files = standardFiles();
    const target = rel('BTCUSDT', '2025-01');
    const s = await serve(files, { cutOnce: new Set([target]), noRange: true });
    const report = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    expect(report.downloaded).toHaveLength(1);
    expect(sha256Hex(await readFile(join(dest, target)))).toBe(sha256Hex(files.get(target)!));
  });

  test('a 500 is retried; without retries left it fails naming the URL', async () => {
    const target = rel('BTCUSDT', '2025-01');
    let s = await serve(standardFiles(), { failOnce: new Set([target]) });
    const ok = await downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    expect(ok.downloaded).toHaveLength(1);
    await s.close();
    await rm(dest, { recursive: true, force: true });
    s = await serve(standardFiles(), { failOnce: new Set([target]) });
    const run = downloadBinanceVision(opts(s, { symbols: ['BTCUSDT'], endMonth: '2025-01', retries: 0 }));
    await expect(run).rejects.toThrow(/Download failed after 1 attempt\(s\): .*BTCUSDT-5m-2025-01\.zip: HTTP 500/);
  });

  test('funding files use the fundingRate path and no interval', async () => {
    const files = new Map<string, Uint8Array>();
    const fr = 'data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-01.zip';
    publish(files, fr, klineZip('BTCUSDT-fundingRate-2025-01.zip', 5, 0));
    const s = await serve(files);
    const report = await downloadBinanceVision(opts(s, { market: 'um', kind: 'funding', symbols: ['BTCUSDT'], endMonth: '2025-01' }));
    expect(report.downloaded.map((f) => f.rel)).toEqual([fr]);
    const { files: found } = await discoverBinanceFiles(dest);
    expect(found.map((f) => [f.kind, f.market, f.symbol, f.period])).toEqual([['funding', 'um', 'BTCUSDT', '2025-01']]);
  });

  test('bad options are refused before any request, all problems at once', async () => {
    const s = await serve(new Map());
    const run = downloadBinanceVision(opts(s, {
      market: 'spot', kind: 'mark_klines', symbols: ['btcusdt'], startMonth: '2025-03', endMonth: '2025-01',
    }));
    await expect(run).rejects.toThrow(UsageError);
    const msg = ((await run.catch((e: unknown) => e)) as Error).message;
    expect(msg).toContain('mark_klines: exists only for futures');
    expect(msg).toContain('symbols[0]');
    expect(msg).toContain('startMonth 2025-03 is after endMonth 2025-01');
    expect(s.requests).toEqual([]);
  });
});
