import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readJson, writeJsonAtomic } from '../fsx.js';
import { manifestPath } from './manifest.js';
import { isSafeName, resolveInside } from '../paths.js';

/**
 * A run publishes its stages' outputs together. When the orchestrator runs a stage, the stage does not delete the
 * outputs it replaces: it moves them, with its previous manifest, into the run's generation folder
 * `data/.generations/<run_id>/<stage>/`, after writing a journal of what it is about to replace. When the run
 * succeeds the orchestrator marks the generation committed and deletes it; when any stage fails, or the run is
 * interrupted or killed, every stage the run committed is rolled back, so every lake file is byte-identical to
 * before the run. Rolling back is idempotent, so a rollback that is itself killed is finished by the next run.
 *
 * Layout of one stage's entry:
 *   journal.json     { stage, outputs: { <output>: had a previous version? }, had_manifest }
 *   outputs/<output> the previous version of each output that had one
 *   manifest.json    the previous stage manifest, if there was one
 */
export interface StageJournal {
  version: 1;
  stage: string;
  outputs: Record<string, boolean>;
  had_manifest: boolean;
}

const COMMITTED_PREFIX = '.committed-';

export function generationsRoot(dataDir: string): string {
  return resolveInside(dataDir, '.generations');
}

export function generationDir(dataDir: string, runId: string): string {
  return resolveInside(dataDir, '.generations', runId);
}

function entryDir(dataDir: string, runId: string, stage: string): string {
  return resolveInside(dataDir, '.generations', runId, stage);
}

/**
 * Keep the previous generation of a stage's outputs and manifest instead of deleting them (called by the stage
 * just before it swaps its staged outputs in). The journal is written first, so a kill at any later point is
 * recoverable. Returns the folder the previous outputs are moved into.
 */
export async function keepPreviousGeneration(dataDir: string, runId: string, stage: string, outputs: readonly string[]): Promise<string> {
  const dir = entryDir(dataDir, runId, stage);
  await mkdir(dir, { recursive: true });
  const journal: StageJournal = {
    version: 1,
    stage,
    outputs: Object.fromEntries(outputs.map((o) => [o, existsSync(resolveInside(dataDir, o))])),
    had_manifest: existsSync(manifestPath(dataDir, stage)),
  };
  await writeJsonAtomic(join(dir, 'journal.json'), journal);
  if (journal.had_manifest) await rename(manifestPath(dataDir, stage), join(dir, 'manifest.json'));
  return join(dir, 'outputs');
}

/** Stages with an entry in a run's generation (the stages that run committed or began to commit). */
export async function generationStages(dataDir: string, runId: string): Promise<string[]> {
  const dir = generationDir(dataDir, runId);
  if (!existsSync(dir)) return [];
  const names = await readdir(dir, { withFileTypes: true });
  // Only entries a stage can have written (stage names are identifiers); anything else is removed with the generation.
  return names.filter((d) => d.isDirectory() && isSafeName('identifier', d.name) && existsSync(join(dir, d.name, 'journal.json'))).map((d) => d.name).sort();
}

/**
 * Put one stage's previous outputs and manifest back. Order: the new manifest goes first (a half-restored stage
 * has no manifest and reruns), then each output, then the old manifest. Every step checks what is on disk, so
 * repeating a rollback after a kill restores the same state.
 */
export async function rollbackStage(dataDir: string, runId: string, stage: string): Promise<void> {
  const dir = entryDir(dataDir, runId, stage);
  const journal = await readJson<StageJournal>(join(dir, 'journal.json'));
  const savedManifest = join(dir, 'manifest.json');
  // The manifest on disk is this run's when the old one was moved away or there was none; else it is the old one.
  if (!journal.had_manifest || existsSync(savedManifest)) await rm(manifestPath(dataDir, stage), { force: true });
  // The journal is read from disk: its output paths are checked like any other before anything is removed.
  for (const [o, hadPrevious] of Object.entries(journal.outputs)) {
    const target = resolveInside(dataDir, o);
    const saved = resolveInside(dir, 'outputs', o);
    if (!hadPrevious) {
      await rm(target, { recursive: true, force: true }); // the run created it
    } else if (existsSync(saved)) {
      await rm(target, { recursive: true, force: true });
      await mkdir(dirname(target), { recursive: true });
      await rename(saved, target);
    } // else: already restored (or never moved)
  }
  if (existsSync(savedManifest)) await rename(savedManifest, manifestPath(dataDir, stage));
  await rm(dir, { recursive: true, force: true });
}

/** Roll back every stage of a run's generation and remove it. Returns the stages rolled back. */
export async function rollbackGeneration(dataDir: string, runId: string): Promise<string[]> {
  const stages = await generationStages(dataDir, runId);
  for (const s of stages) await rollbackStage(dataDir, runId, s);
  await rm(generationDir(dataDir, runId), { recursive: true, force: true });
  await rmdir(generationsRoot(dataDir)).catch(() => undefined);
  return stages;
}

/**
 * The run succeeded: its generation is garbage. It is renamed out of the way first (one atomic step), so a kill
 * during the delete can never leave a half-deleted generation that the next run would roll back.
 */
export async function discardGeneration(dataDir: string, runId: string): Promise<void> {
  const dir = generationDir(dataDir, runId);
  if (!existsSync(dir)) return;
  const gone = resolveInside(dataDir, '.generations', `${COMMITTED_PREFIX}${runId}`);
  await rename(dir, gone);
  await rm(gone, { recursive: true, force: true });
  await rmdir(generationsRoot(dataDir)).catch(() => undefined); // when no other generation is left
}

/**
 * Generations left by runs that died (the orchestrator was killed): roll back the unfinished ones, delete the
 * committed ones still being deleted. Called by the next run once it holds the lock, before anything reads the lake.
 */
export async function recoverGenerations(dataDir: string): Promise<{ run_id: string; rolled_back: string[] }[]> {
  const root = generationsRoot(dataDir);
  if (!existsSync(root)) return [];
  const out: { run_id: string; rolled_back: string[] }[] = [];
  for (const runId of (await readdir(root)).sort()) {
    // Entries no run can have made (not a run id) hold nothing to roll back; they go with the folder below.
    if (runId.startsWith(COMMITTED_PREFIX)) await rm(resolveInside(root, runId), { recursive: true, force: true });
    else if (isSafeName('run_id', runId)) out.push({ run_id: runId, rolled_back: await rollbackGeneration(dataDir, runId) });
  }
  await rm(root, { recursive: true, force: true });
  return out;
}
