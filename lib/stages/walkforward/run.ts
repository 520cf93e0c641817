/**
 * The walk-forward stage.
 *
 * Pass 1 (every blueprint, one at a time): the blueprint trades the whole grid through the engine with the full
 * capital. Its per-bar returns are causal, so their slices over the train windows are what could have been known
 * at each train end; only those slices (and the trades entered in them) rank the blueprints. The same run gives the
 * daily returns for PBO (CSCV over the blueprint set) and the cross-trial variance of Sharpe ratios for the DSR.
 * Nothing from it is kept per bar (memory stays flat in the number of blueprints). Pass 1 is what the stage's
 * shards do (walkforwardShards below: groups of (blueprint, window) cells, in whole blueprints); everything after
 * it needs every cell and is the reduce.
 *
 * Selection per window (lib/walkforward/select.ts) reads the train statistics only.
 *
 * Pass 2 (selected blueprints only): for every window a blueprint was selected in, the engine runs it with
 * capital / k (k = blueprints selected in that window), new entries allowed only from the close of the first test
 * bar to the close of the second-to-last one (anything still open is closed at the last test bar's open), and the
 * test bars' equity is kept. The window's book is the sum of its sleeves (cash when nothing was selected); the
 * stitched out-of-sample returns are the windows' book returns in time order. The engine always runs over the
 * whole grid so that indicators, trailing volume and volatility have their full history at the window start; the
 * bars outside the window hold no position and contribute nothing.
 *
 * Funding coverage: a perpetual is traded only inside the span its funding covers (lib/costs/funding_span.ts); the
 * interpreter and the engine refuse entries outside it and close what is open at its last holdable bar. Each
 * instrument whose bars reach outside it is listed in summary.json `cut_instruments` and as a run warning.
 *
 * Cost sensitivity: pass 2 repeated with fees, slippage and impact scaled by each multiplier (the selection is
 * kept: it is the book that was chosen; funding and borrow are carry, not trading costs, and are not scaled).
 */
import { join, dirname, isAbsolute } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { PROJECT_ROOT } from '../../stage/root.js';
import { DataError, QuantError, SpecError } from '../../errors.js';
import { writeJsonAtomic } from '../../fsx.js';
import { LakeDb, TABLES, listPartitions, writeTableFile } from '../../lake/index.js';
import type { CostConfig } from '../../costs/schema.js';
import type { CutInstrument } from '../../costs/funding_span.js';
import type { CostStatusEntry } from '../../costs/evaluation.js';
import type { ExperimentExposure } from '../../engine/index.js';
import type { Blueprint } from '../../dsl/index.js';
import { barsDuration, barsPerYear, durationBars, timeframeMs, type Timeframe } from '../../timeframe.js';
import { makeWindows, type WfWindow } from '../../walkforward/windows.js';
import { selectOnTrain, trainStats, statsSharpe, type TrainStats } from '../../walkforward/select.js';
import { curveMetrics, dailyReturns, dailyReturnsOn, equityReturns, utcDays } from '../../stats/curve_metrics.js';
import { TrialRows, clusteredDeflation } from '../../walkforward/deflation.js';
import { SpilledRows } from '../../stats/spilled_rows.js';
import { barPeriodsOf, periodIndex, periodReturnsOf, type PeriodIndex } from '../../walkforward/candidate_series.js';
import { candidateTrialSeries } from './candidates.js';
import { totalReturn } from '../../stats/performance.js';
import { dsrWarning, pboWarning } from '../../report/run_warnings.js';
import { benchmarkCurve, pboOverBlueprints, PBO_RANK_CONVENTION, sleeveOf, stitch, type Sleeve } from '../../walkforward/book.js';
import { scaleCosts, withVenueAliases } from '../../costs/derive.js';
import { sharpeRatio } from '../../stats/sharpe.js';
import { variance } from '../../stats/descriptive.js';
import type { ShardItem, ShardSpec, StageContext, StageRunSummary } from '../../stage/definition.js';
import { partitionsDigest, runShardsInProcess } from '../../stage/shard.js';
import { digestJson, sha256Hex } from '../../hash.js';
import { instrumentLabel, readPlan, type InstrumentKey, type LoadedPlan } from '../discovery/io.js';
import { readLakeVocabulary } from '../blueprint/vocabulary.js';
import { assertScreenBeforeTest, readBlueprints, type LoadedBlueprints } from './blueprints.js';
import { InstrumentCache, globalGrid, instrumentPartitions, type Grid, type InstrumentData } from './io.js';
import { tradeColumns, type OosTrade } from './trade_columns.js';
import { cmp } from '../../research/plan.js';
import { BlueprintOnGrid } from './grid_run.js';
import type { WalkforwardHooks, WalkforwardParams } from './params.js';
import type { WalkforwardSummary } from './summary.js';
import { OOS_COLUMNS, OOS_FILE, SUMMARY_FILE, TRADE_COLUMNS, TRADES_FILE } from './files.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Re-exported from ./files.ts (kept apart so readers of the files do not load this stage). */
export { OOS_COLUMNS, OOS_FILE, SUMMARY_FILE, TRADE_COLUMNS, TRADES_FILE };

/** How the stage splits (docs/scale.md): groups of (blueprint, window) cells; a blueprint's windows stay together. */
export const WALKFORWARD_SHARD_BY = 'blueprint x window' as const;

