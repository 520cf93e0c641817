/**
 * One error base class, a few subclasses, fixed exit codes (documented in docs/stage-contract.md).
 * A message says what failed, where (file:line:col for specs, file and row for data), the bad value,
 * and what to do next.
 */
export const ExitCode = {
  ok: 0,
  stageFailed: 1,
  usage: 2,
  invalidInput: 3,
  locked: 4,
  interrupted: 130,
} as const;
export type ExitCodeName = keyof typeof ExitCode;

export class QuantError extends Error {
  readonly exitCode: number = ExitCode.stageFailed;
  readonly hint: string | undefined;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
  /** Message plus the hint, as printed to users. */
  describe(): string {
    return this.hint ? `${this.message}\n  -> ${this.hint}` : this.message;
  }
}

/** Wrong command-line use: unknown stage, bad flag value. */
export class UsageError extends QuantError {
  override readonly exitCode: number = ExitCode.usage;
}

/** A spec file that does not validate. `issues` holds every problem, each already located. */
export class SpecError extends QuantError {
  override readonly exitCode: number = ExitCode.invalidInput;
  readonly issues: readonly string[];
  constructor(issues: readonly string[], options?: { hint?: string }) {
    super(issues.length === 1 ? issues[0]! : `${issues.length} spec errors:\n  ${issues.join('\n  ')}`, options);
    this.issues = issues;
  }
}

/** Bad data: names the file, the row or line, the field and the value. */
export class DataError extends QuantError {
  override readonly exitCode: number = ExitCode.invalidInput;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly value: unknown;
  constructor(
    what: string,
    where: { file?: string; line?: number; field?: string; value?: unknown },
    options?: { hint?: string; cause?: unknown },
  ) {
    super(formatDataLocation(what, where), options);
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
    this.value = where.value;
  }
}

/** Another run holds the lake lock. */
export class LockedError extends QuantError {
  override readonly exitCode: number = ExitCode.locked;
}

/** SIGINT/SIGTERM received. */
export class InterruptedError extends QuantError {
  override readonly exitCode: number = ExitCode.interrupted;
}

function formatDataLocation(
  what: string,
  where: { file?: string; line?: number; field?: string; value?: unknown },
): string {
  const loc = where.file ? (where.line !== undefined ? `${where.file}:${where.line}` : where.file) : '';
  const field = where.field ? ` ${where.field}` : '';
  const value = 'value' in where ? `, was ${formatValue(where.value)}` : '';
  return `${loc}${field}${loc || field ? ': ' : ''}${what}${value}`;
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // NaN, Infinity: JSON would say null
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function exitCodeOf(err: unknown): number {
  return err instanceof QuantError ? err.exitCode : ExitCode.stageFailed;
}
