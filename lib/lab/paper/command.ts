/** `quantlab live trade|reset|diff` as functions over injected effects (the CLI modules are thin). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { backtestCommand, checkBacktestArgs, prepareLab, type BacktestArgs, type BacktestDeps, type BacktestOutcome } from '../backtest_command.js';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fsx.js';
import { diffSession, type TradeDiff } from './diff.js';
import { labCosts } from '../costs.js';
import { ccxtSymbol, labBlueprint } from '../strategy.js';
import { parseTimeframe, timeframeMs } from '../../timeframe.js';
import type { InstrumentKey } from '../../market.js';
import { CcxtBrokerAdapter, ccxtDryRunMirror, openCcxt } from './ccxt_adapter.js';
import { runOnlineSession, type LiveHooks } from './online.js';
import { LiveRouter, type LiveCrashHook } from './live_router.js';
import { mkdir } from 'node:fs/promises';
import { windowBars } from '../backtest.js';
import { DataError } from '../../errors.js';
import { riskDigest, type RiskLimits } from './guards.js';
import { rulesFromCcxtMarket, type MarketRules } from './quantize.js';
import { runSession, type CrashHook, type SessionOutcome } from './session.js';
import { checkLiveGuard } from './live_guard.js';

/** Market rules when no --market-info is given: fine steps that barely change an order, a 5 USDT minimum notional. */
export const DEFAULT_RULES: MarketRules = { lot_size: 0.000001, tick_size: 0.01, min_notional: 5 };

/** Risk limits of `live trade` when no --risk.* flag is given (stale data: 3 bars, set per interval by the CLI). */
export const DEFAULT_LIMITS = {
  max_order_notional: 50_000, max_position_notional: 100_000, max_dd_bps: 400, max_consecutive_rejects: 5, stale_after_bars: 3,
} as const;

export interface LiveTradeArgs extends BacktestArgs {
  feed: string;
  limits: RiskLimits;
  marketInfo?: string | undefined;
  live: boolean;
  acknowledgeRisk?: string | undefined;
  /** Test hook (QUANTLAB_TEST_SIGKILL_AFTER_BAR): the process kills itself with SIGKILL after journaling that bar. */
  crash?: CrashHook | undefined;
  /** Test hook (QUANTLAB_TEST_SIGKILL_LIVE): SIGKILL around the n-th order sent by a live session. */
  liveCrash?: LiveCrashHook | undefined;
  /** `ccxt`: mirror every order through the ccxt adapter's dry-run into adapter_logs.jsonl (nothing sent). */
  adapter?: string | undefined;
  /** --feed ccxt: the exchange (public candles and market rules), polling, warm-up history. */
  online?: {
    exchange: string; pollMs: number; maxPolls: number; warmupBars: number;
    /** Replaces the host of every ccxt API url (a testnet, a proxy, the tests' mock exchange). */
    apiBase?: string | undefined;
    clock: () => number; sleep: (ms: number) => Promise<void>;
    /** ccxt's request throttle (default on; a virtual test clock turns it off: it would only wait). */
    throttle?: boolean | undefined;
  } | undefined;
}

/** The `urls` override of a ccxt exchange with every API host replaced by `base`. */
export function ccxtUrlsFor(exchangeId: string, base: string): Record<string, unknown> {
  if (!/^https?:\/\/[^/]+$/.test(base)) throw new UsageError(`--ccxt-api-base ${JSON.stringify(base)} must be a scheme and host, e.g. http://127.0.0.1:8080`);
  const api: Record<string, string> = {};
  const urls = openCcxt(exchangeId, {}).urls.api as Record<string, unknown>;
  for (const [k, v] of Object.entries(urls)) if (typeof v === 'string') api[k] = v.replace(/^https?:\/\/[^/]+/, base);
  return { api };
}

export function checkLimits(l: RiskLimits): void {
  for (const [k, v] of Object.entries({ max_order_notional: l.max_order_notional, max_position_notional: l.max_position_notional, max_dd_bps: l.max_dd_bps, stale_after_ms: l.stale_after_ms })) {
    if (!(Number.isFinite(v) && v > 0)) throw new UsageError(`--risk.${k.replace(/_/g, '-')} must be a positive number, was ${v}`);
  }
  if (!(Number.isInteger(l.max_consecutive_rejects) && l.max_consecutive_rejects >= 1)) {
    throw new UsageError(`--risk.max-consecutive-rejects must be a whole number >= 1, was ${l.max_consecutive_rejects}`);
  }
}

