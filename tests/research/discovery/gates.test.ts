import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError } from '../../../lib/errors.js';
import { loadGates } from '../../../lib/research/gates.js';
import { PROJECT_ROOT } from '../../../lib/stage/main.js';
import { withTempDir } from '../../helpers/tmp.js';
import { TEST_GATES } from './fixture.js';

async function loadText(text: string): Promise<unknown> {
  return withTempDir(async (dir) => {
    const f = join(dir, 'gates.yaml');
    await writeFile(f, text);
    return loadGates(f);
  });
}

async function specError(text: string): Promise<string[]> {
  try {
    await loadText(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).issues.map((i) => i.replace(/^.*gates\.yaml:/, 'gates.yaml:'));
  }
  throw new Error('expected a SpecError');
}

describe('spec/gates.yaml', () => {
  test('the repository file loads with the documented values', async () => {
    const g = await loadGates(join(PROJECT_ROOT, 'spec', 'gates.yaml'));
    expect(g).toEqual({
      discovery: { min_n: 30, min_ess: 20, min_mean_bps: 5, max_q: 0.05, fdr: 'BH' },
      bridge: { min_net_bps: 2, ci_level: 0.95, bootstrap_reps: 2000, notional_usd: 10000, min_capacity_usd: 10000 },
    });
  });

  test('fdr defaults to BH; min_ess above min_n is allowed (ESS <= n: it only binds first)', async () => {
    const g = (await loadText(TEST_GATES.replace('  fdr: BH\n', '').replace('min_ess: 20', 'min_ess: 50'))) as { discovery: { fdr: string; min_ess: number } };
    expect(g.discovery.fdr).toBe('BH');
    expect(g.discovery.min_ess).toBe(50);
  });

  test('gates that can never pass, or pass the wrong sign, are located errors', async () => {
    expect(await specError(TEST_GATES.replace('max_q: 0.05', 'max_q: 0'))).toEqual([
      expect.stringMatching(/^gates\.yaml:5:10 discovery\.max_q: .*, was 0$/),
    ]);
    expect(await specError(TEST_GATES.replace('min_n: 30', 'min_n: -1'))).toEqual([expect.stringMatching(/^gates\.yaml:2:10 discovery\.min_n: .*was -1$/)]);
    expect(await specError(TEST_GATES.replace('min_mean_bps: 5', 'min_mean_bps: -5'))).toEqual([expect.stringMatching(/^gates\.yaml:4:17 discovery\.min_mean_bps/)]);
    expect(await specError(TEST_GATES.replace('ci_level: 0.95', 'ci_level: 1'))).toEqual([expect.stringMatching(/^gates\.yaml:9:13 bridge\.ci_level/)]);
    expect(await specError(TEST_GATES.replace('fdr: BH', 'fdr: bonferroni'))).toEqual([expect.stringMatching(/^gates\.yaml:6:8 discovery\.fdr/)]);
  });

  test('cross-field rules are located too: too few bootstrap tail replicates, capacity below the notional', async () => {
    // 500 replicates at 0.99: 500 * 0.01 / 2 = 2.5 per tail < 5
    expect(await specError(TEST_GATES.replace('ci_level: 0.95', 'ci_level: 0.99'))).toEqual([
      'gates.yaml:10:19 bridge.bootstrap_reps: 500 replicates leave 2.50 in each tail of a 0.99 CI (need >= 5); use at least 1000, was 500',
    ]);
    expect(await specError(TEST_GATES.replace('min_capacity_usd: 10000', 'min_capacity_usd: 5000'))).toEqual([
      expect.stringMatching(/^gates\.yaml:12:21 bridge\.min_capacity_usd: must be >= notional_usd \(10000\).*, was 5000$/),
    ]);
  });
});
