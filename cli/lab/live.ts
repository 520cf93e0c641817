/** `quantlab live trade|reset|diff`: paper sessions (lib/lab/paper). */
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_LIMITS, liveTradeCommand } from '../../lib/lab/paper/command.js';
import { resetSessionFolder } from '../../lib/lab/paper/session.js';
import { diffSession } from '../../lib/lab/paper/diff.js';
import { lakeSymbol } from '../../lib/lab/strategy.js';
import { parseTimeframe, timeframeMs } from '../../lib/timeframe.js';
import { experimentOf, labArgs, labDeps, labOptions, type Flags } from './backtest.js';
import { labLogger, nowMs, reportError, runsDirOf } from './common.js';

const TRADE = `Paper-trade a strategy on an offline replay of lake bars through the engine (the deterministic paper
broker), with orders quantized to the market's rules and ordered risk guards (caps, per-symbol caps, session
drawdown breaker, consecutive-reject breaker, stale data, kill-switch file). Session folder
runs/live/sessions/<session_id>/ (state.json, state.jsonl, orders.csv, trades.csv, positions.csv, account.csv,
bars.csv, session.md, logs/run.log). state.jsonl is a journal written bar by bar: after a crash or kill -9 the same
command resumes after the last acknowledged bar (verified by replay). Rerunning a complete session reports it; a
REDUCING/HALTED one is refused (exit 3) until quantlab live reset.
Live: with --feed ccxt, --live, --i-acknowledge-risk <risk digest>, MODE=live and CCXT_API_KEY/CCXT_API_SECRET in
the environment, the same session sends its orders to the exchange (client ids ql-<session>-<bar>-<k>) and books
the exchange's fills (exchange.jsonl is the ledger; orders sent but not ended are looked up by client id before
anything new is sent; never re-sent). docs/lab.md "Live trading".`;

type TradeFlags = Flags & {
  feed: string; live: boolean; 'i-acknowledge-risk'?: string; 'kill-switch-file'?: string; 'market-info'?: string;
  'risk.max-dd-bps': number; 'risk.max-order-notional': number; 'risk.max-position-notional': number;
  'risk.max-consecutive-rejects': number; 'risk.stale-after-bars': number; 'risk.symbol-max-notional'?: number; 'risk.symbol-max-qty'?: number;
  adapter?: string; exchange: string; 'poll-seconds': number; 'max-polls'?: number; 'warmup-bars': number; 'ccxt-api-base'?: string;
};

