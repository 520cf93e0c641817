import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintParts, fingerprintOf, changedParts, type FingerprintParts } from '../lib/stage/fingerprint.js';
import { committedOutputDigests, readStageManifest } from '../lib/stage/manifest.js';
import { loadCosts } from '../lib/costs/digest.js';
import type { RegisteredStage } from './registry_types.js';

/** Why a stage runs or is skipped: a stable reason, logged and recorded. */
export type Decision =
  | { type: 'run'; reason: 'forced' | 'no previous run' | 'output missing' | 'changed'; changed?: string[]; fingerprint: string }
  | { type: 'skip'; reason: 'fresh'; fingerprint: string };

export interface DecideEnv {
  dataDir: string;
  specDir: string;
  projectRoot: string;
  codeCache: Map<string, string>;
  costDigestCache: { value?: Promise<string> };
}

export async function decide(stage: RegisteredStage, params: unknown, env: DecideEnv, forced: boolean): Promise<Decision> {
  const parts: FingerprintParts = await fingerprintParts(stage.def, params, {
    dataDir: env.dataDir,
    specDir: env.specDir,
    projectRoot: env.projectRoot,
    script: stage.script,
    committed: await committedOutputDigests(env.dataDir),
    costDigest: () => (env.costDigestCache.value ??= loadCosts(join(env.specDir, 'costs.yaml')).then((c) => c.digest)),
    codeCache: env.codeCache,
  });
  const fingerprint = fingerprintOf(parts);
  if (forced) return { type: 'run', reason: 'forced', fingerprint };
  const prev = await readStageManifest(env.dataDir, stage.def.name);
  if (!prev) return { type: 'run', reason: 'no previous run', fingerprint };
  if (stage.def.outputs.some((o) => prev.outputs[o]?.digest !== 'missing' && !existsSync(join(env.dataDir, o)))) {
    return { type: 'run', reason: 'output missing', fingerprint };
  }
  if (prev.fingerprint === fingerprint) return { type: 'skip', reason: 'fresh', fingerprint };
  return { type: 'run', reason: 'changed', changed: changedParts(prev.parts, parts), fingerprint };
}
