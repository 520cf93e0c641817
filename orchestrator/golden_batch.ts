import { GOLDEN_NOW_MS, GOLDEN_RUN_ID, type BatchOptions, type BatchPipeline } from '../lib/golden/index.js';
import type { Registry } from './registry_types.js';
import { runPipeline, type RunRecord } from './runner.js';

/**
 * The pipeline the golden batch runs on (lib/golden BatchPipeline): the registry's stages, and runPipeline over the
 * batch spec with every stage forced and the clock and run id fixed. It lives here because lib/ never imports the
 * orchestrator (docs/architecture.md "Layers"); golden_cli.ts and tests/golden pass it to goldenCheck/goldenRefresh.
 */
export function goldenPipeline(registry: Registry): BatchPipeline {
  return { stages: registry, run: (o, dataDir) => runGoldenBatch(registry, o, dataDir) };
}

/**
 * Stage processes inherit this process's environment, so QUANTLAB_NOW_MS (and the stage log level) are set here for
 * the run and restored.
 */
async function runGoldenBatch(registry: Registry, o: BatchOptions, dataDir: string): Promise<RunRecord> {
  return withEnv({ QUANTLAB_NOW_MS: String(GOLDEN_NOW_MS), QUANTLAB_LOG_LEVEL: o.verbose ? 'info' : 'warn' }, () =>
    runPipeline({
      registry, projectRoot: o.projectRoot, dataDir, specDir: o.specDir, pipelineFile: o.batchFile,
      overrides: { set: o.set ?? [] }, force: true, dryRun: false, onError: 'fail', runId: GOLDEN_RUN_ID,
      argv: ['golden', ...(o.set ?? []).flatMap((s) => ['--set', s])], log: o.log, verbose: false,
    }),
  );
}

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
