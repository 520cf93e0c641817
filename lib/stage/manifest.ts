import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists, writeJsonAtomic, readJson } from '../fsx.js';
import type { FingerprintParts } from './fingerprint.js';
import type { StageRunSummary } from './definition.js';
import { resolveInside } from '../paths.js';

/** Digest of one declared output: a SHA-256 over its files' (relative path, sha256) pairs. */
export interface OutputDigest {
  digest: string;
  files: number;
  bytes: number;
}

/** Written by a stage after its outputs are committed; the orchestrator's record of what is fresh. */
export interface StageManifest {
  version: 1;
  stage: string;
  run_id: string;
  fingerprint: string;
  parts: FingerprintParts;
  params: unknown;
  outputs: Record<string, OutputDigest>;
  summary: StageRunSummary;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  /** Peak resident set size of the stage process, MB (process.resourceUsage().maxRSS). */
  peak_rss_mb: number;
}

export function manifestDir(dataDir: string): string {
  return resolveInside(dataDir, 'state', 'stages');
}

export function manifestPath(dataDir: string, stage: string): string {
  return resolveInside(dataDir, 'state', 'stages', `${stage}.json`);
}

export async function readStageManifest(dataDir: string, stage: string): Promise<StageManifest | undefined> {
  return readJsonIfExists<StageManifest>(manifestPath(dataDir, stage));
}

export async function writeStageManifest(dataDir: string, m: StageManifest): Promise<void> {
  await writeJsonAtomic(manifestPath(dataDir, m.stage), m);
}

/** Invalidate before outputs change: a stage killed mid-commit then has no manifest and reruns. */
export async function removeStageManifest(dataDir: string, stage: string): Promise<void> {
  await rm(manifestPath(dataDir, stage), { force: true });
}

/** Every committed output's digest, by output path, from all stage manifests (small files only). */
export async function committedOutputDigests(dataDir: string): Promise<Map<string, string>> {
  return committedOf(await readAllStageManifests(dataDir));
}

/** Every stage manifest in the data dir, by stage name (file name order). */
export async function readAllStageManifests(dataDir: string): Promise<Map<string, StageManifest>> {
  const out = new Map<string, StageManifest>();
  let names: string[] = [];
  try {
    names = (await readdir(manifestDir(dataDir))).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    // A stage that starts while we list removes its manifest (it is no longer committed): a file listed a moment ago
    // may be gone when we read it, which means "no manifest", not an error.
    let m: StageManifest;
    try {
      m = await readJson<StageManifest>(join(manifestDir(dataDir), n));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    out.set(n.slice(0, -'.json'.length), m);
  }
  return out;
}

/** Output path -> digest over a set of manifests (what committedOutputDigests reads from disk). */
export function committedOf(manifests: ReadonlyMap<string, StageManifest>): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of manifests.values()) for (const [path, d] of Object.entries(m.outputs)) out.set(path, d.digest);
  return out;
}