/** What every phase of the stage reads first: validated blueprints, the grid, the windows (once per process). */
interface Setup {
  p: WalkforwardParams;
  experiment: ExperimentExposure | undefined;
  costs: CostConfig;
  /** The digest of the evaluation cost config (before venue aliases). */
  costDigest: string;
  tf: Timeframe;
  tfMs: number;
  /** Bars in a day of the timeframe (window lengths are given in days). */
  dayBars: number;
  ppy: number;
  lakeRoot: string;
  loaded: LoadedBlueprints;
  costWarnings: string[];
  plan: LoadedPlan;
  bps: Blueprint[];
  /** Processing order (indices into bps): by instrument label, then id; shards are consecutive runs of it. */
  order: number[];
  benchKey: InstrumentKey | undefined;
  grid: Grid;
  spec: { mode: WalkforwardParams['mode']; train_bars: number; test_bars: number; embargo_bars: number; step_bars: number; min_last_test_bars?: number };
  windows: WfWindow[];
  unused_bars: number;
}

/** The cross-section every shard reads (its bytes enter every shard's fingerprint): the grid and the windows. */
interface WfPrepared {
  ts0: number;
  tfMs: number;
  n: number;
  windows: WfWindow[];
}

interface FullStats { sharpe: number; total_return: number; n_trades: number; daily_sharpe: number; decisions: Record<string, number>; rejected: number }

/** Pass 1 of one shard's blueprints (v8-serialised into the shard's result: exact floats, NaN included). */
interface Pass1 {
  ids: string[];
  /** Per blueprint, per window: the cell's train statistics. */
  stats: TrainStats[][];
  daily: Float64Array[];
  /** Hourly returns of every blueprint, for the clustered DSR's correlations (docs/strategy.md). */
  hourly: Float64Array[];
  full: FullStats[];
  /** Exposure decisions of each blueprint's full-grid run, by rule, in the order they occurred. */
  blocks: Record<string, number>[];
  cuts: CutInstrument[];
  counts: { signal_compilations: number; engine_runs: number };
}

/**
 * A shard's result (JSON in _shard.json and the shard index): counts, and pass 1 as base64 of the raw deflate (level
 * 1) of v8.serialize. Deflated because the blueprints' hourly returns are mostly zeros (flat hours: 64-76 % on the
 * synthetic lakes): 4x smaller, ~140 -> ~33 MB of text held until the reduce on 50 symbols x 2 years (issue 12),
 * for ~10 ms per MB.
 */
export interface WalkforwardShardResult {
  blueprints: number;
  cells: number;
  pass1: string;
}

interface ShardData { ids: string[]; windows: number }

/** Parameters only the reduce reads (the selection rule, cost sensitivity, PBO, grouping): not in a shard's fingerprint. */
export const REDUCE_ONLY_PARAMS: readonly string[] = ['top_k', 'min_train_trades', 'min_train_sharpe', 'train_sharpe_floor', 'cost_multipliers', 'pbo_splits', 'shard_cells'];

/**
 * walk-forward in shards of (blueprint, window) cells (docs/scale.md). A cell's train statistics are a slice of its
 * blueprint's one causal full-grid run, so a shard holds whole blueprints: consecutive ones in processing order,
 * about `shard_cells` cells (at least one blueprint), cut where a blueprint id's hash says so (adding or removing a
 * blueprint changes its shard, rarely a few, never every later one). A shard compiles each of its blueprints once, runs
 * pass 1 and returns its cells' train statistics, the daily returns (PBO, DSR) and the full-period figures. The
 * reduce needs every cell: the selection per window (a window's ranking reads every blueprint's train cell), pass 2
 * for the selected cells only (at most top_k per window, whatever the number of blueprints), the stitched book,
 * PBO, naive and clustered DSR, cost sensitivity, and the stage's files. The unsharded run is the same functions in
 * one process, one shard at a time.
 */
