/** `quantlab backtest`: flags -> lib/lab/backtest_command.ts. */
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { loadCosts } from '../../lib/costs/digest.js';
import { backtestCommand, type BacktestArgs, type BacktestDeps } from '../../lib/lab/backtest_command.js';
import { backtestPaperCommand } from '../../lib/lab/paper/command.js';
import type { Logger } from '../../lib/log.js';
import { violationCounts, type ExperimentExposure } from '../../lib/engine/index.js';
import { UsageError } from '../../lib/errors.js';
import { experimentExposureSource } from '../../lib/experiments/enforce.js';
import { syntheticSource } from './synthetic.js';
import { PROJECT_ROOT, dataDirOf, gitSha, labLogger, nowMs, reportError, runsDirOf } from './common.js';

const DESCRIPTION = `Backtest one named strategy (a DSL template run through the engine, lib/engine) on one symbol
(pairs: two) from the lake, and write an auditable run folder runs/<timestamp>_<symbol>_<strategy>/:
metrics.json, provenance.json, session.md, trades.csv, equity.csv, equity.html.

DATES: exactly one of --start/--end (dates are midnight in --tz; a date --end includes that day; ISO
timestamps with an offset are that instant) or --window (ISO-8601 duration ending at the last bar in the
lake). With neither, exit 2 before anything is read or written.

DATA: cleaned bars of --interval from <data_dir>/lake. Missing data is exit 3 with the exact ingest command
that downloads it; --allow-synthetic runs on seeded synthetic bars instead (symbol DEMO, or any symbol not in
the lake), tagged SYNTHETIC everywhere.

EXIT: 0 ok, 2 usage (bad flag, date, zone, strategy, parameter), 3 data (missing, out of window), 1 bug.`;

export interface Flags {
  symbol: string; strategy: string; params?: string; interval: string; 'asset-class': string; market?: string;
  start?: string; end?: string; window?: string; tz?: string; 'dollar-per-trade': number; 'initial-cash': number;
  'fee-bps'?: number; 'slip-bps'?: number; commission: number; paper: boolean; 'allow-env-dates': boolean;
  'allow-synthetic': boolean; seed: number; data_dir?: string; costs?: string;
  experiment_id?: string; experiment_spec?: string;
}

/** The options every lab command that runs a strategy on lake bars takes (backtest, live trade). */
export function labOptions(y: Argv) {
  return y
    .option('symbol', { type: 'string', demandOption: true, requiresArg: true, describe: 'BASE-QUOTE (BTC-USDT), or DEMO with --allow-synthetic' })
    .option('strategy', { type: 'string', demandOption: true, requiresArg: true, describe: 'mean_reversion | momentum | pairs_trading' })
    .option('params', { type: 'string', requiresArg: true, describe: 'k=v,k=v or JSON; lengths as durations (4h) or bars (20); pairs: partner=ETH-USDT' })
    .option('interval', { type: 'string', default: '5m', requiresArg: true, describe: 'bar size (cleaned bars in the lake)' })
    .option('asset-class', { type: 'string', default: 'crypto', requiresArg: true, describe: 'crypto (the only class the lake holds)' })
    .option('market', { type: 'string', requiresArg: true, describe: 'spot | um | cm, when the symbol is in several markets' })
    .option('start', { type: 'string', requiresArg: true, describe: 'YYYY-MM-DD or ISO timestamp (with --end)' })
    .option('end', { type: 'string', requiresArg: true, describe: 'YYYY-MM-DD (inclusive day) or ISO timestamp (exclusive)' })
    .option('window', { type: 'string', requiresArg: true, describe: 'ISO-8601 duration ending at the last bar (P90D)' })
    .option('tz', { type: 'string', requiresArg: true, describe: 'IANA time zone of the dates (default UTC)' })
    .option('dollar-per-trade', { type: 'number', default: 10000, requiresArg: true, describe: 'fixed notional per entry (quote currency)' })
    .option('initial-cash', { type: 'number', default: 100000, requiresArg: true, describe: 'starting equity (walk-forward capital_usd default)' })
    .option('fee-bps', { type: 'number', requiresArg: true, describe: 'maker and taker fee in bps (default: spec/costs.yaml)' })
    .option('slip-bps', { type: 'number', requiresArg: true, describe: 'slippage per side in bps (default: spec/costs.yaml)' })
    .option('commission', { type: 'number', default: 0, requiresArg: true, describe: 'fixed per-fill commission: only 0 (use --fee-bps)' })
    .option('paper', { type: 'boolean', default: false, describe: 'also run the window through the paper broker (a paper session, default limits) and write the per-trade diff (paper_diff.csv/json)' })
    .option('allow-env-dates', { type: 'boolean', default: false, describe: 'read QUANTLAB_START/END/WINDOW/TZ from the environment or .env' })
    .option('allow-synthetic', { type: 'boolean', default: false, describe: 'run on seeded synthetic bars when the lake lacks the data' })
    .option('seed', { type: 'number', default: 7, requiresArg: true, describe: 'seed of synthetic bars (recorded in every run)' })
    .option('data_dir', { type: 'string', requiresArg: true, describe: 'lake root (default data/ or $QUANTLAB_DATA_DIR); runs go to <data_dir>/runs' })
    .option('costs', { type: 'string', requiresArg: true, describe: 'cost config (default spec/costs.yaml of the project)' })
    .option('experiment_id', { type: 'string', requiresArg: true, describe: 'hold the strategy to the exposure of this stored experiment (<data_dir>/experiments)' })
    .option('experiment_spec', { type: 'string', requiresArg: true, describe: 'hold the strategy to the exposure of this ExperimentSpec file (docs/experiments.md)' });
}

