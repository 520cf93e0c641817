#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { templatesStage } from '../lib/stages/templates/definition.js';

await runStageMain(templatesStage);