export function walkforwardShards(hooks: WalkforwardHooks = {}): ShardSpec<WalkforwardParams, WfPrepared, WalkforwardShardResult> {
  const setups = new WeakMap<StageContext<WalkforwardParams>, Promise<Setup>>();
  const setupOf = (ctx: StageContext<WalkforwardParams>): Promise<Setup> => {
    let s = setups.get(ctx);
    if (!s) setups.set(ctx, (s = loadSetup(ctx, hooks)));
    return s;
  };
  return {
    by: WALKFORWARD_SHARD_BY,
    // no DuckDB file cache: it kept the bytes of every file read (bars, features, events of every instrument) to the
    // end, ~170 MB more at 50 symbols than at 5 (issue 12); the few files read twice (pass 2, candidate series) are
    // read again
    fileCache: false,
    // a new selection rule, cost multipliers or PBO splits rerun the reduce only: pass 1 does not read them
    shardParams: (p) => Object.fromEntries(Object.entries(p).filter(([k]) => !REDUCE_ONLY_PARAMS.includes(k))),
    list: async (ctx) => {
      const s = await setupOf(ctx);
      for (const w of s.costWarnings) ctx.log.warn({ cost_digest: s.costDigest }, w);
      const out: ShardItem[] = [];
      for (const g of shardGroups(s.bps, s.order, s.windows.length, s.p.shard_cells)) {
        const mine = g.map((i) => s.bps[i]!);
        const parts = [];
        for (const k of uniqueKeys(mine.flatMap((b) => b.instruments.map((x) => ({ ...x, timeframe: s.tf }))))) {
          parts.push(...(await instrumentPartitions(s.lakeRoot, k)));
        }
        const data: ShardData = { ids: mine.map((b) => b.id), windows: s.windows.length };
        const label = mine.length === 1 ? mine[0]!.id : `${mine[0]!.id} .. ${mine[mine.length - 1]!.id}`;
        out.push({ label, input_digest: digestJson({ blueprints: mine, partitions: partitionsDigest(parts), data }), data });
      }
      return out;
    },
    prepare: async (ctx) => {
      const s = await setupOf(ctx);
      return { ts0: s.grid.ts0, tfMs: s.grid.tfMs, n: s.grid.n, windows: s.windows };
    },
    runShard: async (ctx, shard, prepared, conn) => {
      const s = await setupOf(ctx);
      checkPrepared(s, prepared);
      const pass1 = await runPass1(ctx, s, (shard.data as ShardData).ids, conn);
      return { blueprints: pass1.ids.length, cells: pass1.ids.length * s.windows.length, pass1: deflateRawSync(serialize(pass1), { level: 1 }).toString('base64') };
    },
    reduce: async (ctx, _shards, results, prepared, db) => {
      const s = await setupOf(ctx);
      checkPrepared(s, prepared);
      // the blueprints' and candidates' standardized hourly series, for the clustered DSR's correlations, in a
      // temporary file (issue 12: ~460 MB on 50 symbols x 2 years), read back a block of rows at a time
      const hours = periodIndex(s.grid.ts_ms, HOUR_MS);
      const spill = new SpilledRows(hours.starts.length, { prefix: 'quantlab-walkforward-' });
      try {
        return await reduceWalkforward(ctx, s, decodeParts(results), db, { spill, hours });
      } finally {
        spill.close();
      }
    },
  };
}

/**
 * The shards' pass 1, decoded one at a time as the reduce merges them; each shard's base64 text is dropped once
 * decoded (the results are the reduce's: ~140 MB of text on 50 symbols x 2 years would otherwise live to the end).
 */
function* decodeParts(results: readonly WalkforwardShardResult[]): Generator<Pass1> {
  for (const r of results) {
    const part = deserialize(inflateRawSync(Buffer.from(r.pass1, 'base64'))) as Pass1;
    r.pass1 = '';
    yield part;
  }
}

/** The unsharded walk-forward: its shards one at a time in this process (memory stays flat in the blueprints). */
export async function runWalkforwardStage(ctx: StageContext<WalkforwardParams>, hooks: WalkforwardHooks = {}): Promise<StageRunSummary> {
  return runShardsInProcess(walkforwardShards(hooks), ctx, 1);
}

/**
 * The shards: consecutive blueprints of `order`, a cut after a blueprint whose id hashes to 0 modulo the target
 * count (shard_cells / windows, at least 1); past twice the target, after one whose hash is 0 modulo a quarter of it;
 * at four times the target at the latest. Content-defined cuts keep the other shards (and their fingerprints) when a
 * blueprint is added or removed.
 */
export function shardGroups(bps: readonly Blueprint[], order: readonly number[], windows: number, shardCells: number): number[][] {
  const target = Math.max(1, Math.floor(shardCells / Math.max(1, windows)));
  const groups: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    cur.push(i);
    const h = Number.parseInt(sha256Hex(bps[i]!.id).slice(0, 8), 16);
    // past twice the target a looser rule (still content-defined) cuts soon; 4 x target is the hard limit
    if (target === 1 || h % target === 0 || (cur.length >= 2 * target && h % Math.ceil(target / 4) === 0) || cur.length >= 4 * target) {
      groups.push(cur);
      cur = [];
    }
  }
  if (cur.length) groups.push(cur);
  return groups;
}

function checkPrepared(s: Setup, prepared: WfPrepared): void {
  if (prepared.ts0 !== s.grid.ts0 || prepared.n !== s.grid.n || prepared.tfMs !== s.grid.tfMs || JSON.stringify(prepared.windows) !== JSON.stringify(s.windows)) {
    throw new QuantError(`walkforward: the grid or the windows differ from the plan's (${prepared.n} bars from ${prepared.ts0}, ${prepared.windows.length} windows; now ${s.grid.n} bars from ${s.grid.ts0}, ${s.windows.length} windows)`, {
      hint: 'the lake changed between the plan and this shard: run the stage again',
    });
  }
}

