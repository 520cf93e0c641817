#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { planStage } from '../lib/stages/plan/definition.js';

await runStageMain(planStage);
