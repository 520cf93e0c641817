/**
 * Stationary-bootstrap confidence intervals (`bootstrapCI`) of many series, shared with worker threads (issue 12:
 * the bridge's ~400 bootstraps of 2000 replicates were half its time on one core). The same shape as ONC's base
 * clustering (lib/stats/onc.ts): jobs in submission order, each claimed once through a shared Int32Array (compare-
 * and-swap), results in a SharedArrayBuffer, a worker's failed or lost job made again on the calling thread. Each
 * job's result depends on its series and options alone (its own seed), never on which thread made it or how many
 * there are, so every thread count gives the same bits (tests/stats/bootstrap_pool.test.ts).
 *
 * Use: `submit` the series as they are made (the workers start working on them at once, while the calling thread
 * does other work: the bridge reads and prices the next instrument), then `await results()`: this thread makes the
 * jobs no worker has claimed (from the last one back; the workers take them from the first one on) and collects
 * the rest. Workers start only once the work submitted (series length x reps, summed) reaches `minWork`, so small
 * runs never pay a worker's start-up. `close()` ends the workers (always call it: try/finally).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bootstrapCI, type BootstrapCI, type BootstrapCIOptions } from './bootstrap.js';

/**
 * Work (series length x reps, summed over the jobs) from which the pool starts its workers by default: ~0.2 s of
 * bootstrap on one core, several times a worker's start-up (module load, ~30-50 ms).
 */
export const BOOTSTRAP_PARALLEL_MIN_WORK = 20_000_000;

export interface BootstrapPoolOptions {
  /** Threads making the CIs: this one + threads - 1 workers (default min(cores, 4)); 1 = all on this thread. */
  threads?: number;
  /** Work (length x reps, summed) from which the workers start (default BOOTSTRAP_PARALLEL_MIN_WORK). */
  minWork?: number;
  /** The worker's module (default lib/stats/bootstrap_worker.js; tests pass one that fails). */
  workerUrl?: URL;
}

/** What the calling thread and its workers share: a job's state, and its result (lo, hi, se, mean) when a worker made it. */
export interface BootstrapPoolShared {
  ctrl: Int32Array;
  out: Float64Array;
}

/** A job as posted to a worker. */
export interface BootstrapPoolJob {
  j: number;
  x: Float64Array;
  opts: BootstrapCIOptions;
}

/** What a worker posts back after a job it claimed: made (the result is in `out`) or failed. */
export interface BootstrapPoolReply {
  j: number;
  ok: boolean;
}

/** Job states (ctrl[j]): not claimed yet, claimed by the calling thread, made by a worker, failed in a worker (redo it). */
const PENDING = 0;
const HERE = 1;
const DONE_WORKER = 2;
const FAILED = 3;
/** Claimed by worker w (1, 2, ...): CLAIMED + w. */
const CLAIMED = 16;
const OUT = 4;

/** Wait for a job a worker claimed this long (ms) before making it on the calling thread too (same values). */
const WORKER_STALL_MS = 60_000;

/** CIs made so far in this process by pools, and how many of them worker threads made (for tests and logs). */
export const bootstrapThreadUse = { jobs: 0, workerJobs: 0 };

/**
 * A worker's part (lib/stats/bootstrap_worker.ts): claims the job if no one has, makes it (`make`: bootstrapCI; tests
 * pass one that fails), writes the result and says so.
 */
export function runPoolJob(
  shared: BootstrapPoolShared, w: number, job: BootstrapPoolJob, make: typeof bootstrapCI = bootstrapCI,
): BootstrapPoolReply | undefined {
  if (Atomics.compareExchange(shared.ctrl, job.j, PENDING, CLAIMED + w) !== PENDING) return undefined;
  try {
    const ci = make(job.x, job.opts);
    shared.out.set([ci.lo, ci.hi, ci.se, ci.mean], job.j * OUT);
    Atomics.store(shared.ctrl, job.j, DONE_WORKER);
    return { j: job.j, ok: true };
  } catch {
    // the calling thread makes it again (and throws the error there, where it is reported)
    Atomics.store(shared.ctrl, job.j, FAILED);
    return { j: job.j, ok: false };
  }
}

export class BootstrapCIPool {
  private readonly shared: BootstrapPoolShared;
  private readonly jobs: { x: Float64Array; opts: BootstrapCIOptions }[] = [];
  private readonly workers: Worker[] = [];
  private readonly threads: number;
  private readonly minWork: number;
  private readonly workerUrl: URL;
  private work = 0;
  private started = false;
  private closed = false;
  private wake: (() => void) | undefined;
  /**
   * This pool's jobs and those made by workers (counted by results()), the workers started and lost (exited before
   * close()), and the replies received from them so far (a job made or failed).
   */
  readonly use = { jobs: 0, workerJobs: 0, workers: 0, lost: 0, replies: 0 };