async function loadSetup(ctx: StageContext<WalkforwardParams>, hooks: WalkforwardHooks): Promise<Setup> {
  if (!ctx.costs) throw new QuantError('walkforward needs the cost config (usesCosts)');
  const p = ctx.params;
  const experiment = await loadExperiment(p, hooks, ctx.dataDir);
  const costs = withVenueAliases(ctx.costs.config as CostConfig, p.venue_for);
  const tf = p.timeframe;
  const tfMs = timeframeMs(tf);
  const ppy = barsPerYear(tf);
  const lakeRoot = dirname(ctx.input('lake/cleaned'));
  const known = await readLakeVocabulary(ctx.input('lake/features'), ctx.specDir);
  const loaded = await readBlueprints(ctx.input('research/blueprints'), 'research/blueprints', known,
    { config: ctx.costs.config as CostConfig, digest: ctx.costs.digest }, { allowCheaper: p.allow_cheaper_costs });
  const costWarnings = costCheckWarnings(loaded.costStatus, ctx.costs.digest);
  const plan = await readPlan(ctx.input('research/plan'));
  if (loaded.meta.plan_hash !== plan.plan_hash) {
    throw new DataError(`blueprints were compiled from another plan (current plan ${plan.plan_hash})`, {
      file: 'research/blueprints/blueprints.json', field: 'plan_hash', value: loaded.meta.plan_hash,
    }, { hint: 'rerun the blueprint stage' });
  }
  const bps = loaded.blueprints;
  for (const bp of bps) {
    if (bp.timeframe !== tf) {
      throw new DataError(`blueprint ${bp.id} is for timeframe ${bp.timeframe}, the pipeline runs ${tf}`, {
        file: 'research/blueprints/blueprints.jsonl', field: 'timeframe', value: bp.timeframe,
      });
    }
  }
  const keyOf = (k: { exchange: string; market: string; symbol: string }): InstrumentKey => ({ ...k, timeframe: tf });
  const allKeys = uniqueKeys(bps.flatMap((b) => b.instruments.map(keyOf)));
  const benchKey = await benchmarkKey(lakeRoot, p.benchmark_symbol, allKeys, tf);
  const grid = await globalGrid(lakeRoot, benchKey ? uniqueKeys([...allKeys, benchKey]) : allKeys, tfMs);

  // ---- windows
  const dayBars = Math.round(DAY_MS / tfMs);
  const maxHold = bps.reduce((m, b) => Math.max(m, holdBars(b)), 0);
  const embargoBars = resolveEmbargo(p, tf);
  const embargoField = p.embargo_bars !== undefined ? 'embargo_bars' : 'embargo';
  if (embargoBars !== 'auto' && embargoBars < maxHold) {
    const given = p.embargo_bars !== undefined ? `embargo_bars ${p.embargo_bars}` : `embargo ${p.embargo} (${embargoBars} bars)`;
    throw new DataError(`${given} is shorter than the longest holding period of a blueprint (${maxHold} bars): train trades would reach into the test window`, {
      file: 'spec/pipeline.yaml', field: `stages.walkforward.${embargoField}`, value: p.embargo_bars ?? p.embargo,
    }, { hint: `use embargo: auto (= ${barsDuration(maxHold, tf)}) or at least ${barsDuration(maxHold, tf)}` });
  }
  const spec = {
    mode: p.mode,
    train_bars: Math.round(p.train_days * dayBars),
    test_bars: Math.round(p.test_days * dayBars),
    embargo_bars: embargoBars === 'auto' ? maxHold : embargoBars,
    step_bars: Math.round((p.step_days ?? p.test_days) * dayBars),
    ...(p.last_window === 'partial' ? { min_last_test_bars: dayBars } : {}),
  };
  const { windows, unused_bars } = makeWindows(grid.n, spec, 'spec/pipeline.yaml stages.walkforward (train_days, test_days, embargo)');
  if (loaded.meta.pairs_screen) assertScreenBeforeTest(loaded.meta.pairs_screen, ms(grid, windows[0]!.testStart));
  const order = bps.map((_, i) => i).sort((a, b) => cmp(labelOf(bps[a]!, tf), labelOf(bps[b]!, tf)) || cmp(bps[a]!.id, bps[b]!.id));
  return { p, experiment, costs, costDigest: ctx.costs.digest, tf, tfMs, dayBars, ppy, lakeRoot, loaded, costWarnings, plan, bps, order, benchKey, grid, spec, windows, unused_bars };
}

/** A blueprint's signals compiled once on the grid; `counts` counts compilations and engine runs. */
function compiler(s: Setup, counts: Pass1['counts']) {
  return (bp: Blueprint, data: InstrumentData[]): { run: BlueprintOnGrid['run'] } => {
    const policy = s.experiment?.policyFor(data.map((d) => d.bars.close), s.tfMs);
    const g = new BlueprintOnGrid(bp, data, s.grid, policy);
    counts.signal_compilations++;
    return { run: (...a) => { counts.engine_runs++; return g.run(...a); } };
  };
}

/**
 * Pass 1 of the blueprints `ids` (in processing order): each trades the whole grid through the engine with the full
 * capital, compiled once. Its per-bar returns are causal, so their slices over the train windows (the cells' train
 * statistics) are what could have been known at each train end. Nothing per bar is kept but the daily returns.
 */
