#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { eventsStage } from '../lib/stages/events/definition.js';

await runStageMain(eventsStage);
