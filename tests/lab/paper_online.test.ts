/**
 * The online feed (`live trade --feed ccxt`) against the local mock Binance server: closed candles only (the bar in
 * progress that Binance serves is dropped), market rules from the exchange, the session journaled poll by poll; a
 * session fed in many polls (and one restarted in between) ends in the same state as one fed all bars at once.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadCosts } from '../../lib/costs/digest.js';
import { liveTradeCommand, type LiveTradeArgs } from '../../lib/lab/paper/command.js';
import type { BacktestDeps } from '../../lib/lab/backtest_command.js';
import { silentLogger } from '../../lib/log.js';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { ROOT } from '../helpers/strategy_lake.js';
import { startMockExchange, type MockExchange } from './mock_exchange.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 2, 1); // window start
const WARMUP = 200;
const BARS = 900; // window length
let dir: string;
let mock: MockExchange;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-online-'));
  mock = await startMockExchange(T0 + BARS * MIN);
  // a wave with a drift: momentum crossovers every few hundred bars
  for (let i = -WARMUP; i < BARS + 60; i++) {
    const c = 40_000 * (1 + 0.01 * Math.sin(i / 40) + 0.00001 * i);
    const o = 40_000 * (1 + 0.01 * Math.sin((i - 1) / 40) + 0.00001 * (i - 1));
    mock.klines.push([T0 + i * MIN, o, Math.max(o, c) + 2, Math.min(o, c) - 2, c, 50 + (i % 7)]);
  }
});
afterAll(async () => { await mock.close(); await rm(dir, { recursive: true, force: true }); });

async function deps(name: string): Promise<BacktestDeps> {
  const d = join(dir, name);
  return {
    dataDir: d, lakeRoot: join(d, 'lake'), runsDir: join(d, 'runs'), baseCosts: (await loadCosts(join(ROOT, 'spec', 'costs.yaml'))).config,
    log: silentLogger(), nowMs: T0, env: {}, dotenvPath: join(d, '.env'), synthetic: syntheticSource, gitSha: null, argv: [], entrypoint: 'test',
  };
}
function args(clock: { now: number }, pollBars: number, maxPolls = Infinity): LiveTradeArgs {
  const iso = (x: number) => new Date(x).toISOString().replace('.000Z', 'Z');
  return {
    symbol: 'BTC-USDT', strategy: 'momentum', params: '{"fast":10,"slow":30}', interval: '1m', assetClass: 'crypto', start: iso(T0), end: iso(T0 + BARS * MIN),
    dollarPerTrade: 10_000, initialCash: 100_000, paper: false, allowEnvDates: false, allowSynthetic: false, seed: 7, feed: 'ccxt', live: false,
    limits: { max_order_notional: 50_000, max_position_notional: 100_000, per_symbol: {}, max_dd_bps: 5000, max_consecutive_rejects: 5, stale_after_ms: 180_000, kill_switch_file: null },
    online: {
      exchange: 'binance', pollMs: pollBars * MIN, maxPolls, warmupBars: WARMUP, apiBase: (mock.urls.api as Record<string, string>).public!.replace(/\/api\/v3$/, ''),
      clock: () => clock.now, sleep: async (ms) => { clock.now += ms; mock.setNow(clock.now); },
    },
  };
}

describe('online feed (ccxt polling, mock exchange)', () => {
  test('all bars in one poll, in polls of 97 bars, and with a restart in between: the same final state', async () => {
    const end = T0 + BARS * MIN + 30_000; // half way into the bar after the window: it is forming, never used
    mock.setNow(end);
    const batch = await liveTradeCommand(args({ now: end }, 1), await deps('batch'));
    expect(batch.state).toMatchObject({ status: 'complete', bars_processed: BARS });
    expect(batch.state.n_fills).toBeGreaterThan(4);
    const input = JSON.parse(await readFile(join(batch.dir, 'input.json'), 'utf8'));
    expect(input.rules).toEqual({ lot_size: 0.00001, tick_size: 0.01, min_notional: 5 }); // the exchange's filters
    const bars = (await readFile(join(batch.dir, 'bars.csv'), 'utf8')).trim().split('\n');
    expect(bars).toHaveLength(1 + WARMUP + BARS);

    // polls: the clock starts 10 bars into the window and moves 97 bars per poll
    const clock = { now: T0 + 10 * MIN + 5_000 };
    mock.setNow(clock.now);
    const d2 = await deps('polled');
    const first = await liveTradeCommand(args(clock, 97, 3), d2);
    expect(first.state.status).toBe('running');
    // the forming bar is not recorded: bars closed by the clock only
    const seen = (await readFile(join(first.dir, 'bars.csv'), 'utf8')).trim().split('\n').length - 1;
    expect(seen).toBe(Math.floor((clock.now - (T0 - WARMUP * MIN)) / MIN));
    expect(first.state.bars_processed).toBe(seen - WARMUP);
    // a restart (a new process would do the same): recorded bars reloaded, the journal verified, then new polls
    const second = await liveTradeCommand(args(clock, 97), d2);
    expect(second.resumedAfterBars).toBe(first.state.bars_processed);
    expect(second.state.status).toBe('complete');
    for (const f of ['state.json', 'orders.csv', 'trades.csv', 'positions.csv', 'account.csv']) {
      expect([f, await readFile(join(second.dir, f), 'utf8')]).toEqual([f, await readFile(join(batch.dir, f), 'utf8')]);
    }
    expect(mock.to('POST', '/api/v3/order')).toEqual([]); // a paper session sends nothing
  }, 120_000);

  test('the CLI: --feed ccxt needs --start/--end and a real symbol; polls the exchange given by --ccxt-api-base', async () => {
    const base = (mock.urls.api as Record<string, string>).public!.replace(/\/api\/v3$/, '');
    const cli = (extra: string[]) => execa('node', [join(ROOT, 'dist/cli/quantlab.js'), 'live', 'trade', '--symbol', 'BTC-USDT', '--strategy', 'momentum', '--params', '{"fast":10,"slow":30}',
      '--feed', 'ccxt', '--ccxt-api-base', base, '--warmup-bars', String(WARMUP), '--data_dir', join(dir, 'cli'), ...extra], { reject: false, env: { QUANTLAB_LOG_FORMAT: 'json' } });
    const w = await cli(['--window', 'P1D']);
    expect(w.exitCode).toBe(2);
    expect(w.stderr).toContain('--feed ccxt needs --start and --end');
    mock.setNow(Date.now());
    const r = await cli(['--start', new Date(T0).toISOString(), '--end', new Date(T0 + BARS * MIN).toISOString()]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ps-[0-9a-f]{16} done ACTIVE equity \d+\.\d\d fills \d+ denied 0\n/);
  }, 60_000);
});
