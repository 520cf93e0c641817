/**
 * `quantlab experiment run --id X | --spec FILE --mode backtest|paper`: the experiment's entry triggers
 * (lib/experiments/triggers.ts) on lake bars of its target symbols, held to its exposure by the one enforcement
 * (lib/engine/exposure.ts), through the one engine: directly (backtest) or through the paper loop's order generator
 * and risk guards (lib/lab/paper/session.ts replaySession, paper). Writes orders, fills, position snapshots, risk
 * allocations and blocks (each row with experiment_id and run_id, idempotent), `experiment_blocked` and
 * `experiment_metric` events, and prints the metrics table and the violations.
 *
 * The run id is a digest of everything that defines the run (experiment, spec, mode, symbols, window, costs, data
 * lineage), so the same command run again after a crash (kill -9) resumes the same run: rows already committed are
 * skipped, the rest are written; nothing is lost or duplicated.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { loadCosts } from '../../lib/costs/digest.js';
import { engineInputFor, type MarketSlice } from '../../lib/dsl/index.js';
import { Engine, guardStrategy, settleLedger, type EngineResult, type ExposureLedger } from '../../lib/engine/index.js';
import { DataError, UsageError } from '../../lib/errors.js';
import { exposurePolicyFor, regimeLabels } from '../../lib/experiments/enforce.js';
import { loadExperimentFile } from '../../lib/experiments/load.js';
import { evaluateRun, runSamples, type RunEvaluation } from '../../lib/experiments/outcome.js';
import { runRows } from '../../lib/experiments/rows.js';
import type { ExperimentSpec } from '../../lib/experiments/schema.js';
import type { ExperimentStore } from '../../lib/experiments/store.js';
import { detectors, triggerStrategy } from '../../lib/experiments/triggers.js';
import { digestJson } from '../../lib/hash.js';
import { windowBars } from '../../lib/lab/backtest.js';
import { labCosts } from '../../lib/lab/costs.js';
import { dataRange, findInstrument, loadLabMarket, type LineageEntry } from '../../lib/lab/data.js';
import { DEFAULT_LIMITS, DEFAULT_RULES } from '../../lib/lab/paper/command.js';
import { replaySession } from '../../lib/lab/paper/session.js';
import type { RiskLimits } from '../../lib/lab/paper/guards.js';
import { anchorWindow, parseWindowArgs, type ResolvedWindow } from '../../lib/lab/window.js';
import { LakeDb } from '../../lib/lake/index.js';
import type { InstrumentKey } from '../../lib/market.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { parseTimeframe, timeframeMs, type Timeframe } from '../../lib/timeframe.js';
import { runCommand, withCommon, type CommonArgs, type Ctx } from './common.js';

export interface RunArgs {
  id?: string;
  spec?: string;
  mode: 'backtest' | 'paper';
  start?: string;
  end?: string;
  window?: string;
  tz?: string;
  interval: string;
  symbols?: string;
  initial_cash: number;
  costs?: string;
  write_batch: number;
}

export interface RunReport {
  experiment_id: string;
  run_id: string;
  mode: 'backtest' | 'paper';
  resumed_from: string;
  symbols: string[];
  window: { start_utc: string; end_utc: string; bars: number };
  evaluation: RunEvaluation;
  rows: Record<string, number>;
  new_rows: Record<string, number>;
  status: string;
  final_equity: number;
  paper_denied?: number;
  /** Paper: the order generator's and risk guards' refusals by rule (quantize = an order the market rules refuse). */
  paper_denied_by?: Record<string, number>;
  /** Paper: the first refusals' messages (at most 20). */
  paper_denials?: string[];
}

