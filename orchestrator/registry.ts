import { ingestStage } from '../lib/stages/ingest/definition.js';
import { cleanStage } from '../lib/stages/clean/definition.js';
import { featuresStage } from '../lib/stages/features/definition.js';
import { eventsStage } from '../lib/stages/events/definition.js';
import { templatesStage } from '../lib/stages/templates/definition.js';
import { planStage } from '../lib/stages/plan/definition.js';
import { discoveryStage } from '../lib/stages/discovery/definition.js';
import { bridgeStage } from '../lib/stages/bridge/definition.js';
import { blueprintStage } from '../lib/stages/blueprint/definition.js';
import { walkforwardStage } from '../lib/stages/walkforward/definition.js';
import { reportStage } from '../lib/stages/report/definition.js';
import { PROJECT_ROOT } from '../lib/stage/root.js';
import { scriptFor, type Registry, type RegisteredStage } from './registry_types.js';

/** Every stage of the pipeline, in registry order (the tie-break among independent stages). */
const STAGES = [ingestStage, cleanStage, featuresStage, eventsStage, templatesStage, planStage, discoveryStage, bridgeStage,
  blueprintStage, walkforwardStage, reportStage] as RegisteredStage['def'][];
export const REGISTRY: Registry = STAGES.map((def) => ({ def, script: scriptFor(PROJECT_ROOT, def.name) }));
