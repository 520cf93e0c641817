import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (fd 2), carrying the stage and run id. Level from QUANTLAB_LOG_LEVEL (default info).
 * Library code takes a Logger argument; only CLIs create one.
 */
export function createLogger(bindings: { stage: string; run_id: string }, level?: string): Logger {
  return pino(
    {
      level: level ?? process.env.QUANTLAB_LOG_LEVEL ?? 'info',
      base: { stage: bindings.stage, run_id: bindings.run_id },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything (tests, pure callers). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
