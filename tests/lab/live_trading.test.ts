/**
 * Live trading against the local mock Binance server only (tests/lab/mock_exchange.ts, via the url override; nothing
 * leaves the machine): the paper session's loop sends its orders through the ccxt adapter in send mode and the
 * exchange's fills are reconciled into the session (journal, FIFO, trades.csv): partial fills, rejects that trip
 * the consecutive-reject breaker, a dropped answer that is looked up instead of re-sent, the kill-switch file
 * cancelling open orders, a kill -9 of the CLI at each point of sending with no duplicate order and no lost fill,
 * and keys never written.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadCosts } from '../../lib/costs/digest.js';
import { liveTradeCommand, type LiveTradeArgs } from '../../lib/lab/paper/command.js';
import type { BacktestDeps } from '../../lib/lab/backtest_command.js';
import { riskDigest, type RiskLimits } from '../../lib/lab/paper/guards.js';
import type { LedgerLine } from '../../lib/lab/paper/live_router.js';
import { UsageError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { ROOT } from '../helpers/strategy_lake.js';
import { MOCK_KEY, MOCK_SECRET, startMockExchange, type MockExchange } from './mock_exchange.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 2, 1);
const WARMUP = 60;
const BARS = 240;
const LIMITS: RiskLimits = { max_order_notional: 50_000, max_position_notional: 100_000, per_symbol: {}, max_dd_bps: 5000, max_consecutive_rejects: 3, stale_after_ms: 180_000, kill_switch_file: null };
const LIVE_ENV = { MODE: 'live', CCXT_API_KEY: MOCK_KEY, CCXT_API_SECRET: MOCK_SECRET };

let dir: string;
let mock: MockExchange;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'quantlab-live-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });
async function startKlines(): Promise<MockExchange['klines']> {
  const out: MockExchange['klines'] = [];
  for (let i = -WARMUP; i < BARS + 10; i++) {
    const px = (k: number) => 40_000 * (1 + 0.01 * Math.sin(k / 12) + 0.00002 * k);
    const o = px(i - 1), c = px(i);
    out.push([T0 + i * MIN, o, Math.max(o, c) + 3, Math.min(o, c) - 3, c, 50 + (i % 7)]);
  }
  return out;
}
beforeEach(async () => {
  mock = await startMockExchange(T0);
  mock.trading.follow = true;
  for (const k of await startKlines()) mock.klines.push(k);
});
afterEach(async () => { await mock.close(); });

const base = () => (mock.urls.api as Record<string, string>).public!.replace(/\/api\/v3$/, '');
async function deps(name: string, env: Record<string, string> = LIVE_ENV): Promise<BacktestDeps> {
  const d = join(dir, name);
  return {
    dataDir: d, lakeRoot: join(d, 'lake'), runsDir: join(d, 'runs'), baseCosts: (await loadCosts(join(ROOT, 'spec', 'costs.yaml'))).config,
    log: silentLogger(), nowMs: T0, env, dotenvPath: join(d, '.env'), synthetic: syntheticSource, gitSha: null, argv: [], entrypoint: 'test',
  };
}
const iso = (x: number) => new Date(x).toISOString().replace('.000Z', 'Z');
function args(clock: { now: number }, o: { live?: boolean; limits?: RiskLimits; maxPolls?: number; onSleep?: (now: number) => void } = {}): LiveTradeArgs {
  const limits = o.limits ?? LIMITS;
  const live = o.live ?? true;
  return {
    symbol: 'BTC-USDT', strategy: 'momentum', params: '{"fast":5,"slow":15}', interval: '1m', assetClass: 'crypto', start: iso(T0), end: iso(T0 + BARS * MIN),
    dollarPerTrade: 10_000, initialCash: 100_000, paper: false, allowEnvDates: false, allowSynthetic: false, seed: 7, feed: 'ccxt',
    live, ...(live ? { acknowledgeRisk: riskDigest(limits) } : {}), limits,
    online: {
      exchange: 'binance', pollMs: MIN, maxPolls: o.maxPolls ?? Infinity, warmupBars: WARMUP, apiBase: base(),
      clock: () => clock.now, sleep: async (ms) => { clock.now += ms; o.onSleep?.(clock.now); }, throttle: false,
    },
  };
}
async function ledger(d: string): Promise<LedgerLine[]> {
  return (await readFile(join(d, 'exchange.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as LedgerLine);
}
async function csvRows(f: string): Promise<string[][]> {
  return (await readFile(f, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
}
/** Every file under a folder, recursively. */
async function filesUnder(d: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) out.push(...await filesUnder(p)); else out.push(p);
  }
  return out;
}

