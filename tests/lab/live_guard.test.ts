import { describe, expect, test } from '@jest/globals';
import { checkLiveGuard } from '../../lib/lab/paper/live_guard.js';
import { riskDigest, type RiskLimits } from '../../lib/lab/paper/guards.js';
import { UsageError } from '../../lib/errors.js';

const LIMITS: RiskLimits = {
  max_order_notional: 50_000, max_position_notional: 100_000, per_symbol: {}, max_dd_bps: 400, max_consecutive_rejects: 5,
  stale_after_ms: 180_000, kill_switch_file: null,
};
const D = riskDigest(LIMITS);
const KEYS = { CCXT_API_KEY: 'k-zq81x', CCXT_API_SECRET: 's-vv29y' };

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    const text = (e as UsageError).describe();
    expect(text).not.toMatch(/zq81x|vv29y/);
    return (e as UsageError).message;
  }
  throw new Error('expected a refusal');
}

describe('live is impossible by accident', () => {
  test('no live piece at all: a paper session', () => {
    expect(checkLiveGuard({ env: KEYS, live: false, acknowledge: undefined, limits: LIMITS })).toBeUndefined();
  });

  test('every incomplete combination is refused, naming the first missing piece', () => {
    const pieces = { mode: { MODE: 'live' }, live: true, ack: D, keys: KEYS };
    const names = ['mode', 'live', 'ack', 'keys'] as const;
    for (let mask = 1; mask < 15; mask++) { // every non-empty, incomplete subset
      const has = (k: (typeof names)[number]) => (mask & (1 << names.indexOf(k))) !== 0;
      if (mask === 8) { // credentials alone ask for nothing live: a paper session
        expect(checkLiveGuard({ env: KEYS, live: false, acknowledge: undefined, limits: LIMITS })).toBeUndefined();
        continue;
      }
      const msg = refusal(() => checkLiveGuard({
        env: { ...(has('mode') ? pieces.mode : {}), ...(has('keys') ? KEYS : {}) }, live: has('live'), acknowledge: has('ack') ? D : undefined, limits: LIMITS,
      }));
      const first = names.find((k) => !has(k))!;
      expect(msg).toContain({ mode: 'does not say MODE=live', live: '--live is missing', ack: '--i-acknowledge-risk is missing', keys: 'not set in the environment' }[first]);
    }
  });

  test('the acknowledgement is bound to the limits: changing one asks again', () => {
    const env = { MODE: 'live', ...KEYS };
    expect(checkLiveGuard({ env, live: true, acknowledge: D, limits: LIMITS })).toEqual({ apiKey: 'k-zq81x', secret: 's-vv29y' });
    const changed = { ...LIMITS, max_dd_bps: 500 };
    expect(refusal(() => checkLiveGuard({ env, live: true, acknowledge: D, limits: changed }))).toBe(
      `live trading refused: --i-acknowledge-risk ${D} was given for other risk limits (these limits' digest is ${riskDigest(changed)})`);
    expect(refusal(() => checkLiveGuard({ env: { MODE: 'live', CCXT_API_KEY: 'k-zq81x' }, live: true, acknowledge: D, limits: LIMITS }))).toBe('live trading refused: CCXT_API_SECRET is not set in the environment');
  });
});