export async function liveTradeCommand(a: LiveTradeArgs, deps: BacktestDeps): Promise<SessionOutcome> {
  checkLimits(a.limits);
  const creds = checkLiveGuard({ env: deps.env, live: a.live, acknowledge: a.acknowledgeRisk, limits: a.limits });
  if (creds !== undefined) {
    // every piece of the live guard is there: the keys stay in deps.env, read by the adapter's ccxt instance only
    if (a.feed !== 'ccxt') throw new UsageError('live trading needs the online feed: --feed ccxt (a lake replay is history: its orders cannot reach an exchange)', { hint: 'add --feed ccxt --start ... --end ... (nothing was sent)' });
    if (a.adapter !== undefined) throw new UsageError('--adapter ccxt is the dry-run mirror of a paper session; a live session sends through the adapter itself', { hint: 'drop --adapter (nothing was sent)' });
    if (a.marketInfo !== undefined) throw new UsageError('--market-info: a live session trades on the exchange\'s own market rules', { hint: 'drop --market-info (nothing was sent)' });
  }
  if (a.adapter !== undefined && a.adapter !== 'ccxt') throw new UsageError(`--adapter ${JSON.stringify(a.adapter)}: only ccxt`, { hint: '--adapter ccxt mirrors every order as the Binance request ccxt builds (dry-run, nothing sent)' });
  if (a.feed !== 'replay' && a.feed !== 'ccxt') {
    throw new UsageError(`--feed ${JSON.stringify(a.feed)} is not a feed`, { hint: 'replay (lake bars, the default) or ccxt (poll public candles online)' });
  }
  checkLimits(a.limits);
  let rules = DEFAULT_RULES;
  if (a.marketInfo !== undefined) {
    if (!existsSync(a.marketInfo)) throw new UsageError(`--market-info ${a.marketInfo}: no such file`, { hint: 'a JSON ccxt market (precision.amount, precision.price, limits.cost.min)' });
    try {
      rules = rulesFromCcxtMarket(JSON.parse(await readFile(a.marketInfo, 'utf8')));
    } catch (e) {
      throw new DataError((e as Error).message, { file: a.marketInfo, field: 'precision' }, { hint: 'a JSON ccxt market as exchange.market(symbol) returns it' });
    }
  }
  if (a.feed === 'ccxt') return onlineTrade(a, deps, a.marketInfo !== undefined ? rules : undefined, creds !== undefined);
  const d = await prepareLab({ ...a, paper: false }, deps);
  const { from, to } = windowBars(d.slice.ts_ms, d.w.startMs, d.w.endMs);
  if (to - from < 3) throw new DataError(`the window holds ${to - from} bars, a session needs at least 3`, { file: d.where, field: 'window', value: d.w.spec });
  const identity = {
    blueprint: d.bp.id, instruments: d.slice.instruments, window: [d.w.startMs, d.w.endMs], initial_cash: a.initialCash,
    cost_digest: d.costs.digest, risk_digest: riskDigest(a.limits), rules, synthetic: d.synthetic, seed: a.seed,
    ...(a.experiment ? { experiment_id: a.experiment.experimentId, experiment_spec_digest: a.experiment.specDigest } : {}),
  };
  const exposure = a.experiment?.policyFor(d.slice.bars.map((b) => b.close), d.slice.tfMs);
  const kill = a.limits.kill_switch_file;
  const mirror = a.adapter === 'ccxt' ? await ccxtDryRunMirror(d.slice.instruments.map((k) => k.symbol), rules) : undefined;
  return runSession({
    blueprint: d.bp, slice: d.slice, from, to, costs: d.costs.simulate, initialCash: a.initialCash, limits: a.limits, rules, identity, mirror,
    ...(exposure ? { exposure } : {}),
  }, deps.runsDir, deps.log, kill ? () => existsSync(kill) : () => false, a.crash);
}

