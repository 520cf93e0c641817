/**
 * Live trading is impossible by accident: a session trades real money only when ALL of these hold, checked in this
 * order, each missing piece failing fast (exit 2) and naming itself:
 *   1. the environment says MODE=live
 *   2. the command says --live
 *   3. the command says --i-acknowledge-risk <digest>, and <digest> is the digest of the risk limits given
 *      (riskDigest: changing any limit changes it, so the acknowledgement must be given again)
 *   4. credentials come from the environment: CCXT_API_KEY and CCXT_API_SECRET (never flags, never logged or written)
 * The credentials are returned to the caller only; the description of a passed guard (`describeLiveGuard`) never
 * contains them.
 */
import { UsageError } from '../../errors.js';
import { riskDigest, type RiskLimits } from './guards.js';

export interface LiveGuardInput {
  env: Record<string, string | undefined>;
  live: boolean;
  acknowledge: string | undefined;
  limits: RiskLimits;
}

export interface LiveCredentials {
  apiKey: string;
  secret: string;
}

/** Undefined when no live flag is given at all (a paper session); the credentials when every piece is there. */
export function checkLiveGuard(g: LiveGuardInput): LiveCredentials | undefined {
  const wantsLive = g.live || g.env.MODE === 'live' || g.acknowledge !== undefined;
  if (!wantsLive) return undefined;
  const digest = riskDigest(g.limits);
  if (g.env.MODE !== 'live') {
    throw new UsageError(`live trading refused: the environment does not say MODE=live (was ${g.env.MODE === undefined ? 'unset' : JSON.stringify(g.env.MODE)})`, {
      hint: 'live trading needs MODE=live in the environment, --live, --i-acknowledge-risk <risk digest> and CCXT_API_KEY/CCXT_API_SECRET',
    });
  }
  if (!g.live) throw new UsageError('live trading refused: --live is missing', { hint: 'MODE=live alone never trades: add --live' });
  if (g.acknowledge === undefined) {
    throw new UsageError('live trading refused: --i-acknowledge-risk is missing', { hint: `acknowledge these risk limits with --i-acknowledge-risk ${digest}` });
  }
  if (g.acknowledge !== digest) {
    throw new UsageError(`live trading refused: --i-acknowledge-risk ${g.acknowledge} was given for other risk limits (these limits' digest is ${digest})`, {
      hint: `a limit changed since the acknowledgement: review them and pass --i-acknowledge-risk ${digest}`,
    });
  }
  const missing = ['CCXT_API_KEY', 'CCXT_API_SECRET'].filter((k) => !g.env[k]);
  if (missing.length > 0) {
    throw new UsageError(`live trading refused: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set in the environment`, {
      hint: 'credentials are read from the environment only (never from flags or files), and never logged',
    });
  }
  return { apiKey: g.env.CCXT_API_KEY!, secret: g.env.CCXT_API_SECRET! };
}
