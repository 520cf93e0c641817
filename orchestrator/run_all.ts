#!/usr/bin/env node
import { resolve, join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runAndExit, usageExit, DEFAULTS } from './cli_common.js';

/** npm run all -- --backtest_timeframe 5m [--only a,b | --from X | --until Y] [--force] [--dry-run] [--on-error keep-going] */
const argv = yargs(hideBin(process.argv))
  .scriptName('npm run all --')
  .usage('$0 [options]\n\nRuns the research pipeline: every stage whose inputs, params, specs or code changed; skips the rest.')
  .option('backtest_timeframe', { alias: 'timeframe', type: 'string', describe: 'bar size used everywhere (default: spec/pipeline.yaml, 5m)' })
  .option('only', { type: 'string', describe: 'comma-separated stages to run (others untouched)' })
  .option('from', { type: 'string', describe: 'run this stage and everything downstream of it' })
  .option('until', { type: 'string', describe: 'run this stage and everything upstream of it' })
  .option('force', { type: 'boolean', default: false, describe: 'run selected stages even when fresh' })
  .option('dry-run', { type: 'boolean', default: false, describe: 'print what would run and why; run nothing' })
  .option('on-error', { choices: ['fail', 'keep-going'] as const, default: 'fail' as const, describe: 'after a failure: stop, or go on with independent stages' })
  .option('jobs', { type: 'number', describe: 'stages in parallel (default: spec/pipeline.yaml jobs)' })
  .option('set', { type: 'string', array: true, describe: 'override a stage parameter: --set clean.outlier_mad_k=8' })
  .option('allow-synthetic', { type: 'boolean', default: false, describe: 'allow the seeded synthetic market as the data source' })
  .option('allow-cheaper-costs', { type: 'boolean', default: false, describe: 'what-if, not a validation: walkforward evaluates blueprints under cheaper costs than they were found under (= --set walkforward.allow_cheaper_costs=true; the report is labelled)' })
  .option('data_dir', { type: 'string', describe: 'lake root: lake/, research/, reports/, state/ (default: data, or $QUANTLAB_DATA_DIR)' })
  .option('spec_dir', { type: 'string', describe: 'spec root (default: spec)' })
  .option('pipeline', { type: 'string', describe: 'pipeline spec (default: <spec_dir>/pipeline.yaml)' })
  .option('run_id', { type: 'string', describe: 'run id (default: new)' })
  .option('log-format', { choices: ['json', 'pretty'] as const, describe: 'log lines on stderr (default: pretty on a terminal, JSON otherwise)' })
  .option('sharded', { type: 'boolean', default: false, describe: 'run clean, features and events as shards of one instrument (docs/scale.md); same bytes as an unsharded run' })
  .option('executor', { choices: ['local', 'bullmq'] as const, default: 'local' as const, describe: 'where shards run: local processes (up to the core count), or BullMQ workers on Redis (implies --sharded)' })
  .option('redis', { type: 'string', describe: 'Redis URL of the BullMQ executor, e.g. redis://127.0.0.1:6379' })
  .option('queue', { type: 'string', describe: 'BullMQ queue name (default quantlab-shards)' })
  .option('shard_attempts', { type: 'number', default: 3, describe: 'attempts per shard before the stage fails' })
  .option('shard_backoff_ms', { type: 'number', default: 1000, describe: 'wait before the first retry of a shard (doubles each retry)' })
  .option('shard_concurrency', { type: 'number', describe: 'local executor: shard processes at once (default: the core count)' })
  .option('verbose', { type: 'boolean', default: false })
  .strict()
  .fail((msg, err) => usageExit(msg ?? err?.message ?? 'bad arguments', 'npm run all -- --help lists every option'))
  .parseSync();

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
