/**
 * The paper regression harness (`quantlab regression`): a committed dataset (tests/fixtures/live/<name>/: dataset.json
 * with the strategy, limits, market rules, costs and the pinned clock; bars.csv) replayed through the paper loop
 * (paper/session.ts replaySession); the artifacts (snapshot, equity curve, metrics, adapter log, provenance,
 * session.md) are written to `<output-dir>/<seed:4>-<label>/` with their sha256 in checksums.json and compared with
 * the committed baseline.json. Every artifact is a function of the dataset and the code only (pinned clock, no git
 * SHA or wall time inside), so a difference is a behaviour change. `refreshBaseline` rewrites baseline.json with
 * its provenance (reason, time, git SHA); the CLI refuses it without both --refresh-baseline and --confirm-refresh.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { resolveCosts } from '../costs/digest.js';
import type { CostConfig } from '../costs/schema.js';
import { DataError, UsageError } from '../errors.js';
import { sha256File, sha256Hex } from '../hash.js';
import { writeFileAtomic } from '../fsx.js';
import type { InstrumentKey } from '../market.js';
import { barsPerYear, parseTimeframe, timeframeMs } from '../timeframe.js';
import { curveMetrics, equityReturns } from '../stats/curve_metrics.js';
import { windowBars } from './backtest.js';
import { labCosts } from './costs.js';
import { labBlueprint, resolveStrategyParams, checkStrategy } from './strategy.js';
import type { RiskLimits } from './paper/guards.js';
import type { MarketRules } from './paper/quantize.js';
import { replaySession } from './paper/session.js';
import { CcxtBrokerAdapter, spotMarketFromRules, unifiedSymbol } from './paper/ccxt_adapter.js';

export interface RegressionDataset {
  symbol: string;
  exchange: string;
  market: 'spot';
  strategy: string;
  params: Record<string, number | string>;
  interval: string;
  /** Replay window [start, end) in UTC ms; bars before start are history. */
  start_ms: number;
  end_ms: number;
  initial_cash: number;
  dollar_per_trade: number;
  costs: CostConfig;
  limits: RiskLimits;
  rules: MarketRules;
  /** The mock clock: every time an artifact shows. */
  clock_ms: number;
}

export const ARTIFACTS = ['snapshot.json', 'equity.csv', 'metrics.json', 'adapter_logs.jsonl', 'provenance.json', 'session.md'] as const;

export interface Baseline {
  artifacts: Record<string, string>;
  provenance: { reason: string; refreshed_utc: string; git_sha: string | null; label: string; seed: number; adapter_mode: string };
}

export interface RegressionResult {
  runId: string;
  dir: string;
  checksums: Record<string, string>;
  /** Artifacts whose sha256 differs from the baseline (empty: pass); undefined when there is no baseline. */
  differences: { artifact: string; baseline: string | null; now: string }[] | undefined;
}

export function regressionRunId(seed: number, label: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/.test(label)) throw new UsageError(`--label ${JSON.stringify(label)}: letters, digits, _ and - only (at most 41)`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 9999)) throw new UsageError(`--seed must be an integer in 0..9999, was ${seed}`);
  return `${String(seed).padStart(4, '0')}-${label}`;
}

async function readDataset(dir: string): Promise<{ ds: RegressionDataset; bars: string; digest: string }> {
  const file = join(dir, 'dataset.json');
  if (!existsSync(file)) throw new UsageError(`--dataset ${dir}: no dataset.json`, { hint: 'a regression dataset folder holds dataset.json and bars.csv (tests/fixtures/live/regression_default)' });
  const text = await readFile(file, 'utf8');
  const bars = await readFile(join(dir, 'bars.csv'), 'utf8');
  return { ds: JSON.parse(text) as RegressionDataset, bars, digest: sha256Hex(text + '\n' + bars) };
}

/** The baseline file of a mode: baseline.json (paper), baseline.adapter-<adapter>.json (adapter dry-run). */
export function baselineFile(dataset: string, adapterMode: string, adapter?: string): string {
  return join(dataset, adapterMode === 'paper' ? 'baseline.json' : `baseline.adapter-${adapter ?? 'ccxt'}.json`);
}

