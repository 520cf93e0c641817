import { resolve } from 'node:path';
import { createLogger } from '../lib/log.js';
import { QuantError, exitCodeOf } from '../lib/errors.js';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import { runPipeline, type RunOptions, type RunRecord } from './runner.js';
import { REGISTRY } from './registry.js';
import { newRunId } from '../lib/stage/run_id.js';

/** Shared by run_all and stage_cli: run, print a summary table on stdout, exit with a fixed code. */
export async function runAndExit(opts: Omit<RunOptions, 'registry' | 'projectRoot' | 'log'> & { verbose: boolean }): Promise<never> {
  const runId = opts.runId ?? newRunId(new Date());
  const log = createLogger({ stage: 'orchestrator', run_id: runId }, opts.verbose ? 'debug' : undefined);
  try {
    const record = await runPipeline({ ...opts, runId, registry: REGISTRY, projectRoot: PROJECT_ROOT, log });
    process.stdout.write(summaryTable(record));
    process.exit(record.status === 'ok' || record.status === 'dry_run' ? 0 : 1);
  } catch (err) {
    const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
    log.error({ exit_code: exitCodeOf(err), ...(opts.verbose && err instanceof Error ? { stack: err.stack } : {}) }, msg);
    process.exit(exitCodeOf(err));
  }
}

export function summaryTable(r: RunRecord): string {
  const rows = r.stages.map((s) => {
    const o = s.outcome;
    const what = o.type === 'not_selected' ? '' : 'reason' in o ? o.reason : '';
    const changed = 'changed' in o && o.changed ? ` (${o.changed.join(', ')})` : '';
    return `  ${s.name.padEnd(12)} ${o.type.padEnd(12)} ${(s.duration_ms / 1000).toFixed(2).padStart(7)}s  ${what}${changed}`;
  });
  return `run ${r.run_id}: ${r.status} in ${(r.duration_ms / 1000).toFixed(2)}s (timeframe ${r.timeframe})\n${rows.join('\n')}\n`;
}

export const DEFAULTS = {
  dataDir: () => resolve(process.env.QUANTLAB_DATA_DIR ?? 'data'),
  specDir: () => resolve('spec'),
};
