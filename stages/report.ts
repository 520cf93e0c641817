#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { reportStage } from '../lib/stages/report/definition.js';

await runStageMain(reportStage);
