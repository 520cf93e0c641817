import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { execa } from 'execa';
import { QuantError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fsx.js';
import { assertComplete, batchDigest, runAndSummarise, GOLDEN_NOW_MS, GOLDEN_RUN_ID, type BatchOptions } from './batch.js';
import { stableJson } from './checks.js';
import { compareRun, diffStage } from './diff.js';
import type { Baseline, BaselineProvenance, CheckReport } from './types.js';

export interface GoldenOptions extends BatchOptions {
  /** golden/baseline.json */
  baselineFile: string;
}

export interface GoldenCheckResult {
  report: CheckReport;
  baseline: BaselineProvenance;
  /** set when the batch file is not the one the baseline certifies (nothing was run) */
  batch_changed?: { expected: string; got: string };
}

export async function readBaseline(file: string): Promise<Baseline> {
  if (!existsSync(file)) {
    throw new QuantError(`no golden baseline at ${file}`, {
      hint: 'create it with npm run golden:refresh -- --confirm --reason "first baseline"',
    });
  }
  const b = JSON.parse(await readFile(file, 'utf8')) as Baseline;
  if (b.version !== 1 || !b.provenance || !b.stages) {
    throw new QuantError(`${file}: not a golden baseline (version ${JSON.stringify(b.version)}); expected {version: 1, provenance, stages}`);
  }
  return b;
}

/** Rerun the batch and compare it with the baseline stage by stage, stopping at the first drift. */
export async function goldenCheck(o: GoldenOptions): Promise<GoldenCheckResult> {
  const baseline = await readBaseline(o.baselineFile);
  const digest = await batchDigest(o.batchFile);
  if (digest !== baseline.provenance.batch_sha256) {
    return {
      baseline: baseline.provenance,
      batch_changed: { expected: baseline.provenance.batch_sha256, got: digest },
      report: { ok: false, verdicts: [], stopped_at: 'batch', not_compared: Object.keys(baseline.stages) },
    };
  }
  const run = await runAndSummarise(o);
  return { baseline: baseline.provenance, report: compareRun(baseline.stages, run) };
}

export interface RefreshOptions extends GoldenOptions {
  confirm: boolean;
  reason: string;
  /** the refresh date (default: now) */
  now?: Date;
}

/** What a refresh changed, per stage: how many checks differ from the previous baseline, or new/removed. */
export type StageChange = { stage: string; change: 'same' | 'new' | 'removed' } | { stage: string; change: 'changed'; drifts: number; checks: number };

/** Rewrite the baseline from a fresh run of the batch, with provenance. Refused without confirm and a reason. */
export async function goldenRefresh(o: RefreshOptions): Promise<{ baseline: Baseline; changes: StageChange[] }> {
  if (!o.confirm) {
    throw new UsageError('golden:refresh rewrites the certified baseline and needs --confirm', {
      hint: 'review what drifted with npm run golden:check first, then: npm run golden:refresh -- --confirm --reason "why the numbers changed"',
    });
  }
  if (!o.reason.trim()) {
    throw new UsageError('golden:refresh needs --reason "why": the reason is recorded in the baseline\'s provenance');
  }
  const run = await runAndSummarise(o);
  assertComplete(run);
  const provenance: BaselineProvenance = {
    ...(await gitState(o.projectRoot)),
    date: (o.now ?? new Date()).toISOString(),
    reason: o.reason.trim(),
    node: process.version,
    batch_file: relative(o.projectRoot, o.batchFile),
    batch_sha256: await batchDigest(o.batchFile),
    run_id: GOLDEN_RUN_ID,
    now_ms: GOLDEN_NOW_MS,
  };
  const baseline: Baseline = { version: 1, provenance, stages: Object.fromEntries(run.order.map((s) => [s, run.stages[s]!])) };
  const previous = existsSync(o.baselineFile) ? await readBaseline(o.baselineFile).catch(() => undefined) : undefined;
  await writeFileAtomic(o.baselineFile, stableJson(baseline));
  return { baseline, changes: changesSince(previous, baseline) };
}

export function changesSince(previous: Baseline | undefined, next: Baseline): StageChange[] {
  const before = previous?.stages ?? {};
  const out: StageChange[] = Object.keys(next.stages).map((stage) => {
    const b = before[stage];
    if (!b) return { stage, change: 'new' as const };
    const { checks, drifts } = diffStage(b, next.stages[stage]!);
    return drifts.length ? { stage, change: 'changed' as const, drifts: drifts.length, checks } : { stage, change: 'same' as const };
  });
  for (const stage of Object.keys(before)) if (!(stage in next.stages)) out.push({ stage, change: 'removed' });
  return out;
}

async function gitState(cwd: string): Promise<{ commit: string; commit_dirty: boolean }> {
  const head = await execa('git', ['rev-parse', 'HEAD'], { cwd, reject: false });
  const status = await execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, reject: false });
  return {
    commit: head.exitCode === 0 ? String(head.stdout).trim() : 'unknown',
    commit_dirty: status.exitCode === 0 ? String(status.stdout).trim().length > 0 : true,
  };
}
