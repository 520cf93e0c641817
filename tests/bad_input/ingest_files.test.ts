/**
 * Broken files: the ingest stage must refuse them with exit 3, name the file (and the line where there is one), give
 * a hint, and leave the previously committed lake exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FLAT_KLINES, M5, T0, binanceParams, copyLake, expectDataError, goodBars, gz, ingest, klineLine, klinesCsv, put, seedGoodLake,
  snapshot, visionKlinePath, zipCsv, type RunResult,
} from './helpers.js';

let work: string;
let seed: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-bad-files-'));
  seed = await seedGoodLake(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Write one bad source file, ingest it over a copy of the good lake, check the lake is unchanged. */
async function ingestBad(rel: string, data: string | Uint8Array): Promise<RunResult> {
  const src = join(work, `src-${++n}`);
  await put(src, rel, data);
  const dataDir = await copyLake(seed, join(work, `data-${n}`));
  const before = await snapshot(dataDir);
  const r = await ingest(dataDir, binanceParams(src));
  expect(await snapshot(dataDir)).toEqual(before);
  return r;
}

const ZIP = visionKlinePath('um', '2025-01');
const MEMBER = 'BTCUSDT-5m-2025-01.csv';

describe('ingest refuses broken files', () => {
  test('a truncated zip (cut in the middle) is exit 3 naming the zip', async () => {
    const z = zipCsv(MEMBER, klinesCsv(goodBars(200)));
    const r = await ingestBad(ZIP, z.slice(0, Math.floor(z.length / 2)));
    const msg = expectDataError(r, { file: ZIP });
    expect(msg).toContain('zip is truncated or corrupt');
    expect(msg).toContain('download the file again');
  });

  test('a zip that is garbage bytes is exit 3 naming the zip', async () => {
    // Deterministic "garbage": bytes of a simple LCG, not a zip signature anywhere.
    const junk = new Uint8Array(4096);
    let s = 12345;
    for (let i = 0; i < junk.length; i++) junk[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    const r = await ingestBad(ZIP, junk);
    expect(expectDataError(r, { file: ZIP })).toContain('zip is truncated or corrupt');
  });

  // FAILING: lib/ingest/zip.ts withExtractedCsv relies on fflate's unzipSync, which does not verify the CRC-32 of a
  // member (checked by hand: a stored member with one digit changed unzips silently). A zip whose directory is intact
  // but whose data was damaged (bit rot, a bad mirror) is ingested with wrong prices. Fix: compare zlib.crc32(member)
  // and its length with the CRC-32 and size in the zip's central directory entry, and throw the same DataError.
  test('a zip whose member data is damaged (CRC-32 mismatch) is exit 3 naming the zip', async () => {
    const text = klinesCsv(goodBars(12));
    const z = zipCsv(MEMBER, text, 0); // stored: the CSV bytes sit in the zip as they are
    const row = `${T0 + 3 * M5},103,`; // bar 3 (line 5): open 103, high 105, low 102
    const at = Buffer.from(z).indexOf(row);
    expect(at).toBeGreaterThan(0);
    z[at + row.length - 2] = '4'.charCodeAt(0); // open 103 -> 104: a valid row, but not what the zip's CRC covers
    const r = await ingestBad(ZIP, z);
    expect(expectDataError(r, { file: ZIP })).toMatch(/CRC|corrupt/);
  });

  test('a truncated gzip is exit 3 naming the file (not read as a shorter file)', async () => {
    const g = gz(klinesCsv(goodBars(500)));
    const r = await ingestBad(FLAT_KLINES, g.slice(0, Math.floor(g.length * 0.6)));
    const msg = expectDataError(r, { file: FLAT_KLINES });
    expect(msg).toContain('gzip stream is truncated or corrupt');
  });

  test('one line with the wrong number of columns is exit 3 naming file:line and the line', async () => {
    const lines = klinesCsv(goodBars(12)).split('\n');
    const bad = klineLine(goodBars(12)[6]!).split(',').slice(0, 11).join(','); // 11 fields; bar 6 is on line 8
    lines[7] = bad;
    const r = await ingestBad(FLAT_KLINES, gz(lines.join('\n')));
    const msg = expectDataError(r, { file: FLAT_KLINES, line: 8, field: 'row', value: JSON.stringify(bad) });
    expect(msg).toContain('has 11 fields, expected 6 or 12');
  });

  // FAILING: lib/stage/main.ts executeStage creates <data>/.staging/<stage>-<run>/ and, when `run` throws, leaves it
  // with whatever was written (here BTCUSDT's raw partition: a partial lake/raw). The committed lake is safe and the
  // next run of the stage sweeps it, but a failed multi-GB ingest keeps its partial copy on disk until then. Fix:
  // wrap the run/commit in try/catch and `rm(staging, { recursive: true, force: true })` before rethrowing (keep it
  // only with --verbose for debugging); a killed stage is still swept by sweepStale.
  test('a failed ingest leaves no partial output behind in the data dir (.staging included)', async () => {
    const src = join(work, `src-${++n}`);
    await put(src, FLAT_KLINES, gz(klinesCsv(goodBars(12)))); // BTCUSDT is good and written first
    const eth = goodBars(12);
    eth[3]!.low = 0;
    await put(src, 'klines/ETHUSDT-5m.csv.gz', gz(klinesCsv(eth)));
    const dataDir = await copyLake(seed, join(work, `data-${n}`));
    const before = await listAll(dataDir);
    const r = await ingest(dataDir, binanceParams(src));
    expectDataError(r, { file: 'klines/ETHUSDT-5m.csv.gz', line: 5, field: 'low', value: '0' });
    expect(await listAll(dataDir)).toEqual(before);
  });
});

/** Every path under `dir`, hidden folders included. */
async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}
