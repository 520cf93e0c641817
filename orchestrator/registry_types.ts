import { join } from 'node:path';
import { UsageError } from '../lib/errors.js';
import type { StageDefinition } from '../lib/stage/definition.js';

/** A stage in the registry: its definition and the compiled executable the orchestrator spawns. */
export interface RegisteredStage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  def: StageDefinition<any>;
  script: string;
}

export type Registry = readonly RegisteredStage[];

export function scriptFor(projectRoot: string, name: string): string {
  return join(projectRoot, 'dist', 'stages', `${name}.js`);
}

export function findStage(registry: Registry, name: string): RegisteredStage {
  const s = registry.find((r) => r.def.name === name);
  if (!s) throw new UsageError(`Unknown stage "${name}". Available: ${registry.map((r) => r.def.name).join(', ')}`);
  return s;
}
