import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import pLimit from 'p-limit';
import type { Logger } from '../lib/log.js';
import { writeJsonAtomic } from '../lib/fsx.js';
import { newRunId } from '../lib/stage/run_id.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { assertSafeName, resolveInside } from '../lib/paths.js';
import { discardGeneration, recoverGenerations, rollbackGeneration } from '../lib/stage/generation.js';
import { buildGraph, selectStages } from './graph.js';
import { acquireLock } from './lock.js';
import { resolvePipelineCached, type PipelineOverrides } from './pipeline.js';
import { decide, stageManifests, type Decision, type DecideEnv } from './decide.js';
import { DecideCache } from './decide_cache.js';
import { CodeFiles } from '../lib/stage/code_digest.js';
import type { Registry, RegisteredStage } from './registry_types.js';
import type { ShardExecutor, ShardOutcome } from './shard_exec.js';
import type { JobLake } from '../lib/stage/lake_id.js';

export interface RunOptions {
  registry: Registry;
  projectRoot: string;
  dataDir: string;
  specDir: string;
  pipelineFile: string;
  overrides: PipelineOverrides;
  only?: string[];
  from?: string;
  until?: string;
  force: boolean;
  dryRun: boolean;
  onError: 'fail' | 'keep-going';
  jobs?: number;
  runId?: string;
  argv: string[];
  log: Logger;
  verbose?: boolean;
  /**
   * Starts a stage process (default: execa, loaded when the first stage runs). Tests pass a wrapper that counts
   * spawns: a run that changes nothing starts none.
   */
  spawn?: StageSpawn;
  /** Use and keep the decide cache (state/decide_cache.json, orchestrator/decide_cache.ts). Default true. */
  decideCache?: boolean;
  /**
   * Run the stages that split (lib/stage/shard.ts) as shards (docs/scale.md). Off by default: each stage is one
   * process, as before. `executor` 'bullmq' implies it.
   */
  sharded?: boolean;
  executor?: 'local' | 'bullmq';
  /** Redis URL of the BullMQ executor. */
  redis?: string;
  /** Attempts per shard before the stage fails (default 3), and the first retry's backoff (default 1000 ms). */
  shardAttempts?: number;
  shardBackoffMs?: number;
  /** Local executor: shard processes at once (default: the core count). */
  shardConcurrency?: number;
  /** BullMQ queue name (default quantlab-shards). */
  queue?: string;
}

/** How the runner starts a stage process (execa's signature, reduced to what it passes). */
export type StageSpawn = (file: string, args: string[], opts: { stdio: ['ignore', 'inherit', 'inherit']; reject: false; cleanup: true }) => ResultPromise;

/** execa, imported when the first stage runs: a run that starts no stage never loads it. */
export async function execaSpawn(): Promise<StageSpawn> {
  const { execa } = await import('execa');
  return (file, args, opts) => execa(file, args, opts);
}

/** What happened to each stage: a discriminated union with a stable reason. */
export type StageOutcome =
  | { type: 'ran'; reason: string; changed?: string[]; exit_code: 0 }
  | { type: 'skipped'; reason: 'fresh' }
  | { type: 'failed'; reason: string; exit_code: number }
  | { type: 'blocked'; reason: string }
  | { type: 'would_run'; reason: string; changed?: string[] }
  | { type: 'not_selected' };

export interface StageRecord {
  name: string;
  outcome: StageOutcome;
  duration_ms: number;
  fingerprint?: string;
  outputs?: Record<string, string>;
  /**
   * The stage's run-summary warnings (its manifest): an empty plan, a stage with nothing to do, a metric that could
   * not be computed, each with the setting to change. A skipped (fresh) stage repeats those of the run that made
   * its outputs: they still describe them.
   */
  warnings?: string[];
  /** A sharded stage: every shard and how it ended. */
  shards?: ShardProgress;
}

/** Per-shard progress of a sharded stage, in the run record and the summary table. */
export interface ShardProgress {
  by: string;
  executor: 'local' | 'bullmq';
  total: number;
  ran: number;
  reused: number;
  failed: number;
  /** Not run to the end: another shard failed for good first (fail fast), or the run was interrupted. */
  cancelled: number;
  /** Wall time of the plan, shard and commit phases. */
  plan_ms: number;
  shards_ms: number;
  commit_ms: number;
  shards: { label: string; outcome: 'ran' | 'reused' | 'failed' | 'cancelled'; attempts: number; duration_ms: number; worker: string; message?: string }[];
}

