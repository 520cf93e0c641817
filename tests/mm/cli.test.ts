import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, START, DAY, runNode } from '../helpers/strategy_lake.js';
import { MM_METRICS_SCHEMA, MM_RISK_SCHEMA, schemaErrors } from '../../lib/mm/schema.js';
import { loadMmData } from '../../lib/mm/run.js';
import { reconcilePaper } from '../../lib/mm/realtime.js';
import { DEFAULT_MM_PARAMS } from '../../lib/mm/backtest.js';

let dir = '';
const INST = ['--exchange', 'synthetic', '--venue', 'binance', '--market', 'um', '--symbol', 'SYN01USDT', '--timeframe', '5m', '--vol-window', '24'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-mm-'));
  const r = await runNode('orchestrator/run_all.js', [
    '--data_dir', dir, '--allow-synthetic', '--until', 'clean', '--set', 'ingest.synthetic.n_symbols=1',
    '--set', `ingest.synthetic.start_ms=${START}`, '--set', `ingest.synthetic.end_ms=${START + 3 * DAY}`, '--set', 'clean.extra_timeframes=[]',
  ]);
  if (r.exitCode !== 0) throw new Error(`seed failed:\n${r.stderr}`);
}, 180_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function mm(script: string, args: string[], env: Record<string, string> = {}) {
  const r = await execa('node', [join(ROOT, 'dist', 'cli', 'mm', script), '--data_dir', dir, ...args], {
    reject: false, cwd: ROOT, env: { QUANTLAB_LOG_FORMAT: 'json', ...env }, extendEnv: false,
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('mm CLIs on a synthetic lake', () => {
  test('mm:backtest writes market data, metrics and risk report that validate', async () => {
    const r = await mm('backtest.js', [...INST, '--run_id', 'bt1']);
    expect(r.code).toBe(0);
    const art = join(dir, 'artifacts');
    const metrics = JSON.parse(readFileSync(join(art, 'bt1_metrics.json'), 'utf8'));
    expect(schemaErrors(MM_METRICS_SCHEMA, metrics)).toEqual([]);
    expect(schemaErrors(MM_RISK_SCHEMA, JSON.parse(readFileSync(join(art, 'bt1_risk_report.json'), 'utf8')))).toEqual([]);
    const csv = readFileSync(join(art, 'bt1_market_data.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('ts_utc,open,high,low,close,volume,spread_est_bps,volatility_bps,trend_strength,momentum_bps,mean_reversion_ac1');
    expect(csv).toHaveLength(3 * 288 + 1);
    expect(metrics.costs).toEqual({ maker_fee_bps: 2, taker_fee_bps: 5, slippage_bps: 1, funding: true });
    const p = metrics.pnl;
    expect(p.spread_capture_usd + p.inventory_pnl_usd - p.fees_usd - p.funding_usd - p.liquidation_cost_usd).toBeCloseTo(p.net_pnl_usd, 6);
    expect(r.stderr).toContain('runtime_complete');
  }, 60_000);

  test('mm:realtime replays 20 iterations offline: 20 quote lines on stdout and in the jsonl', async () => {
    const r = await mm('realtime.js', [...INST, '--iterations', '20', '--run_id', 'rt1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const quotes = lines.filter((l) => l.type === 'quote');
    expect(quotes).toHaveLength(20);
    for (const q of quotes) {
      expect(q.mode).toBe('paper');
      if (q.bid !== null) expect(q.bid).toBeLessThan(q.mid);
      if (q.ask !== null) expect(q.ask).toBeGreaterThan(q.mid);
    }
    expect(readFileSync(join(dir, 'artifacts', 'realtime', 'rt1.jsonl'), 'utf8')).toBe(r.stdout + '\n'); // execa strips the last newline
    const done = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'runtime_complete');
    expect(done).toMatchObject({ iterations: 20, failures: 0 });
  }, 60_000);

  test('the paper loop reconciles with the backtest of the same bars (equity and position)', async () => {
    const d = await loadMmData(dir, { exchange: 'synthetic', market: 'um', symbol: 'SYN01USDT' }, '5m');
    const rec = await reconcilePaper(d.bars, d.funding, { ...DEFAULT_MM_PARAMS, vol_window_bars: 24 }, { maker_fee_bps: 2, taker_fee_bps: 5, slippage_bps: 1, funding: true }, 300, 200, 'SYN01USDT');
    expect(rec.iterations).toBe(200);
    expect(rec.reconciled).toBe(true);
  }, 60_000);

  test('live guard at the CLI: exact message, exit 2, nothing written, keys never printed', async () => {
    const noKeys = await mm('backtest.js', [...INST, '--mode', 'live', '--run_id', 'live1']);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toContain('mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET');
    expect(existsSync(join(dir, 'artifacts', 'live1_metrics.json'))).toBe(false);
    const keys = await mm('realtime.js', [...INST, '--mode', 'live', '--run_id', 'live2'], { EXCHANGE_API_KEY: 'AKIA-SECRET-1', EXCHANGE_API_SECRET: 'SECRET-2' });
    expect(keys.code).toBe(2);
    expect(keys.stderr).toContain('mode=live is blocked: PAPER_ONLY=\\"1\\"');
    expect(keys.stderr + keys.stdout).not.toMatch(/AKIA-SECRET-1|SECRET-2/);
  }, 60_000);

  test('roles as processes: data -> model -> execution -> risk with a worker limit, failures: 0', async () => {
    const r = await mm('roles.js', [...INST, '--max-workers', '1', '--run_id', 'roles1']);
    expect(r.code).toBe(0);
    const done = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'runtime_complete');
    expect(done).toMatchObject({ failures: 0, max_workers: 1, mm_run_id: 'roles1' });
    for (const f of ['data.json', 'model.json', 'metrics.json', 'execution.json', 'risk_report.json', 'market_data.csv']) {
      expect(existsSync(join(dir, 'artifacts', 'roles', 'roles1', `SYN01USDT_${f}`))).toBe(true);
    }
    expect(schemaErrors(MM_RISK_SCHEMA, JSON.parse(readFileSync(join(dir, 'artifacts', 'roles', 'roles1', 'SYN01USDT_risk_report.json'), 'utf8')))).toEqual([]);
    const alone = await mm('role.js', [...INST, '--role', 'risk', '--run_id', 'nothing_before']);
    expect(alone.code).toBe(3);
    expect(alone.stderr).toContain('missing input artifact of role risk');
  }, 120_000);

  test('bad input: an instrument the lake does not hold is a located error, exit 3', async () => {
    const r = await mm('backtest.js', ['--exchange', 'synthetic', '--venue', 'binance', '--symbol', 'NOPEUSDT']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('lake/cleaned/bars/exchange=synthetic/market=um/symbol=NOPEUSDT/timeframe=5m');
    expect(r.stderr).toContain('no cleaned bars');
    const bad = await mm('backtest.js', [...INST, '--volume-share', '2', '--run_id', 'bad1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('mm parameter volume_share must be in (0, 1], was 2');
    expect(existsSync(join(dir, 'artifacts', 'bad1_metrics.json'))).toBe(false);
  }, 60_000);
});
