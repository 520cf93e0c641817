import { describe, expect, test } from '@jest/globals';
import { checkMode, LIVE_KEYS_MESSAGE, LiveGuardError, redactEnv } from '../../lib/mm/modes.js';
import { ExitCode } from '../../lib/errors.js';

describe('live guard', () => {
  test('the exact message for live without keys', () => {
    expect(LIVE_KEYS_MESSAGE).toBe('mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET');
  });
  // every combination of key, secret (absent, empty, set) and PAPER_ONLY (unset, 1, 0, other)
  const keyStates = [undefined, '', 'k3y-VALUE'] as const;
  const paperStates = [undefined, '1', '0', 'yes'] as const;
  const combos = keyStates.flatMap((key) => keyStates.flatMap((secret) => paperStates.map((paper) => ({ key, secret, paper }))));
  test.each(combos)('live is refused: key=$key secret=$secret PAPER_ONLY=$paper', ({ key, secret, paper }) => {
    const env: Record<string, string | undefined> = { EXCHANGE_API_KEY: key, EXCHANGE_API_SECRET: secret, PAPER_ONLY: paper };
    let err: unknown;
    try {
      checkMode('live', env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LiveGuardError);
    const e = err as LiveGuardError;
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.describe()).not.toContain('k3y-VALUE'); // keys never in a message
    const keysComplete = key === 'k3y-VALUE' && secret === 'k3y-VALUE';
    if (!keysComplete) expect(e.message).toBe(LIVE_KEYS_MESSAGE);
    else if (paper !== '0') expect(e.message).toMatch(/^mode=live is blocked: PAPER_ONLY=/);
    else expect(e.message).toMatch(/^mode=live is not available/);
  });
  test('backtest is the default; paper and backtest never need keys', () => {
    expect(checkMode(undefined, {})).toBe('backtest');
    expect(checkMode('paper', {})).toBe('paper');
    expect(() => checkMode('livee', {})).toThrow('--mode must be one of backtest, paper, live, was "livee"');
  });
  test('redactEnv shows which secrets are set, never their values', () => {
    expect(redactEnv({ EXCHANGE_API_KEY: 'abc', EXCHANGE_API_SECRET: 'def', PAPER_ONLY: '1' })).toEqual({ EXCHANGE_API_KEY: '<set>', EXCHANGE_API_SECRET: '<set>', PAPER_ONLY: '1' });
  });
});