export interface RunRecord {
  run_id: string;
  argv: string[];
  timeframe: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  status: 'ok' | 'failed' | 'interrupted' | 'dry_run';
  stages: StageRecord[];
  /**
   * Stages whose committed outputs were put back as they were before the run, because the run failed or was
   * interrupted: a run publishes all its stages' outputs or none (lib/stage/generation.ts).
   */
  rolled_back?: string[];
  /** Unfinished runs (their orchestrator died) that this run rolled back before it started. */
  recovered?: { run_id: string; rolled_back: string[] }[];
}

/**
 * The process exit code for a finished run (README "Exit codes"): 0 ok, 130 interrupted, else the code of the
 * first failed stage when it is a usage (2) or spec/data (3) error, else 1.
 */
export function runExitCode(r: RunRecord): number {
  if (r.status === 'ok' || r.status === 'dry_run') return ExitCode.ok;
  if (r.status === 'interrupted') return ExitCode.interrupted;
  const failed = r.stages.find((s) => s.outcome.type === 'failed');
  const code = failed && failed.outcome.type === 'failed' ? failed.outcome.exit_code : ExitCode.stageFailed;
  return code === ExitCode.usage || code === ExitCode.invalidInput ? code : ExitCode.stageFailed;
}

export async function runPipeline(o: RunOptions): Promise<RunRecord> {
  // The run id names folders (generation, reports/runs/<run_id>) and is passed to every stage: checked first.
  const runId = assertSafeName('run_id', o.runId ?? newRunId(new Date()), { flag: '--run_id' });
  const log = o.log;
  const started = Date.now();
  const codeFiles = new CodeFiles();
  const lockfileCache: { value?: string } = {};
  // Dry runs read the cache but never write it; a data dir that is not there yet has none.
  const cache = o.decideCache === false ? undefined : await DecideCache.open(o.dataDir, o.projectRoot, codeFiles, lockfileCache);
  const { spec, params } = await resolvePipelineCached(o.pipelineFile, o.registry, o.overrides, cache);
  const stages = new Map(o.registry.map((r) => [r.def.name, r]));
  const nodes = o.registry.map((r) => ({ name: r.def.name, inputs: r.def.inputs(params.get(r.def.name)), outputs: r.def.outputs }));
  const graph = buildGraph(nodes);
  const selected = selectStages(graph, { ...(o.only ? { only: o.only } : {}), ...(o.from ? { from: o.from } : {}), ...(o.until ? { until: o.until } : {}) });
  const env: DecideEnv = {
    dataDir: o.dataDir, specDir: o.specDir, projectRoot: o.projectRoot, codeFiles, lockfileCache, costDigestCache: {},
    ...(cache ? { cache } : {}),
  };
  // Usage mistakes (synthetic data not allowed, ...) stop the run before the lock, in a dry run too.
  for (const n of graph.order) if (selected.has(n)) stages.get(n)!.def.preflight?.(params.get(n));
  // Every path a stage reads or writes stays inside the data dir (a lake/ symlinked elsewhere is refused, exit 3,
  // before the lock or anything else is created: docs/architecture.md "Paths").
  for (const n of nodes) {
    assertSafeName('identifier', n.name, { flag: 'stage name' });
    for (const p of [...n.inputs, ...n.outputs]) resolveInside(o.dataDir, p);
  }
  for (const p of ['.lock', '.generations', '.staging', '.trash', 'state/stages', `reports/runs/${runId}`]) resolveInside(o.dataDir, p);
  const records = new Map<string, StageRecord>();
  for (const n of graph.order) if (!selected.has(n)) records.set(n, { name: n, outcome: { type: 'not_selected' }, duration_ms: 0 });

  const finish = (status: RunRecord['status']): RunRecord => ({
    run_id: runId, argv: o.argv, timeframe: spec.timeframe, started_at: new Date(started).toISOString(),
    finished_at: new Date().toISOString(), duration_ms: Date.now() - started, status,
    stages: graph.order.map((n) => records.get(n)!).filter(Boolean),
  });

  if (o.dryRun) {
    for (const n of graph.order.filter((x) => selected.has(x))) {
      const upstreamRuns = [...graph.deps.get(n)!].some((d) => records.get(d)?.outcome.type === 'would_run');
      const d = await decide(stages.get(n)!, params.get(n), env, o.force);
      const outcome: StageOutcome =
        d.type === 'skip' && !upstreamRuns ? { type: 'skipped', reason: 'fresh' }
        : d.type === 'skip' ? { type: 'would_run', reason: 'if upstream output changes' }
        : { type: 'would_run', reason: d.reason, ...(d.changed ? { changed: d.changed } : {}) };
      records.set(n, { name: n, outcome, duration_ms: 0, fingerprint: d.fingerprint });
      log.info({ stage: n, outcome }, outcome.type === 'skipped' ? 'would skip' : 'would run');
    }
    return finish('dry_run');
  }

  const sharded = o.sharded === true || o.executor === 'bullmq';
  if (o.executor === 'bullmq' && !o.redis) throw new UsageError('--executor bullmq needs --redis redis://host:6379', { hint: 'start workers with quantlab worker --redis URL --data_dir PATH' });
  const lock = await acquireLock(o.dataDir, runId);
  let executor: ShardExecutor | undefined;
  const running = new Map<string, ResultPromise>();
  let recovered: RunRecord['recovered'] = [];
  let rolledBack: string[] = [];
  let interrupted = false;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = true;
    log.warn({ signal: sig }, 'interrupted: stopping running stages');
    for (const p of running.values()) p.kill('SIGTERM');
    executor?.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let status: RunRecord['status'] = 'failed';
  try {
    recovered = await recoverGenerations(o.dataDir);
    for (const g of recovered) log.warn({ recovered_run: g.run_id, rolled_back: g.rolled_back }, `run ${g.run_id} did not finish (its orchestrator died): rolled back ${g.rolled_back.join(', ') || 'nothing'}`);
    await schedule();
    const anyFailed = [...records.values()].some((r) => r.outcome.type === 'failed' || r.outcome.type === 'blocked');
    status = interrupted ? 'interrupted' : anyFailed ? 'failed' : 'ok';
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    try {
      // Publish the run's outputs together: on success drop the previous generation; on any failure, put it back.
      if (status === 'ok') await discardGeneration(o.dataDir, runId);
      // A failed run leaves the data dir as it was: the decide cache is kept only after a run that succeeded.
      if (status === 'ok' && cache) await cache.save().catch((e: Error) => log.warn({ err: e.message }, 'decide cache not saved (the next run computes it again)'));
      else rolledBack = await rollbackGeneration(o.dataDir, runId);
      if (rolledBack.length) log.warn({ rolled_back: rolledBack }, `run ${status}: the lake is left as it was before the run (rolled back ${rolledBack.join(', ')})`);
    } finally {
      await executor?.close().catch((e: Error) => log.warn({ err: e.message }, 'shard executor did not close cleanly'));
      await lock.release();
    }
  }
  const record: RunRecord = {
    ...finish(status),
    ...(rolledBack.length ? { rolled_back: rolledBack } : {}),
    ...(recovered.length ? { recovered } : {}),
  };
  const recordFile = resolveInside(o.dataDir, 'reports', 'runs', runId, 'run.json');
  await writeJsonAtomic(recordFile, record);
  for (const s of record.stages) for (const w of s.warnings ?? []) log.warn({ stage: s.name }, `run summary: ${s.name}: ${w}`);
  log.info({ status: record.status, duration_ms: record.duration_ms, record: recordFile }, 'run finished');
  return record;

  async function schedule(): Promise<void> {
    const limit = pLimit(o.jobs ?? spec.jobs);
    const inflight = new Map<string, Promise<void>>();
    for (;;) {
      if (!interrupted) {
        for (const n of graph.order) {
          if (records.has(n) || inflight.has(n)) continue;
          const deps = [...graph.deps.get(n)!].filter((d) => selected.has(d));
          const bad = deps.find((d) => ['failed', 'blocked'].includes(records.get(d)?.outcome.type ?? ''));
          if (bad || stopping) {
            records.set(n, { name: n, outcome: { type: 'blocked', reason: bad ? `upstream ${bad} did not complete` : 'run stopped after a failure' }, duration_ms: 0 });
            continue;
          }
          if (!deps.every((d) => records.has(d))) continue;
          inflight.set(n, limit(() => runOne(stages.get(n)!)).then((rec) => {
            records.set(n, rec);
            inflight.delete(n);
          }));
        }
      }
      if (inflight.size === 0) break;
      await Promise.race(inflight.values());
    }
    for (const n of graph.order) if (!records.has(n)) records.set(n, { name: n, outcome: { type: 'blocked', reason: 'run interrupted' }, duration_ms: 0 });
  }

  async function runOne(stage: RegisteredStage): Promise<StageRecord> {
    const name = stage.def.name;
    const t0 = Date.now();
    if (interrupted) return { name, outcome: { type: 'blocked', reason: 'run interrupted' }, duration_ms: 0 };
    if (stopping) return { name, outcome: { type: 'blocked', reason: 'run stopped after a failure' }, duration_ms: 0 };
    const d: Decision = await decide(stage, params.get(name), env, o.force);
    if (d.type === 'skip') {
      log.info({ stage: name, reason: d.reason }, `skip ${name}: fresh (fingerprint unchanged)`);
      const warnings = (await stageManifests(env)).get(name)?.summary.warnings ?? [];
      return {
        name, outcome: { type: 'skipped', reason: 'fresh' }, duration_ms: Date.now() - t0, fingerprint: d.fingerprint,
        ...(warnings.length ? { warnings } : {}),
      };
    }
    log.info({ stage: name, reason: d.reason, changed: d.changed }, `run ${name}: ${d.reason}${d.changed ? ` (${d.changed.join(', ')})` : ''}`);
    if (sharded && stage.def.shards) return runSharded(stage, d, t0);
    const code = await runStageProcess(stage, ['--keep_generation']);
    env.manifests = undefined; // the stage rewrote (or removed) its manifest: the next decisions read them again
    env.specMemo = undefined; // and spec files are read again too
    if (code.code !== 0) return failed(name, d, t0, code.code, code.reason);
    return ran(name, d, t0);
  }

  /** Start the stage executable with the run's arguments plus `extra`; its exit code and a reason when not 0. */
  async function runStageProcess(stage: RegisteredStage, extra: string[]): Promise<{ code: number; reason: string }> {
    const name = stage.def.name;
    const args = [stage.script, '--data_dir', o.dataDir, '--spec_dir', o.specDir, '--run_id', runId, '--params_json', JSON.stringify(params.get(name)),
      ...extra, '--parent_pid', String(process.pid)];
    if (o.verbose) args.push('--verbose');
    const spawn = o.spawn ?? (await execaSpawn());
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], reject: false, cleanup: true });
    running.set(name, child);
    if (child.pid !== undefined) await lock.addChild(child.pid, name);
    const res = await child;
    running.delete(name);
    if (child.pid !== undefined) await lock.removeChild(child.pid);
    const code = res.exitCode ?? (res.signal ? ExitCode.interrupted : ExitCode.stageFailed);
    return { code, reason: res.signal ? `killed by ${res.signal}` : `exit code ${code}` };
  }

  function failed(name: string, d: Decision, t0: number, code: number, reason: string, shards?: ShardProgress): StageRecord {
    log.error({ stage: name, exit_code: code }, `${name} failed: ${reason}`);
    if (o.onError === 'fail') stopping = true;
    return { name, outcome: { type: 'failed', reason, exit_code: code }, duration_ms: Date.now() - t0, fingerprint: d.fingerprint, ...(shards ? { shards } : {}) };
  }

  async function ran(name: string, d: Decision, t0: number, shards?: ShardProgress): Promise<StageRecord> {
    const m = (await stageManifests(env)).get(name);
    return {
      name, duration_ms: Date.now() - t0, fingerprint: d.fingerprint,
      outcome: { type: 'ran', reason: d.reason, ...(d.type === 'run' && d.changed ? { changed: d.changed } : {}), exit_code: 0 },
      ...(m ? { outputs: Object.fromEntries(Object.entries(m.outputs).map(([k, v]) => [k, v.digest])) } : {}),
      ...(m?.summary.warnings?.length ? { warnings: m.summary.warnings } : {}),
      ...(shards ? { shards } : {}),
    };
  }

  /**
   * A stage that splits, run as shards (docs/scale.md): the plan process lists them and says which are unchanged;
   * the executor runs the others (retried with backoff); the commit process reduces and publishes the stage at once.
   */
  async function runSharded(stage: RegisteredStage, d: Decision, t0: number): Promise<StageRecord> {
    const name = stage.def.name;
    const plan = await runStageProcess(stage, ['--shard_phase', 'plan']);
    const planMs = Date.now() - t0;
    if (plan.code !== 0) return failed(name, d, t0, plan.code, `shard plan: ${plan.reason}`);
    const { readShardPlan } = await import('../lib/stage/shard_main.js');
    const p = await readShardPlan(o.dataDir, name, runId);
    executor ??= o.executor === 'bullmq'
      ? await (await import('./bullmq.js')).bullmqExecutor({ redis: o.redis!, ...(o.queue ? { queue: o.queue } : {}), attempts: o.shardAttempts ?? 3, backoffMs: o.shardBackoffMs ?? 1000, log })
      : (await import('./shard_exec.js')).localExecutor({
        projectRoot: o.projectRoot, dataDir: o.dataDir, attempts: o.shardAttempts ?? 3, backoffMs: o.shardBackoffMs ?? 1000, log,
        ...(o.shardConcurrency ? { concurrency: o.shardConcurrency } : {}),
        onChild: (pid, label) => void lock.addChild(pid, `${name}:${label}`), onChildExit: (pid) => void lock.removeChild(pid),
      });
    const todo = p.shards.filter((s) => !s.reuse);
    // BullMQ jobs name their lake: a worker serving another data dir (another lake, or a copy) refuses them
    let lake: JobLake | undefined;
    if (executor.name === 'bullmq') {
      const { shardPlanPath } = await import('../lib/stage/shard_main.js');
      const { ensureLakeId, planSha256 } = await import('../lib/stage/lake_id.js');
      lake = { id: await ensureLakeId(o.dataDir), path: o.dataDir, plan_sha256: (await planSha256(shardPlanPath(o.dataDir, name, runId)))! };
    }
    const tShards = Date.now();
    let finished = 0;
    // The stage's error is the first shard that failed for good, in finishing order (the others were cancelled)
    let bad: ShardOutcome | undefined;
    const outcomes = interrupted ? [] : await executor.run(
      todo.map((s) => ({ stage: name, run_id: runId, params: params.get(name), shard_id: s.id, label: s.label, spec_dir: o.specDir, verbose: o.verbose ?? false, ...(lake ? { lake } : {}) })),
      (x) => {
        if (!x.ok && !x.cancelled) bad ??= x;
        log.info({ stage: name, shard: x.label, ok: x.ok, attempts: x.attempts, worker: x.worker, done: ++finished, total: todo.length },
          `shard ${x.label}: ${x.ok ? 'done' : x.cancelled ? x.message : 'failed'}`);
      },
    );
    const byLabel = new Map(outcomes.map((x) => [x.label, x]));
    const progress: ShardProgress = {
      by: p.by, executor: executor.name, total: p.shards.length, ran: outcomes.filter((x) => x.ok).length, reused: p.shards.length - todo.length,
      failed: outcomes.filter((x) => !x.ok && !x.cancelled).length, cancelled: outcomes.filter((x) => x.cancelled).length, plan_ms: planMs, shards_ms: Date.now() - tShards, commit_ms: 0,
      shards: p.shards.map((s) => {
        const x = byLabel.get(s.label);
        return x
          ? { label: s.label, outcome: x.ok ? 'ran' as const : x.cancelled ? 'cancelled' as const : 'failed' as const, attempts: x.attempts, duration_ms: x.duration_ms, worker: x.worker, ...(x.message ? { message: x.message } : {}) }
          : { label: s.label, outcome: 'reused' as const, attempts: 0, duration_ms: 0, worker: '-' };
      }),
    };
    bad ??= outcomes.find((x) => !x.ok);
    if (interrupted) return failed(name, d, t0, ExitCode.interrupted, 'interrupted', progress);
    if (bad) return failed(name, d, t0, bad.exit_code, `shard ${bad.label} failed after ${bad.attempts} attempt(s): ${bad.message ?? `exit code ${bad.exit_code}`}`, progress);
    const tCommit = Date.now();
    const commit = await runStageProcess(stage, ['--shard_phase', 'commit', '--keep_generation']);
    env.manifests = undefined;
    env.specMemo = undefined;
    progress.commit_ms = Date.now() - tCommit;
    if (commit.code !== 0) return failed(name, d, t0, commit.code, `shard commit: ${commit.reason}`, progress);
    return ran(name, d, t0, progress);
  }
}
