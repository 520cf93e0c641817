/**
 * `quantlab backtest` end to end through the built bin: every bad input is one clear message with exit 2 or 3 and
 * nothing created (no runs/, no data dir, no lake); a synthetic run writes a complete run folder tagged SYNTHETIC.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT } from '../helpers/strategy_lake.js';

let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'quantlab-lab-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function quantlab(args: string[], env: Record<string, string> = {}, dir?: string) {
  const r = await execa('node', [join(ROOT, 'dist/cli/quantlab.js'), ...args], {
    cwd: dir ?? cwd, reject: false, timeout: 120_000, extendEnv: false,
    env: { PATH: process.env.PATH ?? '', QUANTLAB_LOG_FORMAT: 'json', QUANTLAB_NOW_MS: String(Date.UTC(2025, 5, 1)), ...env },
  });
  const lines = String(r.stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
  return { code: r.exitCode, stdout: String(r.stdout), errors: lines.filter((l) => l.level >= 50).map((l) => l.msg), logs: lines };
}

/** A fresh empty working dir: after a refused command it must still be empty. */
async function emptyDir(name: string): Promise<string> {
  const d = join(cwd, name);
  await mkdir(d);
  return d;
}

const BASE = ['backtest', '--symbol', 'BTC-USDT', '--strategy', 'momentum'];

describe('quantlab backtest refuses bad input before creating anything', () => {
  const cases: [string, string[], number, string][] = [
    ['no dates', [], 2, 'no dates given: a backtest needs a window\n  -> pass --start YYYY-MM-DD --end YYYY-MM-DD, or --window P90D'],
    ['reversed window', ['--start', '2025-03-01', '--end', '2025-02-01'], 2, 'the window is reversed: --start 2025-03-01 is after --end 2025-02-01'],
    ['bad duration', ['--window', 'P9X'], 2, '--window "P9X" is not an ISO-8601 duration'],
    ['bad tz', ['--window', 'P90D', '--tz', 'America/Nwe_York'], 2, '--tz "America/Nwe_York" is not an IANA time zone\n  -> did you mean --tz America/New_York?'],
    ['unknown param', ['--window', 'P90D', '--params', 'fats=10'], 2, '--params fats: unknown parameter of momentum\n  -> did you mean fast?'],
    ['bad interval', ['--window', 'P90D', '--interval', '7m'], 2, '--interval: unknown interval "7m"'],
    ['commission', ['--window', 'P90D', '--commission', '2'], 2, '--commission 2: the cost model (lib/costs) has no fixed per-fill commission'],
  ];
  test.each(cases)('%s', async (name, extra, code, message) => {
    const d = await emptyDir(name.replace(/\W/g, '_'));
    const r = await quantlab([...BASE, ...extra, '--data_dir', join(d, 'data')], {}, d);
    expect(r.code).toBe(code);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain(message);
    expect(await readdir(d)).toEqual([]);
  }, 60_000);

  test('unknown strategy: did you mean', async () => {
    const d = await emptyDir('strategy');
    const r = await quantlab(['backtest', '--symbol', 'BTC-USDT', '--strategy', 'mean_revertion', '--window', 'P9D'], {}, d);
    expect(r.code).toBe(2);
    expect(r.errors[0]).toBe('unknown strategy "mean_revertion"\n  -> did you mean --strategy mean_reversion? strategies: mean_reversion, momentum, pairs_trading');
    expect(await readdir(d)).toEqual([]);
  }, 60_000);

  test('synthetic symbol without --allow-synthetic: exit 2, nothing created', async () => {
    const d = await emptyDir('demo');
    const r = await quantlab(['backtest', '--symbol', 'DEMO', '--strategy', 'momentum', '--window', 'P9D'], {}, d);
    expect(r.code).toBe(2);
    expect(r.errors[0]).toContain('DEMO is the synthetic market: it needs --allow-synthetic');
    expect(await readdir(d)).toEqual([]);
  }, 60_000);

  test('missing data without network: exit 3 naming the ingest command, nothing created', async () => {
    const d = await emptyDir('missing');
    const r = await quantlab([...BASE, '--start', '2025-01-01', '--end', '2025-01-31', '--data_dir', join(d, 'data')], {}, d);
    expect(r.code).toBe(3);
    expect(r.errors[0]).toContain(`no cleaned 5m bars for BTCUSDT in the lake`);
    expect(r.errors[0]).toContain(`npm run all -- --data_dir ${join(d, 'data')} --until clean --set ingest.source=ccxt --set ingest.ccxt.exchange_id=binanceusdm --set 'ingest.ccxt.symbols=["BTC/USDT:USDT"]' --set ingest.ccxt.since=2024-12-02`);
    expect(await readdir(d)).toEqual([]);
  }, 60_000);

  test('--allow-env-dates logs the exact keys and values it used', async () => {
    const d = await emptyDir('envdates');
    const r = await quantlab(['backtest', '--symbol', 'DEMO', '--strategy', 'momentum', '--allow-env-dates', '--allow-synthetic', '--data_dir', join(d, 'data')],
      { QUANTLAB_START: '2024-12-20', QUANTLAB_END: '2024-12-10' }, d);
    expect(r.code).toBe(2); // the env dates are reversed: refused like flags
    expect(r.logs.some((l) => l.msg === '--allow-env-dates: using QUANTLAB_START=2024-12-20 QUANTLAB_END=2024-12-10')).toBe(true);
    expect(r.errors[0]).toContain('the window is reversed');
    expect(await readdir(d)).toEqual([]);
  }, 60_000);
});

