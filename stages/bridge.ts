#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { bridgeStage } from '../lib/stages/bridge/definition.js';

await runStageMain(bridgeStage);
