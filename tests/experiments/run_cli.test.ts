/**
 * `quantlab experiment run` end to end through the built bin on a synthetic lake (the pipeline's ingest and clean
 * stages): both example specs in backtest and paper mode write their rows, blocks and metric events and print the
 * metrics table; bad input is one located error, exit 3, nothing written; kill -9 in the middle of a run and the
 * same command again: no fill row lost or duplicated (compared with a clean run on a copy of the lake).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import BetterSqlite3 from 'better-sqlite3';
import { DAY, ROOT, runNode } from '../helpers/strategy_lake.js';
import { storePath } from '../../lib/experiments/store.js';

const START = Date.UTC(2025, 0, 1);
const SYMS = 'SYN01USDT,SYN02USDT,SYN03USDT';
let dir: string;
let lakeDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-exp-run-'));
  lakeDir = join(dir, 'seed');
  const r = await runNode('orchestrator/run_all.js', [
    '--data_dir', lakeDir, '--allow-synthetic', '--only', 'ingest,clean',
    '--set', 'ingest.synthetic.n_symbols=3', '--set', `ingest.synthetic.start_ms=${START}`, '--set', `ingest.synthetic.end_ms=${START + 12 * DAY}`,
  ]);
  if (r.exitCode !== 0) throw new Error(`seed failed:\n${r.stderr}`);
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A data dir holding a copy of the seeded lake (and nothing else). */
async function dataDir(name: string): Promise<string> {
  const d = join(dir, name);
  await cp(join(lakeDir, 'lake'), join(d, 'lake'), { recursive: true });
  return d;
}

async function ql(args: string[]) {
  const r = await execa('node', [join(ROOT, 'dist/cli/quantlab.js'), ...args], {
    cwd: ROOT, reject: false, timeout: 170_000, env: { QUANTLAB_LOG_FORMAT: 'json', QUANTLAB_LOG_LEVEL: 'warn' },
  });
  const errors = String(r.stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50).map((l) => l.msg);
  return { code: r.exitCode, stdout: String(r.stdout), errors };
}

function db(d: string): BetterSqlite3.Database {
  return new BetterSqlite3(storePath(d), { readonly: true });
}

const RUN = (d: string, extra: string[]) => ['experiment', 'run', '--data_dir', d, '--symbols', SYMS, '--start', '2025-01-03', '--end', '2025-01-12', ...extra];

describe('both example specs, backtest and paper, on a synthetic lake', () => {
  test.each([
    ['micro_taker_breakout.yaml', 'micro-taker-breakout-v1'],
    ['meso_maker_post_only.yaml', 'meso-maker-pullback-v1'],
  ])('%s', async (file, id) => {
    const d = await dataDir(id);
    const bt = await ql(RUN(d, ['--spec', `experiments/${file}`, '--mode', 'backtest']));
    expect(bt.errors).toEqual([]);
    expect(bt.code).toBe(0);
    expect(bt.stdout).toContain(`experiment ${id} backtest run backtest-`);
    expect(bt.stdout).toMatch(/deciding metrics:\n {2}metric +agg +value samples +min +threshold +status\n/);
    expect(bt.stdout).toContain('violations (exposure rules acting):');
    expect(bt.stdout).toContain('experiment status: draft');
    // paper needs the experiment running
    const refused = await ql(RUN(d, ['--id', id, '--mode', 'paper']));
    expect(refused.code).toBe(2);
    expect(refused.errors[0]).toContain(`experiment "${id}" is draft: paper trading needs it running`);
    expect((await ql(['experiment', 'start', id, '--data_dir', d, '--approved_by', 'ci'])).code).toBe(0);
    const pp = await ql(RUN(d, ['--id', id, '--mode', 'paper', '--json']));
    expect(pp.errors).toEqual([]);
    expect(pp.code).toBe(0);
    const rep = JSON.parse(pp.stdout) as { run_id: string; rows: Record<string, number>; evaluation: { deciding: { name: string; status: string; n: number }[]; counters: Record<string, number> }; status: string };
    expect(rep.status).toBe('running');
    expect(rep.rows.fills).toBeGreaterThan(0);
    expect(rep.rows.orders).toBeGreaterThanOrEqual(rep.rows.fills!);
    expect(rep.rows.risk_allocations).toBeGreaterThan(0);
    const h = db(d);
    try {
      for (const t of ['orders', 'fills', 'position_snapshots', 'risk_allocations', 'block_events']) {
        const rows = h.prepare(`SELECT experiment_id, run_id, COUNT(*) AS n FROM ${t} GROUP BY experiment_id, run_id`).all() as { experiment_id: string; run_id: string; n: number }[];
        expect(rows.map((r) => r.experiment_id)).toEqual([id, id]);
        expect(rows.map((r) => r.run_id).sort()).toEqual([rows.find((r) => r.run_id.startsWith('backtest-'))!.run_id, rep.run_id].sort());
      }
      const blocked = (h.prepare("SELECT COUNT(*) AS n FROM experiment_events WHERE type = 'experiment_blocked' AND run_id = ?").get(rep.run_id) as { n: number }).n;
      expect(blocked).toBe(rep.rows.block_events);
      expect(blocked).toBe(Object.values(rep.evaluation.counters).reduce((a, b) => a + b, 0));
      const metrics = h.prepare("SELECT payload_json FROM experiment_events WHERE type = 'experiment_metric' AND run_id = ? AND reason IS NULL").all(rep.run_id) as { payload_json: string }[];
      const names = metrics.map((m) => (JSON.parse(m.payload_json) as { name: string }).name).sort();
      expect(names).toEqual(expect.arrayContaining(['fill_rate', 'slippage_bps', 'spread_bps_mean', 'spread_bps_p95', 'mae_pct', 'mfe_pct', 'r_multiple', 'max_drawdown_pct', 'hold_time_exceeded_count', 'no_learn_zone_block_count', 'realized_vol_short', 'volume_multiple', 'time_to_fill_seconds', 'post_only_reject_rate']));
      const byRegime = (h.prepare("SELECT COUNT(*) AS n FROM experiment_events WHERE type = 'experiment_metric' AND run_id = ? AND reason = 'metric_by_regime'").get(rep.run_id) as { n: number }).n;
      expect(byRegime).toBeGreaterThan(0);
      const runs = h.prepare('SELECT mode, status FROM experiment_runs ORDER BY mode').all();
      expect(runs).toEqual([{ mode: 'backtest', status: 'finished' }, { mode: 'paper', status: 'finished' }]);
    } finally {
      h.close();
    }
    // the same command again: the same run, nothing new
    const again = await ql(RUN(d, ['--id', id, '--mode', 'paper', '--json']));
    const rep2 = JSON.parse(again.stdout) as { run_id: string; rows: Record<string, number>; new_rows: Record<string, number>; resumed_from: string };
    expect(rep2.run_id).toBe(rep.run_id);
    expect(rep2.resumed_from).toBe('finished');
    expect(rep2.rows).toEqual(rep.rows);
    expect(Object.values(rep2.new_rows)).toEqual([0, 0, 0, 0, 0]);
  }, 300_000);
});