export async function runRegression(o: { dataset: string; outputDir: string; seed: number; label: string; adapterMode: string; adapter?: string | undefined }): Promise<RegressionResult> {
  if (o.adapterMode !== 'paper' && o.adapterMode !== 'adapter') {
    throw new UsageError(`--adapter-mode ${JSON.stringify(o.adapterMode)}: paper or adapter`, { hint: 'paper: the paper loop; adapter: the paper loop with every order built by the ccxt adapter in dry-run mode' });
  }
  if (o.adapterMode === 'adapter' && (o.adapter ?? 'ccxt') !== 'ccxt') throw new UsageError(`--adapter ${JSON.stringify(o.adapter)}: only ccxt is built`);
  const runId = regressionRunId(o.seed, o.label);
  const { ds, bars, digest } = await readDataset(o.dataset);
  const tf = parseTimeframe(ds.interval, `${o.dataset}/dataset.json interval`);
  const tfMs = timeframeMs(tf);
  const rows = bars.trim().split('\n').slice(1);
  const n = rows.length;
  const ts_ms = new Float64Array(n);
  const b = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  rows.forEach((l, r) => {
    const [t, op, h, lo, c, v] = l.split(',').map(Number);
    if (r > 0 && t! - ts_ms[r - 1]! !== tfMs) throw new DataError(`bars are not a ${tf} grid`, { file: join(o.dataset, 'bars.csv'), line: r + 2, field: 'ts_ms', value: t });
    ts_ms[r] = t!; b.open[r] = op!; b.high[r] = h!; b.low[r] = lo!; b.close[r] = c!; b.volume[r] = v!;
  });
  const key: InstrumentKey = { exchange: ds.exchange, market: ds.market, symbol: ds.symbol };
  const costs = labCosts(resolveCosts(ds.costs, `${o.dataset}/dataset.json costs`), [key], {});
  const strategy = checkStrategy(ds.strategy);
  const bp = labBlueprint({ strategy, params: resolveStrategyParams(strategy, ds.params), instruments: [key], timeframe: tf, notionalUsd: ds.dollar_per_trade, costDigest: costs.digest });
  const slice = { instruments: [key], ts_ms, tfMs, bars: [b], features: [{}], events: [new Map()] };
  const { from, to } = windowBars(ts_ms, ds.start_ms, ds.end_ms);
  const r = replaySession({ blueprint: bp, slice, from, to, costs: costs.simulate, initialCash: ds.initial_cash, limits: ds.limits, rules: ds.rules, identity: { regression: runId } }, () => false);
  const eq = r.result.equity;
  const traded = new Float64Array(to - from);
  for (const e of r.result.orderLog) if (e.event === 'filled') traded[e.bar]! += Math.abs(e.qty * (e.price ?? 0));
  const metrics = curveMetrics({
    ts_ms: ts_ms.subarray(from, to), tfMs, returns: equityReturns(eq, ds.initial_cash), equity: eq, gross: r.result.gross, traded,
    tradePnls: r.result.trades.filter((t) => t.exitBar >= 0).map((t) => t.netPnl), barsPerYear: barsPerYear(tf),
  });
  const iso = (x: number) => new Date(x).toISOString();
  const dir = join(o.outputDir, runId);
  await mkdir(dir, { recursive: true });
  let adapterLog: string;
  if (o.adapterMode === 'adapter') {
    // every order of the replay built by ccxt (binance request format) and logged, nothing sent: the markets come
    // from the dataset's rules, so no network is touched and the log is a function of the dataset and the code
    const tmp = join(dir, '.adapter_logs.tmp');
    await rm(tmp, { force: true });
    const sym = unifiedSymbol(ds.symbol);
    let now = ds.clock_ms;
    const ad = new CcxtBrokerAdapter({ exchangeId: 'binance', mode: 'dry-run', logFile: tmp, nowMs: () => now, markets: [spotMarketFromRules(sym, ds.rules)] });
    for (const e of r.result.orderLog) {
      now = ts_ms[from + e.bar]! + tfMs;
      const cid = `ql-${runId}-${e.orderId}`;
      if (e.event === 'submitted') await ad.submit({ symbol: sym, kind: e.kind, qty: e.qty, price: e.price, clientOrderId: cid });
      else if (e.event === 'cancelled' || e.event === 'expired') await ad.cancel(sym, cid);
    }
    adapterLog = existsSync(tmp) ? await readFile(tmp, 'utf8') : '';
    await rm(tmp, { force: true });
  } else {
    adapterLog = r.result.orderLog.filter((e) => e.event === 'submitted').map((e) => JSON.stringify({
      adapter: 'paper', at_utc: iso(ts_ms[from + e.bar]! + tfMs), request: { symbol: ds.symbol, side: e.qty > 0 ? 'buy' : 'sell', type: e.kind, amount: Math.abs(e.qty), price: e.price ?? null },
    })).join('\n') + '\n';
  }
  const j = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) + '\n';
  const files: Record<(typeof ARTIFACTS)[number], string> = {
    'snapshot.json': j({ run_id: runId, state: r.latch.state, tripped: r.latch.tripped, equity: eq[eq.length - 1], positions: { [ds.symbol]: r.result.positions[0] }, last_bar_utc: iso(ts_ms[to - 1]!), bars: to - from, denied: r.denied }),
    'equity.csv': ['ts_utc,equity', ...Array.from(eq, (x, t) => `${iso(ts_ms[from + t]!)},${x}`)].join('\n') + '\n',
    'metrics.json': j(metrics),
    'adapter_logs.jsonl': adapterLog,
    'provenance.json': j({ run_id: runId, seed: o.seed, label: o.label, adapter_mode: o.adapterMode, ...(o.adapterMode === 'adapter' ? { adapter: 'ccxt', adapter_exchange: 'binance', adapter_dry_run: true } : {}), dataset: basename(o.dataset), dataset_sha256: digest, blueprint_id: bp.id, cost_digest: costs.digest, clock_utc: iso(ds.clock_ms), entrypoint: 'quantlab regression' }),
    'session.md': [`# Regression ${runId}`, '', `- dataset ${basename(o.dataset)} (sha256 ${digest})`, `- clock ${iso(ds.clock_ms)} (pinned by the dataset)`, `- blueprint ${bp.id} (${bp.name})`,
      `- final state ${r.latch.state}, equity ${eq[eq.length - 1]!.toFixed(6)}, ${r.result.trades.length} trades, ${r.denied} orders denied`, '',
      ...r.pending.filter((p) => p.ev.type === 'guard' && p.ev.state_before !== p.ev.state_after).map((p) => `- ${iso(p.ts + tfMs)} ${(p.ev as { message: string }).message}`), ''].join('\n'),
  };
  const checksums: Record<string, string> = {};
  for (const a of ARTIFACTS) {
    await writeFileAtomic(join(dir, a), files[a]);
    checksums[a] = await sha256File(join(dir, a));
  }
  await writeFileAtomic(join(dir, 'checksums.json'), j(checksums));
  const baseFile = baselineFile(o.dataset, o.adapterMode, o.adapter);
  let differences: RegressionResult['differences'];
  if (existsSync(baseFile)) {
    const base = JSON.parse(await readFile(baseFile, 'utf8')) as Baseline;
    differences = ARTIFACTS.filter((a) => base.artifacts[a] !== checksums[a]).map((a) => ({ artifact: a, baseline: base.artifacts[a] ?? null, now: checksums[a]! }));
  }
  return { runId, dir, checksums, differences };
}

/** Rewrite the dataset's baseline.json from a run's checksums, with why, when and at which commit. */
export async function refreshBaseline(dataset: string, run: RegressionResult, p: Baseline['provenance'], adapter?: string): Promise<Baseline> {
  if (p.reason.trim() === '') throw new UsageError('--reason must say why the baseline changes');
  const base: Baseline = { artifacts: run.checksums, provenance: p };
  await writeFileAtomic(baselineFile(dataset, p.adapter_mode, adapter), JSON.stringify(base, null, 2) + '\n');
  return base;
}
