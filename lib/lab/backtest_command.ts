/**
 * `quantlab backtest`: the whole command as one function over injected effects (clock, environment, synthetic bar
 * source, git SHA), so the CLI module stays thin and tests drive it directly. Order of checks (docs/lab.md):
 *
 *  1. flags only (strategy, params, symbols, interval, zone, dates, costs flags, synthetic gate): exit 2, nothing
 *     read or written;
 *  2. the lake (manifests, then bars): an instrument missing without --allow-synthetic is exit 3 naming the exact
 *     ingest command; a window outside the data exit 3;
 *  3. the engine run, then the run folder written atomically under `runsDir`.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Logger } from '../log.js';
import { DataError, UsageError } from '../errors.js';
import { LakeDb } from '../lake/index.js';
import type { CostConfig } from '../costs/schema.js';
import type { Blueprint, MarketSlice } from '../dsl/index.js';
import type { InstrumentKey, Market } from '../market.js';
import { parseTimeframe, timeframeMs, type Timeframe } from '../timeframe.js';
import { runLabBacktest, type BacktestRun } from './backtest.js';
import { labCosts, checkCostFlags } from './costs.js';
import { dataRange, findInstrument, loadLabMarket, type LineageEntry } from './data.js';
import { writeRunFolder, type RunMeta } from './run_folder.js';
import {
  checkStrategy, labBlueprint, lakeSymbol, ccxtSymbol, parseParamsText, resolveStrategyParams, type LabStrategy,
} from './strategy.js';
import { anchorWindow, envDateDefaults, parseDotEnv, parseIsoDuration, parseWindowArgs, type ResolvedWindow, type WindowArgs, type WindowSpec } from './window.js';
import { DateTime } from 'luxon';
import { violationCounts, type ExperimentExposure } from '../engine/index.js';

export interface BacktestArgs {
  symbol: string;
  strategy: string;
  params?: string | undefined;
  interval: string;
  assetClass: string;
  market?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  window?: string | undefined;
  tz?: string | undefined;
  dollarPerTrade: number;
  initialCash: number;
  feeBps?: number | undefined;
  slipBps?: number | undefined;
  commission?: number | undefined;
  paper: boolean;
  allowEnvDates: boolean;
  allowSynthetic: boolean;
  seed: number;
  /** An experiment (--experiment_id / --experiment_spec) whose exposure the strategy is held to (lib/engine/exposure.ts). */
  experiment?: ExperimentExposure | undefined;
}

/** Synthetic bars for `symbols` (lake names) on [startMs, endMs) at `tf`, seeded; provided by the CLI (lib/ingest). */
export type SyntheticSource = (symbols: string[], tf: Timeframe, startMs: number, endMs: number, seed: number) => { slice: MarketSlice };

export interface BacktestDeps {
  /** The data dir (--data_dir); the lake is its `lake/`. */
  dataDir: string;
  lakeRoot: string;
  runsDir: string;
  baseCosts: CostConfig;
  log: Logger;
  nowMs: number;
  env: Record<string, string | undefined>;
  /** Path of the `.env` file --allow-env-dates reads (when it exists). */
  dotenvPath: string;
  synthetic: SyntheticSource;
  gitSha: string | null;
  argv: string[];
  entrypoint: string;
}

/** End of a duration window on synthetic bars (no data to anchor on): the synthetic market's default end. */
export const SYNTHETIC_ANCHOR_MS = Date.UTC(2025, 0, 1);
/** History generated before a synthetic window (the engine's 30-day volatility window and indicator warm-up). */
export const SYNTHETIC_WARMUP_MS = 30 * 86_400_000;
export const DEMO_SYMBOL = 'DEMO';

export interface Checked {
  strategy: LabStrategy;
  tf: Timeframe;
  symbols: string[];
  userSymbols: string[];
  window: WindowSpec;
  params: ReturnType<typeof resolveStrategyParams>;
  envUsed: Record<string, string>;
}

