import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../lib/log.js';
import { ExitCode, UsageError } from '../lib/errors.js';
import { lakeMismatch } from '../lib/stage/lake_id.js';
import { shardPlanPath } from '../lib/stage/shard_main.js';
import { spawnShard, retryable, type ShardExecutor, type ShardJob, type ShardOutcome } from './shard_exec.js';

/**
 * Shards as BullMQ jobs on Redis (docs/scale.md): the orchestrator enqueues one job per shard (its id names the
 * run, stage and shard, so a job is never enqueued twice) and waits for each; `quantlab worker` processes them on
 * any machine that sees the data dir. Retries: `attempts` with exponential backoff, none for a usage or data error
 * (UnrecoverableError). A worker that dies mid-shard stops renewing its job's lock; after `lockDuration` BullMQ's
 * stalled-job check moves the job back to the queue and another worker runs it (the dead attempt's files were
 * never published: lib/stage/shard_main.ts).
 */
export const DEFAULT_QUEUE = 'quantlab-shards';

/** What a job returns (its return value in Redis). */
interface ShardJobResult {
  worker: string;
  duration_ms: number;
}

export function redisConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--redis ${JSON.stringify(url)} is not a URL`, { hint: 'pass --redis redis://host:6379' });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--redis ${url}: expected redis:// or rediss://`, { hint: 'pass --redis redis://host:6379' });
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest null for them.
  return { url, maxRetriesPerRequest: null };
}

export interface BullmqExecutorOptions {
  redis: string;
  queue?: string;
  attempts: number;
  backoffMs: number;
  log: Logger;
}