/** `live trade --feed ccxt`: one spot symbol, an explicit --start/--end window, bars polled from the exchange. */
async function onlineTrade(a: LiveTradeArgs, deps: BacktestDeps, givenRules: MarketRules | undefined, live: boolean): Promise<SessionOutcome> {
  const o = a.online;
  if (o === undefined) throw new UsageError('--feed ccxt needs the online settings (--exchange, --poll-seconds)');
  if (a.experiment) {
    throw new UsageError('--experiment_id / --experiment_spec apply to a lake replay (--feed replay) only', { hint: 'the online feed does not enforce an experiment\'s exposure yet: rehearse the experiment on the lake replay' });
  }
  if (o.exchange !== 'binance') {
    throw new UsageError(`--feed ccxt --exchange ${JSON.stringify(o.exchange)}: only binance (spot) is supported`, { hint: 'binance spot is the venue whose fees spec/costs.yaml prices; the session trades it on paper' });
  }
  const c = await checkBacktestArgs({ ...a, paper: false }, deps);
  if (c.symbols.length !== 1) throw new UsageError('--feed ccxt trades one symbol: pairs_trading needs the lake replay', { hint: 'use --feed replay for pairs' });
  if (c.window.kind !== 'range') throw new UsageError('--feed ccxt needs --start and --end (the session\'s fixed window; --end may be in the future)');
  if (c.symbols[0] === 'DEMO') throw new UsageError('--feed ccxt trades a real symbol, not DEMO');
  if (!(Number.isInteger(o.warmupBars) && o.warmupBars >= 0)) throw new UsageError(`--warmup-bars must be a whole number >= 0, was ${o.warmupBars}`);
  if (!(o.pollMs > 0)) throw new UsageError(`--poll-seconds must be > 0, was ${o.pollMs / 1000}`);
  const tfMs = timeframeMs(c.tf);
  const startMs = Math.floor(c.window.startMs / tfMs) * tfMs;
  const endMs = Math.ceil(c.window.endMs / tfMs) * tfMs;
  const key: InstrumentKey = { exchange: 'binance', market: 'spot', symbol: c.symbols[0]! };
  const sym = ccxtSymbol(a.symbol, 'spot');
  const urls = o.apiBase !== undefined ? ccxtUrlsFor(o.exchange, o.apiBase) : undefined;
  let rules = givenRules;
  if (rules === undefined) {
    const r = await new CcxtBrokerAdapter({ exchangeId: o.exchange, mode: 'dry-run', logFile: '/dev/null', urls, nowMs: o.clock }).rules(sym);
    rules = { lot_size: r.lot_size, tick_size: r.tick_size, min_notional: r.min_notional };
    deps.log.info({ symbol: sym, rules }, `market rules of ${sym} from ccxt ${o.exchange}`);
  }
  const costs = labCosts(deps.baseCosts, [key], { feeBps: a.feeBps, slipBps: a.slipBps, commission: a.commission });
  const bp = labBlueprint({ strategy: c.strategy, params: c.params, instruments: [key], timeframe: c.tf, notionalUsd: a.dollarPerTrade, costDigest: costs.digest });
  const identity = {
    feed: `ccxt:${o.exchange}`, blueprint: bp.id, instruments: [key], window: [startMs, endMs], warmup_bars: o.warmupBars, initial_cash: a.initialCash,
    cost_digest: costs.digest, risk_digest: riskDigest(a.limits), rules, synthetic: false, seed: a.seed,
    ...(live ? { mode: 'live' } : {}),
  };
  const kill = a.limits.kill_switch_file;
  const killPresent = kill ? () => existsSync(kill) : () => false;
  const mirror = a.adapter === 'ccxt' ? await ccxtDryRunMirror([key.symbol], rules) : undefined;
  deps.log.info({ feed: `ccxt:${o.exchange}`, symbol: sym, window: [new Date(startMs).toISOString(), new Date(endMs).toISOString()], poll_ms: o.pollMs, live }, live ? 'LIVE session: polling candles, orders sent to the exchange' : 'online paper session: polling public candles');
  let router: LiveRouter | undefined;
  const hooks: LiveHooks | undefined = live ? {
    open: async (id, dir, t0Ms) => {
      const adapter = new CcxtBrokerAdapter({ exchangeId: o.exchange, mode: 'send', logFile: join(dir, 'adapter_logs.jsonl'), urls, env: deps.env, nowMs: o.clock, throttle: o.throttle });
      await mkdir(dir, { recursive: true });
      const [base, quote] = sym.split('/') as [string, string];
      const r = await LiveRouter.open({ dir, sessionId: id, adapter, ccxtSymbol: sym, symbol: key.symbol, t0Ms, tfMs, quote, base, nowMs: o.clock, killSwitchPresent: killPresent, log: deps.log, crash: a.liveCrash });
      router = r;
      return {
        external: r.external,
        beforeRun: (first) => r.reconcile(first),
        afterRun: (lastBar, state, complete) => r.route(lastBar, state, complete),
      };
    },
  } : undefined;
  return runOnlineSession({
    exchangeId: o.exchange, ccxtSymbol: sym, key, timeframe: c.tf, tfMs, gridStartMs: startMs - o.warmupBars * tfMs, startMs, endMs,
    pollMs: o.pollMs, maxPolls: o.maxPolls, urls, nowMs: o.clock, sleep: o.sleep, throttle: o.throttle,
  }, (slice, from, to) => ({ blueprint: bp, slice, from, to, costs: costs.simulate, initialCash: a.initialCash, limits: a.limits, rules: rules!, identity, mirror }),
  deps.runsDir, deps.log, killPresent, a.crash, hooks).then((out) => {
    if (router) deps.log.info({ session: out.id, ...router.counts, open_exchange_orders: router.openOrders().length }, `live session ${out.id}: ${router.counts.sent} orders sent, ${router.counts.fills} fills reconciled, ${router.counts.rejected} rejected, ${router.counts.not_sent} not sent, ${router.counts.cancels} cancels`);
    return out;
  });
}