const trade: CommandModule<object, TradeFlags> = {
  command: 'trade',
  describe: 'run (or report) a paper session on a replay of lake bars',
  builder: (y: Argv) => labOptions(y.parserConfiguration({ 'dot-notation': false })
    .usage(`quantlab live trade --symbol BTC-USDT --strategy momentum --interval 1m --params '{"fast":10,"slow":30}' (--start D --end D | --window P7D) --risk.max-dd-bps 400 --kill-switch-file PATH\n\n${TRADE}`))
    .option('interval', { type: 'string', default: '1m', requiresArg: true, describe: 'bar size (cleaned bars in the lake)' })
    .option('live', { type: 'boolean', default: false, describe: 'trade real money: the session\'s orders go to the exchange, its fills are reconciled into the session (needs --feed ccxt, MODE=live, --i-acknowledge-risk and CCXT_API_KEY/SECRET)' })
    .option('i-acknowledge-risk', { type: 'string', requiresArg: true, describe: 'the digest of the risk limits being acknowledged (printed when missing)' })
    .option('feed', { type: 'string', default: 'replay', requiresArg: true, describe: 'replay (lake bars, offline) or ccxt (poll public candles online; --start/--end, one spot symbol)' })
    .option('adapter', { type: 'string', requiresArg: true, describe: 'ccxt: mirror every order as the Binance request ccxt builds into adapter_logs.jsonl (dry-run, nothing sent)' })
    .option('exchange', { type: 'string', default: 'binance', requiresArg: true, describe: '--feed ccxt: the ccxt exchange (binance spot)' })
    .option('poll-seconds', { type: 'number', default: 60, requiresArg: true, describe: '--feed ccxt: seconds between polls' })
    .option('max-polls', { type: 'number', requiresArg: true, describe: '--feed ccxt: stop after this many polls (the session stays running; rerun to continue)' })
    .option('warmup-bars', { type: 'number', default: 2000, requiresArg: true, describe: '--feed ccxt: history bars fetched before --start (indicators, volume and volatility)' })
    .option('ccxt-api-base', { type: 'string', requiresArg: true, describe: '--feed ccxt: replace the host of the exchange API urls (testnet, proxy, a local mock)' })
    .option('kill-switch-file', { type: 'string', requiresArg: true, describe: 'a file whose presence halts the session (checked every bar and order)' })
    .option('market-info', { type: 'string', requiresArg: true, describe: 'ccxt market JSON: lot size, tick size, min notional (default: 1e-6 lot, 0.01 tick, 5 min notional)' })
    .option('risk.max-dd-bps', { type: 'number', default: DEFAULT_LIMITS.max_dd_bps, requiresArg: true, describe: 'session drawdown breaker -> REDUCING' })
    .option('risk.max-order-notional', { type: 'number', default: DEFAULT_LIMITS.max_order_notional, requiresArg: true, describe: 'cap on one order notional' })
    .option('risk.max-position-notional', { type: 'number', default: DEFAULT_LIMITS.max_position_notional, requiresArg: true, describe: 'cap on gross position notional' })
    .option('risk.symbol-max-notional', { type: 'number', requiresArg: true, describe: 'cap on the traded symbol(s) position notional' })
    .option('risk.symbol-max-qty', { type: 'number', requiresArg: true, describe: 'cap on the traded symbol(s) |position|' })
    .option('risk.max-consecutive-rejects', { type: 'number', default: DEFAULT_LIMITS.max_consecutive_rejects, requiresArg: true, describe: 'consecutive rejects -> HALTED' })
    .option('risk.stale-after-bars', { type: 'number', default: DEFAULT_LIMITS.stale_after_bars, requiresArg: true, describe: 'new risk denied when the last bar is older (bars)' }) as unknown as Argv<TradeFlags>,
  handler: async (f) => {
    const log = labLogger('live trade');
    try {
      const deps = await labDeps(f, log, 'live trade');
      const a = { ...labArgs(f), experiment: await experimentOf(f) };
      const bar = timeframeMs(parseTimeframe(f.interval, '--interval'));
      const per: { max_position_notional?: number; max_qty?: number } = {
        ...(f['risk.symbol-max-notional'] !== undefined ? { max_position_notional: f['risk.symbol-max-notional'] } : {}),
        ...(f['risk.symbol-max-qty'] !== undefined ? { max_qty: f['risk.symbol-max-qty'] } : {}),
      };
      const out = await liveTradeCommand({
        ...a, feed: f.feed, adapter: f.adapter, marketInfo: f['market-info'], live: f.live, acknowledgeRisk: f['i-acknowledge-risk'], crash: crashHook(process.env.QUANTLAB_TEST_SIGKILL_AFTER_BAR),
        liveCrash: liveCrashHook(process.env.QUANTLAB_TEST_SIGKILL_LIVE),
        online: f.feed === 'ccxt' ? { exchange: f.exchange, pollMs: f['poll-seconds'] * 1000, maxPolls: f['max-polls'] ?? Infinity, warmupBars: f['warmup-bars'], apiBase: f['ccxt-api-base'], ...clockOf(process.env.QUANTLAB_TEST_CLOCK_MS) } : undefined,
        limits: {
          max_order_notional: f['risk.max-order-notional'], max_position_notional: f['risk.max-position-notional'],
          per_symbol: Object.keys(per).length ? { [lakeSymbol(f.symbol)]: per } : {},
          max_dd_bps: f['risk.max-dd-bps'], max_consecutive_rejects: f['risk.max-consecutive-rejects'],
          stale_after_ms: f['risk.stale-after-bars'] * bar, kill_switch_file: f['kill-switch-file'] ?? null,
        },
      }, deps);
      const how = out.resumed ? 'complete (nothing to do)' : out.state.status === 'running' ? `running (${out.state.bars_processed} bars processed; rerun to continue)` : out.resumedAfterBars > 0 ? `done (resumed after ${out.resumedAfterBars} acknowledged bars)` : 'done';
      process.stdout.write(`${out.id} ${how} ${out.state.state} equity ${out.state.equity.toFixed(2)} fills ${out.state.n_fills} denied ${out.state.n_orders_denied}\n${out.dir}\n`);
    } catch (err) {
      reportError(log, err);
    }
  },
};

