import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { sha256Hex } from '../hash.js';
import { LakeDb } from '../lake/index.js';
import { readStageManifest } from '../stage/manifest.js';
import { QuantError } from '../errors.js';
import { runPipeline, type RunRecord } from '../../orchestrator/runner.js';
import type { Registry } from '../../orchestrator/registry_types.js';
import { SUMMARISERS, genericSummary, mergeSummaries } from './summarisers/index.js';
import type { RunSummaries } from './types.js';

/** The batch's clock (2025-02-05 00:00 UTC, the end of its data) and run id: provenance is the same every run. */
export const GOLDEN_NOW_MS = Date.UTC(2025, 1, 5);
export const GOLDEN_RUN_ID = 'golden';

export interface BatchOptions {
  registry: Registry;
  projectRoot: string;
  /** the real spec dir: everything but the pipeline spec comes from there */
  specDir: string;
  /** golden/batch.yaml: a pipeline spec (timeframe, stages.ingest/clean params) */
  batchFile: string;
  /** extra 'stage.key=value' overrides (to see what a rule change would do to the baseline) */
  set?: string[];
  log: Logger;
  /** stage logs at info level instead of warn */
  verbose?: boolean;
  /** run in this data dir and keep it (default: a temp dir removed afterwards) */
  keepDataDir?: string;
}

export async function batchDigest(batchFile: string): Promise<string> {
  return sha256Hex(await readFile(batchFile));
}

/** Run the certification batch into a fresh data dir and summarise every stage it ran, in pipeline order. */
export async function runAndSummarise(o: BatchOptions): Promise<RunSummaries> {
  const dataDir = o.keepDataDir ?? (await mkdtemp(join(tmpdir(), 'quantlab-golden-')));
  try {
    const record = await runBatch(o, dataDir);
    return await summariseRun(o.registry, dataDir, record);
  } finally {
    if (!o.keepDataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * runPipeline over the batch spec, every stage forced, with the clock and run id fixed. Stage processes inherit
 * this process's environment, so QUANTLAB_NOW_MS (and the stage log level) are set here for the run and restored.
 */
export async function runBatch(o: BatchOptions, dataDir: string): Promise<RunRecord> {
  return withEnv({ QUANTLAB_NOW_MS: String(GOLDEN_NOW_MS), QUANTLAB_LOG_LEVEL: o.verbose ? 'info' : 'warn' }, () =>
    runPipeline({
      registry: o.registry, projectRoot: o.projectRoot, dataDir, specDir: o.specDir, pipelineFile: o.batchFile,
      overrides: { set: o.set ?? [] }, force: true, dryRun: false, onError: 'fail', runId: GOLDEN_RUN_ID,
      argv: ['golden', ...(o.set ?? []).flatMap((s) => ['--set', s])], log: o.log, verbose: false,
    }),
  );
}

/** Generic checks plus the stage's own summariser, for every stage that ran; why the others did not. */
export async function summariseRun(registry: Registry, dataDir: string, record: RunRecord): Promise<RunSummaries> {
  const out: RunSummaries = { order: [], stages: {}, failed: {} };
  const db = await LakeDb.open({ threads: 2 });
  try {
    for (const s of record.stages) {
      const o = s.outcome;
      if (o.type === 'not_selected') continue;
      out.order.push(s.name);
      if (o.type === 'failed' || o.type === 'blocked') {
        out.failed[s.name] = o.reason;
        continue;
      }
      const manifest = await readStageManifest(dataDir, s.name);
      const def = registry.find((r) => r.def.name === s.name)?.def;
      if (!manifest || !def) {
        out.failed[s.name] = `${o.type}, but no stage manifest in ${dataDir}/state/stages`;
        continue;
      }
      const ctx = { dataDir, lakeRoot: join(dataDir, 'lake'), db, manifest, outputs: def.outputs };
      const own = SUMMARISERS[s.name];
      out.stages[s.name] = mergeSummaries(await genericSummary(ctx), own ? await own(ctx) : {});
    }
  } finally {
    db.close();
  }
  return out;
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

/** Refresh must not certify a batch that did not complete. */
export function assertComplete(s: RunSummaries): void {
  const failed = Object.entries(s.failed);
  if (failed.length) {
    throw new QuantError(`the certification batch did not complete: ${failed.map(([n, r]) => `${n}: ${r}`).join('; ')}`, {
      hint: 'fix the failing stage (rerun with --verbose for its logs); a baseline is only written from a complete run',
    });
  }
}
