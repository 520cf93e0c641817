/**
 * Worker thread of BootstrapCIPool (lib/stats/bootstrap_pool.ts): for each job posted to it, claims the job unless
 * another thread has, makes its bootstrapCI into the shared results and says so. A job that throws is marked failed
 * for the calling thread to make again (and report).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runPoolJob, type BootstrapPoolJob, type BootstrapPoolShared } from './bootstrap_pool.js';

const { shared, w } = workerData as { shared: BootstrapPoolShared; w: number };
parentPort!.on('message', (job: BootstrapPoolJob) => {
  const reply = runPoolJob(shared, w, job);
  if (reply) parentPort!.postMessage(reply);
});
