import { resolve } from 'node:path';
import type { Argv, Options } from 'yargs';
import { parseFast } from '../cli_args.js';
import { createLogger, type Logger } from '../log.js';
import { QuantError, ExitCode, UsageError, exitCodeOf } from '../errors.js';
import type { StageDefinition } from './definition.js';
import { setOverride, parseScalar } from './params.js';
import { newRunId } from './run_id.js';
import { watchParent } from './parent_watch.js';
import { assertSafeName } from '../paths.js';
import { PROJECT_ROOT } from './root.js';
import { executeStage, isCommitting, type StageInvocation } from './execute.js';

/** The project root (lib/stage/root.ts), re-exported for the callers that import it from here. */
export { PROJECT_ROOT };
export { executeStage, type StageInvocation };


/** The executable wrapper every stage shares: `runStageMain(definition)` is the whole of stages/<name>.ts. */
export async function runStageMain<P>(def: StageDefinition<P>, argv = process.argv.slice(2)): Promise<never> {
  let log: Logger | undefined;
  let verbose = argv.includes('--verbose');
  try {
    const inv = await parseStageArgs(def, argv);
    verbose = inv.verbose;
    log = createLogger({ stage: def.name, run_id: inv.runId }, verbose ? 'debug' : undefined);
    if (inv.parentPid !== undefined) stopWhenParentDies(inv.parentPid, log);
    if (inv.shardPhase) {
      const { runShardPhase } = await import('./shard_main.js');
      await runShardPhase(def, inv, log);
    } else await executeStage(def, inv, log);
    process.exit(ExitCode.ok);
  } catch (err) {
    const code = exitCodeOf(err);
    const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
    (log ?? createLogger({ stage: def.name, run_id: '-' })).error(
      { err_type: err instanceof Error ? err.name : typeof err, exit_code: code, ...(verbose && err instanceof Error ? { stack: err.stack } : {}) },
      msg,
    );
    process.exit(code);
  }
}

function stopWhenParentDies(parentPid: number, log: Logger): void {
  watchParent(parentPid, () => {
    if (isCommitting()) return; // the orchestrator's successor rolls this run's generation back
    log.warn({ parent_pid: parentPid }, 'the orchestrator died: stopping without committing (the lake is left as it was)');
    process.exit(ExitCode.interrupted);
  });
}

/**
 * The options every stage takes (besides one option per parameter, added in `parseWithYargs`). A line made of these only
 * (what the orchestrator passes) is parsed by yargs-parser alone (lib/cli_args.ts `parseFast`: the same parser and
 * table yargs would use, so the same values); anything else (a parameter option, --help, a mistake) goes to yargs.
 */
export const STAGE_OPTIONS = {
  data_dir: { type: 'string', default: 'data', describe: 'lake and state root' },
  spec_dir: { type: 'string', default: 'spec', describe: 'spec root' },
  run_id: { type: 'string', describe: 'run id (default: a new one)' },
  params_json: { type: 'string', describe: 'all parameters as JSON (the orchestrator uses this)' },
  set: { type: 'string', array: true, describe: 'override a nested parameter: --set key.sub=value' },
  verbose: { type: 'boolean', default: false, describe: 'debug logs and stack traces' },
  'log-format': { choices: ['json', 'pretty'], describe: 'log lines on stderr (default: pretty on a terminal, JSON otherwise)' },
  keep_generation: { type: 'boolean', default: false, hidden: true, describe: 'orchestrator: keep replaced outputs until the run ends' },
  parent_pid: { type: 'number', hidden: true, describe: 'orchestrator: stop when this process dies' },
  shard_phase: { choices: ['plan', 'shard', 'commit'], hidden: true, describe: 'sharded run: plan the shards, run one (--shard_id), or reduce and commit them' },
  shard_id: { type: 'string', hidden: true, describe: 'sharded run: the shard to run' },
} as const satisfies Record<string, Options>;

/** The stage's command line as yargs reads it: the fixed options, one option per parameter, strict. */
export async function parseWithYargs<P>(def: StageDefinition<P>, argv: string[]): Promise<Record<string, unknown>> {
  const { default: yargs } = await import('yargs');
  const y = yargs(argv)
    .scriptName(`stages/${def.name}`)
    .usage(`$0 [options]\n\n${def.description}`)
    .options(STAGE_OPTIONS)
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(msg ?? err?.message ?? 'bad arguments');
    });
  for (const [name, prop] of Object.entries(def.paramsSchema.properties)) addParamOption(y, name, prop);
  return y.parseSync() as Record<string, unknown>;
}

export async function parseStageArgs<P>(def: StageDefinition<P>, argv: string[]): Promise<StageInvocation> {
  const args = ((await parseFast(STAGE_OPTIONS, argv)) as Record<string, unknown> | undefined) ?? (await parseWithYargs(def, argv));
  if (args.help) process.exit(0);
  if (typeof args['log-format'] === 'string') process.env.QUANTLAB_LOG_FORMAT = args['log-format'];
  let params: Record<string, unknown> = {};
  if (typeof args.params_json === 'string') {
    try {
      params = JSON.parse(args.params_json) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--params_json is not valid JSON: ${(e as Error).message}`);
    }
  }
  for (const name of Object.keys(def.paramsSchema.properties)) if (args[name] !== undefined) params[name] = args[name];
  for (const s of (args.set as string[] | undefined) ?? []) {
    const eq = s.indexOf('=');
    if (eq < 1) throw new UsageError(`--set expects key=value, was ${JSON.stringify(s)}`);
    setOverride(params, s.slice(0, eq), s.slice(eq + 1));
  }
  return {
    dataDir: resolve(String(args.data_dir)),
    specDir: resolve(String(args.spec_dir)),
    // A run id becomes a folder name (staging, generation, trash): checked before anything is created.
    runId: typeof args.run_id === 'string' ? assertSafeName('run_id', args.run_id, { flag: '--run_id' }) : newRunId(new Date()),
    params,
    verbose: Boolean(args.verbose),
    ...(args.keep_generation ? { keepGeneration: true } : {}),
    ...(typeof args.parent_pid === 'number' ? { parentPid: args.parent_pid } : {}),
    ...(typeof args.shard_phase === 'string' ? { shardPhase: args.shard_phase as 'plan' | 'shard' | 'commit' } : {}),
    ...(typeof args.shard_id === 'string' ? { shardId: assertSafeName('identifier', args.shard_id, { flag: '--shard_id' }) } : {}),
    ...(process.argv[1] ? { script: resolve(process.argv[1]) } : {}),
  };
}

function addParamOption(y: Argv, name: string, prop: object): void {
  const p = prop as { type?: string; description?: string; items?: { type?: string } };
  const describe = p.description ?? '';
  if (name.includes('_')) y.alias(name, name.replaceAll('_', '-'));
  if (p.type === 'boolean') y.option(name, { type: 'boolean', describe });
  else if (p.type === 'number' || p.type === 'integer') y.option(name, { type: 'number', describe });
  else if (p.type === 'array') y.option(name, { type: 'string', describe: `${describe} (comma-separated)`, coerce: (v: unknown) => splitList(v, p.items?.type) });
  else if (p.type === 'string') y.option(name, { type: 'string', describe });
  else y.option(name, { type: 'string', describe: `${describe} (JSON)`, coerce: (v: unknown) => parseScalar(String(v)) });
}

function splitList(v: unknown, itemType?: string): unknown[] {
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
  return itemType === 'number' || itemType === 'integer' ? parts.map(Number) : parts;
}

