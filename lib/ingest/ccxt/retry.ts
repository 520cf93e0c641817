/** Retry with exponential backoff for transient failures (network errors, rate limits, 5xx). */

export interface RetryPolicy {
  retries: number; // retries after the first attempt
  baseDelayMs: number; // delay before retry k (0-based) is baseDelayMs * 2^k, capped at maxDelayMs
  maxDelayMs: number;
}

export interface RetryHooks {
  isRetryable: (err: unknown) => boolean;
  onRetry: (err: unknown, retry: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export class RetriesExhausted extends Error {
  constructor(readonly attempts: number, readonly last: unknown) {
    super(last instanceof Error ? last.message : String(last), { cause: last });
  }
}

export function backoffMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`; a retryable error is retried up to `policy.retries` times and then surfaces as RetriesExhausted;
 * any other error is rethrown at once, unchanged.
 */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  for (let retry = 0; ; retry++) {
    try {
      return await fn();
    } catch (err) {
      if (!hooks.isRetryable(err)) throw err;
      if (retry >= policy.retries) throw new RetriesExhausted(retry + 1, err);
      const delay = backoffMs(policy, retry);
      hooks.onRetry(err, retry + 1, delay);
      await sleep(delay);
    }
  }
}