/** The spec of the run: from the store (--id), or from a file (--spec; `store()` stores it as a draft when new). */
async function resolveSpec(a: RunArgs, ctx: Ctx): Promise<{ spec: ExperimentSpec; store: () => ExperimentSpec }> {
  if ((a.id === undefined) === (a.spec === undefined)) {
    throw new UsageError('experiment run needs exactly one of --id <experiment id> and --spec <file>', { hint: 'e.g. quantlab experiment run --spec experiments/micro_taker_breakout.yaml --mode backtest --window P30D' });
  }
  const store = ctx.store();
  if (a.id !== undefined) {
    const spec = store.require(a.id);
    return { spec, store: () => spec };
  }
  const spec = await loadExperimentFile(a.spec!, await ctx.book());
  const stored = store.get(spec.id);
  if (!stored) return { spec, store: () => store.create(spec, { run_id: ctx.run_id, actor: ctx.actor, source: a.spec! }) };
  const strip = (s: ExperimentSpec) => { const { status: _s, created_at: _c, updated_at: _u, ...rest } = s; return rest; };
  if (digestJson(strip(stored)) !== digestJson(strip(spec))) {
    throw new DataError(`${a.spec} differs from the stored experiment "${spec.id}" (a stored spec is never overwritten)`, { file: a.spec!, field: 'id', value: spec.id }, {
      hint: `run the stored one with --id ${spec.id}, or give the changed spec a new id (bump its -vN suffix)`,
    });
  }
  return { spec: stored, store: () => stored };
}

async function loadMarket(symbols: string[], tf: Timeframe, w0: ReturnType<typeof parseWindowArgs>, lakeRoot: string, dataDir: string, fundingEnabled: boolean): Promise<{ slice: MarketSlice; lineage: LineageEntry[]; w: ResolvedWindow }> {
  const keys: InstrumentKey[] = [];
  const missing: string[] = [];
  for (const s of symbols) {
    const k = await findInstrument(lakeRoot, s, tf);
    if (k) keys.push(k); else missing.push(s);
  }
  if (missing.length) {
    throw new DataError(`no cleaned ${tf} bars for ${missing.join(', ')} in the lake`, { file: join(lakeRoot, 'cleaned', 'bars'), field: 'target_symbols', value: missing.join(',') }, {
      hint: `ingest and clean them first (node dist/orchestrator/run_all.js --data_dir ${dataDir} --only ingest,clean ...), or run over lake symbols with --symbols`,
    });
  }
  const range = await dataRange(lakeRoot, keys, tf);
  const where = `${lakeRoot}/cleaned/bars ${symbols.join(',')} ${tf}`;
  const w = anchorWindow(w0, { ...range, where });
  const db = await LakeDb.open({ threads: 2 });
  try {
    const m = await loadLabMarket(db, lakeRoot, keys, tf, w.endMs, fundingEnabled);
    return { slice: m.slice, lineage: m.lineage, w };
  } finally {
    db.close();
  }
}

/**
 * The paper loop's risk limits of an experiment: an order up to the spec's notional cap (+1 % for the move between
 * the decision close and the guard's mark), the book up to the cap on every symbol (+50 % for marks drifting up), the
 * lab's drawdown, reject and staleness defaults, no kill-switch file.
 */
export function paperLimits(spec: ExperimentSpec, nSymbols: number, tfMs: number): RiskLimits {
  return {
    max_order_notional: spec.exposure.max_notional_usd * 1.01, max_position_notional: spec.exposure.max_notional_usd * nSymbols * 1.5,
    per_symbol: {}, max_dd_bps: DEFAULT_LIMITS.max_dd_bps, max_consecutive_rejects: DEFAULT_LIMITS.max_consecutive_rejects,
    stale_after_ms: DEFAULT_LIMITS.stale_after_bars * tfMs, kill_switch_file: null,
  };
}

