/** `quantlab regression`: the paper regression harness (lib/lab/regression.ts). */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, DataError, UsageError } from '../../lib/errors.js';
import { baselineFile, refreshBaseline, runRegression } from '../../lib/lab/regression.js';
import { PROJECT_ROOT, gitSha, labLogger, reportError } from './common.js';

interface RegFlags {
  'adapter-mode': string; adapter?: string; label: string; seed: number; dataset: string; 'output-dir': string;
  'refresh-baseline': boolean; 'confirm-refresh': boolean; reason?: string;
}

export const regressionModule: CommandModule<object, RegFlags> = {
  command: 'regression',
  describe: 'replay a committed dataset through the paper loop and compare the artifacts\' sha256 with the baseline',
  builder: (y: Argv) => y
    .usage(`quantlab regression --adapter-mode paper|adapter [--adapter ccxt] --label L [--seed 7] [--dataset DIR] [--output-dir DIR] [--refresh-baseline --confirm-refresh --reason "..."]

Runs <dataset>/dataset.json + bars.csv through the paper loop with the clock pinned to the dataset, writes the
artifacts (snapshot.json, equity.csv, metrics.json, adapter_logs.jsonl, provenance.json, session.md) and
checksums.json to <output-dir>/<seed:4>-<label>/ and compares them with <dataset>/baseline.json (adapter mode:
<dataset>/baseline.adapter-ccxt.json; its adapter_logs.jsonl holds the Binance requests ccxt builds, unsent).
Exit 0 all equal, 3 a difference (listed) or no baseline, 2 usage.`)
    .option('adapter-mode', { type: 'string', demandOption: true, requiresArg: true, choices: ['paper', 'adapter'], describe: 'paper: the paper loop; adapter: the paper loop with every order built by the ccxt adapter (dry-run, nothing sent)' })
    .option('adapter', { type: 'string', requiresArg: true, describe: 'ccxt (adapter mode only; the default there)' })
    .option('label', { type: 'string', demandOption: true, requiresArg: true, describe: 'run label (run id <seed:4>-<label>)' })
    .option('seed', { type: 'number', default: 7, requiresArg: true, describe: 'seed recorded in the run id' })
    .option('dataset', { type: 'string', default: 'tests/fixtures/live/regression_default', requiresArg: true, describe: 'dataset folder' })
    .option('output-dir', { type: 'string', default: 'runs/live/reg_cli', requiresArg: true, describe: 'where the run folder goes' })
    .option('refresh-baseline', { type: 'boolean', default: false, describe: 'rewrite baseline.json from this run (needs --confirm-refresh and --reason)' })
    .option('confirm-refresh', { type: 'boolean', default: false, describe: 'confirm --refresh-baseline' })
    .option('reason', { type: 'string', requiresArg: true, describe: 'why the baseline changes (recorded)' }) as unknown as Argv<RegFlags>,
  handler: async (f) => {
    const log = labLogger('regression');
    try {
      if (f['refresh-baseline'] && (!f['confirm-refresh'] || !f.reason?.trim())) {
        throw new UsageError(`--refresh-baseline refused: ${!f['confirm-refresh'] ? '--confirm-refresh is missing' : '--reason is missing'}`, {
          hint: 'a baseline is rewritten only with --refresh-baseline --confirm-refresh --reason "why the behaviour changed"',
        });
      }
      if (!f['refresh-baseline'] && (f['confirm-refresh'] || f.reason !== undefined)) {
        throw new UsageError('--confirm-refresh and --reason only go with --refresh-baseline');
      }
      if (f.adapter !== undefined && f['adapter-mode'] === 'paper') throw new UsageError('--adapter goes with --adapter-mode adapter');
      const dataset = resolve(f.dataset);
      const run = await runRegression({ dataset, outputDir: resolve(f['output-dir']), seed: f.seed, label: f.label, adapterMode: f['adapter-mode'], adapter: f.adapter });
      if (f['refresh-baseline']) {
        await refreshBaseline(dataset, run, {
          reason: f.reason!, refreshed_utc: new Date().toISOString(), git_sha: gitSha(PROJECT_ROOT), label: f.label, seed: f.seed, adapter_mode: f['adapter-mode'],
        }, f.adapter);
        log.warn({ dataset, reason: f.reason }, `baseline refreshed from ${run.runId}`);
        process.stdout.write(`${run.runId} baseline refreshed\n${run.dir}\n`);
        return;
      }
      if (run.differences === undefined) {
        throw new DataError('no baseline to compare with', { file: baselineFile(dataset, f['adapter-mode'], f.adapter) }, { hint: 'create it with --refresh-baseline --confirm-refresh --reason "first baseline"' });
      }
      for (const d of run.differences) log.error({ artifact: d.artifact, baseline: d.baseline, now: d.now }, `${d.artifact} differs from the baseline`);
      process.stdout.write(`${run.runId} ${run.differences.length === 0 ? 'PASS' : `FAIL (${run.differences.map((d) => d.artifact).join(', ')})`}\n${run.dir}\n`);
      if (run.differences.length > 0) process.exitCode = ExitCode.invalidInput;
    } catch (err) {
      reportError(log, err);
    }
  },
};
