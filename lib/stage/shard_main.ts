import { link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deserialize, serialize } from 'node:v8';
import type { Logger } from '../log.js';
import { QuantError, UsageError } from '../errors.js';
import { readJson, readJsonIfExists, writeFileAtomic, writeJsonAtomic } from '../fsx.js';
import { digestJson, sha256Hex } from '../hash.js';
import { resolveInside } from '../paths.js';
import { openShardDb } from './shard.js';
import type { ShardItem, ShardSpec, StageDefinition } from './definition.js';
import { fingerprintOf, type FingerprintParts } from './fingerprint.js';
import { readStageManifest } from './manifest.js';
import { decodeShardResult, encodeShardResult } from './shard.js';
import { stagingRoot, undeclaredWrites } from './outputs.js';
import { makeContext, prepareStage, publishStage, withSignals, type StageInvocation } from './execute.js';

/**
 * A sharded run of one stage, in three kinds of process (docs/scale.md):
 *
 *   plan     lists the shards, runs the cross-section step (prepare), decides which shards are unchanged since the
 *            committed run (their fingerprint is in state/shards/<stage>.json) and writes the plan:
 *            .staging/<stage>/<run>.shards/plan.json (+ prepared.bin)
 *   shard    one shard, anywhere the data dir is reachable: writes into <id>.attempt-<pid>/, then renames it to
 *            <id>/ in one step, so a shard killed at any point leaves no output another attempt would use
 *   commit   moves every shard's files (linking the unchanged ones from the committed outputs) into the stage's
 *            staging, runs the reduce, and publishes the stage exactly as an unsharded run does: one swap, then the
 *            manifest. The stage stays atomic.
 */
export interface ShardPlan {
  version: 1;
  stage: string;
  run_id: string;
  by: string;
  fingerprint: string;
  parts: FingerprintParts;
  prepared_digest: string;
  shards: PlannedShard[];
}

export interface PlannedShard extends ShardItem {
  id: string;
  fingerprint: string;
  /** Unchanged since the committed run: its files are linked, not recomputed. */
  reuse: boolean;
}

/** What a finished shard leaves beside its files. */
export interface ShardDone {
  label: string;
  fingerprint: string;
  files: string[];
  duration_ms: number;
  result: unknown;
}

/** state/shards/<stage>.json: the committed run's shards (fingerprint, files, result), for shard-level skipping. */
export interface ShardIndex {
  version: 1;
  stage: string;
  run_id: string;
  shards: Record<string, { fingerprint: string; files: string[]; result: unknown }>;
}

const DONE_FILE = '_shard.json';

export function shardRoot(dataDir: string, stage: string, runId: string): string {
  return resolveInside(dataDir, '.staging', stage, `${runId}.shards`);
}

export function shardPlanPath(dataDir: string, stage: string, runId: string): string {
  return join(shardRoot(dataDir, stage, runId), 'plan.json');
}

export function shardIndexPath(dataDir: string, stage: string): string {
  return resolveInside(dataDir, 'state', 'shards', `${stage}.json`);
}

/** A shard's folder name: stable across runs (so logs and the index line up), safe as a path segment. */
export function shardId(label: string): string {
  return `s${sha256Hex(label).slice(0, 16)}`;
}

/**
 * A shard's fingerprint: the stage's, with its inputs and source folders (externalInputs) narrowed to the shard's
 * (its input digest covers the source files it reads) and the prepared cross-section.
 */
export function shardFingerprint(stage: string, parts: FingerprintParts, shard: ShardItem, preparedDigest: string): string {
  const { inputs: _inputs, external: _external, ...rest } = parts;
  return digestJson({ stage, ...rest, shard: shard.label, input: shard.input_digest, prepared: preparedDigest });
}

/** The stage's parts as its shards see them: the parameters narrowed to the ones a shard reads (ShardSpec.shardParams). */
export function shardParts<P>(spec: Pick<ShardSpec<P>, 'shardParams'>, parts: FingerprintParts, params: P): FingerprintParts {
  return spec.shardParams ? { ...parts, params: digestJson(spec.shardParams(params)) } : parts;
}

export async function runShardPhase<P>(def: StageDefinition<P>, inv: StageInvocation, log: Logger): Promise<void> {
  if (!def.shards) throw new QuantError(`stage ${def.name} does not split into shards`, { hint: 'run it without --shard_phase' });
  const spec = await def.shards();
  if (inv.shardPhase === 'plan') await planPhase(def, spec, inv, log);
  else if (inv.shardPhase === 'shard') {
    if (!inv.shardId) throw new QuantError('--shard_phase shard needs --shard_id');
    await shardPhase(def, spec, inv, log, inv.shardId);
  } else await commitPhase(def, spec, inv, log);
}