/** Step 1: every flag, nothing read but `.env` (with --allow-env-dates). */
export async function checkBacktestArgs(a: BacktestArgs, deps: Pick<BacktestDeps, 'env' | 'dotenvPath' | 'log'>): Promise<Checked> {
  const strategy = checkStrategy(a.strategy);
  const params = resolveStrategyParams(strategy, parseParamsText(a.params));
  const tf = parseTimeframe(a.interval, '--interval');
  if (a.assetClass !== 'crypto') {
    throw new UsageError(`--asset-class ${JSON.stringify(a.assetClass)} is not supported`, { hint: 'the lake holds crypto markets only: --asset-class crypto' });
  }
  if (a.market !== undefined && !['spot', 'um', 'cm'].includes(a.market)) {
    throw new UsageError(`--market ${JSON.stringify(a.market)} is not a market`, { hint: 'spot, um (USD-margined perpetuals) or cm' });
  }
  for (const [flag, v] of [['--dollar-per-trade', a.dollarPerTrade], ['--initial-cash', a.initialCash]] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new UsageError(`${flag} must be a positive number, was ${v}`);
  }
  if (!Number.isSafeInteger(a.seed)) throw new UsageError(`--seed must be an integer, was ${a.seed}`);
  checkCostFlags({ feeBps: a.feeBps, slipBps: a.slipBps, commission: a.commission });
  const userSymbols = [a.symbol, ...(params.partner !== undefined ? [params.partner] : [])];
  const symbols = userSymbols.map(lakeSymbol);
  if (symbols.length === 2 && symbols[0] === symbols[1]) throw new UsageError(`pairs_trading: the partner is the symbol itself (${symbols[0]})`);
  if (symbols.includes(DEMO_SYMBOL) && !a.allowSynthetic) {
    throw new UsageError('DEMO is the synthetic market: it needs --allow-synthetic', {
      hint: 'add --allow-synthetic (the run is tagged SYNTHETIC), or backtest a real symbol in the lake',
    });
  }
  let wargs: WindowArgs = { start: a.start, end: a.end, window: a.window, tz: a.tz };
  let envUsed: Record<string, string> = {};
  if (a.allowEnvDates) {
    const dotenv = existsSync(deps.dotenvPath) ? parseDotEnv(await readFile(deps.dotenvPath, 'utf8')) : {};
    const r = envDateDefaults(wargs, deps.env, dotenv);
    wargs = r.args;
    envUsed = r.used;
    deps.log.info({ env_dates: envUsed, dotenv: existsSync(deps.dotenvPath) ? deps.dotenvPath : null }, `--allow-env-dates: using ${Object.keys(envUsed).length ? Object.entries(envUsed).map(([k, v]) => `${k}=${v}`).join(' ') : 'no keys (none set)'}`);
  }
  const window = parseWindowArgs(wargs);
  return { strategy, tf, symbols, userSymbols, window, params, envUsed };
}

export interface BacktestOutcome {
  dir: string;
  run: BacktestRun;
  synthetic: boolean;
}

export interface LabData {
  c: Checked;
  slice: MarketSlice;
  lineage: LineageEntry[];
  synthetic: boolean;
  w: ResolvedWindow;
  notes: string[];
  where: string;
  costs: ReturnType<typeof labCosts>;
  bp: Blueprint;
}

/** Steps 1 and 2 of a lab command: checked flags, the market slice (lake or synthetic), the window, costs, blueprint. */
export async function prepareLab(a: BacktestArgs, deps: BacktestDeps): Promise<LabData> {
  const c = await checkBacktestArgs(a, deps);
  const { log } = deps;
  // ---- data: the lake first; synthetic bars only with --allow-synthetic
  const keys: (InstrumentKey | undefined)[] = [];
  for (const s of c.symbols) keys.push(s === DEMO_SYMBOL ? undefined : await findInstrument(deps.lakeRoot, s, c.tf, a.market as Market | undefined));
  const missing = c.symbols.filter((_, i) => keys[i] === undefined);
  let slice: MarketSlice;
  let lineage: LineageEntry[] = [];
  let dataStartMs: number;
  let dataEndMs: number;
  let synthetic = false;
  if (missing.length > 0) {
    if (!a.allowSynthetic) {
      const market = (a.market as Market | undefined) ?? 'um';
      const since = c.window.kind === 'range' ? DateTime.fromMillis(c.window.startMs - SYNTHETIC_WARMUP_MS, { zone: 'utc' }).toISODate() : '<YYYY-MM-DD>';
      const cmd = `npm run all -- --data_dir ${deps.dataDir} --until clean${['5m', '1h'].includes(c.tf) ? '' : ` --backtest_timeframe ${c.tf}`} --set ingest.source=ccxt ` +
        `--set ingest.ccxt.exchange_id=${market === 'spot' ? 'binance' : 'binanceusdm'} ` +
        `--set 'ingest.ccxt.symbols=[${missing.map((s) => JSON.stringify(ccxtSymbol(c.userSymbols[c.symbols.indexOf(s)] ?? s, market))).join(',')}]' --set ingest.ccxt.since=${since}`;
      throw new DataError(`no cleaned ${c.tf} bars for ${missing.join(', ')} in the lake`, {
        file: `${deps.lakeRoot}/cleaned/bars`, field: 'symbol', value: missing.join(','),
      }, { hint: `download them into the lake with the pipeline's ccxt ingest (needs network; resumes where the lake ends):\n     ${cmd}\n     or pass --allow-synthetic to run on seeded synthetic bars (tagged SYNTHETIC)` });
    }
    synthetic = true;
    log.warn({ allow_synthetic: true, symbols: c.symbols, seed: a.seed }, `--allow-synthetic acknowledged: ${missing.join(', ')} not in the lake at ${c.tf}; running on SYNTHETIC bars (seed ${a.seed}); the run is tagged synthetic`);
    const tfMs = timeframeMs(c.tf);
    let s0: number;
    let e0: number;
    if (c.window.kind === 'range') { s0 = c.window.startMs; e0 = c.window.endMs; }
    else { e0 = SYNTHETIC_ANCHOR_MS; s0 = DateTime.fromMillis(e0, { zone: c.window.tz }).minus(parseIsoDuration(c.window.duration)).toMillis(); }
    const gStart = Math.floor((s0 - SYNTHETIC_WARMUP_MS) / tfMs) * tfMs;
    const gEnd = Math.ceil(e0 / tfMs) * tfMs;
    slice = deps.synthetic(c.symbols, c.tf, gStart, gEnd, a.seed).slice;
    dataStartMs = gStart;
    dataEndMs = gEnd;
  } else {
    const ks = keys as InstrumentKey[];
    const range = await dataRange(deps.lakeRoot, ks, c.tf);
    const w0 = anchorWindow(c.window, { ...range, where: `${deps.lakeRoot}/cleaned/bars ${c.symbols.join(',')} ${c.tf}` });
    const db = await LakeDb.open({ threads: 2 });
    try {
      const m = await loadLabMarket(db, deps.lakeRoot, ks, c.tf, w0.endMs, deps.baseCosts.funding.enabled);
      slice = m.slice;
      lineage = m.lineage;
    } finally {
      db.close();
    }
    dataStartMs = range.startMs;
    dataEndMs = range.endMs;
  }
  const where = synthetic ? `synthetic ${c.symbols.join(',')} ${c.tf}` : `${deps.lakeRoot}/cleaned/bars ${c.symbols.join(',')} ${c.tf}`;
  const w = anchorWindow(c.window, { startMs: dataStartMs, endMs: dataEndMs, where });
  const notes: string[] = [];
  if (w.startMs < dataStartMs) notes.push(`the data starts at ${new Date(dataStartMs).toISOString()}, after the window's start: the run starts there`);
  if (w.endMs > dataEndMs) notes.push(`the data ends at ${new Date(dataEndMs).toISOString()}, before the window's end: the run ends there`);
  for (const n of notes) log.warn(n);
  // ---- costs and blueprint
  const costs = labCosts(deps.baseCosts, slice.instruments, { feeBps: a.feeBps, slipBps: a.slipBps, commission: a.commission });
  const bp = labBlueprint({
    strategy: c.strategy, params: c.params, instruments: slice.instruments, timeframe: c.tf, notionalUsd: a.dollarPerTrade, costDigest: costs.digest,
  });
  return { c, slice, lineage, synthetic, w, notes, where, costs, bp };
}

