#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { ingestStage } from '../lib/stages/ingest/definition.js';

await runStageMain(ingestStage);
