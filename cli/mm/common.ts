/** Shared by the mm CLIs: common flags, the instrument from --exchange/--market/--symbol, exit codes. */
import { resolve } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { createLogger, type Logger } from '../../lib/log.js';
import { ExitCode, QuantError, UsageError, exitCodeOf } from '../../lib/errors.js';
import { MARKETS, type InstrumentKey, type Market } from '../../lib/market.js';
import { isTimeframe, type Timeframe } from '../../lib/timeframe.js';
import { DEFAULT_MM_PARAMS, MM_MODELS, type MmModel, type MmParams } from '../../lib/mm/backtest.js';
import { DEFAULT_DELTAS_BPS, type IntensityMode } from '../../lib/mm/trades.js';
import { newRunId } from '../../lib/stage/run_id.js';
import { assertSafeName } from '../../lib/paths.js';

export function baseArgs(name: string, usage: string): Argv {
  return yargs()
    .scriptName(name)
    .usage(usage)
    .option('data_dir', { type: 'string', default: process.env.QUANTLAB_DATA_DIR ?? 'data', describe: 'data directory (lake under lake/, outputs under artifacts/)' })
    .option('costs', { type: 'string', default: 'spec/costs.yaml', describe: 'cost config (maker/taker fees, slippage, funding)' })
    .option('exchange', { type: 'string', default: 'binance' })
    .option('venue', { type: 'string', describe: 'price the exchange\'s fees as this venue of the cost config (default: the exchange; e.g. binance for the synthetic market)' })
    .option('market', { type: 'string', default: 'um', describe: 'spot | um | cm' })
    .option('symbol', { type: 'string', default: 'BTCUSDT', describe: 'BTCUSDT or BTC/USDT' })
    .option('timeframe', { type: 'string', default: '5m' })
    .option('run_id', { type: 'string', describe: 'run id (default: a timestamp)' })
    .option('mode', { type: 'string', default: 'backtest', describe: 'backtest | paper | live (live is guarded)' })
    .option('model', { type: 'string', default: DEFAULT_MM_PARAMS.model, describe: 'glft (Guéant-Lehalle-Fernandez-Tapia) | as (Avellaneda-Stoikov)' })
    .option('gamma', { type: 'number', default: DEFAULT_MM_PARAMS.gamma, describe: 'risk aversion, 1/(bp lot)' })
    .option('k', { type: 'number', default: DEFAULT_MM_PARAMS.k, describe: 'fill-intensity decay, 1/bp (assumed on bars)' })
    .option('A', { type: 'number', default: DEFAULT_MM_PARAMS.A, describe: 'fill intensity at the mid, fills/second (assumed on bars)' })
    .option('max-inventory', { type: 'number', default: DEFAULT_MM_PARAMS.max_inventory_lots, describe: 'inventory cap, lots' })
    .option('lot-usd', { type: 'number', default: DEFAULT_MM_PARAMS.lot_notional_usd, describe: 'quote size, USD notional' })
    .option('volume-share', { type: 'number', default: DEFAULT_MM_PARAMS.volume_share, describe: 'largest share of a bar\'s volume filled' })
    .option('vol-window', { type: 'number', default: DEFAULT_MM_PARAMS.vol_window_bars, describe: 'bars of trailing returns for sigma' })
    .option('tick', { type: 'number', default: 0, describe: 'price tick (0: inferred from the prices)' })
    .option('intensity', { type: 'string', default: 'auto', describe: 'fill intensity (A, k): auto (estimated from the lake\'s trades when it holds them for the window, else --A/--k) | trades (estimate or fail) | assumed (--A/--k)' })
    .option('intensity-deltas-bps', { type: 'string', describe: `quote distances of the estimate, bps, comma-separated (default ${DEFAULT_DELTAS_BPS.join(',')})` })
    .option('kill-drawdown-usd', { type: 'number', default: DEFAULT_MM_PARAMS.kill_drawdown_usd, describe: 'kill switch: flatten and stop at this drawdown' })
    .strict()
    .version(false)
    .help()
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg, err) => {
      throw new UsageError(msg ?? err?.message ?? 'invalid arguments', { hint: 'run with --help for usage' });
    });
}

