#!/usr/bin/env node
/**
 * `quantlab`: the project's one command (the strategy lab, experiments, ...). Subcommands are thin modules under cli/lab/ (or elsewhere), listed
 * in COMMANDS; add one by appending it. Exit codes: 0 ok, 2 usage, 3 bad input or data, 1 unexpected.
 */
import yargs from 'yargs';
import type { CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { backtestModule } from './lab/backtest.js';
import { liveModule } from './lab/live.js';
import { regressionModule } from './lab/regression.js';
import { tutorModule } from './lab/tutor.js';
import { configModule } from './lab/config.js';
import { experimentCommand } from './experiments/index.js';
import { dashboardModule } from './dashboard/index.js';
import { workerModule } from './worker.js';
import { monitorModule } from './monitor/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<object, any>[] = [
  backtestModule,
  liveModule,
  regressionModule,
  tutorModule,
  configModule,
  experimentCommand,
  dashboardModule,
  workerModule,
  monitorModule,
];

export async function main(argv: string[]): Promise<void> {
  let cli = yargs(argv)
    .scriptName('quantlab')
    .usage('quantlab <command> [options]\n\nThe strategy lab (backtests and paper sessions on the lake through the one engine: docs/lab.md) and experiments (docs/experiments.md).\nquantlab <command> --help shows a command\'s manual.')
    .strict()
    .demandCommand(1, 'name a command')
    .version(false)
    .help()
    .wrap(Math.min(120, process.stdout.columns ?? 120))
    .fail((msg, err, y) => {
      if (err && !msg) throw err;
      createLogger({ stage: 'quantlab', run_id: '-' }).error({ exit_code: ExitCode.usage }, `${msg ?? err?.message}\n  -> run quantlab ${argv[0] && !argv[0].startsWith('-') ? `${argv[0]} ` : ''}--help for usage`);
      void y;
      process.exit(ExitCode.usage);
    });
  for (const c of COMMANDS) cli = cli.command(c);
  await cli.parseAsync();
}

await main(hideBin(process.argv));
