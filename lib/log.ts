import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * How logs look: QUANTLAB_LOG_FORMAT (`json` | `pretty`, set by `--log-format`), else readable lines when stderr is a
 * terminal and JSON lines when it is not (a pipe, a file, CI). Stage processes inherit the variable and stderr.
 */
export function logFormat(): LogFormat {
  const f = process.env.QUANTLAB_LOG_FORMAT;
  if (f === 'json' || f === 'pretty') return f;
  return process.stderr.isTTY ? 'pretty' : 'json';
}

/**
 * Structured logs on stderr (fd 2), carrying the stage and run id. Level from QUANTLAB_LOG_LEVEL (default info).
 * Library code takes a Logger argument; only CLIs create one.
 */
export function createLogger(bindings: { stage: string; run_id: string }, level?: string): Logger {
  const options = {
    level: level ?? process.env.QUANTLAB_LOG_LEVEL ?? 'info',
    base: { stage: bindings.stage, run_id: bindings.run_id },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (logFormat() === 'pretty') {
    // Loaded only for readable logs: JSON logs (pipes, CI, the orchestrator's no-op rerun) never pay for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(options, pretty({
      destination: 2, sync: true, colorize: Boolean(process.stderr.isTTY), translateTime: 'SYS:HH:MM:ss',
      ignore: 'stage,run_id', messageFormat: '{stage} {msg}', singleLine: true,
    }));
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, pure callers). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
