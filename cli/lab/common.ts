/** What every quantlab subcommand shares: the project root, the data dir, logging, git SHA, error exit. */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '../../lib/log.js';
import { exitCodeOf, QuantError } from '../../lib/errors.js';

/** The project root: this file is compiled to dist/cli/lab/. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** --data_dir, else $QUANTLAB_DATA_DIR, else the cwd's data/. Runs go under <data dir>/runs only when --data_dir is given, else <cwd>/runs. */
export function dataDirOf(flag: string | undefined): string {
  return resolve(flag ?? process.env.QUANTLAB_DATA_DIR ?? 'data');
}

export function runsDirOf(flag: string | undefined): string {
  return flag !== undefined ? join(resolve(flag), 'runs') : resolve('runs');
}

export function labLogger(command: string): Logger {
  return createLogger({ stage: `quantlab ${command}`, run_id: '-' });
}

export function gitSha(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** Log the error (message, location, hint) and set the exit code: 2 usage, 3 bad input or data, 1 otherwise. */
export function reportError(log: Logger, err: unknown): void {
  const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
  const code = exitCodeOf(err);
  log.error({ exit_code: code, ...(code === 1 && err instanceof Error ? { stack: err.stack } : {}) }, msg);
  process.exitCode = code;
}

/** QUANTLAB_NOW_MS pins the clock (tests, regression runs). */
export function nowMs(): number {
  const v = process.env.QUANTLAB_NOW_MS;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : Date.now();
}