async function planPhase<P>(def: StageDefinition<P>, spec: ShardSpec<P>, inv: StageInvocation, log: Logger): Promise<void> {
  const prep = await prepareStage(def, inv, true);
  const root = shardRoot(inv.dataDir, def.name, inv.runId);
  await mkdir(root, { recursive: true });
  const fingerprint = fingerprintOf(prep.parts);
  await withSignals(def.name, log, async (signal) => {
    const ctx = makeContext(def, prep.params, inv, log, stagingRoot(inv.dataDir, def.name, inv.runId), prep.costs, signal);
    const db = await openShardDb(spec);
    try {
      const items = await spec.list(ctx, db);
      const prepared = spec.prepare ? await spec.prepare(ctx, items, db) : undefined;
      if (signal.aborted) throw signal.reason as Error;
      const bytes = serialize(prepared);
      await writeFileAtomic(join(root, 'prepared.bin'), bytes);
      const preparedDigest = sha256Hex(bytes);
      const previous = await committedShards(inv.dataDir, def.name);
      const parts = shardParts(spec, prep.parts, prep.params);
      const shards: PlannedShard[] = items.map((s) => {
        const fp = shardFingerprint(def.name, parts, s, preparedDigest);
        const prev = previous?.shards[s.label];
        const reuse = prev !== undefined && prev.fingerprint === fp && prev.files.every((f) => existsSync(resolveInside(inv.dataDir, f)));
        return { ...s, id: shardId(s.label), fingerprint: fp, reuse };
      });
      const plan: ShardPlan = { version: 1, stage: def.name, run_id: inv.runId, by: spec.by, fingerprint, parts: prep.parts, prepared_digest: preparedDigest, shards };
      await writeJsonAtomic(join(root, 'plan.json'), plan);
      log.info({ fingerprint, shards: shards.length, reused: shards.filter((s) => s.reuse).length }, 'shards planned');
    } finally {
      db.close();
    }
  });
}

/** The committed run's shard index, when it belongs to the committed manifest (else nothing can be reused). */
async function committedShards(dataDir: string, stage: string): Promise<ShardIndex | undefined> {
  const manifest = await readStageManifest(dataDir, stage);
  const index = await readJsonIfExists<ShardIndex>(shardIndexPath(dataDir, stage));
  return manifest && index && index.run_id === manifest.run_id ? index : undefined;
}

export async function readShardPlan(dataDir: string, stage: string, runId: string): Promise<ShardPlan> {
  const file = shardPlanPath(dataDir, stage, runId);
  if (!existsSync(file)) {
    throw new QuantError(`no shard plan for ${stage} run ${runId} at ${file}`, { hint: 'a worker serves one data dir: check that its --data_dir is the orchestrator\'s (one queue per lake: --queue), else the plan phase did not run or its staging was swept: run the stage again' });
  }
  return readJson<ShardPlan>(file);
}

async function shardPhase<P>(def: StageDefinition<P>, spec: ShardSpec<P>, inv: StageInvocation, log: Logger, id: string): Promise<void> {
  const t0 = Date.now();
  const prep = await prepareStage(def, inv, false);
  const plan = await readShardPlan(inv.dataDir, def.name, inv.runId);
  const shard = plan.shards.find((s) => s.id === id);
  if (!shard) throw new QuantError(`shard ${id} is not in the plan of ${def.name} run ${inv.runId}`, { hint: 'the job belongs to another plan: run the stage again' });
  // A worker on another machine must run the code, dependencies and inputs the orchestrator planned with.
  const mine = shardFingerprint(def.name, shardParts(spec, prep.parts, prep.params), shard, plan.prepared_digest);
  if (mine !== shard.fingerprint) {
    const differs = (['code', 'lockfile', 'node', 'params', 'costs'] as const).filter((k) => JSON.stringify(prep.parts[k]) !== JSON.stringify(plan.parts[k]));
    // The same on every attempt on this machine: a usage error (exit 2), not retried.
    throw new UsageError(`shard ${shard.label} of ${def.name}: this process's fingerprint differs from the plan's (${differs.join(', ') || 'specs or sources'})`, {
      hint: 'run the worker from the same build (npm run build), Node version and spec dir as the orchestrator',
    });
  }
  const root = shardRoot(inv.dataDir, def.name, inv.runId);
  const done = join(root, shard.id);
  if (existsSync(join(done, DONE_FILE))) {
    log.info({ shard: shard.label }, 'shard already finished by another attempt');
    return;
  }
  const attempt = join(root, `${shard.id}.attempt-${process.pid}`);
  await rm(attempt, { recursive: true, force: true });
  await mkdir(attempt, { recursive: true });
  await withSignals(def.name, log, async (signal) => {
    const ctx = makeContext(def, prep.params, inv, log, attempt, prep.costs, signal);
    const prepared: unknown = deserialize(await readFile(join(root, 'prepared.bin')));
    const db = await openShardDb(spec);
    let result: unknown;
    try {
      result = encodeShardResult(await spec.runShard(ctx, shard, prepared, db), `shard ${shard.label}: result`);
    } finally {
      db.close();
    }
    if (signal.aborted) throw signal.reason as Error;
    const stray = await undeclaredWrites(attempt, def.outputs);
    if (stray.length) throw new QuantError(`${def.name} shard ${shard.label} wrote undeclared outputs: ${stray.join(', ')}`, { hint: 'declare them in the stage definition' });
    const files = await filesUnder(attempt, def.outputs);
    const record: ShardDone = { label: shard.label, fingerprint: shard.fingerprint, files, duration_ms: Date.now() - t0, result };
    await writeJsonAtomic(join(attempt, DONE_FILE), record);
    // Test hook (tests/scale): hold a finished attempt before it is published, so a test can kill its worker here.
    const pause = Number(process.env.QUANTLAB_TEST_SHARD_PAUSE_MS ?? 0);
    if (pause > 0) await sleep(pause);
    try {
      await rename(attempt, done); // the attempt's files appear all at once, or not at all
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      await rm(attempt, { recursive: true, force: true }); // another attempt published first: same bytes
    }
    log.info({ shard: shard.label, files: files.length, duration_ms: record.duration_ms }, 'shard finished');
  });
}

