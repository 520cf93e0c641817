/**
 * `backtest --paper`: the backtest's run folder plus the same window through the paper broker, with the per-trade
 * diff written into the run folder: empty when no guard intervenes, every difference explained when the default
 * drawdown breaker trips the paper session.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCosts } from '../../lib/costs/digest.js';
import { backtestPaperCommand } from '../../lib/lab/paper/command.js';
import type { BacktestArgs, BacktestDeps } from '../../lib/lab/backtest_command.js';
import { silentLogger } from '../../lib/log.js';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { ROOT } from '../helpers/strategy_lake.js';

let dir: string;
let deps: BacktestDeps;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-btpaper-'));
  deps = {
    dataDir: dir, lakeRoot: join(dir, 'lake'), runsDir: join(dir, 'runs'), baseCosts: (await loadCosts(join(ROOT, 'spec', 'costs.yaml'))).config,
    log: silentLogger(), nowMs: Date.UTC(2025, 5, 1), env: {}, dotenvPath: join(dir, '.env'), synthetic: syntheticSource, gitSha: null, argv: [], entrypoint: 'test',
  };
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const args = (x: Partial<BacktestArgs>): BacktestArgs => ({
  symbol: 'DEMO', strategy: 'momentum', params: 'fast=10,slow=30', interval: '5m', assetClass: 'crypto', window: 'P20D', dollarPerTrade: 10_000,
  initialCash: 100_000, paper: true, allowEnvDates: false, allowSynthetic: true, seed: 7, ...x,
});

describe('backtest --paper', () => {
  test('no guard intervenes: the paper broker makes the backtest\'s trades (empty diff), both written', async () => {
    const out = await backtestPaperCommand(args({ dollarPerTrade: 1_000 }), deps);
    expect(out.session.state.state).toBe('ACTIVE');
    expect(out.diffs).toEqual([]);
    const j = JSON.parse(await readFile(join(out.dir, 'paper_diff.json'), 'utf8'));
    expect(j).toMatchObject({ session_id: out.session.id, session_state: 'ACTIVE', differences: [] });
    expect(j.backtest_trades).toBe(j.session_trades);
    expect(j.backtest_trades).toBe(out.run.result.trades.length);
    expect(j.backtest_trades).toBeGreaterThan(50);
    expect(await readFile(join(out.dir, 'paper_diff.csv'), 'utf8')).toBe('symbol,side,entry_time,field,session,backtest,reason\n');
    expect(await readFile(join(out.dir, 'session.md'), 'utf8')).toContain(`## Paper broker on the same window`);
  }, 120_000);

  test('the default 400 bps drawdown breaker trips the paper session: every missing trade names the guard', async () => {
    const out = await backtestPaperCommand(args({}), deps);
    expect(out.session.state.state).toBe('REDUCING');
    expect(out.diffs.length).toBeGreaterThan(5);
    expect(out.diffs.every((d) => d.field === 'missing_in_session' && d.reason.startsWith('guard state denied the order: session REDUCING (session drawdown'))).toBe(true);
    const csv = (await readFile(join(out.dir, 'paper_diff.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(out.diffs.length + 1);
  }, 120_000);
});
