/** `quantlab live trade|reset|diff` as functions over injected effects (the CLI modules are thin). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { prepareLab, type BacktestArgs, type BacktestDeps } from '../backtest_command.js';
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
    // every piece of the live guard is there; the credentials are dropped here, never logged or written
    throw new UsageError('live trading: the guard passed, but the ccxt broker adapter that sends real orders is not built', {
      hint: 'nothing was sent; run a paper session (without MODE=live, --live and --i-acknowledge-risk)',
    });
  }
  if (a.feed !== 'replay') {
    throw new UsageError(`--feed ${JSON.stringify(a.feed)}: only the offline replay feed is built`, {
      hint: 'use --feed replay (bars from the lake); polling public candles with ccxt is not built yet',
    });
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
  const d = await prepareLab({ ...a, paper: false }, deps);
  const { from, to } = windowBars(d.slice.ts_ms, d.w.startMs, d.w.endMs);
  if (to - from < 3) throw new DataError(`the window holds ${to - from} bars, a session needs at least 3`, { file: d.where, field: 'window', value: d.w.spec });
  const identity = {
    blueprint: d.bp.id, instruments: d.slice.instruments, window: [d.w.startMs, d.w.endMs], initial_cash: a.initialCash,
    cost_digest: d.costs.digest, risk_digest: riskDigest(a.limits), rules, synthetic: d.synthetic, seed: a.seed,
  };
  const kill = a.limits.kill_switch_file;
  return runSession({
    blueprint: d.bp, slice: d.slice, from, to, costs: d.costs.simulate, initialCash: a.initialCash, limits: a.limits, rules, identity,
  }, deps.runsDir, deps.log, kill ? () => existsSync(kill) : () => false, a.crash);
}
