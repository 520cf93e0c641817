#!/usr/bin/env node
import { runStageMain } from '../lib/stage/main.js';
import { walkforwardStageWith } from '../lib/stages/walkforward/definition.js';
import { experimentExposureSource } from '../lib/experiments/enforce.js';

// the experiments' exposure is passed in here: the pipeline (lib/stages) never imports another system
await runStageMain(walkforwardStageWith({ exposure: experimentExposureSource }));
