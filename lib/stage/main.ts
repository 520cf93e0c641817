import { mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { createLogger, type Logger } from '../log.js';
import { QuantError, ExitCode, UsageError, exitCodeOf, InterruptedError } from '../errors.js';
import type { StageDefinition, StageContext, JsonSchemaObject, StageRunSummary } from './definition.js';
import { validateParams, setOverride, parseScalar } from './params.js';
import { fingerprintParts, fingerprintOf, type FingerprintParts } from './fingerprint.js';
import { committedOutputDigests, removeStageManifest, writeStageManifest, type StageManifest, type OutputDigest } from './manifest.js';
import { commitOutputs, digestOutput, stagingRoot, sweepStale, undeclaredWrites } from './outputs.js';
import { newRunId } from './run_id.js';
import { keepPreviousGeneration } from './generation.js';
import { watchParent } from './parent_watch.js';
import { loadCosts } from '../costs/digest.js';
import { assertSafeName, resolveInside } from '../paths.js';
import { PROJECT_ROOT } from './root.js';
import { progressReporter } from '../progress.js';

/** The project root (lib/stage/root.ts), re-exported for the callers that import it from here. */
export { PROJECT_ROOT };

export interface StageInvocation {
  dataDir: string;
  specDir: string;
  runId: string;
  params: Record<string, unknown>;
  verbose: boolean;
  /** The executable being run (its code is fingerprinted). */
  script?: string;
  /**
   * Set by the orchestrator: keep the outputs this stage replaces in the run's generation (restored if the run
   * fails; lib/stage/generation.ts) instead of deleting them.
   */
  keepGeneration?: boolean;
  /** Set by the orchestrator: its pid. The stage stops when that process dies (lib/stage/parent_watch.ts). */
  parentPid?: number;
  /** Set by a sharded run (lib/stage/shard_main.ts): plan the shards, run one, or reduce and commit them. */
  shardPhase?: 'plan' | 'shard' | 'commit';
  shardId?: string;
}

/** The executable wrapper every stage shares: `runStageMain(definition)` is the whole of stages/<name>.ts. */
export async function runStageMain<P>(def: StageDefinition<P>, argv = process.argv.slice(2)): Promise<never> {
  let log: Logger | undefined;
  let verbose = argv.includes('--verbose');
  try {
    const inv = parseStageArgs(def, argv);
    verbose = inv.verbose;
    log = createLogger({ stage: def.name, run_id: inv.runId }, verbose ? 'debug' : undefined);
    if (inv.parentPid !== undefined) stopWhenParentDies(inv.parentPid, log);
    if (inv.shardPhase) {
      const { runShardPhase } = await import('./shard_main.js');
      await runShardPhase(def, inv, log, (on: boolean) => (committing = on));
    } else await executeStage(def, inv, log);
    process.exit(ExitCode.ok);
  } catch (err) {
    const code = exitCodeOf(err);
    const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
    (log ?? createLogger({ stage: def.name, run_id: '-' })).error(
      { err_type: err instanceof Error ? err.name : typeof err, exit_code: code, ...(verbose && err instanceof Error ? { stack: err.stack } : {}) },
      msg,
    );
    process.exit(code);
  }
}

/** Set while a stage swaps its outputs in: a few renames that are finished rather than cut in half. */
let committing = false;

function stopWhenParentDies(parentPid: number, log: Logger): void {
  watchParent(parentPid, () => {
    if (committing) return; // the orchestrator's successor rolls this run's generation back
    log.warn({ parent_pid: parentPid }, 'the orchestrator died: stopping without committing (the lake is left as it was)');
    process.exit(ExitCode.interrupted);
  });
}

export function parseStageArgs<P>(def: StageDefinition<P>, argv: string[]): StageInvocation {
  const y = yargs(argv)
    .scriptName(`stages/${def.name}`)
    .usage(`$0 [options]\n\n${def.description}`)
    .option('data_dir', { type: 'string', default: 'data', describe: 'lake and state root' })
    .option('spec_dir', { type: 'string', default: 'spec', describe: 'spec root' })
    .option('run_id', { type: 'string', describe: 'run id (default: a new one)' })
    .option('params_json', { type: 'string', describe: 'all parameters as JSON (the orchestrator uses this)' })
    .option('set', { type: 'string', array: true, describe: 'override a nested parameter: --set key.sub=value' })
    .option('verbose', { type: 'boolean', default: false, describe: 'debug logs and stack traces' })
    .option('log-format', { choices: ['json', 'pretty'], describe: 'log lines on stderr (default: pretty on a terminal, JSON otherwise)' })
    .option('keep_generation', { type: 'boolean', default: false, hidden: true, describe: 'orchestrator: keep replaced outputs until the run ends' })
    .option('parent_pid', { type: 'number', hidden: true, describe: 'orchestrator: stop when this process dies' })
    .option('shard_phase', { choices: ['plan', 'shard', 'commit'], hidden: true, describe: 'sharded run: plan the shards, run one (--shard_id), or reduce and commit them' })
    .option('shard_id', { type: 'string', hidden: true, describe: 'sharded run: the shard to run' })
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(msg ?? err?.message ?? 'bad arguments');
    });
  for (const [name, prop] of Object.entries(def.paramsSchema.properties)) addParamOption(y, name, prop);
  const args = y.parseSync() as Record<string, unknown>;
  if (args.help) process.exit(0);
  if (typeof args['log-format'] === 'string') process.env.QUANTLAB_LOG_FORMAT = args['log-format'];
  let params: Record<string, unknown> = {};
  if (typeof args.params_json === 'string') {
    try {
      params = JSON.parse(args.params_json) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--params_json is not valid JSON: ${(e as Error).message}`);
    }
  }
  for (const name of Object.keys(def.paramsSchema.properties)) if (args[name] !== undefined) params[name] = args[name];
  for (const s of (args.set as string[] | undefined) ?? []) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new UsageError(`--set expects key=value, was ${JSON.stringify(s)}`);
    setOverride(params, s.slice(0, eq), s.slice(eq + 1));
  }
  return {
    dataDir: resolve(String(args.data_dir)),
    specDir: resolve(String(args.spec_dir)),
    // A run id becomes a folder name (staging, generation, trash): checked before anything is created.
    runId: typeof args.run_id === 'string' ? assertSafeName('run_id', args.run_id, { flag: '--run_id' }) : newRunId(new Date()),
    params,
    verbose: Boolean(args.verbose),
    ...(args.keep_generation ? { keepGeneration: true } : {}),
    ...(typeof args.parent_pid === 'number' ? { parentPid: args.parent_pid } : {}),
    ...(typeof args.shard_phase === 'string' ? { shardPhase: args.shard_phase as 'plan' | 'shard' | 'commit' } : {}),
    ...(typeof args.shard_id === 'string' ? { shardId: assertSafeName('identifier', args.shard_id, { flag: '--shard_id' }) } : {}),
    ...(process.argv[1] ? { script: resolve(process.argv[1]) } : {}),
  };
}

function addParamOption(y: ReturnType<typeof yargs>, name: string, prop: object): void {
  const p = prop as { type?: string; description?: string; items?: { type?: string } };
  const describe = p.description ?? '';
  if (name.includes('_')) y.alias(name, name.replaceAll('_', '-'));
  if (p.type === 'boolean') y.option(name, { type: 'boolean', describe });
  else if (p.type === 'number' || p.type === 'integer') y.option(name, { type: 'number', describe });
  else if (p.type === 'array') y.option(name, { type: 'string', describe: `${describe} (comma-separated)`, coerce: (v: unknown) => splitList(v, p.items?.type) });
  else if (p.type === 'string') y.option(name, { type: 'string', describe });
  else y.option(name, { type: 'string', describe: `${describe} (JSON)`, coerce: (v: unknown) => parseScalar(String(v)) });
}

function splitList(v: unknown, itemType?: string): unknown[] {
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
  return itemType === 'number' || itemType === 'integer' ? parts.map(Number) : parts;
}

/** What every way of running a stage starts from: its parameters, costs and fingerprint, checked and resolved. */
export interface PreparedStage<P> {
  params: P;
  parts: FingerprintParts;
  costs: { config: unknown; digest: string } | undefined;
  started: number;
}

/**
 * Validate and resolve a stage run: parameters, paths inside the data dir, costs, the fingerprint, inputs present.
 * `sweep`: remove stale staging of this stage first (not done by a shard, whose plan's staging is current).
 */
export async function prepareStage<P>(def: StageDefinition<P>, inv: StageInvocation, sweep: boolean): Promise<PreparedStage<P>> {
  // In-process callers (tests, benches) skip parseStageArgs: the names that become folders are checked here too.
  assertSafeName('run_id', inv.runId, { flag: '--run_id' });
  assertSafeName('identifier', def.name, { flag: 'stage name' });
  const params = validateParams<P>(def.name, def.paramsSchema as JsonSchemaObject, inv.params);
  def.preflight?.(params);
  const started = Date.now();
  // Every path this stage will read, write or move stays inside the data dir (a lake/ symlinked elsewhere is refused
  // here, exit 3, before the staging folder exists).
  for (const p of [...def.inputs(params), ...def.outputs, '.staging', '.trash', 'state/stages']) resolveInside(inv.dataDir, p);
  if (sweep) await sweepStale(inv.dataDir, def.name);
  const costs = def.usesCosts ? await loadCosts(join(inv.specDir, 'costs.yaml')) : undefined;
  const script = inv.script ?? join(PROJECT_ROOT, 'dist', 'stages', `${def.name}.js`);
  const parts = await fingerprintParts(def, params, {
    dataDir: inv.dataDir, specDir: inv.specDir, projectRoot: PROJECT_ROOT, script,
    committed: await committedOutputDigests(inv.dataDir),
    costDigest: async () => costs!.digest,
  });
  for (const i of def.inputs(params)) {
    if (!existsSync(resolveInside(inv.dataDir, i))) {
      throw new QuantError(`missing input ${i} in ${inv.dataDir}`, { hint: `run the stage that produces it first (npm run all -- --until ${def.name})` });
    }
  }
  return { params, parts, costs, started };
}

/** Run a stage in this process: resolve, fingerprint, run into staging, check, commit, write the manifest. */
export async function executeStage<P>(def: StageDefinition<P>, inv: StageInvocation, log: Logger): Promise<StageManifest> {
  const prep = await prepareStage(def, inv, true);
  const staging = stagingRoot(inv.dataDir, def.name, inv.runId);
  await mkdir(staging, { recursive: true });
  return withSignals(def.name, log, async (signal) => {
    log.info({ params: prep.params, fingerprint: fingerprintOf(prep.parts) }, 'stage started');
    const ctx = makeContext(def, prep.params, inv, log, staging, prep.costs, signal);
    let summary: StageRunSummary;
    try {
      summary = await def.run(ctx);
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    return publishStage(def, inv, log, prep, staging, summary, signal, (on) => (committing = on));
  });
}

/** Run `fn` with SIGINT/SIGTERM turned into an abort of its signal (listeners removed after). */
export async function withSignals<T>(stage: string, log: Logger, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    log.warn({ signal: sig }, 'interrupted; outputs left unchanged');
    abort.abort(new InterruptedError(`${stage} interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    committing = false;
    // in-process runs (tests) must not pile up listeners
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The outputs are in staging: check nothing undeclared was written, digest them, swap them in (into the run's
 * generation when the orchestrator asked), and write the manifest last. `extra` is added to the manifest.
 */
export async function publishStage<P>(
  def: StageDefinition<P>, inv: StageInvocation, log: Logger, prep: PreparedStage<P>, staging: string, summary: StageRunSummary,
  signal: AbortSignal, setCommitting: (on: boolean) => void,
): Promise<StageManifest> {
  const outputs: Record<string, OutputDigest> = {};
  try {
    if (signal.aborted) throw signal.reason as Error;
    const stray = await undeclaredWrites(staging, def.outputs);
    if (stray.length) throw new QuantError(`${def.name} wrote undeclared outputs: ${stray.join(', ')}`, { hint: 'declare them in the stage definition' });
    for (const o of def.outputs) outputs[o] = await digestOutput(resolveInside(staging, o));
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  setCommitting(true);
  if (inv.keepGeneration) {
    const keep = await keepPreviousGeneration(inv.dataDir, inv.runId, def.name, def.outputs); // moves the manifest too
    await commitOutputs(inv.dataDir, staging, def.outputs, join(def.name, inv.runId), keep);
  } else {
    await removeStageManifest(inv.dataDir, def.name);
    await commitOutputs(inv.dataDir, staging, def.outputs, join(def.name, inv.runId));
  }
  const finished = Date.now();
  const manifest: StageManifest = {
    version: 1, stage: def.name, run_id: inv.runId, fingerprint: fingerprintOf(prep.parts), parts: prep.parts, params: prep.params, outputs, summary,
    started_at: new Date(prep.started).toISOString(), finished_at: new Date(finished).toISOString(), duration_ms: finished - prep.started,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  await writeStageManifest(inv.dataDir, manifest);
  log.info({ duration_ms: manifest.duration_ms, peak_rss_mb: manifest.peak_rss_mb, rows: summary.rows, outputs }, 'stage finished');
  return manifest;
}

export function makeContext<P>(
  def: StageDefinition<P>, params: P, inv: StageInvocation, log: Logger, staging: string,
  costs: { config: unknown; digest: string } | undefined, signal: AbortSignal,
): StageContext<P> {
  const declared = (path: string, kind: 'input' | 'output') => {
    const list = kind === 'input' ? def.inputs(params) : def.outputs;
    if (!list.some((o) => path === o || path.startsWith(`${o}/`))) {
      throw new QuantError(`${def.name} used undeclared ${kind} ${path}; declared: ${list.join(', ') || '(none)'}`);
    }
  };
  let lastProgress = 0;
  const fixedNow = process.env.QUANTLAB_NOW_MS ? Number(process.env.QUANTLAB_NOW_MS) : undefined;
  return {
    params, runId: inv.runId, dataDir: inv.dataDir, specDir: inv.specDir, log, costs, signal,
    input: (p) => (declared(p, 'input'), resolveInside(inv.dataDir, p)),
    output: (p) => (declared(p, 'output'), resolveInside(staging, p)),
    previousOutput: (p) => {
      declared(p, 'output');
      const prev = resolveInside(inv.dataDir, p);
      return existsSync(prev) ? prev : undefined;
    },
    now: () => fixedNow ?? Date.now(),
    // a bar on a terminal (lib/progress.ts), else a pino line at most every 2 s
    progress: progressReporter({
      label: def.name,
      fallback: (done, total, unit) => {
        const t = Date.now();
        if (done < total && t - lastProgress < 2000) return;
        lastProgress = t;
        log.info({ done, total, unit, pct: total ? Math.round((1000 * done) / total) / 10 : 100 }, 'progress');
      },
    }),
  };
}
