/**
 * The `quantlab experiment <command>` subcommands, for the quantlab bin to register:
 *   yargs.command(experimentCommand)                    // `experiment <command>` with all of them, or
 *   yargs.command('experiment', '...', (y) => y.command(experimentCommands).demandCommand(1))
 */
import type { CommandModule } from 'yargs';
import {
  createCommand, invalidateCommand, listCommand, pauseCommand, promoteCommand, resumeCommand, showCommand, startCommand, validateCommand,
} from './commands.js';
import { runCommandModule } from './run.js';

// Each module has its own argument type; yargs registers them by shape.
export const experimentCommands = [
  validateCommand, createCommand, showCommand, listCommand, startCommand, pauseCommand, resumeCommand, invalidateCommand, promoteCommand, runCommandModule,
] as unknown as CommandModule[];

export const experimentCommand: CommandModule = {
  command: 'experiment <command>',
  describe: 'experiments: validate, create, show, list, run (backtest or paper, exposure enforced) and move them through their audited lifecycle',
  builder: (y) => y.command(experimentCommands).demandCommand(1),
  handler: () => {},
};
