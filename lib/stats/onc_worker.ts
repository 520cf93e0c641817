/**
 * Worker thread of ONC's base clustering (lib/stats/onc.ts runAll): claims (init, k) k-means runs from the shared job
 * in workerData until none is left, writing each run's labels and quality into the job's shared arrays. A failed run
 * is marked for the main thread to redo (runBaseJob), and the error ends this worker.
 */
import { workerData } from 'node:worker_threads';
import { runBaseJob, type BaseJob } from './onc.js';

runBaseJob(workerData as BaseJob, true);
