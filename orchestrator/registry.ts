import { ingestStage } from '../lib/stages/ingest/definition.js';
import { cleanStage } from '../lib/stages/clean/definition.js';
import { PROJECT_ROOT } from '../lib/stage/main.js';
import { scriptFor, type Registry } from './registry_types.js';

/** Every stage of the pipeline, in registry order (the tie-break among independent stages). */
export const REGISTRY: Registry = [ingestStage, cleanStage].map((def) => ({ def, script: scriptFor(PROJECT_ROOT, def.name) }));
