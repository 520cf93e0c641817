import { resolve } from 'node:path';
import { createLogger } from '../lib/log.js';
import { ExitCode, QuantError, UsageError, exitCodeOf } from '../lib/errors.js';
import { PROJECT_ROOT } from '../lib/stage/root.js';
import { runPipeline, runExitCode, type RunOptions, type RunRecord } from './runner.js';
import { REGISTRY } from './registry.js';
import type { Registry } from './registry_types.js';
import { newRunId } from '../lib/stage/run_id.js';
import { isSafeName, assertSafeName } from '../lib/paths.js';

/** Shared by run_all and stage_cli: run, print a summary table on stdout, exit with a fixed code. */
export async function runAndExit(
  opts: Omit<RunOptions, 'registry' | 'projectRoot' | 'log'> & { verbose: boolean; registry?: Registry },
): Promise<never> {
  const runId = opts.runId ?? newRunId(new Date());
  if (!isSafeName('run_id', runId)) {
    try {
      assertSafeName('run_id', runId, { flag: '--run_id' });
    } catch (e) {
      usageExit((e as QuantError).message, (e as QuantError).hint ?? 'npm run all -- --help');
    }
  }
  const log = createLogger({ stage: 'orchestrator', run_id: runId }, opts.verbose ? 'debug' : undefined);
  try {
    const record = await runPipeline({ ...opts, runId, registry: opts.registry ?? REGISTRY, projectRoot: PROJECT_ROOT, log });
    process.stdout.write(summaryTable(record));
    process.exit(runExitCode(record));
  } catch (err) {
    const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
    log.error({ exit_code: exitCodeOf(err), ...(opts.verbose && err instanceof Error ? { stack: err.stack } : {}) }, msg);
    process.exit(exitCodeOf(err));
  }
}

/** The value of --log-format (json | pretty), checked. */
export function logFormatArg(v: string | undefined): string {
  if (v !== 'json' && v !== 'pretty') throw new UsageError(`--log-format must be json or pretty, was ${JSON.stringify(v ?? '')}`);
  return v;
}

/** A command-line mistake: one readable error line (pino, stderr) and exit 2, before anything is written. */
export function usageExit(message: string, hint: string): never {
  createLogger({ stage: 'orchestrator', run_id: '-' }).error({ exit_code: ExitCode.usage }, new UsageError(message, { hint }).describe());
  process.exit(ExitCode.usage);
}

export function summaryTable(r: RunRecord): string {
  const rows = r.stages.map((s) => {
    const o = s.outcome;
    const what = o.type === 'not_selected' ? '' : 'reason' in o ? o.reason : '';
    const changed = 'changed' in o && o.changed ? ` (${o.changed.join(', ')})` : '';
    const line = `  ${s.name.padEnd(12)} ${o.type.padEnd(12)} ${(s.duration_ms / 1000).toFixed(2).padStart(7)}s  ${what}${changed}`;
    const sh = s.shards;
    if (!sh) return line;
    const slowest = sh.shards.filter((x) => x.outcome === 'ran' || x.outcome === 'failed').sort((a, b) => b.duration_ms - a.duration_ms)[0];
    const retried = sh.shards.filter((x) => x.attempts > 1).map((x) => `${x.label} x${x.attempts}`);
    return `${line}\n  ${''.padEnd(12)} shards (${sh.executor}, by ${sh.by}): ${sh.total} = ${sh.ran} ran + ${sh.reused} reused${sh.failed ? ` + ${sh.failed} FAILED` : ''}${sh.cancelled ? ` + ${sh.cancelled} cancelled` : ''}`
      + `; plan ${(sh.plan_ms / 1000).toFixed(2)}s, shards ${(sh.shards_ms / 1000).toFixed(2)}s, commit ${(sh.commit_ms / 1000).toFixed(2)}s`
      + (slowest ? `; slowest ${slowest.label} ${(slowest.duration_ms / 1000).toFixed(2)}s` : '') + (retried.length ? `; retried ${retried.join(', ')}` : '');
  });
  const rolled = r.rolled_back?.length
    ? [`  rolled back: ${r.rolled_back.join(', ')} (the run ${r.status === 'interrupted' ? 'was interrupted' : 'failed'}: the lake is as it was before it)`]
    : [];
  const warned = r.stages.flatMap((s) => (s.warnings ?? []).map((w) => `  ! ${s.name}: ${w}`));
  const warnings = warned.length ? [`warnings (${warned.length}):`, ...warned] : [];
  return `run ${r.run_id}: ${r.status} in ${(r.duration_ms / 1000).toFixed(2)}s (timeframe ${r.timeframe})\n${[...rows, ...rolled, ...warnings].join('\n')}\n`;
}

export const DEFAULTS = {
  dataDir: () => resolve(process.env.QUANTLAB_DATA_DIR ?? 'data'),
  specDir: () => resolve('spec'),
};
