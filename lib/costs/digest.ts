/**
 * The cost digest: SHA-256 of the canonical (sorted-key) JSON of the resolved cost config. Reordering keys or
 * reformatting spec/costs.yaml never changes it; changing any number does.
 */
import { digestJson } from '../hash.js';
import { loadSpecFile, validateSpecValue } from '../spec/loader.js';
import { costsSchema, type CostConfig } from './schema.js';

/**
 * Validates a cost config given as a plain value (e.g. embedded in a blueprint) and fills its defaults, exactly as
 * the loader does for spec/costs.yaml. Throws SpecError naming `source` and each bad path. The input is not changed.
 */
export function resolveCosts(raw: unknown, source = '<cost config>'): CostConfig {
  return validateSpecValue<CostConfig>(raw, source, costsSchema);
}

/** SHA-256 hex of the canonical JSON of a resolved config. */
export function costDigest(resolved: CostConfig): string {
  return digestJson(resolved);
}

/** Loads, validates and resolves a costs file (e.g. spec/costs.yaml) and computes its digest. */
export async function loadCosts(file: string): Promise<{ config: CostConfig; digest: string }> {
  const config = await loadSpecFile<CostConfig>(file, costsSchema);
  return { config, digest: costDigest(config) };
}
