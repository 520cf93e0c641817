#!/usr/bin/env node
import { resolve, join } from 'node:path';
import { runAndExit, DEFAULTS } from './cli_common.js';
import { REGISTRY } from './registry.js';
import { findStage } from './registry_types.js';
import { createLogger } from '../lib/log.js';
import { exitCodeOf, QuantError, UsageError } from '../lib/errors.js';
import { execa } from 'execa';
import { logFormatArg } from './cli_common.js';

/**
 * npm run stage -- NAME [--key value ...] [--data_dir d] [--allow-synthetic] [--backtest_timeframe 1h]
 *   walkforward also takes --allow-cheaper-costs (= --allow_cheaper_costs true: a labelled what-if, not a validation)
 * Reruns one stage (forced) with the pipeline's parameters plus overrides for that stage; takes the lock and
 * records the run like run_all.
 */
const args = process.argv.slice(2);
const USAGE = `usage: npm run stage -- NAME [--param value ...] [--data_dir DIR] [--spec_dir DIR] [--backtest_timeframe TF]
                      [--allow-synthetic] [--allow-cheaper-costs (walkforward)] [--log-format json|pretty] [--verbose]

Reruns one stage (forced) with the parameters of spec/pipeline.yaml plus the overrides given, under the lake lock,
and records the run like npm run all. --data_dir is the lake root (default: data, or $QUANTLAB_DATA_DIR).
npm run stage -- NAME --help lists that stage's parameters.

Stages: ${REGISTRY.map((r) => r.def.name).join(', ')}
`;
try {
  const name = args[0];
  if (args.includes('--help') || args.includes('-h')) {
    if (name && !name.startsWith('-')) {
      const stage = findStage(REGISTRY, name);
      const r = await execa(process.execPath, [stage.script, '--help'], { stdio: 'inherit', reject: false });
      process.exit(r.exitCode ?? 1);
    }
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (!name || name.startsWith('-')) {
    throw new UsageError(`usage: npm run stage -- NAME [--param value ...]. Stages: ${REGISTRY.map((r) => r.def.name).join(', ')}`);
  }
  findStage(REGISTRY, name);
  const set: string[] = [];
  let dataDir = DEFAULTS.dataDir();
  let specDir = DEFAULTS.specDir();
  let timeframe: string | undefined;
  let allowSynthetic = false;
  let verbose = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const key = m[1]!;
    if (key === 'allow-synthetic') { allowSynthetic = true; continue; }
    if (key === 'verbose') { verbose = true; continue; }
    if (key === 'log-format' || key === 'log_format') { process.env.QUANTLAB_LOG_FORMAT = logFormatArg(m[2] ?? args[++i]); continue; }
    if (key === 'allow-cheaper-costs') {
      if (name !== 'walkforward') throw new UsageError(`--allow-cheaper-costs applies to the walkforward stage, not ${name}`);
      set.push(`walkforward.allow_cheaper_costs=${m[2] ?? 'true'}`);
      continue;
    }
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new UsageError(`--${key} needs a value`);
    if (key === 'data_dir') dataDir = resolve(value);
    else if (key === 'spec_dir') specDir = resolve(value);
    else if (key === 'backtest_timeframe' || key === 'timeframe') timeframe = value;
    else set.push(`${name}.${key}=${value}`);
  }
  await runAndExit({
    dataDir, specDir, pipelineFile: join(specDir, 'pipeline.yaml'),
    overrides: { ...(timeframe ? { timeframe } : {}), set, allowSynthetic },
    only: [name], force: true, dryRun: false, onError: 'fail', argv: args, verbose,
  });
} catch (err) {
  createLogger({ stage: 'orchestrator', run_id: '-' }).error({ exit_code: exitCodeOf(err) }, err instanceof QuantError ? err.describe() : String(err));
  process.exit(exitCodeOf(err));
}
