/** `quantlab worker`: runs the shards of sharded pipeline runs from a BullMQ queue (orchestrator/bullmq.ts, docs/scale.md). */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, QuantError, exitCodeOf } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { PROJECT_ROOT } from '../lib/stage/root.js';
import { startWorker } from '../orchestrator/bullmq.js';

type F = { redis: string; data_dir: string; spec_dir?: string; concurrency: number; queue?: string; lock_ms: number };

export const workerModule: CommandModule<object, F> = {
  command: 'worker',
  describe: 'run shards of sharded pipeline runs (npm run all -- --executor bullmq) from Redis, on any machine that sees the data dir',
  builder: (y: Argv) => y
    .option('redis', { type: 'string', demandOption: true, requiresArg: true, describe: 'Redis URL, e.g. redis://127.0.0.1:6379' })
    .option('data_dir', { type: 'string', demandOption: true, requiresArg: true, describe: 'the data dir as this machine sees it (a shared filesystem path)' })
    .option('spec_dir', { type: 'string', requiresArg: true, describe: 'spec dir on this machine (default: the path the orchestrator used)' })
    .option('concurrency', { type: 'number', default: 1, describe: 'shards at once (one stage process each; about one per core)' })
    .option('queue', { type: 'string', requiresArg: true, describe: 'queue name (default quantlab-shards)' })
    .option('lock_ms', { type: 'number', default: 30_000, describe: 'lease of a running shard: a worker silent this long loses it and the shard reruns elsewhere' }) as unknown as Argv<F>,
  handler: async (f) => {
    const log = createLogger({ stage: 'worker', run_id: '-' });
    try {
      if (!Number.isInteger(f.concurrency) || f.concurrency < 1) throw new QuantError(`--concurrency must be a positive integer, was ${f.concurrency}`);
      const w = await startWorker({
        redis: f.redis, dataDir: resolve(f.data_dir), concurrency: f.concurrency, lockMs: f.lock_ms, projectRoot: PROJECT_ROOT, log,
        ...(f.spec_dir ? { specDir: resolve(f.spec_dir) } : {}), ...(f.queue ? { queue: f.queue } : {}),
      });
      await new Promise<void>((done) => {
        const stop = (sig: NodeJS.Signals) => {
          log.info({ signal: sig }, 'stopping: running shards finish first');
          void w.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.exit(ExitCode.ok);
    } catch (err) {
      log.error({ exit_code: exitCodeOf(err) }, err instanceof QuantError ? err.describe() : (err as Error).message);
      process.exit(exitCodeOf(err));
    }
  },
};
