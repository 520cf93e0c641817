/** `quantlab config validate`: lib/lab/config_validate.ts. */
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../lib/errors.js';
import { validateConfig } from '../../lib/lab/config_validate.js';
import { DEFAULT_LIMITS } from '../../lib/lab/paper/command.js';
import { PROJECT_ROOT, dataDirOf, labLogger, reportError, runsDirOf } from './common.js';

type F = { data_dir?: string; costs?: string };

const validate: CommandModule<object, F> = {
  command: 'validate',
  describe: 'check the cost config, the data and runs dirs, the risk defaults and the live environment',
  builder: (y: Argv) => y
    .option('data_dir', { type: 'string', requiresArg: true, describe: 'lake root (default data/ or $QUANTLAB_DATA_DIR)' })
    .option('costs', { type: 'string', requiresArg: true, describe: 'cost config (default spec/costs.yaml of the project)' }) as unknown as Argv<F>,
  handler: async (f) => {
    const log = labLogger('config validate');
    try {
      const checks = await validateConfig({
        costsFile: f.costs ?? join(PROJECT_ROOT, 'spec', 'costs.yaml'), dataDir: dataDirOf(f.data_dir), runsDir: runsDirOf(f.data_dir), env: process.env,
        limits: {
          max_order_notional: DEFAULT_LIMITS.max_order_notional, max_position_notional: DEFAULT_LIMITS.max_position_notional, per_symbol: {},
          max_dd_bps: DEFAULT_LIMITS.max_dd_bps, max_consecutive_rejects: DEFAULT_LIMITS.max_consecutive_rejects,
          stale_after_ms: DEFAULT_LIMITS.stale_after_bars * 60_000, kill_switch_file: null, // at the live default interval, 1m
        },
      });
      for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.check.padEnd(17)} ${c.detail}\n`);
      if (checks.some((c) => !c.ok)) process.exitCode = ExitCode.invalidInput;
    } catch (err) {
      reportError(log, err);
    }
  },
};

export const configModule: CommandModule<object, object> = {
  command: 'config <command>',
  describe: 'lab settings: validate',
  builder: (y: Argv) => y.command(validate).demandCommand(1, 'name a config command: validate'),
  handler: () => undefined,
};