export interface CommonArgs {
  data_dir: string;
  costs: string;
  exchange: string;
  venue?: string;
  market: string;
  symbol: string;
  timeframe: string;
  run_id?: string;
  mode: string;
  model: string;
  gamma: number;
  k: number;
  A: number;
  'max-inventory': number;
  'lot-usd': number;
  'volume-share': number;
  'vol-window': number;
  tick: number;
  'kill-drawdown-usd': number;
  intensity: string;
  'intensity-deltas-bps'?: string;
}

/** --intensity and --intensity-deltas-bps, checked. */
export function intensityOf(a: CommonArgs): { mode: IntensityMode; deltasBps: number[] } {
  if (!['auto', 'trades', 'assumed'].includes(a.intensity)) throw new UsageError(`--intensity must be auto, trades or assumed, was ${JSON.stringify(a.intensity)}`);
  const raw = a['intensity-deltas-bps'];
  const deltasBps = raw === undefined ? [...DEFAULT_DELTAS_BPS] : raw.split(',').map((x) => Number(x.trim()));
  if (deltasBps.length < 2 || deltasBps.some((d) => !(d > 0) || !Number.isFinite(d)) || new Set(deltasBps).size !== deltasBps.length) {
    throw new UsageError(`--intensity-deltas-bps must list two or more distinct distances > 0 (bps), was ${JSON.stringify(raw)}`);
  }
  return { mode: a.intensity as IntensityMode, deltasBps };
}

export function instrumentOf(a: CommonArgs): InstrumentKey {
  if (!(MARKETS as readonly string[]).includes(a.market)) throw new UsageError(`--market must be one of ${MARKETS.join(', ')}, was ${JSON.stringify(a.market)}`);
  const symbol = a.symbol.replace('/', '').replace(/:.*$/, '').toUpperCase();
  if (!/^[A-Z0-9]{2,30}$/.test(symbol)) throw new UsageError(`--symbol must look like BTCUSDT or BTC/USDT, was ${JSON.stringify(a.symbol)}`);
  if (!/^[a-z][a-z0-9_]*$/.test(a.exchange)) throw new UsageError(`--exchange must be a lowercase ccxt id, was ${JSON.stringify(a.exchange)}`);
  return { exchange: a.exchange, market: a.market as Market, symbol };
}

export function timeframeOf(a: CommonArgs): Timeframe {
  if (!isTimeframe(a.timeframe)) throw new UsageError(`--timeframe must be a timeframe like 1m or 5m, was ${JSON.stringify(a.timeframe)}`);
  return a.timeframe;
}

export function paramsOf(a: CommonArgs): MmParams {
  if (!(MM_MODELS as readonly string[]).includes(a.model)) throw new UsageError(`--model must be one of ${MM_MODELS.join(', ')}, was ${JSON.stringify(a.model)}`);
  return {
    ...DEFAULT_MM_PARAMS, model: a.model as MmModel, gamma: a.gamma, k: a.k, A: a.A, max_inventory_lots: a['max-inventory'],
    lot_notional_usd: a['lot-usd'], volume_share: a['volume-share'], vol_window_bars: a['vol-window'], tick_size: a.tick,
    kill_drawdown_usd: a['kill-drawdown-usd'],
  };
}

export function runIdOf(a: CommonArgs): string {
  return a.run_id === undefined ? newRunId(new Date()) : assertSafeName('run_id', a.run_id, { flag: '--run_id' });
}

export function dataDirOf(a: CommonArgs): string {
  return resolve(a.data_dir);
}

/** Runs main; a QuantError or RangeError (bad parameter) becomes one log line and its exit code. */
export async function runCli(stage: string, main: (log: Logger) => Promise<void>): Promise<void> {
  const log = createLogger({ stage, run_id: '-' });
  try {
    await main(log);
  } catch (err) {
    const e = err instanceof RangeError ? new UsageError(err.message, { hint: 'run with --help for usage' }) : err;
    const msg = e instanceof QuantError ? e.describe() : e instanceof Error ? e.message : String(e);
    log.error({ exit_code: exitCodeOf(e) }, msg);
    process.exitCode = exitCodeOf(e);
  }
}

export { ExitCode };
