import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { validateConfig } from '../../lib/lab/config_validate.js';
import { ROOT } from '../helpers/strategy_lake.js';
import { withTempDir } from '../helpers/tmp.js';

const LIMITS = { max_order_notional: 50_000, max_position_notional: 100_000, per_symbol: {}, max_dd_bps: 400, max_consecutive_rejects: 5, stale_after_ms: 180_000, kill_switch_file: null };

describe('quantlab config validate', () => {
  test('a valid setup passes every check and never shows credentials', async () => withTempDir(async (d) => {
    const checks = await validateConfig({ costsFile: join(ROOT, 'spec/costs.yaml'), dataDir: d, runsDir: join(d, 'runs'), limits: LIMITS, env: { MODE: 'live', CCXT_API_KEY: 'abc123xyz' } });
    expect(checks.map((c) => [c.check, c.ok])).toEqual([['costs', true], ['data dir', true], ['runs dir', true], ['risk defaults', true], ['live environment', true]]);
    expect(checks[4]!.detail).toContain('MODE=live set, CCXT_API_KEY set, CCXT_API_SECRET not set');
    expect(JSON.stringify(checks)).not.toContain('abc123xyz');
  }));

  test('a bad cost file, a missing data dir and a bad limit fail with located messages', async () => withTempDir(async (d) => {
    const checks = await validateConfig({ costsFile: join(ROOT, 'package.json'), dataDir: join(d, 'nope'), runsDir: join(d, 'runs'), limits: { ...LIMITS, max_dd_bps: -1 }, env: {} });
    expect(checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['costs', 'data dir', 'risk defaults']);
    expect(checks[0]!.detail).toContain('package.json');
    expect(checks[3]!.detail).toBe('--risk.max-dd-bps must be a positive number, was -1');
  }));
});