describe('quantlab backtest --allow-synthetic', () => {
  test('writes a complete run folder tagged synthetic', async () => {
    const d = await emptyDir('synthetic');
    const r = await quantlab(['backtest', '--symbol', 'DEMO', '--strategy', 'mean_reversion', '--params', 'window=48,threshold=1.5', '--interval', '1h',
      '--start', '2024-11-01', '--end', '2024-11-30', '--tz', 'Europe/Berlin', '--allow-synthetic', '--seed', '11', '--fee-bps', '15', '--slip-bps', '8'], {}, d);
    expect(r.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.logs.some((l) => l.msg.startsWith('--allow-synthetic acknowledged'))).toBe(true);
    const runs = await readdir(join(d, 'runs'));
    expect(runs).toEqual(['20250601T000000Z_DEMO_mean_reversion']);
    const run = join(d, 'runs', runs[0]!);
    expect((await readdir(run)).sort()).toEqual(['equity.csv', 'equity.html', 'metrics.json', 'provenance.json', 'session.md', 'trades.csv']);
    expect((await readFile(join(run, 'session.md'), 'utf8')).startsWith('# SYNTHETIC RUN\n')).toBe(true);
    const m = JSON.parse(await readFile(join(run, 'metrics.json'), 'utf8'));
    expect(m.provenance).toMatchObject({ timezone: 'Europe/Berlin', seed: 11, synthetic: true });
    expect(m.provenance.window.start_utc).toBe('2024-10-31T23:00:00.000Z');
    expect(m.provenance.window.end_utc).toBe('2024-11-30T23:00:00.000Z');
    expect(m.bars).toBe(30 * 24);
    const p = JSON.parse(await readFile(join(run, 'provenance.json'), 'utf8'));
    expect(p.costs.config.venues.binance.um).toEqual({ maker_fee_bps: 15, taker_fee_bps: 15 });
    expect(p.costs.config.slippage_bps).toBe(8);
    expect(p.argv).toContain('--allow-synthetic');
    expect(p.blueprint.provenance.params).toMatchObject({ window_bars: 48, entry_z: 1.5 });
    const equity = (await readFile(join(run, 'equity.csv'), 'utf8')).trim().split('\n');
    expect(equity).toHaveLength(30 * 24 + 1);
    expect(equity[1]!.startsWith('2024-10-31T23:00:00.000Z,')).toBe(true);
    expect(await readFile(join(run, 'equity.html'), 'utf8')).toContain('<polyline');
    // same seed, same flags: the same numbers
    const again = await quantlab(['backtest', '--symbol', 'DEMO', '--strategy', 'mean_reversion', '--params', 'window=48,threshold=1.5', '--interval', '1h',
      '--start', '2024-11-01', '--end', '2024-11-30', '--tz', 'Europe/Berlin', '--allow-synthetic', '--seed', '11', '--fee-bps', '15', '--slip-bps', '8'], {}, d);
    expect(again.code).toBe(0);
    const m2 = JSON.parse(await readFile(join(d, 'runs', '20250601T000000Z_DEMO_mean_reversion-2', 'metrics.json'), 'utf8'));
    expect(m2.metrics).toEqual(m.metrics);
  }, 120_000);
});
