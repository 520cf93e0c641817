/**
 * `quantlab monitor --start ...` (also `npm run monitor -- --start 2021-01-01 --end 2021-12-31 [--config spec/monitor/config.yaml]
 *   [--experiment experiments/msm/msm_v1_baseline.yaml] [--data_dir data] [--json]`)
 * The majors-vs-alts regime monitor (lib/monitor). Reads the lake read-only; writes data/reports/monitor/,
 * data/artifacts/monitor/ and, with an experiment, data/runs/<run_id>/. Exit 0 ok, 2 usage (nothing written),
 * 3 invalid config or data (located; nothing written), 1 unexpected.
 */
import { resolve } from 'node:path';
import yargs from 'yargs';
import type { Argv, CommandModule } from 'yargs';
import { ExitCode, QuantError, UsageError, exitCodeOf } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { parseUtcDate } from '../../lib/ingest/window.js';
import { SpecError } from '../../lib/errors.js';
import { runMonitor } from '../../lib/monitor/run.js';
import { DEFAULTS } from '../../orchestrator/cli_common.js';
import { referenceLists } from '../../orchestrator/monitor_refs.js';

export interface CliIo { out: (line: string) => void; err: (line: string) => void }

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const USAGE = '$0 --start YYYY-MM-DD --end YYYY-MM-DD [options]\n\nMajors-vs-alts regime monitor: regime timeline, beta/dollar-neutral L/S backtest, regime evaluation (docs/monitor.md).';

/** The monitor's flags: one table for `quantlab monitor` and for runMonitorCli. */
function monitorOptions(y: Argv) {
  return y
    .option('start', { type: 'string', requiresArg: true, describe: 'first day (ISO date, UTC, inclusive) [required]' })
    .option('end', { type: 'string', requiresArg: true, describe: 'last day (ISO date, UTC, inclusive) [required]' })
    .option('config', { type: 'string', requiresArg: true, default: 'spec/monitor/config.yaml', describe: 'base config' })
    .option('experiment', { type: 'string', requiresArg: true, describe: 'experiment YAML deep-merged over the config (category_path msm: MSM mode); writes data/runs/<run_id>/' })
    .option('data_dir', { type: 'string', requiresArg: true, describe: 'lake root (default: data, or $QUANTLAB_DATA_DIR)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the result summary as JSON' })
    .option('log-format', { type: 'string', choices: ['json', 'pretty'], describe: 'log line format (default: pretty on a terminal)' });
}


type MonitorArgs = Awaited<ReturnType<ReturnType<typeof monitorOptions>['parseAsync']>>;

/** The monitor as a function of its argv (tests, `npm run monitor`): parse, run, print; returns the exit code. */
export async function runMonitorCli(argv: readonly string[], io: CliIo, now = Date.now()): Promise<number> {
  let a: MonitorArgs;
  try {
    let helpShown = false;
    a = await monitorOptions(yargs().scriptName('quantlab monitor').usage(USAGE))
      .strict().version(false).help().exitProcess(false).showHelpOnFail(false)
      .fail((msg, err) => { throw new UsageError(msg ?? err?.message ?? 'invalid arguments', { hint: 'run with --help for usage' }); })
      .parseAsync([...argv], {}, (_e, _a, output) => { if (output) { helpShown = true; io.out(output); } });
    if (helpShown) return ExitCode.ok;
  } catch (err) {
    return reportTo(io, err);
  }
  return monitor(a, io, now);
}

async function monitor(a: MonitorArgs, io: CliIo, now: number): Promise<number> {
  try {
    if (a._.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(String(a._[0]))}`, { hint: 'run with --help for usage' });
    const hint = 'pass --start YYYY-MM-DD --end YYYY-MM-DD (UTC days, both inclusive)';
    if (a.start === undefined || a.end === undefined) throw new UsageError(`missing required ${a.start === undefined ? '--start' : '--end'}`, { hint });
    const day = (v: string, flag: string) => {
      if (!DATE.test(v)) throw new UsageError(`${flag}: not an ISO date YYYY-MM-DD, was ${JSON.stringify(v)}`, { hint });
      try { return parseUtcDate(v, flag, 'monitor'); } catch (e) { throw new UsageError(e instanceof SpecError ? e.message : String(e), { hint }); }
    };
    const startMs = day(a.start, '--start');
    const endMs = day(a.end, '--end');
    if (!(startMs <= endMs)) throw new UsageError(`--start ${a.start} is after --end ${a.end}`, { hint });
    if (a['log-format']) process.env.QUANTLAB_LOG_FORMAT = a['log-format'];
    const log = createLogger({ stage: 'monitor', run_id: 'monitor' });
    const res = await runMonitor({
      dataDir: resolve(a.data_dir ?? DEFAULTS.dataDir()), configFile: a.config, experimentFile: a.experiment, startMs, endMs, now, log, referenceLists,
    });
    for (const w of res.warnings) log.warn(w);
    if (a.json) io.out(JSON.stringify(res, null, 2));
    else {
      const k = res.kpis;
      io.out(`monitor ${res.mode}${res.run_id ? ` run ${res.run_id}` : ''}: ${a.start} .. ${a.end}`);
      io.out(`  regimes: ${res.timeline.map((t) => `${t.label} ${t.days}d/${t.episodes}x`).join(', ')}; label changes ${res.label_changes.with_hysteresis} (without hysteresis ${res.label_changes.without})`);
      io.out(`  KPIs: CAGR ${k.cagr?.toFixed(4)} Sharpe ${k.sharpe?.toFixed(3)} Sortino ${k.sortino?.toFixed(3)} maxDD ${k.max_drawdown?.toFixed(4)} Calmar ${k.calmar?.toFixed(3)} hit ${k.hit_rate?.toFixed(3)} turnover/yr ${k.turnover_annual.toFixed(2)}`);
      for (const o of res.outputs) io.out(`  wrote ${o}`);
    }
    return ExitCode.ok;
  } catch (err) {
    return reportTo(io, err);
  }
}

function reportTo(io: CliIo, err: unknown): number {
  io.err(err instanceof QuantError ? err.describe() : String((err as Error)?.stack ?? err));
  return exitCodeOf(err);
}


const STD_IO: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/** `quantlab monitor` (and `npm run monitor`): the same flags and exit codes as runMonitorCli. */
export const monitorModule: CommandModule<object, MonitorArgs> = {
  command: 'monitor',
  describe: 'the majors-vs-alts regime monitor over the lake, read-only (docs/monitor.md)',
  builder: (y: Argv) => monitorOptions(y.usage(USAGE.replace('$0', 'quantlab monitor'))) as unknown as Argv<MonitorArgs>,
  handler: async (a) => {
    process.exitCode = await monitor({ ...a, _: a._.slice(1) }, STD_IO, Date.now());
  },
};
