import type { Options } from 'yargs';

/**
 * Every option of `npm run all`, once: yargs builds --help and the error messages from it, and a plain command line
 * is parsed from it by yargs-parser alone, without loading yargs (lib/cli_args.ts).
 */
export const RUN_ALL_OPTIONS = {
  backtest_timeframe: { alias: 'timeframe', type: 'string', describe: 'bar size used everywhere (default: spec/pipeline.yaml, 5m)' },
  only: { type: 'string', describe: 'comma-separated stages to run (others untouched)' },
  from: { type: 'string', describe: 'run this stage and everything downstream of it' },
  until: { type: 'string', describe: 'run this stage and everything upstream of it' },
  force: { type: 'boolean', default: false, describe: 'run selected stages even when fresh' },
  'dry-run': { type: 'boolean', default: false, describe: 'print what would run and why; run nothing' },
  'on-error': { choices: ['fail', 'keep-going'] as const, default: 'fail' as const, describe: 'after a failure: stop, or go on with independent stages' },
  jobs: { type: 'number', describe: 'stages in parallel (default: spec/pipeline.yaml jobs)' },
  set: { type: 'string', array: true, describe: 'override a stage parameter: --set clean.outlier_mad_k=8' },
  'allow-synthetic': { type: 'boolean', default: false, describe: 'allow the seeded synthetic market as the data source' },
  'allow-cheaper-costs': { type: 'boolean', default: false, describe: 'what-if, not a validation: walkforward evaluates blueprints under cheaper costs than they were found under (= --set walkforward.allow_cheaper_costs=true; the report is labelled)' },
  data_dir: { type: 'string', describe: 'lake root: lake/, research/, reports/, state/ (default: data, or $QUANTLAB_DATA_DIR)' },
  spec_dir: { type: 'string', describe: 'spec root (default: spec)' },
  pipeline: { type: 'string', describe: 'pipeline spec (default: <spec_dir>/pipeline.yaml)' },
  run_id: { type: 'string', describe: 'run id (default: new)' },
  'log-format': { choices: ['json', 'pretty'] as const, describe: 'log lines on stderr (default: pretty on a terminal, JSON otherwise)' },
  sharded: { type: 'boolean', default: false, describe: 'run the stages that split as shards (ingest, clean, features, events by instrument; discovery, bridge by candidate range; walk-forward by blueprint x window: docs/scale.md); same bytes as an unsharded run' },
  executor: { choices: ['local', 'bullmq'] as const, default: 'local' as const, describe: 'where shards run: local processes (up to the core count), or BullMQ workers on Redis (implies --sharded)' },
  redis: { type: 'string', describe: 'Redis URL of the BullMQ executor, e.g. redis://127.0.0.1:6379' },
  queue: { type: 'string', describe: 'BullMQ queue name (default quantlab-shards)' },
  shard_attempts: { type: 'number', default: 3, describe: 'attempts per shard before the stage fails' },
  shard_backoff_ms: { type: 'number', default: 1000, describe: 'wait before the first retry of a shard (doubles each retry)' },
  shard_concurrency: { type: 'number', describe: 'local executor: shard processes at once (default: the core count)' },
  verbose: { type: 'boolean', default: false },
} as const satisfies Record<string, Options>;

/** The head of `npm run all -- --help`. */
export const RUN_ALL_USAGE = {
  scriptName: 'npm run all --',
  usage: '$0 [options]\n\nRuns the research pipeline: every stage whose inputs, params, specs or code changed; skips the rest.',
};
