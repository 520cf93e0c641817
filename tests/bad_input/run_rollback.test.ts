/**
 * Issue 9.3 and 9.5 through the real `npm run all` (dist/orchestrator/run_all.js): data that ingest accepts and clean
 * rejects fails the run with exit 3 and leaves every lake file as it was (ingest's new lake/raw is rolled back), and
 * the README's exit-code table holds end to end.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { acquireLock } from '../../orchestrator/lock.js';
import { ExitCode } from '../../lib/errors.js';
import { FLAT_KLINES, M5, ROOT, T0, copyLake, goodBars, gz, klinesCsv, put, run, snapshot, type Bar } from './helpers.js';

let work: string;
let seed: string;
let n = 0;

/** A flat perp folder: klines/BTCUSDT-5m.csv.gz (header on line 1, bar k on line k+2) and one funding row. */
async function source(bars: Bar[], fundingRate = '0.0001'): Promise<string> {
  const src = join(work, `src-${++n}`);
  await put(src, FLAT_KLINES, gz(klinesCsv(bars)));
  await put(src, 'funding/BTCUSDT-funding.csv', `funding_time,funding_rate\n${T0},${fundingRate}\n`);
  return src;
}

const runAll = (dataDir: string, src: string, ...more: string[]) => run('run_all', [
  '--data_dir', dataDir, '--spec_dir', join(ROOT, 'spec'), '--until', 'clean',
  '--set', 'ingest.source=binance-vision', '--set', `ingest.binance_vision.path=${src}`, '--set', 'ingest.binance_vision.market=um',
  '--set', 'ingest.binance_vision.kinds=["klines","funding"]', ...more,
]);

/** The lake without the run records and the lock (a failed run still records itself under reports/runs). */
async function lakeState(dataDir: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await snapshot(dataDir)).filter(([k]) => !k.startsWith('reports/runs/') && k !== '.lock'));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'quantlab-run-rollback-'));
  seed = join(work, 'seed');
  const r = await runAll(seed, await source(goodBars(12)));
  if (r.exitCode !== 0) throw new Error(`seed run failed:\n${r.stderr}`);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('ingest accepts, clean rejects: the run fails with exit 3 and every lake file is as before', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['a duplicate timestamp with different values', async () => {
      const bars = goodBars(12);
      bars.splice(5, 0, { ...bars[4]!, close: 105.5 }); // bar 4 again (line 7), close 105.5 instead of 105
      return source(bars);
    }, /^klines\/BTCUSDT-5m\.csv\.gz:6 close: .*conflicting duplicate bar at 2025-01-01T00:20:00\.000Z.*klines\/BTCUSDT-5m\.csv\.gz:7 has close = 105\.5/],
    ['a funding rate of 7.5', async () => source(goodBars(12), '7.5'), /^funding\/BTCUSDT-funding\.csv:2 funding_rate: .*, was 7\.5/],
    ['a timestamp off the grid', async () => {
      const bars = goodBars(12);
      bars[6] = { ...bars[6]!, ts: T0 + 6 * M5 + 1000 }; // line 8
      return source(bars);
    }, /^klines\/BTCUSDT-5m\.csv\.gz:8 ts_ms: .*not on the 5m grid.*, was 1735691401000/],
  ];
  test.each(cases)('%s', async (_name, make, message) => {
    const dataDir = await copyLake(seed, join(work, `data-${++n}`));
    const before = await lakeState(dataDir);
    const r = await runAll(dataDir, await make());
    expect(r.exitCode).toBe(ExitCode.invalidInput);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; stage: string });
    expect(errors.find((e) => e.level === 50 && e.msg.includes(':'))?.msg).toMatch(message);
    expect(r.stdout).toMatch(/^run \S+: failed in /);
    expect(r.stdout).toContain('rolled back: ingest');
    expect(await lakeState(dataDir)).toEqual(before);
  });
});

describe('the README exit-code table, end to end through npm run all', () => {
  test('0 ok: a run whose stages are fresh or succeed', async () => {
    const dataDir = await copyLake(seed, join(work, `data-${++n}`));
    const r = await runAll(dataDir, join(work, 'src-1'));
    expect(r.exitCode).toBe(ExitCode.ok);
  });

  test('2 usage error: an unknown flag, before anything is written', async () => {
    const dataDir = join(work, `data-${++n}`);
    const r = await run('run_all', ['--data_dir', dataDir, '--no-such-flag']);
    expect(r.exitCode).toBe(ExitCode.usage);
    expect(await snapshot(dataDir)).toEqual({});
  });

  test('3 invalid spec: a stage parameter of the wrong type, located', async () => {
    const dataDir = join(work, `data-${++n}`);
    const r = await run('run_all', ['--data_dir', dataDir, '--spec_dir', join(ROOT, 'spec'), '--set', 'clean.outlier_mad_k="x"']);
    expect(r.exitCode).toBe(ExitCode.invalidInput);
    expect(r.stderr).toContain('outlier_mad_k');
    expect(await snapshot(dataDir)).toEqual({});
  });

  test('4 locked: another run holds the lake', async () => {
    const dataDir = await copyLake(seed, join(work, `data-${++n}`));
    const lock = await acquireLock(dataDir, 'holder');
    try {
      const r = await runAll(dataDir, join(work, 'src-1'));
      expect(r.exitCode).toBe(ExitCode.locked);
      expect(r.stderr).toContain('is in use by run holder');
    } finally {
      await lock.release();
    }
  });

  test('130 interrupted: SIGINT mid-stage prints the summary table and leaves the lake as it was', async () => {
    const dataDir = await copyLake(seed, join(work, `data-${++n}`));
    const before = await lakeState(dataDir);
    const child = execa(process.execPath, [join(ROOT, 'dist', 'orchestrator', 'run_all.js'), '--data_dir', dataDir, '--spec_dir', join(ROOT, 'spec'),
      '--until', 'clean', '--allow-synthetic', '--set', 'ingest.synthetic.n_symbols=20'], { reject: false, cwd: ROOT, env: { QUANTLAB_LOG_LEVEL: 'info' } });
    await new Promise<void>((resolveStarted) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (d.toString().includes('"stage":"ingest"') && d.toString().includes('stage started')) resolveStarted();
      });
    });
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(ExitCode.interrupted);
    expect(String(r.stdout)).toMatch(/^run \S+: interrupted in /);
    expect(String(r.stdout)).toMatch(/\n {2}ingest +failed /);
    expect(await lakeState(dataDir)).toEqual(before);
  });
});