/**
 * `backtest --paper`: the backtest's run folder, then the same window through the paper broker (a paper session
 * with the default risk limits and market rules, `live trade`'s defaults) and the per-trade diff of the two written
 * into the run folder: paper_diff.json (session id, folder, final state, every differing trade with its reason)
 * and paper_diff.csv; session.md gets a section.
 */
export async function backtestPaperCommand(a: BacktestArgs, deps: BacktestDeps, opts: { staleAfterBars?: number; marketInfo?: string } = {}): Promise<BacktestOutcome & { session: SessionOutcome; diffs: TradeDiff[] }> {
  const bt = await backtestCommand({ ...a, paper: false }, deps);
  const tfMs = timeframeMs(parseTimeframe(a.interval, '--interval'));
  const limits: RiskLimits = {
    max_order_notional: DEFAULT_LIMITS.max_order_notional, max_position_notional: DEFAULT_LIMITS.max_position_notional, per_symbol: {},
    max_dd_bps: DEFAULT_LIMITS.max_dd_bps, max_consecutive_rejects: DEFAULT_LIMITS.max_consecutive_rejects,
    stale_after_ms: (opts.staleAfterBars ?? DEFAULT_LIMITS.stale_after_bars) * tfMs, kill_switch_file: null,
  };
  const session = await liveTradeCommand({ ...a, paper: false, feed: 'replay', limits, live: false, marketInfo: opts.marketInfo }, deps);
  const d = await diffSession(deps.runsDir, session.id);
  const body = {
    session_id: session.id, session_dir: session.dir, session_state: session.state.state, session_equity: session.state.equity, limits, risk_digest: riskDigest(limits),
    backtest_trades: d.backtest_trades, session_trades: d.session_trades, differences: d.diffs,
  };
  await writeFileAtomic(join(bt.dir, 'paper_diff.json'), JSON.stringify(body, null, 2) + '\n');
  const esc = (x: unknown) => (x === null ? '' : /[",\n]/.test(String(x)) ? `"${String(x).replace(/"/g, '""')}"` : String(x));
  await writeFileAtomic(join(bt.dir, 'paper_diff.csv'), ['symbol,side,entry_time,field,session,backtest,reason', ...d.diffs.map((x) => [x.symbol, x.side, x.entry_time, x.field, x.session, x.backtest, x.reason].map(esc).join(','))].join('\n') + '\n');
  await appendFile(join(bt.dir, 'session.md'), ['', '## Paper broker on the same window', '',
    `- paper session ${session.id} (${session.dir}): ${session.state.state}, equity ${session.state.equity.toFixed(2)}, ${session.state.n_fills} fills, ${session.state.n_orders_denied} orders denied`,
    `- ${d.backtest_trades} backtest trades, ${d.session_trades} paper trades, ${d.diffs.length} differences (paper_diff.csv)`,
    ...d.diffs.slice(0, 20).map((x) => `  - ${x.entry_time} ${x.symbol} ${x.side} ${x.field}: paper ${x.session} backtest ${x.backtest} (${x.reason})`),
    ...(d.diffs.length > 20 ? [`  - ... ${d.diffs.length - 20} more in paper_diff.csv`] : []), ''].join('\n'));
  deps.log.info({ session: session.id, differences: d.diffs.length }, `backtest --paper: ${d.diffs.length} trades differ between the backtest and the paper broker`);
  return { ...bt, session, diffs: d.diffs };
}
