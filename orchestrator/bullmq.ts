import { hostname } from 'node:os';
import type { Logger } from '../lib/log.js';
import { ExitCode, UsageError } from '../lib/errors.js';
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
  let cancelled = false;
  const enqueued: string[] = [];
  return {
    name: 'bullmq',
    async run(jobs, onDone) {
      const t0 = Date.now();
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
      enqueued.push(...added.map((j) => j.id!));
      o.log.info({ queue: name, jobs: added.length, enqueue_ms: Date.now() - t0 }, 'shards enqueued');
      return Promise.all(added.map(async (job, i): Promise<ShardOutcome> => {
        const spec = jobs[i]!;
        let out: ShardOutcome;
        try {
          const r = (await job.waitUntilFinished(events)) as ShardJobResult;
          const done = await queue.getJob(job.id!);
          out = { label: spec.label, id: spec.shard_id, ok: true, exit_code: 0, attempts: done?.attemptsStarted ?? 1, duration_ms: r.duration_ms, worker: r.worker };
        } catch (e) {
          const failed = await queue.getJob(job.id!);
          const reason = failed?.failedReason ?? (e as Error).message;
          const m = /^exit (\d+): ([\s\S]*)$/.exec(reason);
          out = {
            label: spec.label, id: spec.shard_id, ok: false, exit_code: m ? Number(m[1]) : cancelled ? ExitCode.interrupted : ExitCode.stageFailed,
            message: m ? m[2]! : reason, attempts: failed?.attemptsStarted ?? failed?.attemptsMade ?? 0, duration_ms: Date.now() - t0,
            worker: failed?.processedBy ?? '?',
          };
        }
        onDone(out);
        return out;
      }));
    },
    cancel() {
      cancelled = true;
      // Jobs not started yet are removed; running ones finish on their workers (the commit never happens).
      void Promise.all(enqueued.map((id) => queue.remove(id).catch(() => 0))).catch(() => undefined);
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
