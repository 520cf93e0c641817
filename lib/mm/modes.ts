/**
 * Run modes of the market maker and the live guard. backtest (default) and paper never send an order. live is
 * refused unless every condition holds, checked in this order:
 *   1. EXCHANGE_API_KEY and EXCHANGE_API_SECRET are both set and non-empty, else exactly
 *      `mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET`
 *   2. PAPER_ONLY is "0" (unset counts as PAPER_ONLY=1, the default), else refused as paper-only
 *   3. this build places no live orders: refused even then (nothing is sent; the realtime loop runs as paper)
 * Key values never appear in a message or a log line; only the names of the variables do.
 */
import { UsageError } from '../errors.js';

export const MM_MODES = ['backtest', 'paper', 'live'] as const;
export type MmMode = (typeof MM_MODES)[number];

export const LIVE_KEYS_MESSAGE = 'mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET';

export class LiveGuardError extends UsageError {}

/** The mode to run in, or a LiveGuardError / UsageError (exit 2). `env` defaults to process.env. */
export function checkMode(mode: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): MmMode {
  const m = mode ?? 'backtest';
  if (!(MM_MODES as readonly string[]).includes(m)) {
    throw new UsageError(`--mode must be one of ${MM_MODES.join(', ')}, was ${JSON.stringify(m)}`, { hint: 'backtest (default) or paper never send orders' });
  }
  if (m !== 'live') return m as MmMode;
  const has = (k: string) => typeof env[k] === 'string' && env[k]!.trim() !== '';
  if (!has('EXCHANGE_API_KEY') || !has('EXCHANGE_API_SECRET')) throw new LiveGuardError(LIVE_KEYS_MESSAGE);
  const paperOnly = env.PAPER_ONLY ?? '1';
  if (paperOnly !== '0') {
    throw new LiveGuardError(`mode=live is blocked: PAPER_ONLY=${JSON.stringify(paperOnly)} (paper only is the default, even with keys)`, {
      hint: 'run --mode paper; live needs PAPER_ONLY=0 set explicitly',
    });
  }
  throw new LiveGuardError('mode=live is not available: this build places no live orders (nothing was sent)', {
    hint: 'run --mode paper to watch the quotes; readiness for keys is reported by npm run mm:analyze',
  });
}

/** A copy of env with secret values replaced by "<set>" (for logging which variables are present). */
export function redactEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['EXCHANGE_API_KEY', 'EXCHANGE_API_SECRET', 'PAPER_ONLY']) {
    const v = env[k];
    if (v !== undefined) out[k] = k === 'PAPER_ONLY' ? v : '<set>';
  }
  return out;
}
