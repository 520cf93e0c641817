import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { runMonitorCli } from '../../cli/monitor/index.js';
import { writeDailyLake } from '../../lib/monitor/synthetic_daily.js';
import { LakeDb } from '../../lib/lake/index.js';

const START = Date.UTC(2020, 0, 1);
let base: string;
let lake: string;

async function walk(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}

async function digests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await walk(dir)) out[relative(dir, f)] = createHash('sha256').update(await readFile(f)).digest('hex');
  return out;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMonitorCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, Date.UTC(2026, 0, 2, 3, 4, 5));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A fresh data dir holding a copy of the fixture lake. */
async function dataDir(name: string): Promise<string> {
  const d = join(base, name);
  await cp(lake, join(d, 'lake'), { recursive: true });
  return d;
}

async function writeExperiment(name: string, text: string): Promise<string> {
  const f = join(base, name);
  await writeFile(f, text);
  return f;
}

const MSM = `experiment_id: msm_test
category_path: msm
target:
  short_leg: {basket_size: 4, min_market_cap_usd: 0, min_volume_usd: 0}
  long_leg: {weights: {btc: 0.7, eth: 0.3}}
backtest: {rebalance_days: 7}
`;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'quantlab-monitor-'));
  lake = join(base, 'fixture-lake');
  await writeDailyLake(lake, { seed: 4, n_assets: 12, days: 520, start_ms: START });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('npm run monitor', () => {
  test('--help lists every flag', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const f of ['--start', '--end', '--config', '--experiment', '--data_dir', '--json', '--log-format', '--help']) expect(r.out).toContain(f);
  });

  test('`quantlab monitor` (the one bin; `npm run monitor` runs it) gives the same result as runMonitorCli, and exit 2 on a bad flag', async () => {
    const d = await dataDir('bin');
    const bin = join(process.cwd(), 'dist/cli/quantlab.js');
    const ok = spawnSync(process.execPath, [bin, 'monitor', '--start', '2020-07-01', '--end', '2021-05-31', '--data_dir', d, '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    const viaBin = JSON.parse(ok.stdout) as { mode: string; kpis: Record<string, unknown>; label_changes: unknown };
    const direct = await cli(['--start', '2020-07-01', '--end', '2021-05-31', '--data_dir', await dataDir('bin-direct'), '--json']);
    const res = JSON.parse(direct.out) as typeof viaBin;
    expect(viaBin.kpis).toEqual(res.kpis);
    expect(viaBin.label_changes).toEqual(res.label_changes);
    const bad = spawnSync(process.execPath, [bin, 'monitor', '--start', '2020-07-01', '--end', '2021-05-31', '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bogus');
    const rev = spawnSync(process.execPath, [bin, 'monitor', '--start', '2021-07-01', '--end', '2021-05-31', '--data_dir', d], { encoding: 'utf8' });
    expect(rev.status).toBe(2);
    expect(rev.stderr).toContain('is after --end');
  });

  test('regular run: outputs written, lake untouched (sha256 of every file), nothing else', async () => {
    const d = await dataDir('regular');
    const before = await digests(join(d, 'lake'));
    const r = await cli(['--start', '2020-07-01', '--end', '2021-05-31', '--data_dir', d, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await digests(join(d, 'lake'))).toEqual(before);
    const files = (await walk(d)).map((f) => relative(d, f)).filter((f) => !f.startsWith('lake/'));
    expect(files.sort()).toEqual([
      'artifacts/monitor/features_wide.parquet',
      'reports/monitor/bt_daily_pnl.csv', 'reports/monitor/bt_equity_curve.csv', 'reports/monitor/dashboard.html', 'reports/monitor/kpis.json',
      'reports/monitor/regime_evaluation.json', 'reports/monitor/regime_metrics.csv', 'reports/monitor/regime_timeline.csv',
    ]);
    const res = JSON.parse(r.out) as { mode: string; kpis: { days: number }; label_changes: { with_hysteresis: number; without: number } };
    expect(res.mode).toBe('regular');
    expect(res.kpis.days).toBe(335);
    expect(res.label_changes.with_hysteresis).toBeLessThanOrEqual(res.label_changes.without);
    const pnl = (await readFile(join(d, 'reports/monitor/bt_daily_pnl.csv'), 'utf8')).trim().split('\n');
    expect(pnl[0]).toBe('date,pnl,cost,funding,borrow,r_ls_gross,r_ls_net,alt_turnover,gross,net_beta');
    expect(pnl.length).toBe(336);
    // identity on every row: r_ls_net = r_ls_gross - cost - funding - borrow
    for (const line of pnl.slice(1)) {
      const [, , cost, fund, bor, g, n] = line.split(',').map(Number);
      expect(n!).toBeCloseTo(g! - cost! - fund! - bor!, 12);
    }
    const db = await LakeDb.open({ threads: 1 });
    try {
      const rows = await db.rowObjects(`SELECT count(*) AS n, count(alt_breadth_up_z) AS z FROM read_parquet('${join(d, 'artifacts/monitor/features_wide.parquet')}')`);
      expect(Number((rows[0] as Record<string, unknown>).n)).toBeGreaterThan(335);
    } finally {
      db.close();
    }
  });

  test('MSM experiment: run dir with manifest, metrics, parquet; the catalog is DuckDB-queryable and grows by one row per run', async () => {
    const d = await dataDir('msm');
    const exp = await writeExperiment('msm.yaml', MSM);
    const r1 = await cli(['--start', '2020-07-01', '--end', '2021-05-31', '--data_dir', d, '--experiment', exp]);
    expect(r1.err).toBe('');
    expect(r1.code).toBe(0);
    const runId = 'msm_test-20260102T030405Z';
    for (const f of ['manifest.json', 'metrics.json', 'regime_timeseries.parquet', 'returns.parquet', 'regime_evaluation.json']) expect(existsSync(join(d, 'runs', runId, f))).toBe(true);
    const m = JSON.parse(await readFile(join(d, 'runs', runId, 'manifest.json'), 'utf8')) as Record<string, any>;
    expect(m.mode).toBe('msm');
    expect(m.resolved_config.universe.selection).toBe('mcap');
    expect(m.resolved_config.universe.basket_size).toBe(4);
    expect(m.resolved_config.backtest.long_leg.weights).toEqual({ btc: 0.7, eth: 0.3 });
    expect(Object.keys(m.lake_digests).sort()).toEqual(['bars', 'funding', 'market_cap', 'open_interest']);
    expect(m.baskets[0].symbols).toHaveLength(4);
    const r2 = await runMonitorCli(['--start', '2020-07-01', '--end', '2021-05-31', '--data_dir', d, '--experiment', exp], { out: () => {}, err: () => {} }, Date.UTC(2026, 0, 2, 3, 4, 6));
    expect(r2).toBe(0);
    const db = await LakeDb.open({ threads: 1 });
    try {
      const rows = await db.rowObjects(`SELECT run_id, mode FROM read_csv_auto('${join(d, 'runs/catalog.csv')}') ORDER BY run_id`);
      expect(rows.map((x: any) => x.run_id)).toEqual([runId, 'msm_test-20260102T030406Z']);
    } finally {
      db.close();
    }
  });

  test.each([
    ['missing --start', ['--end', '2021-01-01'], 2, /missing required --start/],
    ['not a date', ['--start', '2021-13-01', '--end', '2021-12-01'], 2, /not a real calendar date|not an ISO date/],
    ['start after end', ['--start', '2021-02-01', '--end', '2021-01-01'], 2, /--start 2021-02-01 is after --end 2021-01-01/],
    ['unknown flag', ['--start', '2021-01-01', '--end', '2021-02-01', '--bogus'], 2, /bogus/],
    ['a window with no data', ['--start', '2030-01-01', '--end', '2030-06-01'], 3, /no 1d bars in the window/],
  ])('usage and data errors: %s -> exit %s, nothing written', async (name, args, code, re) => {
    const d = await dataDir(`bad-${String(name).replace(/\W/g, '_')}`);
    const before = await walk(d);
    const r = await cli([...(args as string[]), '--data_dir', d]);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(re as RegExp);
    expect(await walk(d)).toEqual(before);
  });

  test('unknown config key: located error with did-you-mean, exit 3, nothing written', async () => {
    const d = await dataDir('badkey');
    const cfgText = (await readFile('spec/monitor/config.yaml', 'utf8')).replace('  basket_size: 5', '  basket_szie: 5');
    const cfg = join(base, 'bad-config.yaml');
    await writeFile(cfg, cfgText);
    const before = await walk(d);
    const r = await cli(['--start', '2020-07-01', '--end', '2021-01-01', '--data_dir', d, '--config', cfg]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/bad-config\.yaml:\d+:\d+ universe\.basket_szie: unknown key "basket_szie" \(did you mean "basket_size"\?/);
    expect(await walk(d)).toEqual(before);
  });

  test.each([
    ['regular: backtest', 'experiment_id: e1\ncategory_path: regular\nbacktest:\n  rebalance_dayz: 5\n', /e1\.yaml:4:3 backtest\.rebalance_dayz: unknown key "rebalance_dayz" \(did you mean "rebalance_days"\?/],
    ['regular: state_mapping -> regime.composite', 'experiment_id: e2\ncategory_path: regular\nstate_mapping:\n  n_regimes: 3\n  tresholds: [-1, 1]\n', /e2\.yaml:5:3 regime\.composite\.tresholds: unknown key "tresholds" \(did you mean "thresholds"\?/],
    ['msm: state_mapping -> regime', 'experiment_id: e3\ncategory_path: msm\nstate_mapping:\n  hysteresis: {band: 0.2, min_dwel_days: 3}\n', /e3\.yaml:4:27 regime\.hysteresis\.min_dwel_days: unknown key "min_dwel_days" \(did you mean "min_dwell_days"\?/],
  ])('unknown key in an experiment (%s): reported at its line in the experiment after the merge, exit 3, nothing written', async (name, text, re) => {
    const d = await dataDir(`badexp-${String(name).replace(/\W/g, '_')}`);
    const exp = await writeExperiment(`${/experiment_id: (\w+)/.exec(text as string)![1]}.yaml`, text as string);
    const before = await walk(d);
    const r = await cli(['--start', '2020-07-01', '--end', '2021-01-01', '--data_dir', d, '--experiment', exp]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(re as RegExp);
    expect(await walk(d)).toEqual(before);
  });

  test('a basket smaller than N is a located error (day, N, setting), exit 3, nothing written', async () => {
    const d = await dataDir('bigbasket');
    const exp = await writeExperiment('big.yaml', MSM.replace('basket_size: 4', 'basket_size: 40'));
    const before = await walk(d);
    const r = await cli(['--start', '2020-07-01', '--end', '2021-01-01', '--data_dir', d, '--experiment', exp]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/universe\.basket_size: only \d+ alts qualify for a basket of 40 .*was "2020-07-01: 40"/);
    expect(await walk(d)).toEqual(before);
  });

  test('missing market caps in MSM mode: exit 3 naming the table, nothing written', async () => {
    const d = join(base, 'nocaps');
    await writeDailyLake(join(d, 'lake'), { seed: 4, n_assets: 8, days: 400, start_ms: START }, { skipCaps: true });
    const exp = await writeExperiment('msm2.yaml', MSM);
    const before = await walk(d);
    const r = await cli(['--start', '2020-07-01', '--end', '2021-01-01', '--data_dir', d, '--experiment', exp]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/lake\/cleaned\/market_cap market_cap_usd: MSM mode ranks alts by market cap but no alt has a market cap/);
    expect(await walk(d)).toEqual(before);
  });

  test('a perpetual leg without funding is an error, exit 3, nothing written', async () => {
    const d = join(base, 'perp');
    await writeDailyLake(join(d, 'lake'), { seed: 4, n_assets: 8, days: 400, start_ms: START, market: 'um' });
    const before = await walk(d);
    const r = await cli(['--start', '2020-07-01', '--end', '2021-01-01', '--data_dir', d]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/funding.*perp leg held on \d{4}-\d{2}-\d{2} has no funding for that day/);
    expect(await walk(d)).toEqual(before);
  });
});
