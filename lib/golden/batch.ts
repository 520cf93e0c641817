import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { sha256Hex } from '../hash.js';
import { LakeDb } from '../lake/index.js';
import { readStageManifest } from '../stage/manifest.js';
import { QuantError } from '../errors.js';
import { SUMMARISERS, genericSummary, mergeSummaries } from './summarisers/index.js';
import type { RunSummaries } from './types.js';

/** The batch's clock (2025-02-05 00:00 UTC, the end of its data) and run id: provenance is the same every run. */
export const GOLDEN_NOW_MS = Date.UTC(2025, 1, 5);
export const GOLDEN_RUN_ID = 'golden';

/**
 * The pipeline the batch runs on, handed in by the orchestrator (orchestrator/golden_batch.ts goldenPipeline): lib/
 * never imports the orchestrator (docs/architecture.md "Layers").
 */
export interface BatchPipeline {
  /** the registered stages, in registry order: summariseRun reads each one's declared outputs */
  stages: readonly { def: { name: string; outputs: readonly string[] } }[];
  /** Run the batch spec into dataDir, every stage forced, the clock at GOLDEN_NOW_MS, run id GOLDEN_RUN_ID. */
  run(o: BatchOptions, dataDir: string): Promise<BatchRecord>;
}

/** What summariseRun reads of a run (the orchestrator's RunRecord fits it). */
export interface BatchRecord {
  stages: readonly {
    name: string;
    outcome: { type: 'not_selected' } | { type: 'failed' | 'blocked'; reason: string } | { type: 'ran' | 'skipped' | 'would_run' };
  }[];
}

export interface BatchOptions {
  pipeline: BatchPipeline;
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
    const record = await o.pipeline.run(o, dataDir);
    return await summariseRun(o.pipeline.stages, dataDir, record);
  } finally {
    if (!o.keepDataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/** Generic checks plus the stage's own summariser, for every stage that ran; why the others did not. */
export async function summariseRun(stages: BatchPipeline['stages'], dataDir: string, record: BatchRecord): Promise<RunSummaries> {
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
      const def = stages.find((r) => r.def.name === s.name)?.def;
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

/** Refresh must not certify a batch that did not complete. */
export function assertComplete(s: RunSummaries): void {
  const failed = Object.entries(s.failed);
  if (failed.length) {
    throw new QuantError(`the certification batch did not complete: ${failed.map(([n, r]) => `${n}: ${r}`).join('; ')}`, {
      hint: 'fix the failing stage (rerun with --verbose for its logs); a baseline is only written from a complete run',
    });
  }
}