describe('bad input: one located error, exit 3, nothing written', () => {
  test('a symbol the lake does not hold', async () => {
    const d = await dataDir('missing');
    const r = await ql(['experiment', 'run', '--data_dir', d, '--spec', 'experiments/micro_taker_breakout.yaml', '--mode', 'backtest', '--window', 'P5D']);
    expect(r.code).toBe(3);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain('target_symbols: no cleaned 5m bars for BTCUSDT, ETHUSDT in the lake');
    const h = db(d);
    try {
      expect(h.prepare('SELECT COUNT(*) AS n FROM experiment_specs').get()).toEqual({ n: 0 });
      expect(h.prepare('SELECT COUNT(*) AS n FROM experiment_runs').get()).toEqual({ n: 0 });
      expect(h.prepare('SELECT COUNT(*) AS n FROM fills').get()).toEqual({ n: 0 });
    } finally {
      h.close();
    }
    expect((await readdir(join(d, 'lake'))).sort()).toEqual((await readdir(join(lakeDir, 'lake'))).sort());
  }, 120_000);

  test('neither --id nor --spec', async () => {
    const r = await ql(['experiment', 'run', '--data_dir', join(dir, 'nothing'), '--mode', 'backtest', '--window', 'P5D']);
    expect(r.code).toBe(2);
    expect(r.errors[0]).toContain('experiment run needs exactly one of --id <experiment id> and --spec <file>');
    expect(existsSync(join(dir, 'nothing', 'lake'))).toBe(false);
  }, 60_000);
});

describe('kill -9 in the middle of a run', () => {
  test('the rerun of the same command loses and duplicates no fill row', async () => {
    const ref = await dataDir('kill-ref');
    const args = (d: string) => RUN(d, ['--spec', 'experiments/meso_maker_post_only.yaml', '--mode', 'backtest', '--write_batch', '1', '--json']);
    const clean = await ql(args(ref));
    expect(clean.code).toBe(0);
    const refRep = JSON.parse(clean.stdout) as { run_id: string; rows: Record<string, number> };
    const d = await dataDir('kill');
    const child = spawn('node', [join(ROOT, 'dist/cli/quantlab.js'), ...args(d)], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, QUANTLAB_LOG_LEVEL: 'silent' } });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    // wait until fills are being written, then kill -9
    let seen = 0;
    for (let k = 0; k < 3000 && seen === 0; k++) {
      await new Promise((r) => setTimeout(r, 10));
      if (!existsSync(storePath(d))) continue;
      try {
        const h = db(d);
        try { seen = (h.prepare('SELECT COUNT(*) AS n FROM fills').get() as { n: number }).n; } finally { h.close(); }
      } catch { /* the store is being created */ }
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(seen).toBeGreaterThan(0);
    const h = db(d);
    const atKill = {
      fills: (h.prepare('SELECT COUNT(*) AS n FROM fills').get() as { n: number }).n,
      run: h.prepare('SELECT status FROM experiment_runs').get() as { status: string },
    };
    h.close();
    expect(atKill.run.status).toBe('running'); // killed before the run finished
    expect(atKill.fills).toBeLessThanOrEqual(refRep.rows.fills!);
    const rerun = await ql(args(d));
    expect(rerun.code).toBe(0);
    const rep = JSON.parse(rerun.stdout) as { run_id: string; rows: Record<string, number>; new_rows: Record<string, number>; resumed_from: string };
    expect(rep.run_id).toBe(refRep.run_id);
    expect(rep.resumed_from).toBe('running');
    expect(rep.new_rows.fills).toBe(refRep.rows.fills! - atKill.fills);
    expect(rep.rows).toEqual(refRep.rows);
    const rows = (x: string) => {
      const c = db(x);
      try { return c.prepare('SELECT fill_id, order_id, ts_ms, symbol, side, qty, price, fee_usd FROM fills ORDER BY fill_id').all(); } finally { c.close(); }
    };
    expect(rows(d)).toEqual(rows(ref));
  }, 300_000);
});