/** `QUANTLAB_TEST_SIGKILL_AFTER_BAR=<bar>[:torn]`: the crash test's hook (a real SIGKILL at a chosen point). */
function crashHook(v: string | undefined): { afterBar: number; torn: boolean } | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+)(:torn)?$/.exec(v);
  if (!m) throw new Error(`QUANTLAB_TEST_SIGKILL_AFTER_BAR=${v}: expected <bar>[:torn]`);
  return { afterBar: Number(m[1]), torn: m[2] !== undefined };
}

/** `QUANTLAB_TEST_SIGKILL_LIVE=after_intent:<n>|after_send:<n>`: SIGKILL around the n-th order a live session sends. */
function liveCrashHook(v: string | undefined): { point: 'after_intent' | 'after_send'; n: number } | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^(after_intent|after_send):(\d+)$/.exec(v);
  if (!m) throw new Error(`QUANTLAB_TEST_SIGKILL_LIVE=${v}: expected after_intent:<n> or after_send:<n>`);
  return { point: m[1] as 'after_intent' | 'after_send', n: Number(m[2]) };
}

/**
 * The online feed's clock: the wall clock, or with `QUANTLAB_TEST_CLOCK_MS=<ms>` (tests) a virtual one that starts
 * there and moves only when the loop sleeps (by the sleep's length, without waiting).
 */
function clockOf(v: string | undefined): { clock: () => number; sleep: (ms: number) => Promise<void>; throttle?: boolean } {
  if (v === undefined || v === '') return { clock: () => Date.now(), sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)) };
  let now = Number(v);
  if (!Number.isFinite(now)) throw new Error(`QUANTLAB_TEST_CLOCK_MS=${v}: expected epoch milliseconds`);
  return { clock: () => now, sleep: async (ms) => { now += ms; await new Promise<void>((r) => setImmediate(r)); }, throttle: false };
}

const reset: CommandModule<object, { session: string; reason: string; data_dir?: string }> = {
  command: 'reset',
  describe: 'clear a session\'s latched breakers (REDUCING/HALTED -> ACTIVE) with a reason',
  builder: (y: Argv) => y
    .option('session', { type: 'string', demandOption: true, requiresArg: true, describe: 'session id (ps-...)' })
    .option('reason', { type: 'string', demandOption: true, requiresArg: true, describe: 'why it is safe to trade again (recorded)' })
    .option('data_dir', { type: 'string', requiresArg: true, describe: 'as given to live trade' }) as unknown as Argv<{ session: string; reason: string; data_dir?: string }>,
  handler: async (f) => {
    const log = labLogger('live reset');
    try {
      const st = await resetSessionFolder(runsDirOf(f.data_dir), f.session, f.reason, nowMs());
      log.info({ session: f.session, state: st.state }, `session ${f.session} reset: ${f.reason}`);
      process.stdout.write(`${f.session} ${st.state}\n`);
    } catch (err) {
      reportError(log, err);
    }
  },
};

const diff: CommandModule<object, { session: string; data_dir?: string; json: boolean }> = {
  command: 'diff',
  describe: 'replay a session\'s bars through the backtest engine and list every trade that differs',
  builder: (y: Argv) => y
    .option('session', { type: 'string', demandOption: true, requiresArg: true, describe: 'session id (ps-...)' })
    .option('data_dir', { type: 'string', requiresArg: true, describe: 'as given to live trade' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object on stdout' }) as unknown as Argv<{ session: string; data_dir?: string; json: boolean }>,
  handler: async (f) => {
    const log = labLogger('live diff');
    try {
      const r = await diffSession(runsDirOf(f.data_dir), f.session);
      if (f.json) process.stdout.write(JSON.stringify(r) + '\n');
      else {
        process.stdout.write(`session ${r.session_trades} trades, backtest ${r.backtest_trades} trades, ${r.diffs.length} differences\n`);
        for (const d of r.diffs) process.stdout.write(`${d.entry_time} ${d.symbol} ${d.side} ${d.field}: session ${d.session} backtest ${d.backtest} (${d.reason})\n`);
      }
    } catch (err) {
      reportError(log, err);
    }
  },
};

export const liveModule: CommandModule<object, object> = {
  command: 'live <command>',
  describe: 'paper trading sessions: trade, reset, diff',
  builder: (y: Argv) => y.command(trade).command(reset).command(diff).demandCommand(1, 'name a live command: trade, reset or diff'),
  handler: () => undefined,
};