export async function bullmqExecutor(o: BullmqExecutorOptions): Promise<ShardExecutor> {
  const { Queue, QueueEvents } = await import('bullmq');
  const connection = redisConnection(o.redis);
  const name = o.queue ?? DEFAULT_QUEUE;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  // one waitUntilFinished listener per shard: thousands are expected
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  // The current run's stop (one run at a time per executor): a shard failed for good, or the run was interrupted.
  let stopRun: ((reason: string) => void) | undefined;
  let interruptedBefore = false;
  return {
    name: 'bullmq',
    async run(jobs, onDone) {
      const t0 = Date.now();
      let stopReason: string | undefined;
      let wake!: () => void;
      const stopped = new Promise<'stop'>((r) => (wake = () => r('stop')));
      stopRun = (reason) => {
        if (stopReason !== undefined) return;
        stopReason = reason;
        wake();
      };
      if (interruptedBefore) stopRun('the run was interrupted');
      const added = await queue.addBulk(jobs.map((j) => ({
        name: j.stage,
        data: j,
        opts: {
          jobId: `${j.run_id}-${j.stage}-${j.shard_id}`,
          attempts: o.attempts,
          backoff: { type: 'exponential', delay: o.backoffMs },
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 24 * 3600 },
        },
      })));
      o.log.info({ queue: name, jobs: added.length, enqueue_ms: Date.now() - t0 }, 'shards enqueued');
      try {
        return await Promise.all(added.map(async (job, i): Promise<ShardOutcome> => {
          const spec = jobs[i]!;
          const settled = job.waitUntilFinished(events).then((r: ShardJobResult) => ({ r }), (e: Error) => ({ e }));
          let end = await Promise.race([settled, stopped]);
          // Stopped: a job not started (waiting, delayed for a retry) is removed; a running one finishes on its worker.
          while (end === 'stop') {
            const state = await queue.getJobState(job.id!);
            if (state !== 'completed' && state !== 'failed' && state !== 'active' && (await queue.remove(job.id!)) === 1) {
              const out: ShardOutcome = {
                label: spec.label, id: spec.shard_id, ok: false, cancelled: true, exit_code: ExitCode.interrupted, attempts: job.attemptsStarted ?? 0,
                duration_ms: Date.now() - t0, worker: '-', message: `not started: ${stopReason}`,
              };
              onDone(out);
              return out;
            }
            end = await Promise.race([settled, sleep(250).then(() => 'stop' as const)]);
          }
          let out: ShardOutcome;
          if ('r' in end) {
            const done = await queue.getJob(job.id!);
            out = { label: spec.label, id: spec.shard_id, ok: true, exit_code: 0, attempts: done?.attemptsStarted ?? 1, duration_ms: end.r.duration_ms, worker: end.r.worker };
          } else {
            const failed = await queue.getJob(job.id!);
            const reason = failed?.failedReason ?? end.e.message;
            const m = /^exit (\d+): ([\s\S]*)$/.exec(reason);
            out = {
              label: spec.label, id: spec.shard_id, ok: false, exit_code: m ? Number(m[1]) : ExitCode.stageFailed,
              message: m ? m[2]! : reason, attempts: failed?.attemptsStarted ?? failed?.attemptsMade ?? 0, duration_ms: Date.now() - t0,
              worker: failed?.processedBy ?? '?',
            };
            // The first shard to fail for good is the stage's error; one failing after the stop is reported as cancelled
            if (stopReason !== undefined) out.cancelled = true;
            else stopRun!(`shard ${spec.label} failed for good`);
          }
          onDone(out);
          return out;
        }));
      } finally {
        stopRun = undefined;
      }
    },
    cancel() {
      // Jobs not started yet are removed; running ones finish on their workers (the commit never happens).
      interruptedBefore = true;
      stopRun?.('the run was interrupted');
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}

export interface WorkerOptions {
  redis: string;
  dataDir: string;
  /** Overrides the spec dir a job names (the orchestrator's path, which may differ on this machine). */
  specDir?: string;
  concurrency: number;
  queue?: string;
  /** Lease of a running job: a worker silent for this long has lost it (default 30 s). */
  lockMs?: number;
  projectRoot: string;
  log: Logger;
}

/** A BullMQ worker that runs shard jobs as stage processes against this machine's view of the data dir. */
export async function startWorker(o: WorkerOptions): Promise<{ close: () => Promise<void>; name: string }> {
  const { Worker, UnrecoverableError } = await import('bullmq');
  const connection = redisConnection(o.redis);
  const me = `${hostname()}:${process.pid}`;
  const lockDuration = o.lockMs ?? 30_000;
  const worker = new Worker<ShardJob, ShardJobResult>(o.queue ?? DEFAULT_QUEUE, async (job) => {
    const t0 = Date.now();
    const data: ShardJob = { ...job.data, ...(o.specDir ? { spec_dir: o.specDir } : {}) };
    // A job of another lake (or of the lake this data dir was copied from) is refused: never run, not retried
    const wrong = data.lake
      ? await lakeMismatch(o.dataDir, data.lake, shardPlanPath(o.dataDir, data.stage, data.run_id))
      : `the job names no lake (enqueued by an older build): upgrade the orchestrator`;
    if (wrong) {
      const err = new UsageError(`worker ${me} refuses ${data.stage} shard ${data.label} of run ${data.run_id}: ${wrong}`, {
        hint: `start this worker with --data_dir set to that lake as this machine mounts it, or give each lake its own queue (--queue)`,
      });
      o.log.error({ job: job.id, exit_code: ExitCode.usage }, err.describe());
      throw new UnrecoverableError(`exit ${ExitCode.usage}: ${err.describe()}`);
    }
    o.log.info({ job: job.id, stage: data.stage, shard: data.label, attempt: job.attemptsStarted }, 'shard started');
    const r = await spawnShard(o.projectRoot, o.dataDir, data);
    if (r.exit_code !== 0) {
      const reason = `exit ${r.exit_code}: ${data.stage} shard ${data.label}: ${r.message ?? (r.signal ? `killed by ${r.signal}` : 'failed')}`;
      o.log.error({ job: job.id, exit_code: r.exit_code }, reason);
      throw retryable(r.exit_code) ? new Error(reason) : new UnrecoverableError(reason);
    }
    o.log.info({ job: job.id, shard: data.label, duration_ms: Date.now() - t0 }, 'shard finished');
    return { worker: me, duration_ms: Date.now() - t0 };
  }, { connection, concurrency: o.concurrency, name: me, lockDuration, stalledInterval: lockDuration, maxStalledCount: 3 });
  worker.on('error', (e) => o.log.error({ err: e.message }, 'worker error'));
  await worker.waitUntilReady();
  o.log.info({ queue: o.queue ?? DEFAULT_QUEUE, concurrency: o.concurrency, data_dir: o.dataDir, lock_ms: lockDuration, worker: me }, 'worker ready');
  return { close: () => worker.close(), name: me };
}