describe('live session against the mock exchange', () => {
  test('orders go to the exchange, fills are reconciled into journal, FIFO and trades.csv; the same fills as the paper session', async () => {
    const clock = { now: T0 + 5_000 };
    const out = await liveTradeCommand(args(clock), await deps('live'));
    expect(out.state).toMatchObject({ status: 'complete', bars_processed: BARS, state: 'ACTIVE' });
    const posts = mock.to('POST', '/api/v3/order');
    expect(posts.length).toBeGreaterThan(6);
    const cids = posts.map((p) => p.body.newClientOrderId!);
    expect(new Set(cids).size).toBe(cids.length); // no duplicate order
    for (const c of cids) expect(c).toMatch(new RegExp(`^ql-${out.id.slice(3)}-\\d+-\\d+$`));
    // every exchange trade is a fill of the ledger and of the session, once
    const l = await ledger(out.dir);
    const fills = l.filter((x) => x.type === 'fill') as Extract<LedgerLine, { type: 'fill' }>[];
    expect(fills.map((f) => f.trade_id).sort()).toEqual(mock.trades.map((t) => String(t.id)).sort());
    expect(out.state.n_fills).toBe(mock.trades.length);
    const net = mock.trades.reduce((s, t) => s + (t.isBuyer ? 1 : -1) * Number(t.qty), 0);
    expect(out.state.positions.BTCUSDT).toBeCloseTo(net, 9);
    const fees = mock.trades.reduce((s, t) => s + Number(t.commission), 0);
    const orders = await csvRows(join(out.dir, 'orders.csv'));
    const filled = orders.filter((r) => r[4] === 'filled');
    expect(filled).toHaveLength(mock.trades.length);
    expect(filled.reduce((s, r) => s + Number(r[7]), 0)).toBeCloseTo(fees, 6);
    // trades.csv (FIFO matches) realizes what the exchange's prices say
    const trades = await csvRows(join(out.dir, 'trades.csv'));
    expect(trades.length).toBeGreaterThan(2);
    // the paper session on the same bars fills the same orders at the same bars and prices (market orders at the open)
    const paperClock = { now: T0 + BARS * MIN + 5_000 };
    const paper = await liveTradeCommand(args(paperClock, { live: false }), await deps('paper', {}));
    const pf = (await csvRows(join(paper.dir, 'orders.csv'))).filter((r) => r[4] === 'filled');
    expect(filled.map((r) => [r[1], r[5]])).toEqual(pf.map((r) => [r[1], r[5]]));
    filled.forEach((r, k) => expect(Number(r[6])).toBeCloseTo(Number(pf[k]![6]), 6)); // the mock quotes 8 decimals
    // keys never written
    for (const f of await filesUnder(join(dir, 'live'))) {
      const text = await readFile(f, 'utf8');
      expect([f, text.includes(MOCK_KEY) || text.includes(MOCK_SECRET)]).toEqual([f, false]);
    }
  }, 120_000);

  test('partial fills: each exchange trade is a fill; the remainder the session lets expire is cancelled at the exchange', async () => {
    mock.trading.maxFillPerBar = 0.1;
    const out = await liveTradeCommand(args({ now: T0 + 5_000 }), await deps('partial'));
    expect(out.state.status).toBe('complete');
    const l = await ledger(out.dir);
    const intents = new Map(l.filter((x) => x.type === 'intent').map((x) => [x.order_id, x as Extract<LedgerLine, { type: 'intent' }>]));
    const fills = l.filter((x) => x.type === 'fill') as Extract<LedgerLine, { type: 'fill' }>[];
    const partial = [...intents.values()].filter((o) => o.kind === 'market' && Math.abs(o.qty) > 0.1);
    expect(partial.length).toBeGreaterThan(2);
    for (const o of partial) {
      const f = fills.filter((x) => x.order_id === o.order_id);
      expect(f.map((x) => Math.abs(x.qty))).toEqual([0.1]); // one bar's share, then the session's ttl of 1 bar ends it
      expect(l.find((x) => x.type === 'cancel' && x.order_id === o.order_id)).toMatchObject({ ok: true, status: 'canceled' });
      expect(l.find((x) => x.type === 'final' && x.order_id === o.order_id)).toMatchObject({ status: 'canceled', reason: `canceled (filled 0.1 of ${Math.abs(o.qty)})` });
    }
    const net = mock.trades.reduce((s, t) => s + (t.isBuyer ? 1 : -1) * Number(t.qty), 0);
    expect(out.state.positions.BTCUSDT).toBeCloseTo(net, 9);
    expect(fills).toHaveLength(mock.trades.length);
    expect([...mock.orders.values()].filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')).toEqual([]);
    // FIFO: positions.csv holds the exchange position in lots
    const lots = await csvRows(join(out.dir, 'positions.csv'));
    expect(lots.reduce((s, r) => s + Number(r[1]), 0)).toBeCloseTo(net, 9);
  }, 120_000);

  test('REDUCING (drawdown breaker) still sends exits, never a new entry', async () => {
    const limits = { ...LIMITS, max_dd_bps: 3 };
    const out = await liveTradeCommand(args({ now: T0 + 5_000 }, { limits }), await deps('reducing'));
    expect(out.state.state).toBe('REDUCING');
    const journal = (await readFile(join(out.dir, 'state.jsonl'), 'utf8')).trim().split('\n').map((x) => JSON.parse(x));
    const trip = journal.find((e) => e.type === 'guard' && e.decision === 'trip');
    expect(trip).toMatchObject({ rule: 'drawdown', state_after: 'REDUCING' });
    const pos = new Map<number, number>(journal.filter((e) => e.type === 'checkpoint').map((c) => [c.bar, c.positions.BTCUSDT]));
    const after = (await ledger(out.dir)).filter((x) => x.type === 'intent' && x.bar >= trip.bar) as Extract<LedgerLine, { type: 'intent' }>[];
    expect(after.length).toBeGreaterThan(0); // exits (and their protection) went out after the trip
    for (const o of after) {
      const p = pos.get(o.bar)!;
      expect([o.client_id, Math.sign(o.qty) === -Math.sign(p) && Math.abs(o.qty) <= Math.abs(p) + 1e-12]).toEqual([o.client_id, true]);
    }
    expect(journal.some((e) => e.type === 'guard' && e.decision === 'deny' && e.bar > trip.bar)).toBe(true); // entries denied
  }, 120_000);

  test('exchange rejects reach the session as rejected orders and trip the consecutive-reject breaker: HALTED sends nothing', async () => {
    mock.trading.reject = () => 'Account has insufficient balance for requested action.';
    const out = await liveTradeCommand(args({ now: T0 + 5_000 }), await deps('rejects'));
    expect(out.state.state).toBe('HALTED');
    const journal = (await readFile(join(out.dir, 'state.jsonl'), 'utf8')).trim().split('\n').map((x) => JSON.parse(x));
    const rejected = journal.filter((e) => e.type === 'order' && e.event === 'rejected');
    expect(rejected).toHaveLength(3);
    for (const e of rejected) expect(e.reason).toMatch(/^exchange: InsufficientFunds: binance .*insufficient balance/);
    const trip = journal.find((e) => e.type === 'guard' && e.decision === 'trip');
    expect(trip).toMatchObject({ rule: 'consecutive_rejects', state_before: 'ACTIVE', state_after: 'HALTED', bar: rejected[2].bar, numbers: { consecutive_rejects: 3, max_consecutive_rejects: 3 } });
    expect(mock.to('POST', '/api/v3/order')).toHaveLength(3);
    expect(journal.filter((e) => e.type === 'order' && e.event === 'submitted' && e.bar >= trip.bar)).toEqual([]);
  }, 120_000);

  test('a placement without an answer is looked up by client id, never sent again; its fills arrive', async () => {
    mock.trading.dropAnswers = 1;
    const out = await liveTradeCommand(args({ now: T0 + 5_000 }), await deps('dropped'));
    const l = await ledger(out.dir);
    const first = l.find((x) => x.type === 'intent') as Extract<LedgerLine, { type: 'intent' }>;
    const of = l.filter((x) => x.order_id === first.order_id).map((x) => x.type);
    expect(of.slice(0, 3)).toEqual(['intent', 'unknown', 'ack']);
    expect(of).toContain('fill');
    expect(mock.to('POST', '/api/v3/order').filter((p) => p.body.newClientOrderId === first.client_id)).toHaveLength(1);
    expect(mock.to('GET', '/api/v3/order').some((r) => r.query.origClientOrderId === first.client_id)).toBe(true);
    const net = mock.trades.reduce((s, t) => s + (t.isBuyer ? 1 : -1) * Number(t.qty), 0);
    expect(out.state.positions.BTCUSDT).toBeCloseTo(net, 9);
  }, 120_000);

  test('a placement lost on the way: looked up at once and a poll later, then not_placed (rejected in the session); never sent again', async () => {
    mock.trading.loseRequests = 1;
    const out = await liveTradeCommand(args({ now: T0 + 5_000 }), await deps('lost'));
    const l = await ledger(out.dir);
    const first = l.find((x) => x.type === 'intent') as Extract<LedgerLine, { type: 'intent' }>;
    const of = l.filter((x) => x.order_id === first.order_id);
    expect(of.map((x) => x.type)).toEqual(['intent', 'unknown', 'final']);
    expect(of[2]).toMatchObject({ status: 'not_placed', applied_bar: first.bar + 1 });
    expect(mock.to('POST', '/api/v3/order').filter((p) => p.body.newClientOrderId === first.client_id)).toHaveLength(1);
    expect(mock.to('GET', '/api/v3/order').filter((r) => r.query.origClientOrderId === first.client_id)).toHaveLength(2);
    expect([...mock.orders.values()].some((o) => o.clientOrderId === first.client_id)).toBe(false);
    expect(out.state.positions.BTCUSDT).toBeCloseTo(mock.trades.reduce((s, t) => s + (t.isBuyer ? 1 : -1) * Number(t.qty), 0), 9);
  }, 120_000);

  test('an order reported filled before its trades are listed stays open until they are: the fill is booked a bar later, not lost', async () => {
    mock.trading.hideTrades = 1;
    const out = await liveTradeCommand(args({ now: T0 + 5_000 }), await deps('lag'));
    const l = await ledger(out.dir);
    const first = l.find((x) => x.type === 'intent') as Extract<LedgerLine, { type: 'intent' }>;
    const of = l.filter((x) => x.order_id === first.order_id);
    // the session let the market order expire (no fill known at its bar): the cancel finds it filled, then the trade
    expect(of.map((x) => x.type)).toEqual(['intent', 'ack', 'cancel', 'fill', 'final']);
    expect(of[2]).toMatchObject({ ok: false, message: expect.stringMatching(/Unknown order/) });
    const fill = of[3] as Extract<LedgerLine, { type: 'fill' }>;
    expect(Math.floor((fill.ts_ms - T0) / MIN)).toBe(first.bar + 1); // traded in the next bar
    expect(fill.applied_bar).toBe(first.bar + 2); // booked at the first bar after it was listed
    expect(out.state.n_fills).toBe(mock.trades.length);
    expect(out.state.positions.BTCUSDT).toBeCloseTo(mock.trades.reduce((s, t) => s + (t.isBuyer ? 1 : -1) * Number(t.qty), 0), 9);
  }, 120_000);

  test('the kill-switch file halts the session and cancels its open exchange orders', async () => {
    const kill = join(dir, 'KILL');
    let at: number | undefined;
    const o = args({ now: T0 + 5_000 }, {
      limits: { ...LIMITS, kill_switch_file: kill },
      onSleep: (now) => {
        if (at === undefined && [...mock.orders.values()].some((x) => x.type === 'STOP_LOSS' && x.status === 'NEW')) { at = now; void writeFile(kill, 'stop'); }
      },
    });
    const out = await liveTradeCommand(o, await deps('kill'));
    expect(out.state.state).toBe('HALTED');
    expect(at).toBeDefined();
    const l = await ledger(out.dir);
    const cancels = l.filter((x) => x.type === 'cancel');
    expect(cancels.length).toBeGreaterThan(0);
    expect([...mock.orders.values()].filter((x) => x.status === 'NEW' || x.status === 'PARTIALLY_FILLED')).toEqual([]);
    const lastIntent = l.filter((x) => x.type === 'intent').at(-1)!;
    expect(lastIntent.at_ms).toBeLessThan(at!);
    await rm(kill, { force: true });
  }, 120_000);

  test('every incomplete combination of the live gate is still refused before anything is sent', async () => {
    const pieces = [['MODE', 'live'], ['live'], ['ack'], ['keys']] as const;
    for (let mask = 1; mask < 15; mask++) {
      if (mask === 8) continue; // keys alone: a paper session
      const env: Record<string, string> = {};
      if (mask & 1) env.MODE = 'live';
      if (mask & 8) Object.assign(env, { CCXT_API_KEY: MOCK_KEY, CCXT_API_SECRET: MOCK_SECRET });
      const a = args({ now: T0 + 5_000 }, { live: (mask & 2) !== 0 });
      if (!(mask & 4)) delete a.acknowledgeRisk; else a.acknowledgeRisk = riskDigest(LIMITS);
      await expect(liveTradeCommand(a, await deps(`gate${mask}`, env))).rejects.toThrow(UsageError);
    }
    // complete, but on a lake replay: refused (live needs the online feed)
    const a = { ...args({ now: T0 + 5_000 }), feed: 'replay' };
    await expect(liveTradeCommand(a, await deps('gate-replay'))).rejects.toThrow('live trading needs the online feed');
    expect(mock.to('POST', '/api/v3/order')).toEqual([]);
    expect(mock.requests.filter((r) => r.apiKey !== undefined)).toEqual([]);
  }, 60_000);

  test('kill -9 of the CLI after an order is sent, before it is sent, and after a bar is journaled: no duplicate order, no lost fill', async () => {
    const CLI_BARS = 120;
    const D = riskDigest({ ...LIMITS, stale_after_ms: 3 * MIN });
    const cli = (data: string, clockMs: number, env: Record<string, string> = {}) => execa('node', [join(ROOT, 'dist/cli/quantlab.js'), 'live', 'trade', '--symbol', 'BTC-USDT', '--strategy', 'momentum',
      '--params', '{"fast":5,"slow":15}', '--feed', 'ccxt', '--ccxt-api-base', base(), '--warmup-bars', String(WARMUP), '--start', iso(T0), '--end', iso(T0 + CLI_BARS * MIN),
      '--dollar-per-trade', '10000', '--risk.max-dd-bps', '5000', '--risk.max-consecutive-rejects', '3', '--live', '--i-acknowledge-risk', D, '--data_dir', data],
    { reject: false, env: { ...LIVE_ENV, QUANTLAB_LOG_FORMAT: 'json', QUANTLAB_TEST_CLOCK_MS: String(clockMs), ...env } });
    const sessionOf = async (data: string) => { const d = join(data, 'runs', 'live', 'sessions'); return join(d, (await readdir(d))[0]!); };
    const outputs = async (data: string) => {
      const sd = await sessionOf(data);
      const o: Record<string, string> = {};
      // the exchange's trade times move with the restart's second (the same bars): normalized to the minute
      for (const f of ['state.json', 'orders.csv', 'trades.csv', 'positions.csv', 'account.csv']) o[f] = (await readFile(join(sd, f), 'utf8')).replace(/(exchange trade \d+ at \d{4}-\d\d-\d\dT\d\d:\d\d):\d\d\.\d{3}Z/g, '$1');
      return o;
    };
    const start = T0 + 5_000;
    // the uninterrupted run
    const whole = await cli(join(dir, 'cli-whole'), start);
    expect([whole.exitCode, whole.stderr.split('\n').filter((x) => x.includes('"level":50'))]).toEqual([0, []]);
    expect(whole.stdout).toMatch(/^ps-[0-9a-f]{16} done ACTIVE equity \d+\.\d\d fills \d+ denied 0\n/);
    const wholeOut = await outputs(join(dir, 'cli-whole'));
    expect(whole.stderr + whole.stdout).not.toMatch(new RegExp(`${MOCK_KEY}|${MOCK_SECRET}`));
    expect(whole.stderr).toMatch(/"msg":"live session ps-[0-9a-f]{16}: \d+ orders sent, \d+ fills reconciled, 0 rejected/);
    const tradesOf = () => mock.trades.map(({ time, ...t }) => ({ ...t, bar: Math.floor((time - T0) / MIN) }));
    const wholeTrades = tradesOf();
    const wholePosts = mock.to('POST', '/api/v3/order').map((p) => p.body.newClientOrderId);
    expect(wholePosts.length).toBeGreaterThan(4);

    for (const [name, hook] of [['after-send', { QUANTLAB_TEST_SIGKILL_LIVE: 'after_send:3' }], ['after-bar', { QUANTLAB_TEST_SIGKILL_AFTER_BAR: '' }]] as const) {
      await mock.close();
      mock = await startMockExchange(T0);
      mock.trading.follow = true;
      for (const k of (await startKlines())) mock.klines.push(k);
      const data = join(dir, `cli-${name}`);
      let env: Record<string, string> = { ...hook };
      if (name === 'after-bar') {
        // the bar whose close decided the 3rd order of the uninterrupted run: killed right after journaling it
        const bar = Number(wholePosts[2]!.split('-')[2]);
        env = { QUANTLAB_TEST_SIGKILL_AFTER_BAR: String(bar) };
      }
      const killed = await cli(data, start, env);
      expect([name, killed.signal]).toEqual([name, 'SIGKILL']);
      const sd = await sessionOf(data);
      const l = (await readFile(join(sd, 'exchange.jsonl'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).map((x) => JSON.parse(x) as LedgerLine);
      // the killed process's clock: the poll of the last journaled bar
      const journal = (await readFile(join(sd, 'state.jsonl'), 'utf8')).trim().split('\n').map((x) => JSON.parse(x));
      const lastBar = journal.filter((e) => e.type === 'checkpoint').at(-1).bar as number;
      const clockAt = start + (lastBar + 1) * MIN;
      if (name === 'after-send') expect(l.at(-1)).toMatchObject({ type: 'intent' }); // placed, never acknowledged
      const again = await cli(data, clockAt + 1_000);
      expect([name, again.exitCode, again.stderr.split('\n').filter((x) => x.includes('"level":50'))]).toEqual([name, 0, []]);
      expect(again.stdout).toMatch(/done \(resumed after \d+ acknowledged bars\) ACTIVE/);
      // no duplicate order: every client id posted once, the same orders as the uninterrupted run; no lost fill
      const posts = mock.to('POST', '/api/v3/order').map((p) => p.body.newClientOrderId);
      expect([name, posts]).toEqual([name, wholePosts]);
      expect([name, tradesOf()]).toEqual([name, wholeTrades]);
      expect([name, await outputs(data)]).toEqual([name, wholeOut]);
    }

    // killed after writing the intent, before the request: the exchange never got it; looked up, not sent again
    await mock.close();
    mock = await startMockExchange(T0);
    mock.trading.follow = true;
    for (const k of (await startKlines())) mock.klines.push(k);
    const data = join(dir, 'cli-after-intent');
    expect((await cli(data, start, { QUANTLAB_TEST_SIGKILL_LIVE: 'after_intent:3' })).signal).toBe('SIGKILL');
    const sd = await sessionOf(data);
    const lost = ((await readFile(join(sd, 'exchange.jsonl'), 'utf8')).trim().split('\n').map((x) => JSON.parse(x) as LedgerLine)).at(-1) as Extract<LedgerLine, { type: 'intent' }>;
    expect(lost.type).toBe('intent');
    const again = await cli(data, lost.at_ms + 1_000);
    expect(again.exitCode).toBe(0);
    const l = (await readFile(join(sd, 'exchange.jsonl'), 'utf8')).trim().split('\n').map((x) => JSON.parse(x) as LedgerLine);
    expect(l.filter((x) => x.order_id === lost.order_id).map((x) => [x.type, (x as { status?: string }).status])).toEqual([['intent', undefined], ['final', 'not_placed']]);
    expect(mock.to('POST', '/api/v3/order').filter((p) => p.body.newClientOrderId === lost.client_id)).toEqual([]);
    const journal = (await readFile(join(sd, 'state.jsonl'), 'utf8')).trim().split('\n').map((x) => JSON.parse(x));
    expect(journal.find((e) => e.type === 'order' && e.order_id === lost.order_id && e.event === 'rejected')?.reason).toMatch(/^exchange: the exchange has no order/);
    const net = mock.trades.reduce((s, t) => s + (t.isBuyer ? 1 : -1) * Number(t.qty), 0);
    expect(JSON.parse(await readFile(join(sd, 'state.json'), 'utf8')).positions.BTCUSDT).toBeCloseTo(net, 9);
    // keys never written: every file any session of this test wrote
    for (const f of await filesUnder(dir)) {
      const text = await readFile(f, 'utf8');
      expect([f, text.includes(MOCK_KEY) || text.includes(MOCK_SECRET)]).toEqual([f, false]);
    }
  }, 300_000);
});