export async function experimentRun(a: RunArgs, ctx: Ctx): Promise<RunReport> {
  if (a.mode !== 'backtest' && a.mode !== 'paper') throw new UsageError(`--mode must be backtest or paper, was ${JSON.stringify(a.mode)}`);
  if (!(Number.isInteger(a.write_batch) && a.write_batch >= 1)) throw new UsageError(`--write_batch must be a whole number >= 1, was ${a.write_batch}`);
  if (!(Number.isFinite(a.initial_cash) && a.initial_cash > 0)) throw new UsageError(`--initial_cash must be a positive number, was ${a.initial_cash}`);
  const tf = parseTimeframe(a.interval, '--interval');
  const w0 = parseWindowArgs({ start: a.start, end: a.end, window: a.window, tz: a.tz });
  const resolved = await resolveSpec(a, ctx);
  let spec = resolved.spec;
  const store = ctx.store();
  if (a.mode === 'paper' && spec.status !== 'running') {
    throw new UsageError(`experiment "${spec.id}" is ${spec.status}: paper trading needs it running`, { hint: `quantlab experiment start ${spec.id} --approved_by <operator> first` });
  }
  try {
    detectors(spec.trigger_categories, { open: new Float64Array(0), high: new Float64Array(0), low: new Float64Array(0), close: new Float64Array(0), volume: new Float64Array(0) }, timeframeMs(tf));
  } catch (e) {
    throw new DataError((e as Error).message, { file: store.file, field: 'trigger_categories', value: spec.trigger_categories.join(',') }, { hint: 'use trigger categories the run knows, in a new spec version' });
  }
  if (spec.trigger_categories.length === 0) {
    throw new DataError(`experiment "${spec.id}" has no trigger_categories: nothing would ever enter`, { file: store.file, field: 'trigger_categories', value: '[]' }, { hint: 'name at least one trigger category (volume_breakout, pullback, range_reversion)' });
  }
  const symbols = a.symbols !== undefined ? a.symbols.split(',').map((s) => s.trim()).filter(Boolean) : spec.target_symbols;
  if (symbols.length === 0) throw new UsageError('--symbols is empty');
  const base = await loadCosts(a.costs ?? join(PROJECT_ROOT, 'spec', 'costs.yaml'));
  const lakeRoot = join(ctx.dataDir, 'lake');
  if (!existsSync(lakeRoot)) {
    throw new DataError(`no lake at ${lakeRoot}`, { file: lakeRoot, field: 'data_dir', value: ctx.dataDir }, { hint: `build it: node dist/orchestrator/run_all.js --data_dir ${ctx.dataDir} --only ingest,clean ...` });
  }
  const { slice, lineage, w } = await loadMarket(symbols, tf, w0, lakeRoot, ctx.dataDir, base.config.funding.enabled);
  const costs = labCosts(base.config, slice.instruments, {});
  const { from, to } = windowBars(slice.ts_ms, w.startMs, w.endMs);
  if (to - from < 3) {
    throw new DataError(`the window ${w.start_utc} .. ${w.end_utc} holds ${to - from} ${tf} bars, a run needs at least 3`, { file: `${lakeRoot}/cleaned/bars`, field: 'window', value: w.spec }, { hint: 'widen the window' });
  }
  spec = resolved.store(); // the inputs are good: a new spec is stored now (draft), before its first run
  const labels = regimeLabels(slice.bars.map((b) => b.close), slice.tfMs);
  const policy = exposurePolicyFor(spec, labels);
  const input = engineInputFor(slice, costs.simulate, { initialCash: a.initial_cash, from, to });
  const strategy = triggerStrategy(spec, slice, from, to - 2);
  const run_id = `${a.mode}-${digestJson({
    experiment: spec.id, spec: digestJson({ ...spec, status: null, created_at: null, updated_at: null }), mode: a.mode, symbols, tf,
    window: [w.startMs, w.endMs], costs: costs.digest, cash: a.initial_cash, lineage: lineage.map((l) => l.sha256),
    ...(a.mode === 'paper' ? { limits: paperLimits(spec, symbols.length, slice.tfMs), rules: DEFAULT_RULES } : {}),
  }).slice(0, 16)}`;
  const resumed = store.beginOrResumeRun({ run_id, experiment_id: spec.id, mode: a.mode });
  const ectx = { experiment_id: spec.id, run_id, actor: ctx.actor };
  let result: EngineResult;
  let ledger: ExposureLedger;
  let denied: number | undefined;
  let deniedBy: Record<string, number> | undefined;
  const denials: string[] = [];
  try {
    if (a.mode === 'backtest') {
      const g = guardStrategy(input, strategy, policy, from);
      result = new Engine(input).run(g.strategy);
      ledger = settleLedger(g.ledger, result.orderLog);
    } else {
      const limits = paperLimits(spec, symbols.length, slice.tfMs);
      const r = replaySession({
        run: { input, strategy }, exposure: policy, slice, from, to, costs: costs.simulate, initialCash: a.initial_cash, limits, rules: DEFAULT_RULES,
        identity: { run_id },
      }, () => false);
      result = r.result;
      ledger = r.exposure!;
      denied = r.denied;
      deniedBy = {};
      for (const p of r.pending) {
        const ev = p.ev as { type: string; decision?: string; rule?: string };
        const rule = ev.type === 'quantize' && ev.decision === 'reject' ? 'quantize' : ev.type === 'guard' && ev.decision === 'deny' ? ev.rule! : undefined;
        if (rule === undefined) continue;
        deniedBy[rule] = (deniedBy[rule] ?? 0) + 1;
        if (denials.length < 20) denials.push(`${new Date(p.ts + slice.tfMs).toISOString()} ${(ev as { message?: string }).message ?? ''}`);
      }
    }
    const rows = runRows({ experiment_id: spec.id, run_id, symbols: slice.instruments.map((k) => k.symbol), ts_ms: input.ts_ms, tfMs: slice.tfMs, bars: input.bars, result, ledger });
    const conflicts = store.conflictingFills(run_id, rows.fills);
    if (conflicts.length) {
      throw new DataError(`run ${run_id} already holds ${conflicts.length} fills this run does not reproduce (first: ${conflicts[0]}): it was written by other code`, {
        file: store.file, field: 'run_id', value: run_id,
      }, { hint: 'a resumed run must be the same run; run it on a fresh --data_dir, or remove that run\'s rows' });
    }
    const b = a.write_batch;
    const added = {
      orders: store.insertBatched('orders', rows.orders, b),
      fills: store.insertBatched('fills', rows.fills, b),
      position_snapshots: store.insertBatched('position_snapshots', rows.snapshots, b),
      risk_allocations: store.insertBatched('risk_allocations', rows.allocations, b),
      block_events: store.recordBlocks(ectx, rows.blocks, b),
    };
    const evaluation = evaluateRun(spec, runSamples({ bars: slice.bars, tfMs: slice.tfMs, from, to, labels, result, ledger }));
    const metricCtx = { ...ectx };
    store.db.transaction(() => {
      for (const m of evaluation.deciding) store.recordMetric(metricCtx, m);
      for (const m of evaluation.info) store.appendEvent({ ...metricCtx, type: 'experiment_metric', payload: { ...m, value: Number.isFinite(m.value) ? m.value : null, deciding: false } });
      for (const m of evaluation.byRegime) store.appendEvent({ ...metricCtx, type: 'experiment_metric', reason: 'metric_by_regime', payload: { ...m, value: Number.isFinite(m.value) ? m.value : null, metric_by_regime: true } });
    }).immediate();
    store.endRun(run_id, 'finished');
    const n = to - from;
    return {
      experiment_id: spec.id, run_id, mode: a.mode, resumed_from: resumed, symbols, window: { start_utc: w.start_utc, end_utc: w.end_utc, bars: n },
      evaluation, rows: store.runCounts(run_id), new_rows: added, status: store.status(spec.id), final_equity: result.equity[n - 1]!,
      ...(denied !== undefined ? { paper_denied: denied, paper_denied_by: deniedBy ?? {}, paper_denials: denials } : {}),
    };
  } catch (e) {
    try { store.endRun(run_id, 'failed'); } catch { /* the run row is already closed */ }
    throw e;
  }
}