/** --experiment_id / --experiment_spec as the exposure the strategy is held to (undefined when neither is given). */
export async function experimentOf(f: Flags): Promise<ExperimentExposure | undefined> {
  if (f.experiment_id === undefined && f.experiment_spec === undefined) return undefined;
  if (f.experiment_id !== undefined && f.experiment_spec !== undefined) {
    throw new UsageError('--experiment_id and --experiment_spec: give one', { hint: 'a stored experiment (--experiment_id) or a spec file (--experiment_spec)' });
  }
  return experimentExposureSource.load(f.experiment_spec !== undefined ? { spec: f.experiment_spec } : { id: f.experiment_id! }, dataDirOf(f.data_dir));
}

/** The flags as lib/lab's BacktestArgs. */
export function labArgs(f: Flags): BacktestArgs {
  return {
    symbol: f.symbol, strategy: f.strategy, params: f.params, interval: f.interval, assetClass: f['asset-class'], market: f.market,
    start: f.start, end: f.end, window: f.window, tz: f.tz, dollarPerTrade: f['dollar-per-trade'], initialCash: f['initial-cash'],
    feeBps: f['fee-bps'], slipBps: f['slip-bps'], commission: f.commission, paper: f.paper, allowEnvDates: f['allow-env-dates'],
    allowSynthetic: f['allow-synthetic'], seed: f.seed,
  };
}

/** The effects of a lab command run from the CLI. */
export async function labDeps(f: Flags, log: Logger, command: string): Promise<BacktestDeps> {
  const dataDir = dataDirOf(f.data_dir);
  const costs = await loadCosts(f.costs ?? join(PROJECT_ROOT, 'spec', 'costs.yaml'));
  return {
    dataDir, lakeRoot: join(dataDir, 'lake'), runsDir: runsDirOf(f.data_dir), baseCosts: costs.config, log, nowMs: nowMs(),
    env: process.env, dotenvPath: join(process.cwd(), '.env'), synthetic: syntheticSource, gitSha: gitSha(PROJECT_ROOT),
    argv: process.argv.slice(2), entrypoint: `quantlab ${command} (dist/cli/quantlab.js)`,
  };
}

export const backtestModule: CommandModule<object, Flags> = {
  command: 'backtest',
  describe: 'backtest a named strategy on one symbol and write a run folder',
  builder: (y: Argv) => labOptions(y
    .usage(`quantlab backtest --symbol BTC-USDT --strategy mean_reversion|momentum|pairs_trading (--start D --end D | --window P90D) [options]\n\n${DESCRIPTION}`)),
  handler: async (f) => {
    const log = labLogger('backtest');
    try {
      const a = { ...labArgs(f), experiment: await experimentOf(f) };
      const deps = await labDeps(f, log, 'backtest');
      const paper = a.paper ? await backtestPaperCommand(a, deps) : undefined;
      const out = paper ?? await backtestCommand(a, deps);
      const m = out.run.metrics;
      process.stdout.write(`${out.synthetic ? 'SYNTHETIC RUN ' : ''}${out.dir}\n` +
        `total_return ${m.total_return.toFixed(6)}  sharpe ${Number.isFinite(m.sharpe) ? m.sharpe.toFixed(4) : 'n/a'}  max_drawdown ${m.max_drawdown.toFixed(6)}  trades ${m.n_trades}\n` +
        (out.run.exposure ? `exposure ${Object.entries(violationCounts(out.run.exposure)).map(([k, v]) => `${k} ${v}`).join('  ')}\n` : '') +
        (paper ? `paper ${paper.session.id} ${paper.session.state.state}: ${paper.diffs.length} trades differ (paper_diff.csv)\n` : ''));
    } catch (err) {
      reportError(log, err);
    }
  },
};