export async function backtestCommand(a: BacktestArgs, deps: BacktestDeps): Promise<BacktestOutcome> {
  const { c, slice, lineage, synthetic, w, notes, where, costs, bp } = await prepareLab(a, deps);
  const { log } = deps;
  log.info({ blueprint: bp.id, name: bp.name, window: w.spec, start: w.start_utc, end: w.end_utc, tz: w.tz }, 'backtest');
  const exposure = a.experiment?.policyFor(slice.bars.map((b) => b.close), slice.tfMs);
  const run = runLabBacktest(bp, slice, costs.simulate, w, { initialCash: a.initialCash, maxGrossLeverage: 2, ...(exposure ? { exposure } : {}) }, where);
  if (a.experiment && run.exposure) {
    const counts = violationCounts(run.exposure);
    const line = `held to the exposure of experiment ${a.experiment.experimentId} (spec ${a.experiment.specDigest.slice(0, 12)}): ` +
      `${run.exposure.entries.length} entries accepted; ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`;
    notes.push(line);
    log.info({ experiment_id: a.experiment.experimentId, ...counts }, line);
  }
  const envFlags: Record<string, string> = {};
  for (const [k, v] of Object.entries(deps.env)) if (v !== undefined && (k.startsWith('QUANTLAB_') || k === 'MODE')) envFlags[k] = v;
  const meta: RunMeta = {
    symbol: c.symbols.join('-'), strategy: c.strategy, interval: c.tf, window: w, seed: a.seed, synthetic,
    data_source: synthetic ? `synthetic (lib/ingest/synthetic, seed ${a.seed})` : `lake ${deps.lakeRoot}`,
    adapter: 'backtest (lib/engine via lib/dsl)', cost_digest: costs.digest, costs: costs.config, initial_cash: a.initialCash,
    params: { ...c.params.template, ...(c.params.partner ? { partner: c.params.partner } : {}), resolved: bp.provenance.params ?? {} },
    lineage,
    resampling: synthetic ? `generated at ${c.tf}` : `none: cleaned ${c.tf} bars as the clean stage wrote them`,
    download_symbol: slice.instruments.map((k) => ccxtSymbol(c.userSymbols[c.symbols.indexOf(k.symbol)] ?? k.symbol, k.market)).join(','),
    git_sha: deps.gitSha, argv: deps.argv, env_flags: { ...envFlags, ...Object.fromEntries(Object.entries(c.envUsed).map(([k, v]) => [`(env date) ${k}`, v])) },
    entrypoint: deps.entrypoint, created_utc: new Date(deps.nowMs).toISOString(), notes,
  };
  const dir = await writeRunFolder(deps.runsDir, run, meta);
  log.info({ dir, total_return: run.metrics.total_return, sharpe: run.metrics.sharpe, trades: run.metrics.n_trades }, 'run folder written');
  return { dir, run, synthetic };
}