const fmt = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 1000 || x === Math.round(x) ? String(Math.round(x * 100) / 100) : x.toPrecision(4)) : 'n/a');

export function formatReport(r: RunReport, spec: ExperimentSpec): string {
  const ev = r.evaluation;
  const thr = (name: string) => {
    const m = spec.metrics.find((x) => x.name === name);
    return m ? `${m.direction === 'band' ? 'in' : m.direction === 'lower_better' ? '<=' : '>='} ${JSON.stringify(m.pass_threshold)}` : '';
  };
  const line = (name: string, agg: string, value: number, n: number, min: number, threshold: string, status: string) =>
    `  ${name.padEnd(28)} ${agg.padEnd(6)} ${fmt(value).padStart(10)} ${String(n).padStart(7)} ${String(min).padStart(5)}  ${threshold.padEnd(14)} ${status}`;
  const head = `  ${'metric'.padEnd(28)} ${'agg'.padEnd(6)} ${'value'.padStart(10)} ${'samples'.padStart(7)} ${'min'.padStart(5)}  ${'threshold'.padEnd(14)} status`;
  const out = [
    `experiment ${r.experiment_id} ${r.mode} run ${r.run_id}${r.resumed_from !== 'new' ? ` (resumed; was ${r.resumed_from})` : ''}`,
    `  symbols ${r.symbols.join(',')}  window ${r.window.start_utc} .. ${r.window.end_utc} (${r.window.bars} bars)  final equity ${fmt(r.final_equity)}${r.paper_denied !== undefined ? `  paper orders denied ${r.paper_denied}${r.paper_denied ? ` (${Object.entries(r.paper_denied_by ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}` : ''}`,
    `  rows: ${Object.entries(r.rows).map(([k, v]) => `${k} ${v}${r.new_rows[k] !== v ? ` (${r.new_rows[k]} new)` : ''}`).join(', ')}`,
    '',
    'deciding metrics:',
    head,
    ...ev.deciding.map((m) => line(m.name, m.aggregation, m.value, m.n, m.min_samples, thr(m.name), m.status)),
    '',
    'other catalog metrics (not deciding):',
    ...ev.info.filter((m) => !m.name.endsWith('_count')).map((m) => line(m.name, m.aggregation, m.value, m.n, m.min_samples, '', 'info')),
    '',
    'metric_by_regime (deciding metrics):',
    ...(ev.byRegime.length ? ev.byRegime.map((m) => line(`${m.name} [${m.regime}]`, m.aggregation, m.value, m.n, m.min_samples, thr(m.name), m.status)) : ['  (no per-decision samples)']),
    '',
    'violations (exposure rules acting):',
    ...Object.entries(ev.counters).map(([k, v]) => `  ${k.padEnd(30)} ${v}`),
    '',
    `verdict: ${ev.deciding.every((m) => m.status === 'pass') ? 'every deciding metric passes' : `${ev.deciding.filter((m) => m.status === 'pass').length}/${ev.deciding.length} deciding metrics pass (${ev.deciding.filter((m) => m.status !== 'pass').map((m) => `${m.name} ${m.status}`).join(', ')})`}`,
    `experiment status: ${r.status}`,
  ];
  return out.join('\n');
}

type Flags = CommonArgs & RunArgs & { json: boolean };

export const runCommandModule: CommandModule<object, Flags> = {
  command: 'run',
  describe: 'run an experiment (backtest or paper replay) over its target symbols on lake bars, with its exposure enforced; writes rows and metric events',
  builder: (y) => withCommon(y)
    .option('id', { type: 'string', describe: 'a stored experiment' })
    .option('spec', { type: 'string', describe: 'a spec file (stored as a draft when new; must equal the stored spec of its id)' })
    .option('mode', { choices: ['backtest', 'paper'] as const, demandOption: true, describe: 'backtest: the engine; paper: the paper loop (order generator and risk guards) over the same bars' })
    .option('start', { type: 'string', describe: 'YYYY-MM-DD or ISO timestamp (with --end)' })
    .option('end', { type: 'string', describe: 'YYYY-MM-DD (inclusive day) or ISO timestamp (exclusive)' })
    .option('window', { type: 'string', describe: 'ISO-8601 duration ending at the last bar (P30D)' })
    .option('tz', { type: 'string', describe: 'IANA time zone of the dates (default UTC)' })
    .option('interval', { type: 'string', default: '5m', describe: 'bar size (cleaned bars in the lake)' })
    .option('symbols', { type: 'string', describe: 'comma-separated lake symbols instead of the spec\'s target_symbols (recorded in the run id)' })
    .option('initial_cash', { type: 'number', default: 100_000, describe: 'starting equity of the run' })
    .option('costs', { type: 'string', describe: 'cost config (default spec/costs.yaml)' })
    .option('write_batch', { type: 'number', default: 500, describe: 'rows per database transaction' })
    .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' }) as Argv<Flags>,
  handler: (argv) => runCommand('run', argv, async (ctx) => {
    const r = await experimentRun(argv, ctx);
    if (argv.json) return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
    return formatReport(r, ctx.store().require(r.experiment_id));
  }),
};
