import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fingerprintParts, fingerprintOf, changedParts, type FingerprintParts } from '../lib/stage/fingerprint.js';
import { committedOf, readAllStageManifests, type StageManifest } from '../lib/stage/manifest.js';
import { sha256Hex } from '../lib/hash.js';
import type { DecideCache } from './decide_cache.js';
import type { CodeFiles } from '../lib/stage/code_digest.js';
import type { RegisteredStage } from './registry_types.js';

/** Why a stage runs or is skipped: a stable reason, logged and recorded. */
export type Decision =
  | { type: 'run'; reason: 'forced' | 'no previous run' | 'output missing' | 'changed'; changed?: string[]; fingerprint: string }
  | { type: 'skip'; reason: 'fresh'; fingerprint: string };

export interface DecideEnv {
  dataDir: string;
  specDir: string;
  projectRoot: string;
  /** Per run: each compiled file read and hashed once for every stage's code digest. */
  codeFiles: CodeFiles;
  costDigestCache: { value?: Promise<string> };
  lockfileCache?: { value?: string };
  /**
   * Every stage manifest, read once and shared by the decisions until a stage process ends (the runner drops it
   * then: that stage may have rewritten its manifest, and its outputs are the inputs of the next).
   */
  manifests?: Promise<Map<string, StageManifest>>;
  /** Spec digests by file or folder, read once for all decisions; dropped with `manifests`. */
  specMemo?: Map<string, Record<string, string>>;
  /** Kept between runs: spec and cost digests by content (orchestrator/decide_cache.ts). */
  cache?: DecideCache;
}

/** The stage manifests as the decisions see them (read once per env until dropped). */
export function stageManifests(env: DecideEnv): Promise<Map<string, StageManifest>> {
  return (env.manifests ??= readAllStageManifests(env.dataDir));
}

export async function decide(stage: RegisteredStage, params: unknown, env: DecideEnv, forced: boolean): Promise<Decision> {
  const manifests = await stageManifests(env);
  const parts: FingerprintParts = await fingerprintParts(stage.def, params, {
    dataDir: env.dataDir,
    specDir: env.specDir,
    projectRoot: env.projectRoot,
    script: stage.script,
    committed: committedOf(manifests),
    costDigest: () => (env.costDigestCache.value ??= costDigestOf(join(env.specDir, 'costs.yaml'), env.cache)),
    codeFiles: env.codeFiles,
    ...(env.lockfileCache ? { lockfileCache: env.lockfileCache } : {}),
    ...(env.cache ? { specCache: env.cache.specs } : {}),
    specMemo: (env.specMemo ??= new Map()),
  });
  const fingerprint = fingerprintOf(parts);
  if (forced) return { type: 'run', reason: 'forced', fingerprint };
  const prev = manifests.get(stage.def.name);
  if (!prev) return { type: 'run', reason: 'no previous run', fingerprint };
  if (stage.def.outputs.some((o) => prev.outputs[o]?.digest !== 'missing' && !existsSync(join(env.dataDir, o)))) {
    return { type: 'run', reason: 'output missing', fingerprint };
  }
  if (prev.fingerprint === fingerprint) return { type: 'skip', reason: 'fresh', fingerprint };
  return { type: 'run', reason: 'changed', changed: changedParts(prev.parts, parts), fingerprint };
}

/**
 * The digest of the resolved cost config (lib/costs/digest.ts loadCosts), through the decide cache when there is
 * one: keyed by the bytes of costs.yaml. A missing or bad file goes to loadCosts, which reports it as before.
 */
async function costDigestOf(file: string, cache: DecideCache | undefined): Promise<string> {
  const bytes = cache ? await readFile(file).catch(() => undefined) : undefined;
  const key = bytes ? sha256Hex(bytes) : undefined;
  const hit = key !== undefined ? cache!.costs.get(key) : undefined;
  if (hit !== undefined) return hit;
  const { loadCosts } = await import('../lib/costs/digest.js');
  const d = (await loadCosts(file)).digest;
  if (key !== undefined) cache!.costs.set(key, d);
  return d;
}