async function runPass1(ctx: StageContext<WalkforwardParams>, s: Setup, ids: readonly string[], db: LakeDb): Promise<Pass1> {
  const p = s.p;
  const byId = new Map(s.bps.map((b) => [b.id, b]));
  const mine = ids.map((id) => {
    const bp = byId.get(id);
    if (!bp) throw new QuantError(`walkforward shard: blueprint ${id} is not in research/blueprints any more`, { hint: 'the blueprints changed since the plan: run the stage again' });
    return bp;
  });
  const cache = new InstrumentCache(db, s.lakeRoot, s.grid, mine, s.costs, s.tf);
  const order = mine.map((_, j) => j);
  const counts = { signal_compilations: 0, engine_runs: 0 };
  const compiled = compiler(s, counts);
  const risk = { maxGrossLeverage: p.max_gross_leverage };
  // the grid's hours and days, found once for every blueprint's hourly and daily returns
  const hours = periodIndex(s.grid.ts_ms, HOUR_MS);
  const hourOfBar = barPeriodsOf(s.grid.ts_ms, hours);
  const days = utcDays(s.grid.ts_ms);
  const out: Pass1 = { ids: [...ids], stats: [], daily: [], hourly: [], full: [], blocks: [], cuts: [], counts };
  for (const j of order) {
    if (ctx.signal.aborted) break;
    const bp = mine[j]!;
    const data = await cache.get(bp, order, j);
    const run = compiled(bp, data).run(s.costs, p.capital_usd, risk, 0, s.grid.n);
    // exposure decisions of the full-grid runs (one per blueprint), reported by rule
    const blocks: Record<string, number> = {};
    for (const b of run.exposure?.blocks ?? []) blocks[b.rule] = (blocks[b.rule] ?? 0) + 1;
    const r = equityReturns(run.result.equity, p.capital_usd);
    const entries = run.result.trades.map((t) => t.entryBar);
    const d = dailyReturnsOn(days, r);
    out.stats.push(trainStats(r, entries, s.windows));
    out.daily.push(d);
    // hourly returns of every trial for the clustered DSR's correlations (a blueprint holds on any bar: all count)
    out.hourly.push(periodReturnsOf(r, undefined, hourOfBar, hours.starts.length).r);
    out.blocks.push(blocks);
    out.full.push({
      sharpe: statsSharpe(trainStats(r, [], [{ trainStart: 0, trainEnd: r.length }])[0]!, s.ppy), total_return: totalReturn(r),
      n_trades: run.result.trades.length, daily_sharpe: sharpeRatio(d), decisions: countBy(run.decisions.filter((x) => x.code !== 'already_in_position').map((x) => x.code)),
      rejected: run.result.orderLog.filter((e) => e.event === 'rejected').length,
    });
    ctx.progress(j + 1, mine.length, 'blueprint runs (full grid)');
  }
  out.cuts = cache.cuts();
  return out;
}

