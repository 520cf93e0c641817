#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { blueprintStage } from '../lib/stages/blueprint/definition.js';

await runStageMain(blueprintStage);
