import { mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { QuantError, InterruptedError } from '../errors.js';
import type { StageDefinition, StageContext, JsonSchemaObject, StageRunSummary } from './definition.js';
import { validateParams } from './params.js';
import { fingerprintParts, fingerprintOf, type FingerprintParts } from './fingerprint.js';
import { committedOutputDigests, removeStageManifest, writeStageManifest, type StageManifest, type OutputDigest } from './manifest.js';
import { commitOutputs, digestOutput, stagingRoot, sweepStale, undeclaredWrites } from './outputs.js';
import { keepPreviousGeneration } from './generation.js';
import { loadCosts } from '../costs/digest.js';
import { assertSafeName, resolveInside } from '../paths.js';
import { PROJECT_ROOT } from './root.js';
import { progressReporter } from '../progress.js';

/**
 * Running a stage in this process (lib/stage/main.ts is the executable's argument parsing): resolve and check,
 * run into staging, publish. Shared by the unsharded run and the phases of a sharded one (lib/stage/shard_main.ts).
 */
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

/** Set while a stage swaps its outputs in: a few renames that are finished rather than cut in half. */
let committing = false;

/** True while outputs are being swapped in (a stage whose orchestrator died finishes that before it stops). */
export function isCommitting(): boolean {
  return committing;
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
    return publishStage(def, inv, log, prep, staging, summary, signal);
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
  signal: AbortSignal,
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
  committing = true;
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
