/**
 * Paper sessions end to end on synthetic bars (in process): each breaker trips a session with its exact event, an
 * exit passes while REDUCING, the latch holds across reruns until `live reset`, the diff against the backtest is
 * empty on an untripped replay and explains every difference on a tripped one, and a kill -9 of the CLI at any
 * point leaves no session or a complete one, whose rerun equals an uninterrupted run.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadCosts } from '../../lib/costs/digest.js';
import { liveTradeCommand, type LiveTradeArgs } from '../../lib/lab/paper/command.js';
import { diffSession } from '../../lib/lab/paper/diff.js';
import { resetSessionFolder, type SessionState } from '../../lib/lab/paper/session.js';
import type { BacktestDeps } from '../../lib/lab/backtest_command.js';
import type { RiskLimits } from '../../lib/lab/paper/guards.js';
import { DataError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { ROOT } from '../helpers/strategy_lake.js';

let dir: string;
let deps: BacktestDeps;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-paper-'));
  deps = {
    dataDir: dir, lakeRoot: join(dir, 'lake'), runsDir: join(dir, 'runs'), baseCosts: (await loadCosts(join(ROOT, 'spec', 'costs.yaml'))).config,
    log: silentLogger(), nowMs: Date.UTC(2025, 5, 1), env: {}, dotenvPath: join(dir, '.env'), synthetic: syntheticSource, gitSha: null, argv: [], entrypoint: 'test',
  };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LIMITS: RiskLimits = {
  max_order_notional: 50_000, max_position_notional: 100_000, per_symbol: {}, max_dd_bps: 5000, max_consecutive_rejects: 5,
  stale_after_ms: 180_000, kill_switch_file: null,
};
function args(limits: Partial<RiskLimits>, extra: Partial<LiveTradeArgs> = {}): LiveTradeArgs {
  return {
    symbol: 'DEMO', strategy: 'momentum', params: '{"fast":10,"slow":30}', interval: '1m', assetClass: 'crypto',
    start: '2024-12-30', end: '2024-12-30', dollarPerTrade: 10_000, initialCash: 100_000, paper: false, allowEnvDates: false,
    allowSynthetic: true, seed: 7, feed: 'replay', live: false, limits: { ...LIMITS, ...limits }, ...extra,
  };
}
async function events(d: string): Promise<Record<string, unknown>[]> {
  return (await readFile(join(d, 'state.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
}

describe('paper session guards', () => {
  test('an untripped replay: ACTIVE, fills, and an empty diff against the backtest', async () => {
    const out = await liveTradeCommand(args({}), deps);
    expect(out.state).toMatchObject({ status: 'complete', state: 'ACTIVE', bars_processed: 1440, n_orders_denied: 0 });
    expect(out.state.n_fills).toBeGreaterThan(20);
    expect((await readdir(out.dir)).sort()).toEqual(['account.csv', 'bars.csv', 'engine_trades.json', 'funding.json', 'input.json', 'logs', 'orders.csv', 'positions.csv', 'session.md', 'state.json', 'state.jsonl', 'trades.csv']);
    const d = await diffSession(deps.runsDir, out.id);
    expect(d.diffs).toEqual([]);
    expect(d.session_trades).toBe(d.backtest_trades);
    expect(d.session_trades).toBeGreaterThan(10);
    // the same command again: reported, not recomputed
    const again = await liveTradeCommand(args({}), deps);
    expect(again).toMatchObject({ id: out.id, resumed: true });
  }, 120_000);

  test('drawdown breaker: REDUCING with the exact event, exits pass, entries are denied, the diff names the guard', async () => {
    const out = await liveTradeCommand(args({ max_dd_bps: 30 }), deps);
    expect(out.state.state).toBe('REDUCING');
    const ev = await events(out.dir);
    const trip = ev.find((e) => e.rule === 'drawdown')!;
    expect(trip).toMatchObject({ type: 'guard', decision: 'trip', state_before: 'ACTIVE', state_after: 'REDUCING' });
    expect(trip.message).toMatch(/^session drawdown \d+\.\d bps > max_dd_bps 30: only risk-reducing orders until reset$/);
    const after = ev.filter((e) => (e.seq as number) > (trip.seq as number) && e.type === 'guard');
    expect(after.some((e) => e.decision === 'allow' && (e.numbers as { risk_reducing: boolean }).risk_reducing)).toBe(true);
    expect(after.some((e) => e.decision === 'deny' && (e.message as string).includes('only risk-reducing orders'))).toBe(true);
    expect(after.every((e) => e.decision !== 'allow' || (e.numbers as { risk_reducing: boolean }).risk_reducing)).toBe(true);
    expect(await readFile(join(out.dir, 'session.md'), 'utf8')).toContain('ACTIVE -> REDUCING: session drawdown');
    const d = await diffSession(deps.runsDir, out.id);
    expect(d.diffs.length).toBeGreaterThan(0);
    expect(d.diffs.filter((x) => x.field === 'missing_in_session').every((x) => x.reason.startsWith('guard state denied the order: session REDUCING'))).toBe(true);
    // latched: the rerun is refused until reset
    await expect(liveTradeCommand(args({ max_dd_bps: 30 }), deps)).rejects.toThrow(DataError);
    const st = await resetSessionFolder(deps.runsDir, out.id, 'reviewed the drawdown', Date.UTC(2025, 5, 1));
    expect(st).toMatchObject({ state: 'ACTIVE', tripped: {} });
    expect((await events(out.dir)).at(-1)).toMatchObject({ type: 'guard', state_before: 'REDUCING', state_after: 'ACTIVE', message: 'reset: reviewed the drawdown', numbers: { cleared: 'drawdown' } });
    expect(await readFile(join(out.dir, 'session.md'), 'utf8')).toContain('REDUCING -> ACTIVE: reset: reviewed the drawdown (cleared: drawdown)');
    expect(await liveTradeCommand(args({ max_dd_bps: 30 }), deps)).toMatchObject({ resumed: true });
  }, 120_000);

  test('kill-switch file: HALTED at the first bar with the exact event; nothing is ever sent', async () => {
    const kill = join(dir, 'KILL');
    await writeFile(kill, '');
    const out = await liveTradeCommand(args({ kill_switch_file: kill }), deps);
    expect(out.state).toMatchObject({ state: 'HALTED', n_fills: 0 });
    const ev = await events(out.dir);
    expect(ev[1]).toEqual({
      seq: 0, bar: 0, ts_ms: Date.UTC(2024, 11, 30), type: 'guard', rule: 'kill_switch', decision: 'trip', state_before: 'ACTIVE', state_after: 'HALTED',
      message: `kill-switch file ${kill} present: halted until reset`, numbers: { kill_switch_file: kill },
    });
    expect(ev.filter((e) => e.type === 'order')).toEqual([]);
    await rm(kill);
  }, 120_000);

  test('per-symbol and notional caps deny entries with the rule and the numbers; consecutive rejects halt', async () => {
    const caps = await liveTradeCommand(args({ max_order_notional: 5_000 }), deps);
    const deny = (await events(caps.dir)).find((e) => e.decision === 'deny')!;
    expect(deny).toMatchObject({ rule: 'max_notional', state_after: 'ACTIVE' });
    expect(deny.message).toMatch(/^order notional 9\d{3}\.\d\d > max_order_notional 5000$/);
    const sym = await liveTradeCommand(args({ per_symbol: { DEMO: { max_qty: 0.01 } } }), deps);
    expect((await events(sym.dir)).find((e) => e.decision === 'deny')).toMatchObject({ rule: 'per_symbol', numbers: { symbol_max_qty: 0.01 } });
    // a minimum notional above the order size: every entry is an exchange reject; 2 in a row halt the session
    const info = join(dir, 'market.json');
    await writeFile(info, JSON.stringify({ precision: { amount: 0.001, price: 0.1 }, limits: { cost: { min: 20_000 } } }));
    const rej = await liveTradeCommand(args({ max_consecutive_rejects: 2 }, { marketInfo: info }), deps);
    expect(rej.state.state).toBe('HALTED');
    const ev = await events(rej.dir);
    expect(ev.filter((e) => e.type === 'quantize' && e.decision === 'reject')).toHaveLength(2);
    expect(ev.find((e) => e.rule === 'consecutive_rejects')).toMatchObject({ decision: 'trip', state_after: 'HALTED', numbers: { consecutive_rejects: 2, max_consecutive_rejects: 2 } });
  }, 180_000);
});

describe('kill -9', () => {
  test('a killed session leaves nothing or a complete folder; the rerun equals an uninterrupted run', async () => {
    const cli = (data: string) => ['live', 'trade', '--symbol', 'DEMO', '--strategy', 'momentum', '--params', '{"fast":10,"slow":30}', '--start', '2024-12-29', '--end', '2024-12-30',
      '--allow-synthetic', '--data_dir', data, '--risk.max-dd-bps', '5000'];
    const env = { QUANTLAB_LOG_FORMAT: 'json', QUANTLAB_NOW_MS: String(Date.UTC(2025, 5, 1)) };
    const ref = join(dir, 'ref');
    const r = await execa('node', [join(ROOT, 'dist/cli/quantlab.js'), ...cli(ref)], { reject: false, env });
    expect(r.exitCode).toBe(0);
    const [id] = await readdir(join(ref, 'runs/live/sessions'));
    const refState = await readFile(join(ref, 'runs/live/sessions', id!, 'state.json'), 'utf8');
    for (const delayMs of [1500, 4000, 7000]) {
      const data = join(dir, `k${delayMs}`);
      const p = execa('node', [join(ROOT, 'dist/cli/quantlab.js'), ...cli(data)], { reject: false, env });
      await new Promise((res) => setTimeout(res, delayMs));
      p.kill('SIGKILL');
      await p;
      const sessions = join(data, 'runs/live/sessions');
      const left = existsSync(sessions) ? (await readdir(sessions)).filter((x) => !x.startsWith('.')) : [];
      expect(left.length === 0 || existsSync(join(sessions, left[0]!, 'state.json'))).toBe(true);
      const again = await execa('node', [join(ROOT, 'dist/cli/quantlab.js'), ...cli(data)], { reject: false, env });
      expect(again.exitCode).toBe(0);
      const st = JSON.parse(await readFile(join(sessions, id!, 'state.json'), 'utf8')) as SessionState;
      expect(st).toEqual(JSON.parse(refState));
      expect((await readdir(sessions)).filter((x) => x.startsWith('.'))).toEqual([]);
    }
  }, 300_000);
});
