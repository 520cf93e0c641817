#!/usr/bin/env node
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createLogger } from '../lib/log.js';
import { QuantError, exitCodeOf, ExitCode } from '../lib/errors.js';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import { goldenCheck, goldenRefresh, formatReport, formatBatchChanged, type GoldenOptions, type BaselineProvenance } from '../lib/golden/index.js';
import { REGISTRY } from './registry.js';
import { goldenPipeline } from './golden_batch.js';

/**
 * npm run golden:check                                   rerun the certification batch, diff it with golden/baseline.json
 * npm run golden:refresh -- --confirm --reason "why"     rewrite the baseline (with provenance)
 * Exit codes: 0 all stages match, 1 drift (or a stage failed), 2 usage (refresh without --confirm).
 */
const argv = yargs(hideBin(process.argv))
  .scriptName('golden')
  .usage('$0 <check|refresh> [options]')
  .command('check', 'rerun the certification batch and diff it with the baseline, stage by stage')
  .command('refresh', 'rerun the batch and rewrite the baseline (needs --confirm and --reason)')
  .demandCommand(1, 1)
  .option('batch', { type: 'string', describe: 'batch pipeline spec (default: golden/batch.yaml)' })
  .option('baseline', { type: 'string', describe: 'baseline file (default: golden/baseline.json)' })
  .option('spec_dir', { type: 'string', describe: 'spec root for everything but the pipeline spec (default: spec)' })
  .option('set', { type: 'string', array: true, describe: 'check only: override a stage parameter, e.g. --set clean.outlier_mad_k=3, to see what a rule change does' })
  .option('keep_data', { type: 'string', describe: 'run the batch in this data dir and keep it (default: a temp dir, removed)' })
  .option('json', { type: 'boolean', default: false, describe: 'check only: print the full report as JSON' })
  .option('max-lines', { type: 'number', default: 40, describe: 'check only: drift lines printed per stage' })
  .option('confirm', { type: 'boolean', default: false, describe: 'refresh only: yes, rewrite the baseline' })
  .option('reason', { type: 'string', default: '', describe: 'refresh only: why the baseline changes (recorded in provenance)' })
  .option('verbose', { type: 'boolean', default: false, describe: 'stage logs at info level, stack traces' })
  .strict()
  .parseSync();

const command = String(argv._[0]);
const log = createLogger({ stage: 'golden', run_id: 'golden' }, argv.verbose ? 'debug' : 'warn');
const opts: GoldenOptions = {
  pipeline: goldenPipeline(REGISTRY),
  projectRoot: PROJECT_ROOT,
  specDir: argv.spec_dir ? resolve(argv.spec_dir) : join(PROJECT_ROOT, 'spec'),
  batchFile: argv.batch ? resolve(argv.batch) : join(PROJECT_ROOT, 'golden', 'batch.yaml'),
  baselineFile: argv.baseline ? resolve(argv.baseline) : join(PROJECT_ROOT, 'golden', 'baseline.json'),
  log,
  verbose: argv.verbose,
  ...(argv.set ? { set: argv.set } : {}),
  ...(argv.keep_data ? { keepDataDir: resolve(argv.keep_data) } : {}),
};

try {
  if (command === 'check') {
    const r = await goldenCheck(opts);
    if (argv.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else {
      process.stdout.write(header(r.baseline));
      if (argv.set?.length) process.stdout.write(`  run with overrides: ${argv.set.join(' ')} (a what-if: the baseline certifies the batch as written)\n`);
      process.stdout.write(r.batch_changed ? formatBatchChanged(r.baseline.batch_file, r.batch_changed) : formatReport(r.report, argv['max-lines']));
    }
    process.exit(r.report.ok ? ExitCode.ok : ExitCode.stageFailed);
  } else if (command === 'refresh') {
    if (argv.set?.length) throw new QuantError('golden:refresh takes no --set: the baseline certifies golden/batch.yaml as written', { hint: 'change the batch file instead' });
    const { baseline, changes } = await goldenRefresh({ ...opts, confirm: argv.confirm, reason: argv.reason });
    process.stdout.write(`wrote ${opts.baselineFile}\n${header(baseline.provenance)}`);
    for (const c of changes) {
      process.stdout.write(`  ${c.stage}: ${c.change === 'changed' ? `${c.drifts} of ${c.checks} checks changed` : c.change}\n`);
    }
    process.exit(ExitCode.ok);
  } else {
    throw new QuantError(`unknown command "${command}". Available: check, refresh`);
  }
} catch (err) {
  const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
  log.error({ exit_code: exitCodeOf(err), ...(argv.verbose && err instanceof Error ? { stack: err.stack } : {}) }, msg);
  process.exit(exitCodeOf(err));
}

function header(p: BaselineProvenance): string {
  const nodeNote = p.node !== process.version ? `\n  note: baseline made with node ${p.node}, running ${process.version}` : '';
  return `golden baseline: ${p.date} at ${p.commit.slice(0, 10)}${p.commit_dirty ? ' (uncommitted changes)' : ''}: ${JSON.stringify(p.reason)}; batch ${p.batch_file}${nodeNote}\n`;
}