  /** `capacity`: the most jobs that will be submitted (the shared arrays are made for that many). */
  constructor(readonly capacity: number, o: BootstrapPoolOptions = {}) {
    if (!(Number.isInteger(capacity) && capacity >= 0)) throw new RangeError(`BootstrapCIPool: capacity must be an integer >= 0, was ${capacity}`);
    if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) {
      throw new RangeError(`BootstrapCIPool: threads must be an integer >= 1, was ${o.threads}`);
    }
    this.threads = o.threads ?? Math.min(4, availableParallelism());
    this.minWork = o.minWork ?? BOOTSTRAP_PARALLEL_MIN_WORK;
    this.workerUrl = o.workerUrl ?? new URL('./bootstrap_worker.js', import.meta.url);
    const shared = this.threads > 1;
    this.shared = {
      ctrl: shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, capacity) * 4)) : new Int32Array(capacity),
      out: shared ? new Float64Array(new SharedArrayBuffer(Math.max(1, capacity) * OUT * 8)) : new Float64Array(capacity * OUT),
    };
  }

  /** Queues `bootstrapCI(x, opts)` (x is copied) and returns its index in `results()`. */
  submit(x: ArrayLike<number>, opts: BootstrapCIOptions): number {
    if (this.closed) throw new Error('BootstrapCIPool: submit after close');
    const j = this.jobs.length;
    if (j >= this.capacity) throw new RangeError(`BootstrapCIPool: more than capacity = ${this.capacity} jobs`);
    const job = { x: x instanceof Float64Array ? x.slice() : Float64Array.from(x), opts: { ...opts } };
    this.jobs.push(job);
    this.work += job.x.length * opts.reps;
    if (!this.started && this.threads > 1 && this.work >= this.minWork) this.start();
    else for (const w of this.workers) w.postMessage({ j, ...job } satisfies BootstrapPoolJob);
    return j;
  }

  /**
   * Every job's CI, in submission order: this thread makes those no worker has claimed, then waits for the workers'
   * (a job a worker failed, or lost by a worker that exited, is made here). A job whose input bootstrapCI rejects
   * throws its RangeError here.
   */
  async results(): Promise<BootstrapCI[]> {
    const { ctrl, out } = this.shared;
    const n = this.jobs.length;
    const res: (BootstrapCI | undefined)[] = new Array(n);
    const here = (j: number) => {
      const job = this.jobs[j]!;
      res[j] = bootstrapCI(job.x, job.opts);
    };
    for (let j = n - 1; j >= 0; j--) {
      if (Atomics.compareExchange(ctrl, j, PENDING, HERE) === PENDING) here(j);
    }
    for (let j = 0; j < n; j++) {
      if (res[j]) continue;
      const since = Date.now();
      for (;;) {
        const st = Atomics.load(ctrl, j);
        if (st === DONE_WORKER) {
          const o = j * OUT;
          res[j] = { lo: out[o]!, hi: out[o + 1]!, se: out[o + 2]!, mean: out[o + 3]! };
          this.use.workerJobs++;
          break;
        }
        // failed in a worker, lost with one, or held WORKER_STALL_MS (a starved or silent worker): made here, the same
        // values whatever the worker still does
        if (st === FAILED || Date.now() - since > WORKER_STALL_MS) {
          here(j);
          break;
        }
        await this.event(1000);
      }
    }
    this.use.jobs += n;
    bootstrapThreadUse.jobs += n;
    bootstrapThreadUse.workerJobs += this.use.workerJobs;
    return res as BootstrapCI[];
  }

  /** Ends the workers (their jobs not yet made are made by `results()`, if it is still called). */
  close(): void {
    this.closed = true;
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }

  private start(): void {
    this.started = true;
    for (let w = 1; w < this.threads; w++) {
      let worker: Worker;
      try {
        worker = new Worker(this.workerUrl, { workerData: { shared: this.shared, w } });
      } catch {
        break;
      }
      this.use.workers++;
      // an error (module not found, a crash) ends the worker: its claimed jobs are made on this thread
      worker.on('error', () => {});
      worker.on('exit', () => this.lost(worker, w));
      worker.on('message', () => {
        this.use.replies++;
        this.wake?.();
      });
      worker.unref();
      this.workers.push(worker);
      this.jobs.forEach((job, j) => {
        if (Atomics.load(this.shared.ctrl, j) === PENDING) worker.postMessage({ j, ...job } satisfies BootstrapPoolJob);
      });
    }
  }

  /** A worker exited: the jobs it claimed and did not finish are failed (results() makes them). */
  private lost(worker: Worker, w: number): void {
    const k = this.workers.indexOf(worker);
    if (k >= 0) this.workers.splice(k, 1);
    if (!this.closed) this.use.lost++;
    const { ctrl } = this.shared;
    for (let j = 0; j < this.jobs.length; j++) Atomics.compareExchange(ctrl, j, CLAIMED + w, FAILED);
    this.wake?.();
  }

  /** Resolves at a worker's next message or exit, or after `ms`. */
  private event(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
