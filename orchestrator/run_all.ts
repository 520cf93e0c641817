#!/usr/bin/env node
import { resolve, join } from 'node:path';
import { runAndExit, usageExit, DEFAULTS } from './cli_common.js';
import { parseCli } from '../lib/cli_args.js';
import { RUN_ALL_OPTIONS, RUN_ALL_USAGE } from './run_all_options.js';

/** npm run all -- --backtest_timeframe 5m [--only a,b | --from X | --until Y] [--force] [--dry-run] [--on-error keep-going] */
const argv = await parseCli({
  ...RUN_ALL_USAGE,
  options: RUN_ALL_OPTIONS,
  fail: (msg) => usageExit(msg, 'npm run all -- --help lists every option'),
}, process.argv.slice(2));

if (argv['log-format']) process.env.QUANTLAB_LOG_FORMAT = argv['log-format']; // stage processes inherit it
const specDir = argv.spec_dir ? resolve(argv.spec_dir) : DEFAULTS.specDir();
const set = [...(argv.set ?? []), ...(argv['allow-cheaper-costs'] ? ['walkforward.allow_cheaper_costs=true'] : [])];
await runAndExit({
  dataDir: argv.data_dir ? resolve(argv.data_dir) : DEFAULTS.dataDir(),
  specDir,
  pipelineFile: argv.pipeline ? resolve(argv.pipeline) : join(specDir, 'pipeline.yaml'),
  overrides: {
    ...(argv.backtest_timeframe ? { timeframe: argv.backtest_timeframe } : {}),
    ...(set.length ? { set } : {}),
    allowSynthetic: argv['allow-synthetic'],
  },
  ...(argv.only ? { only: argv.only.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
  ...(argv.from ? { from: argv.from } : {}),
  ...(argv.until ? { until: argv.until } : {}),
  force: argv.force,
  dryRun: argv['dry-run'],
  onError: argv['on-error'],
  ...(argv.jobs ? { jobs: argv.jobs } : {}),
  ...(argv.run_id ? { runId: argv.run_id } : {}),
  argv: process.argv.slice(2),
  verbose: argv.verbose,
  ...(argv.sharded ? { sharded: true } : {}),
  executor: argv.executor,
  ...(argv.redis ? { redis: argv.redis } : {}),
  ...(argv.queue ? { queue: argv.queue } : {}),
  shardAttempts: argv.shard_attempts,
  shardBackoffMs: argv.shard_backoff_ms,
  ...(argv.shard_concurrency ? { shardConcurrency: argv.shard_concurrency } : {}),
});