/** Everything that needs every cell: selection, pass 2 (the selected cells), the book, PBO, DSR, the files. */
async function reduceWalkforward(
  ctx: StageContext<WalkforwardParams>, setup: Setup, parts: Iterable<Pass1>, db: LakeDb, { spill, hours }: { spill: SpilledRows; hours: PeriodIndex },
): Promise<StageRunSummary> {
  if (ctx.signal.aborted) return {};
  const t0 = performance.now();
  // resident memory at the reduce's phases, logged with its timings (what grows with the instruments: docs/performance.md)
  const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
  const rss: Record<string, number> = { reduce_start: rssMb() };
  const { p, costs, costDigest, tf, tfMs, ppy, loaded, plan, bps, order, benchKey, grid, spec, windows, unused_bars, experiment, costWarnings } = setup;
  const blocks: Record<string, number> = {};
  // ---- pass 1, from the shards (in processing order)
  const stats: TrainStats[][] = new Array(bps.length);
  const daily: Float64Array[] = new Array(bps.length);
  // each blueprint's hourly series goes to the spill file as its shard is merged (rows 0 .. bps.length - 1)
  const trialRows = new TrialRows(bps.length, spill);
  const full: FullStats[] = new Array(bps.length);
  const index = new Map(bps.map((b, i) => [b.id, i]));
  const cutOf = new Map<string, CutInstrument>();
  const counts = { signal_compilations: 0, engine_runs: 0 };
  for (const part of parts) {
    part.ids.forEach((id, j) => {
      const i = index.get(id);
      if (i === undefined || stats[i] !== undefined) {
        throw new QuantError(`walkforward: the shards' blueprint ${id} is ${i === undefined ? 'not in research/blueprints' : 'in two shards'}`, { hint: 'run the stage again' });
      }
      stats[i] = part.stats[j]!;
      daily[i] = part.daily[j]!;
      trialRows.put(i, { id, daily: part.daily[j]!, fine: part.hourly[j]! });
      full[i] = part.full[j]!;
      for (const [rule, n] of Object.entries(part.blocks[j]!)) blocks[rule] = (blocks[rule] ?? 0) + n;
    });
    for (const c of part.cuts) cutOf.set(c.instrument, c);
    counts.signal_compilations += part.counts.signal_compilations;
    counts.engine_runs += part.counts.engine_runs;
  }
  const missing = bps.filter((_, i) => stats[i] === undefined).map((b) => b.id);
  if (missing.length) throw new QuantError(`walkforward: no shard ran blueprint(s) ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`, { hint: 'run the stage again' });
  // PBO needs only the blueprints' daily returns: done while the reduce holds least (its C(S, S/2) x blueprints
  // out-of-sample metrics are ~72 MB on 50 symbols x 2 years)
  const pbo = pboOverBlueprints(daily, p.pbo_splits);

  // the benchmark's bars are read after pass 2: kept rather than evicted and read again
  const cache = new InstrumentCache(db, setup.lakeRoot, grid, bps, costs, tf, benchKey ? [benchKey] : []);
  const risk = { maxGrossLeverage: p.max_gross_leverage };
  // Signal compilations and engine runs, logged at the end: one compilation per blueprint and pass (pass 1 keeps
  // nothing per bar, so pass 2 compiles the selected blueprints again), however many windows and cost multipliers.
  const compiled = compiler(setup, counts);

  // ---- selection on train data only
  const ids = bps.map((b) => b.id);
  const rule = { top_k: p.top_k, min_train_trades: p.min_train_trades, min_train_sharpe: p.min_train_sharpe, train_sharpe_floor: p.train_sharpe_floor };
  const selections = windows.map((w) => selectOnTrain(ids, stats.map((s) => s[w.index]!), rule, ppy, (w.trainEnd - w.trainStart) / setup.dayBars));

  // ---- pass 2: out-of-sample sleeves (and their cost sensitivity)
  const multipliers = [...new Set([1, ...p.cost_multipliers])].sort((a, b) => a - b);
  const sleeves: Sleeve[] = [];
  const oosTrades: OosTrade[] = [];
  const selectedBy = new Map<number, number[]>(); // blueprint -> windows
  windows.forEach((w, k) => {
    for (const i of selections[k]!.selected) selectedBy.set(i, [...(selectedBy.get(i) ?? []), w.index]);
  });
  const pass2 = order.filter((i) => selectedBy.has(i));
  let done2 = 0;
  for (const i of pass2) {
    if (ctx.signal.aborted) return {};
    const bp = bps[i]!;
    const data = await cache.get(bp, pass2, done2);
    const onGrid = compiled(bp, data); // once per blueprint: every window and cost multiplier reuses the signals
    for (const wi of selectedBy.get(i)!) {
      const w = windows[wi]!;
      const k = selections[wi]!.selected.length;
      for (const m of multipliers) {
        const run = onGrid.run(scaleCosts(costs, m), p.capital_usd / k, risk, w.testStart, w.testEnd);
        const s = sleeveOf(run.result, i, wi, m, w);
        sleeves.push(s);
        if (m === 1) {
          for (const t of run.result.trades) oosTrades.push({ bp: i, window: wi, offset: w.testStart, t, instruments: data.map((d) => d.key.symbol) });
        }
      }
    }
    done2++;
    ctx.progress(done2, pass2.length, 'blueprint runs (out of sample)');
  }

  ctx.log.info(counts, 'walk-forward signal compilations and engine runs');
  const t2 = performance.now();
  rss.after_pass2 = rssMb();

  // ---- stitch
  const book = (m: number) => stitch(windows, sleeves.filter((s) => s.multiplier === m), p.capital_usd, grid, ppy);
  const base = book(1);
  const trials = Math.max(1, loaded.meta.trials.total);
  const dailySharpes = full.map((f) => f.daily_sharpe).filter((x) => Number.isFinite(x));
  const vSr = dailySharpes.length >= 2 ? variance(dailySharpes) : NaN;
  const metrics = curveMetrics({
    ts_ms: base.ts_ms, tfMs, returns: base.returns, equity: base.equityUsd, gross: base.gross, traded: base.traded,
    tradePnls: base.tradePnls, barsPerYear: ppy,
  }, Number.isFinite(vSr) ? { trials, varianceOfDailySharpes: vSr } : undefined);
  // clustered deflation: blueprints clustered by their returns (ONC); plan candidates, each with its own return
  // series (its occurrences traded as claimed), clustered with the blueprints it resembles; pair variants screened
  // out have no series and count one each
  const t3 = performance.now();
  // the candidates' rows follow the blueprints' in the spill file
  const candidateRows = new TrialRows(plan.candidates.length, spill, bps.length);
  await candidateTrialSeries(db, setup.lakeRoot, plan.candidates, hours, periodIndex(grid.ts_ms, DAY_MS), candidateRows);
  const t4 = performance.now();
  rss.after_candidate_series = rssMb();
  const clustered = clusteredDeflation(trialRows.prepared(), loaded.meta.trials.pairs_screened_out ?? 0, metrics, {
    candidates: candidateRows.prepared(), oosDaily: dailyReturns(base.ts_ms, base.returns).returns, consumeFine: true,
  });
  const t5 = performance.now();
  rss.after_clustered_dsr = rssMb();
  const sensitivity = multipliers.map((m) => {
    const b = m === 1 ? base : book(m);
    const mm = curveMetrics({ ts_ms: b.ts_ms, tfMs, returns: b.returns, equity: b.equityUsd, gross: b.gross, traded: b.traded, tradePnls: b.tradePnls, barsPerYear: ppy });
    return { multiplier: m, total_return: mm.total_return, sharpe: mm.sharpe, max_drawdown: mm.max_drawdown, n_trades: mm.n_trades };
  });
  const bench = benchmarkCurve(benchKey ? await cache.bars(benchKey) : undefined, windows, benchKey?.symbol ?? '');
  // the serial part of a sharded run (docs/scale.md): pass 2 of the selected cells, then the book, DSR (ONC) and PBO
  ctx.log.info({
    pass2_ms: Math.round(t2 - t0), statistics_ms: Math.round(performance.now() - t2),
    candidate_series_ms: Math.round(t4 - t3), clustered_dsr_ms: Math.round(t5 - t4), selected_blueprints: pass2.length, rss_mb: rss,
  }, 'walk-forward reduce timings');

  // ---- write
  const out = ctx.output('lake/walkforward');
  const oosRows = await writeTableFile(db, join(out, OOS_FILE), OOS_COLUMNS, {
    ts_ms: base.ts_ms, window: base.window, ret: base.returns, equity: base.equity, gross_leverage: base.grossLev,
    benchmark_equity: bench.equity,
  });
  const tradeRows = await writeTableFile(db, join(out, TRADES_FILE), TRADE_COLUMNS, tradeColumns(oosTrades, bps, grid));
  const oosReturnOf = (i: number): number | null => {
    const mine = sleeves.filter((s) => s.bp === i && s.multiplier === 1);
    if (mine.length === 0) return null;
    let g = 1;
    for (const s of mine) g *= s.equity[s.equity.length - 1]! / (p.capital_usd / selections[s.window]!.selected.length);
    return g - 1;
  };
  const summary: WalkforwardSummary = {
    schema_version: 1,
    timeframe: tf, bars_per_year: ppy, capital_usd: p.capital_usd,
    grid: { start_ms: grid.ts0, end_ms: grid.ts0 + grid.n * tfMs, n_bars: grid.n },
    plan_hash: plan.plan_hash, cost_digest: costDigest,
    blueprint_cost_digests: Object.fromEntries([...loaded.costStatus].map(([d, s]) => [d, s])),
    windows_spec: { ...spec, unused_bars, selection: rule },
    windows: windows.map((w, k) => {
      const sel = selections[k]!;
      const wr = base.windowReturns[k]!;
      return {
        index: w.index,
        train_start_ms: ms(grid, w.trainStart), train_end_ms: ms(grid, w.trainEnd),
        test_start_ms: ms(grid, w.testStart), test_end_ms: ms(grid, w.testEnd),
        selected: sel.selected.map((i) => bps[i]!.id),
        top_ranked: sel.ranked.slice(0, 5).map((r) => ({ id: r.id, train_sharpe: r.train_sharpe, train_trades: r.train_trades, eligible: r.eligible })),
        eligible: sel.ranked.filter((r) => r.eligible).length,
        train_sharpe_floor: sel.floor,
        oos_return: wr.total_return, oos_sharpe: wr.sharpe, n_trades: wr.n_trades,
      };
    }),
    blueprints: bps.map((bp, i) => ({
      id: bp.id, name: bp.name, source: bp.provenance.source, instruments: bp.instruments.map((x) => x.symbol).join('/'),
      cost_digest: bp.cost_digest, cost_digest_status: loaded.costStatus.get(bp.cost_digest)!.status,
      full_sharpe: full[i]!.sharpe, full_return: full[i]!.total_return, full_trades: full[i]!.n_trades,
      full_daily_sharpe: full[i]!.daily_sharpe,
      times_selected: selectedBy.get(i)?.length ?? 0, oos_return: oosReturnOf(i),
      skipped_entries: full[i]!.decisions, rejected_orders: full[i]!.rejected,
    })),
    oos: { metrics, benchmark: bench.label ? { label: bench.label, total_return: bench.total_return } : null },
    deflation: {
      trials, plan_candidates: loaded.meta.trials.plan_candidates, template_variants: loaded.meta.trials.template_variants,
      pairs_screened_out: loaded.meta.trials.pairs_screened_out ?? 0,
      variance_of_daily_sharpes: vSr, sr0_annual: metrics.sr0_annual, psr: metrics.psr, dsr: metrics.dsr,
      min_trl_days: metrics.min_trl_days, min_trl_sr0_days: metrics.min_trl_sr0_days,
      clustered,
      note: Number.isFinite(vSr)
        ? 'DSR: PSR of the stitched out-of-sample daily returns against the expected maximum Sharpe of `trials` skill-less trials, with the variance of the blueprints\' full-period daily Sharpe ratios as the cross-trial variance'
        : 'DSR needs the Sharpe ratios of at least 2 blueprints (cross-trial variance)',
    },
    pbo: { ...pbo, rank_convention: PBO_RANK_CONVENTION },
    cost_sensitivity: sensitivity,
    cut_instruments: mergeCuts(cutOf, cache.cuts()),
  };
  await writeJsonAtomic(join(out, SUMMARY_FILE), summary);
  const cutLines = cutWarnings(summary.cut_instruments);
  for (const [k, w] of cutLines.entries()) ctx.log.warn({ cut_instrument: summary.cut_instruments[k]!.instrument }, w);
  const warnings: string[] = [...costWarnings, ...cutLines];
  if (bps.length === 0) warnings.push('no blueprints: the out-of-sample book stays in cash');
  else if (pass2.length === 0) warnings.push('no blueprint was eligible in any train window: the out-of-sample book stays in cash');
  for (const w of [pboWarning(pbo), dsrWarning(summary.deflation)]) {
    if (w === null) continue;
    warnings.push(w);
    ctx.log.warn(w);
  }
  if (experiment) {
    const line = `every engine run was held to the exposure of experiment ${experiment.experimentId} (spec ${experiment.specDigest.slice(0, 12)}); full-grid runs: ` +
      (Object.keys(blocks).length ? Object.entries(blocks).sort().map(([k, v]) => `${k} ${v}`).join(', ') : 'no order refused');
    warnings.push(line);
    ctx.log.warn({ experiment_id: experiment.experimentId, blocks }, line);
  }
  return {
    rows: { 'walkforward/oos': oosRows.rows, 'walkforward/trades': tradeRows.rows },
    metrics: {
      blueprints: bps.length, windows: windows.length, selected_blueprints: pass2.length,
      oos_total_return: metrics.total_return, oos_sharpe: metrics.sharpe, oos_trades: metrics.n_trades,
      psr: metrics.psr, dsr: metrics.dsr, dsr_clustered: clustered.dsr, trials_effective: clustered.trials_effective, pbo: pbo.pbo ?? NaN, cut_instruments: summary.cut_instruments.length,
      ...(experiment ? { experiment_id: experiment.experimentId, experiment_spec_digest: experiment.specDigest, ...Object.fromEntries(Object.entries(blocks).map(([k, v]) => [`exposure_${k}`, v])) } : {}),
    },
    ...(warnings.length ? { warnings } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** The experiment of params experiment_spec / experiment_id (undefined when neither is set). */
async function loadExperiment(p: WalkforwardParams, hooks: WalkforwardHooks, dataDir: string): Promise<ExperimentExposure | undefined> {
  if (p.experiment_spec === undefined && p.experiment_id === undefined) return undefined;
  if (p.experiment_spec !== undefined && p.experiment_id !== undefined) {
    throw new SpecError([`spec/pipeline.yaml stages.walkforward: experiment_spec and experiment_id are both set (${p.experiment_spec}, ${p.experiment_id}); give one`], { hint: 'remove one of the two' });
  }
  if (!hooks.exposure) {
    throw new QuantError('walkforward: experiment_spec / experiment_id need the experiments\' exposure source (the stage executable stages/walkforward.ts passes it)');
  }
  const spec = p.experiment_spec === undefined ? undefined : isAbsolute(p.experiment_spec) ? p.experiment_spec : join(PROJECT_ROOT, p.experiment_spec);
  return hooks.exposure.load(spec !== undefined ? { spec } : { id: p.experiment_id! }, dataDir);
}

/** The instruments cut to their funding span, from the shards and the reduce's own loads, by label. */
function mergeCuts(fromShards: ReadonlyMap<string, CutInstrument>, more: readonly CutInstrument[]): CutInstrument[] {
  const all = new Map(fromShards);
  for (const c of more) all.set(c.instrument, c);
  return [...all.values()].sort((a, b) => cmp(a.instrument, b.instrument));
}

/** One line per found digest the current costs differ from: a stress (allowed) or a what-if under cheaper costs. */
function costCheckWarnings(status: ReadonlyMap<string, CostStatusEntry>, current: string): string[] {
  const out: string[] = [];
  for (const [found, s] of status) {
    if (s.status === 'stress') {
      out.push(`cost stress: blueprints found under costs ${found} are evaluated under dearer costs ${current}: ${s.costlier.join('; ')}`);
    } else if (s.status === 'cheaper_what_if') {
      out.push(`WHAT-IF, NOT A VALIDATION (allow_cheaper_costs): blueprints found under costs ${found} are evaluated under cheaper or incomparable costs ${current}: ` +
        [...(s.cheaper ?? []), ...(s.incomparable ?? [])].join('; '));
    }
  }
  return out;
}

/** One line per instrument traded only inside its funding span (summary.json cut_instruments). */
export function cutWarnings(cuts: readonly CutInstrument[]): string[] {
  return cuts.map((c) => `${c.instrument} not traded outside its funding span (${c.cut_bars} bars cut): ${c.reason}`);
}

function labelOf(bp: Blueprint, tf: string): string {
  return bp.instruments.map((k) => instrumentLabel({ ...k, timeframe: tf })).join('|');
}

function uniqueKeys(keys: readonly InstrumentKey[]): InstrumentKey[] {
  const m = new Map<string, InstrumentKey>();
  for (const k of keys) m.set(instrumentLabel(k), k);
  return [...m.values()].sort((a, b) => cmp(instrumentLabel(a), instrumentLabel(b)));
}

/** The longest a blueprint can hold a position, in bars (the embargo must cover it). */
export function holdBars(bp: Blueprint): number {
  return bp.strategy.type === 'pairs' ? bp.strategy.max_hold_bars : bp.strategy.exit.horizon_bars;
}

function ms(grid: Grid, t: number): number {
  return grid.ts0 + t * grid.tfMs;
}

function countBy(xs: readonly string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}

async function benchmarkKey(lakeRoot: string, symbol: string, keys: readonly InstrumentKey[], tf: string): Promise<InstrumentKey | undefined> {
  const hit = keys.find((k) => k.symbol === symbol);
  if (hit) return hit;
  const parts = await listPartitions(lakeRoot, TABLES.cleanBars, { symbol, timeframe: tf });
  const p = parts[0];
  if (p) return { exchange: p.keys.exchange!, market: p.keys.market!, symbol, timeframe: tf };
  return keys[0];
}

/**
 * The embargo in bars, or auto: `embargo_bars` when given (then `embargo` must be auto), else `embargo` converted
 * to bars of the timeframe (a located SpecError when it is not whole bars).
 */
export function resolveEmbargo(p: Pick<WalkforwardParams, 'embargo' | 'embargo_bars'>, tf: Timeframe): number | 'auto' {
  if (p.embargo_bars !== undefined) {
    if (p.embargo !== 'auto') {
      throw new SpecError([`spec/pipeline.yaml stages.walkforward: give embargo (${p.embargo}) or embargo_bars (${p.embargo_bars}), not both`], {
        hint: 'keep embargo (a duration) and drop embargo_bars',
      });
    }
    return p.embargo_bars;
  }
  return p.embargo === 'auto' ? 'auto' : durationBars(p.embargo, tf, 'spec/pipeline.yaml stages.walkforward.embargo');
}