/** Files under the declared outputs of a folder laid out like the data dir, as sorted relative paths. */
async function filesUnder(root: string, outputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(p: string): Promise<void> {
    const st = await stat(p);
    if (st.isDirectory()) {
      for (const e of (await readdir(p)).sort()) await walk(join(p, e));
    } else out.push(relative(root, p));
  }
  for (const o of outputs) if (existsSync(join(root, o))) await walk(join(root, o));
  return out.sort();
}

async function commitPhase<P>(
  def: StageDefinition<P>, spec: ShardSpec<P>, inv: StageInvocation, log: Logger,
): Promise<void> {
  const prep = await prepareStage(def, inv, false);
  const plan = await readShardPlan(inv.dataDir, def.name, inv.runId);
  if (plan.fingerprint !== fingerprintOf(prep.parts)) {
    throw new QuantError(`${def.name}: its inputs, code or parameters changed since the shards were planned`, { hint: 'run the stage again' });
  }
  const root = shardRoot(inv.dataDir, def.name, inv.runId);
  const staging = stagingRoot(inv.dataDir, def.name, inv.runId);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const previous = await committedShards(inv.dataDir, def.name);
  const index: ShardIndex = { version: 1, stage: def.name, run_id: inv.runId, shards: {} };
  const results: unknown[] = [];
  try {
    for (const s of plan.shards) {
      let files: string[];
      let result: unknown;
      if (s.reuse) {
        const prev = previous?.shards[s.label];
        if (!prev || prev.fingerprint !== s.fingerprint) throw new QuantError(`${def.name} shard ${s.label}: planned as unchanged, but the committed shard index changed`, { hint: 'run the stage again' });
        for (const f of prev.files) {
          const to = resolveInside(staging, f);
          await mkdir(dirname(to), { recursive: true });
          await link(resolveInside(inv.dataDir, f), to); // committed files are replaced by rename, never in place
        }
        ({ files, result } = prev);
      } else {
        const dir = join(root, s.id);
        const record = await readJsonIfExists<ShardDone>(join(dir, DONE_FILE));
        if (!record) throw new QuantError(`${def.name} shard ${s.label} (${s.id}) has not finished`, { hint: 'every shard must finish before the stage commits: run the stage again' });
        for (const f of record.files) {
          const to = resolveInside(staging, f);
          if (existsSync(to)) throw new QuantError(`${def.name}: shards ${s.label} and another both wrote ${f}`, { hint: 'a shard must write only its own partitions' });
          await mkdir(dirname(to), { recursive: true });
          await rename(resolveInside(dir, f), to);
        }
        ({ files, result } = record);
      }
      index.shards[s.label] = { fingerprint: s.fingerprint, files, result };
      results.push(decodeShardResult(result));
    }
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
  await withSignals(def.name, log, async (signal) => {
    const ctx = makeContext(def, prep.params, inv, log, staging, prep.costs, signal);
    const prepared: unknown = deserialize(await readFile(join(root, 'prepared.bin')));
    const db = await openShardDb(spec);
    let summary;
    try {
      summary = await spec.reduce(ctx, plan.shards, results, prepared, db);
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    } finally {
      db.close();
    }
    // The index goes first: it names this run, so until the manifest below names it too nothing is reused from it.
    await writeJsonAtomic(shardIndexPath(inv.dataDir, def.name), index);
    await publishStage(def, inv, log, prep, staging, summary, signal);
  });
  await rm(root, { recursive: true, force: true });
}
