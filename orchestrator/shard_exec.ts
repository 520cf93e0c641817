import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { ExitCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { JobLake } from '../lib/stage/lake_id.js';
import { scriptFor } from './registry_types.js';

/**
 * Running shards (docs/scale.md). A shard is one stage process (`--shard_phase shard --shard_id <id>`), started by
 * the orchestrator itself (local executor) or by a worker on any machine that sees the data dir (BullMQ executor,
 * orchestrator/bullmq.ts). Both start it with `spawnShard` and decide retries with `retryable`.
 */
export interface ShardJob {
  stage: string;
  run_id: string;
  params: unknown;
  shard_id: string;
  label: string;
  spec_dir: string;
  verbose: boolean;
  /** The lake the job belongs to (BullMQ jobs: a worker whose data dir is another lake refuses it). */
  lake?: JobLake;
}

/** How one shard ended, after its retries: shown per shard in the run summary. */
export interface ShardOutcome {
  label: string;
  id: string;
  ok: boolean;
  /** The last attempt's exit code (0 when ok). */
  exit_code: number;
  /** The last failed attempt's error message (the stage's located error), when it failed. */
  message?: string;
  /**
   * Not run to the end because another shard of the stage failed for good (or the run was interrupted): not
   * started, or stopped. Such a shard is never the stage's error; `message` says what stopped it.
   */
  cancelled?: boolean;
  attempts: number;
  duration_ms: number;
  worker: string;
}

export interface ShardExecutor {
  readonly name: 'local' | 'bullmq';
  /**
   * Run every job; resolves once each one succeeded, failed for good or was cancelled. Fail fast: once one shard
   * has failed for good (retries exhausted, or exit 2/3) no new shard starts, and the stage's error is that shard's
   * (the first outcome reported with ok false and not cancelled). `onDone` reports progress, in finishing order.
   */
  run(jobs: readonly ShardJob[], onDone: (o: ShardOutcome) => void): Promise<ShardOutcome[]>;
  /** Stop: no new shard starts, running ones are terminated (SIGINT/SIGTERM of the run). */
  cancel(): void;
  close(): Promise<void>;
}

export interface ShardRunResult {
  exit_code: number;
  signal: NodeJS.Signals | null;
  /** The message of the last error line the stage logged (pino JSON on stderr), if any. */
  message: string | undefined;
}

/**
 * Start one shard process of `job` against `dataDir`, forward its log lines to this process's stderr, and return
 * how it ended with the error it reported. The child stops by itself when this process dies (--parent_pid).
 */
export function spawnShard(
  projectRoot: string, dataDir: string, job: ShardJob, opts: { onChild?: (pid: number) => void; signal?: AbortSignal } = {},
): Promise<ShardRunResult> {
  const args = [scriptFor(projectRoot, job.stage), '--data_dir', dataDir, '--spec_dir', job.spec_dir, '--run_id', job.run_id,
    '--params_json', JSON.stringify(job.params), '--shard_phase', 'shard', '--shard_id', job.shard_id, '--parent_pid', String(process.pid)];
  if (job.verbose) args.push('--verbose');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, QUANTLAB_LOG_FORMAT: 'json' } });
    if (child.pid !== undefined) opts.onChild?.(child.pid);
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let message: string | undefined;
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      buf += d.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const j = JSON.parse(line) as { level?: number; msg?: string };
          if ((j.level ?? 0) >= 50 && j.msg) message = j.msg;
        } catch {
          // not a log line
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ exit_code: code ?? (signal ? ExitCode.interrupted : ExitCode.stageFailed), signal, message });
    });
  });
}

/**
 * Is a failed attempt worth another? Usage (2) and bad spec or data (3) fail the same way every time: no retry.
 * A crash (1), a kill or an interruption of the process may be the machine's, not the shard's: retried.
 */
export function retryable(exitCode: number): boolean {
  return exitCode !== ExitCode.usage && exitCode !== ExitCode.invalidInput;
}

/** Delay before retry `attempt` (1-based): exponential from `baseMs`. */
export function backoffMs(baseMs: number, attempt: number): number {
  return baseMs * 2 ** (attempt - 1);
}

export interface LocalExecutorOptions {
  projectRoot: string;
  dataDir: string;
  /** Shard processes at once (default: the core count). */
  concurrency?: number;
  attempts: number;
  backoffMs: number;
  log: Logger;
  onChild?: (pid: number, label: string) => void;
  onChildExit?: (pid: number) => void;
}

/**
 * Shards as child processes of the orchestrator, up to the core count at once, each retried with backoff. Once a
 * shard has failed for good, no new shard starts and the running ones are stopped (SIGTERM: a stopped shard leaves
 * only its attempt folder, which nothing reads): their outcomes are `cancelled`, the failed shard's is not.
 */
export function localExecutor(o: LocalExecutorOptions): ShardExecutor {
  const abort = new AbortController();
  const worker = `local:${process.pid}`;
  return {
    name: 'local',
    async run(jobs, onDone) {
      const limit = pLimit(Math.max(1, o.concurrency ?? cpus().length));
      // This run's stop: a shard failed for good, or the run was interrupted (cancel()).
      const stop = new AbortController();
      const onCancel = () => stop.abort('the run was interrupted');
      if (abort.signal.aborted) onCancel();
      else abort.signal.addEventListener('abort', onCancel, { once: true });
      try {
        return await Promise.all(jobs.map((job) => limit(async (): Promise<ShardOutcome> => {
          const t0 = Date.now();
          let last: ShardRunResult | undefined;
          let attempt = 0;
          while (attempt < o.attempts && !stop.signal.aborted) {
            attempt++;
            let pid: number | undefined;
            last = await spawnShard(o.projectRoot, o.dataDir, job, {
              signal: stop.signal,
              onChild: (p) => ((pid = p), o.onChild?.(p, job.label)),
            });
            if (pid !== undefined) o.onChildExit?.(pid);
            if (last.exit_code === 0 || !retryable(last.exit_code) || stop.signal.aborted) break;
            if (attempt < o.attempts) {
              const wait = backoffMs(o.backoffMs, attempt);
              o.log.warn({ shard: job.label, attempt, exit_code: last.exit_code, retry_in_ms: wait }, `shard ${job.label} failed (${last.message ?? `exit code ${last.exit_code}`}): retrying`);
              await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
            }
          }
          const ok = last?.exit_code === 0;
          // The first shard to get here having failed is the cause; every shard failing after the stop was stopped.
          const cancelled = !ok && stop.signal.aborted;
          let out: ShardOutcome;
          if (ok) out = { label: job.label, id: job.shard_id, ok, exit_code: 0, attempts: attempt, duration_ms: Date.now() - t0, worker };
          else if (cancelled) {
            out = {
              label: job.label, id: job.shard_id, ok, cancelled, exit_code: last?.exit_code ?? ExitCode.interrupted, attempts: attempt,
              duration_ms: Date.now() - t0, worker, message: `${last ? 'stopped' : 'not started'}: ${String(stop.signal.reason)}`,
            };
          } else {
            out = {
              label: job.label, id: job.shard_id, ok, exit_code: last!.exit_code, attempts: attempt, duration_ms: Date.now() - t0, worker,
              message: last!.message ?? (last!.signal ? `killed by ${last!.signal}` : `exit code ${last!.exit_code}`),
            };
            stop.abort(`shard ${job.label} failed for good`);
          }
          onDone(out);
          return out;
        })));
      } finally {
        abort.signal.removeEventListener('abort', onCancel);
      }
    },
    cancel: () => abort.abort(),
    close: async () => undefined,
  };
}
