#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { cleanStage } from '../lib/stages/clean/definition.js';

await runStageMain(cleanStage);
