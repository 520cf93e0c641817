/**
 * What every `quantlab experiment ...` subcommand shares: the --data_dir / --book / --by / --reason options, opening
 * the store, and running a handler so that its output goes to stdout and an error becomes one pino line on stderr
 * plus the fixed exit code (3 for a refused spec or transition: nothing was written).
 */
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { ExperimentStore } from '../../lib/experiments/store.js';
import { loadLearningBook, type LearningBook } from '../../lib/experiments/load.js';
import { ExitCode, QuantError, exitCodeOf } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { PROJECT_ROOT } from '../../lib/stage/main.js';
import { newRunId } from '../../lib/stage/run_id.js';
import { DEFAULTS } from '../../orchestrator/cli_common.js';

export interface CommonArgs {
  data_dir?: string;
  book?: string;
  by?: string;
  reason?: string;
}

export function withCommon<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('data_dir', { type: 'string', describe: 'data folder; the database is <data_dir>/experiments/experiments.sqlite (default $QUANTLAB_DATA_DIR or data)' })
    .option('book', { type: 'string', describe: 'learning book config (default experiments/learning_book.yaml)' })
    .option('by', { type: 'string', describe: 'who acts (recorded in the audit log; default the OS user)' })
    .option('reason', { type: 'string', describe: 'why (recorded in the audit log)' }) as Argv<T & CommonArgs>;
}

export interface Ctx {
  run_id: string;
  actor: string;
  reason: string;
  dataDir: string;
  bookFile: string;
  book(): Promise<LearningBook>;
  store(): ExperimentStore;
  /** Closes the store if it was opened. */
  close(): void;
}

export function context(args: CommonArgs, now: Date = new Date()): Ctx {
  const dataDir = args.data_dir ? resolve(args.data_dir) : DEFAULTS.dataDir();
  const bookFile = args.book ?? join(PROJECT_ROOT, 'experiments', 'learning_book.yaml');
  let store: ExperimentStore | undefined;
  return {
    run_id: newRunId(now),
    actor: args.by ?? userInfo().username,
    reason: args.reason ?? '',
    dataDir,
    bookFile,
    book: () => loadLearningBook(bookFile),
    store: () => (store ??= ExperimentStore.open(dataDir)),
    close: () => store?.close(),
  };
}

/**
 * Runs `fn`, writes what it returns to stdout, sets process.exitCode (0, or the error's fixed code after one error
 * line on stderr). Never calls process.exit, so the `quantlab` bin and tests keep control.
 */
export async function runCommand(name: string, args: CommonArgs, fn: (ctx: Ctx) => Promise<string>): Promise<void> {
  const ctx = context(args);
  const log = createLogger({ stage: `experiment ${name}`, run_id: ctx.run_id });
  try {
    const out = await fn(ctx);
    if (out) process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    process.exitCode = ExitCode.ok;
  } catch (err) {
    const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
    log.error({ exit_code: exitCodeOf(err) }, msg);
    process.exitCode = exitCodeOf(err);
  } finally {
    ctx.close();
  }
}
