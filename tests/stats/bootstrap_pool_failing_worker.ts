/**
 * A BootstrapCIPool worker that fails (tests/stats/bootstrap_pool.test.ts): it makes its first job as the real worker
 * (lib/stats/bootstrap_worker.ts) does, then the job of its second message fails inside the worker (marked failed, the
 * worker goes on), and at its third it dies (process.exit of this thread) while holding the job it claimed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bootstrapCI } from '../../lib/stats/bootstrap.js';
import { runPoolJob, type BootstrapPoolJob, type BootstrapPoolShared } from '../../lib/stats/bootstrap_pool.js';

const { shared, w } = workerData as { shared: BootstrapPoolShared; w: number };
let seen = 0;
parentPort!.on('message', (job: BootstrapPoolJob) => {
  seen++;
  const make = seen === 1
    ? bootstrapCI
    : seen === 2
      ? () => { throw new Error('this job fails in the worker'); }
      : () => process.exit(7);
  const reply = runPoolJob(shared, w, job, make);
  if (reply) parentPort!.postMessage(reply);
});
