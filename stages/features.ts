#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { featuresStage } from '../lib/stages/features/definition.js';

await runStageMain(featuresStage);
