import { expect } from '@jest/globals';
import { SpecError } from '../../lib/errors.js';

/** Runs `fn`, expects a SpecError (exit code 3) and returns its issues. */
export function issuesOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).exitCode).toBe(3);
    return (err as SpecError).issues;
  }
  throw new Error('expected a SpecError, nothing was thrown');
}

/** Awaits `p`, expects a SpecError (exit code 3) and returns its issues. */
export async function asyncIssuesOf(p: Promise<unknown>): Promise<readonly string[]> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).exitCode).toBe(3);
    return (err as SpecError).issues;
  }
  throw new Error('expected a SpecError, nothing was thrown');
}
