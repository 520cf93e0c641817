#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { discoveryStage } from '../lib/stages/discovery/definition.js';

await runStageMain(discoveryStage);
