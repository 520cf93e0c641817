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

const CLI = (data: string, extra: string[] = []) => ['live', 'trade', '--symbol', 'DEMO', '--strategy', 'momentum', '--params', '{"fast":10,"slow":30}', '--start', '2024-12-29', '--end', '2024-12-30',
  '--allow-synthetic', '--data_dir', data, '--risk.max-dd-bps', '5000', ...extra];
const ENV = { QUANTLAB_LOG_FORMAT: 'json', QUANTLAB_NOW_MS: String(Date.UTC(2025, 5, 1)) };
const quantlab = (args: string[], env: Record<string, string> = {}) => execa('node', [join(ROOT, 'dist/cli/quantlab.js'), ...args], { reject: false, env: { ...ENV, ...env } });
/** The journal's acknowledged events (seq >= 0), without checkpoints and session lines (their number depends on wall time). */
async function journalEvents(d: string): Promise<string[]> {
  return (await readFile(join(d, 'state.jsonl'), 'utf8')).trim().split('\n').filter((l) => /^\{"seq":\d/.test(l));
}
async function checkpoints(d: string): Promise<Record<string, unknown>[]> {
  return (await readFile(join(d, 'state.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'checkpoint');
}

describe('kill -9', () => {
  let id: string;
  let ref: string;
  const derived = ['state.json', 'orders.csv', 'trades.csv', 'positions.csv', 'account.csv', 'engine_trades.json'];
  beforeAll(async () => {
    const r = await quantlab(CLI(join(dir, 'ref')));
    expect(r.exitCode).toBe(0);
    id = (await readdir(join(dir, 'ref/runs/live/sessions')))[0]!;
    ref = join(dir, 'ref/runs/live/sessions', id!);
  }, 120_000);

  test('SIGKILL right after journaling a bar, inside a torn write, before the first bar: the rerun resumes to the uninterrupted final state', async () => {
    const refEvents = await journalEvents(ref);
    const refFills = refEvents.filter((l) => l.includes('"event":"filled"'));
    expect(refFills.length).toBeGreaterThan(20);
    // kill points: bars with events in the middle of the replay (one with a resting stop order), a torn group, bar 0
    const cks = await checkpoints(ref);
    const withOpen = cks.find((c) => (c.bar as number) > 300 && (c.open_orders as unknown[]).length > 0)!;
    expect(withOpen).toBeDefined();
    for (const point of [`${withOpen.bar}`, `${(withOpen.bar as number) + 200}:torn`, '0']) {
      const data = join(dir, `crash-${point.replace(':', '-')}`);
      const killed = await quantlab(CLI(data), { QUANTLAB_TEST_SIGKILL_AFTER_BAR: point });
      expect(killed.signal).toBe('SIGKILL');
      const sdir = join(data, 'runs/live/sessions', id);
      expect(JSON.parse(await readFile(join(sdir, 'state.json'), 'utf8')).status).toBe('running');
      const before = await journalEvents(sdir);
      // every acknowledged line is a prefix of the uninterrupted journal (a torn tail is not acknowledged)
      const acked = point.endsWith(':torn') ? before.filter((l, k) => k < before.length - 1 || refEvents[k] === l) : before;
      expect(refEvents.slice(0, acked.length)).toEqual(acked);
      const again = await quantlab(CLI(data));
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toContain(point === '0' && before.length === 0 ? 'done' : 'resumed after');
      for (const f of derived) expect([f, await readFile(join(sdir, f), 'utf8')]).toEqual([f, await readFile(join(ref, f), 'utf8')]);
      expect(await journalEvents(sdir)).toEqual(refEvents);
      expect(existsSync(join(sdir, '.lock'))).toBe(false);
    }
  }, 300_000);

  test('a resting stop order acknowledged before the kill is still working after the restart and fills as in the uninterrupted run', async () => {
    const cks = await checkpoints(ref);
    const ck = cks.find((c) => (c.bar as number) > 300 && (c.open_orders as { kind: string }[]).some((o) => o.kind === 'stop'))!;
    const stop = (ck.open_orders as { order_id: number; kind: string }[]).find((o) => o.kind === 'stop')!;
    const data = join(dir, 'crash-open-order');
    expect((await quantlab(CLI(data), { QUANTLAB_TEST_SIGKILL_AFTER_BAR: String(ck.bar) })).signal).toBe('SIGKILL');
    const sdir = join(data, 'runs/live/sessions', id);
    const lastCk = (await checkpoints(sdir)).at(-1)!;
    expect(lastCk.bar).toBe(ck.bar);
    expect(lastCk.open_orders).toEqual(ck.open_orders);
    expect((await journalEvents(sdir)).some((l) => l.includes(`"order_id":${stop.order_id},`) && l.includes('"event":"submitted"'))).toBe(true);
    expect((await quantlab(CLI(data))).exitCode).toBe(0);
    // after the restart the order's end (filled, cancelled or expired) is journaled exactly as without the kill
    const end = (await journalEvents(ref)).filter((l) => l.includes(`"order_id":${stop.order_id},`) && !l.includes('"event":"submitted"'));
    expect(end.length).toBeGreaterThan(0);
    const resumed = await journalEvents(sdir);
    for (const l of end) expect(resumed).toContain(l);
  }, 200_000);

  test('a killed wall-clock run (kill -9 from outside at several delays) resumes to the same final state', async () => {
    const refState = await readFile(join(ref, 'state.json'), 'utf8');
    for (const delayMs of [800, 2500]) {
      const data = join(dir, `k${delayMs}`);
      const p = execa('node', [join(ROOT, 'dist/cli/quantlab.js'), ...CLI(data)], { reject: false, env: ENV });
      await new Promise((res) => setTimeout(res, delayMs));
      p.kill('SIGKILL');
      await p;
      const again = await quantlab(CLI(data));
      expect(again.exitCode).toBe(0);
      const sessions = join(data, 'runs/live/sessions');
      expect(await readFile(join(sessions, id, 'state.json'), 'utf8')).toEqual(refState);
    }
  }, 300_000);

  test('a journal that the replay does not reproduce is refused with the located divergence', async () => {
    const data = join(dir, 'crash-tamper');
    expect((await quantlab(CLI(data), { QUANTLAB_TEST_SIGKILL_AFTER_BAR: '700' })).signal).toBe('SIGKILL');
    const f = join(data, 'runs/live/sessions', id, 'state.jsonl');
    const text = await readFile(f, 'utf8');
    const k = text.indexOf('"event":"filled"');
    await writeFile(f, text.slice(0, k) + text.slice(k).replace(/"qty":(-?[\d.e-]+)/, '"qty":123'));
    const r = await quantlab(CLI(data));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/the replay diverges from the journal at event seq \d+ \(bar \d+\)/);
  }, 200_000);

  test('--adapter ccxt: every order mirrored as the Binance request ccxt builds (unsent); a kill and rerun neither loses nor repeats one', async () => {
    const ref2 = join(dir, 'adapter-ref');
    expect((await quantlab(CLI(ref2, ['--adapter', 'ccxt']))).exitCode).toBe(0);
    const sdir = join(ref2, 'runs/live/sessions', id);
    const lines = (await readFile(join(sdir, 'adapter_logs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const orders = (await readFile(join(sdir, 'orders.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
    const mirrored = orders.filter((o) => ['submitted', 'cancelled', 'expired'].includes(o[4]!));
    expect(lines).toHaveLength(mirrored.length);
    expect(lines.every((l) => l.adapter === 'ccxt' && l.mode === 'dry-run' && l.sent === false)).toBe(true);
    const first = lines.find((l) => l.op === 'create_order');
    expect(first.request).toMatchObject({ symbol: 'DEMOUSDT', newClientOrderId: `ql-${id.slice(3, 11)}-0` });
    const data = join(dir, 'adapter-crash');
    expect((await quantlab(CLI(data, ['--adapter', 'ccxt']), { QUANTLAB_TEST_SIGKILL_AFTER_BAR: '1000' })).signal).toBe('SIGKILL');
    expect((await quantlab(CLI(data, ['--adapter', 'ccxt']))).exitCode).toBe(0);
    expect(await readFile(join(data, 'runs/live/sessions', id, 'adapter_logs.jsonl'), 'utf8')).toBe(await readFile(join(sdir, 'adapter_logs.jsonl'), 'utf8'));
  }, 200_000);
});
