#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { walkforwardStage } from '../lib/stages/walkforward/definition.js';

await runStageMain(walkforwardStage);
