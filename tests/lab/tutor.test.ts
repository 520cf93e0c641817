import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCosts } from '../../lib/costs/digest.js';
import { checkLesson, tutorLesson, type LessonName } from '../../lib/lab/tutor.js';
import type { BacktestArgs, BacktestDeps } from '../../lib/lab/backtest_command.js';
import { silentLogger } from '../../lib/log.js';
import { syntheticSource } from '../../cli/lab/synthetic.js';
import { ROOT } from '../helpers/strategy_lake.js';

let dir: string;
let deps: BacktestDeps;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-tutor-'));
  deps = {
    dataDir: dir, lakeRoot: join(dir, 'lake'), runsDir: join(dir, 'runs'), baseCosts: (await loadCosts(join(ROOT, 'spec', 'costs.yaml'))).config,
    log: silentLogger(), nowMs: 0, env: {}, dotenvPath: join(dir, '.env'), synthetic: syntheticSource, gitSha: null, argv: [], entrypoint: 'test',
  };
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const args = (strategy: LessonName, params?: string): BacktestArgs => ({
  symbol: 'DEMO', strategy, ...(params ? { params } : {}), interval: '1h', assetClass: 'crypto', window: 'P60D', dollarPerTrade: 10_000, initialCash: 100_000,
  paper: false, allowEnvDates: false, allowSynthetic: true, seed: 7,
});

describe('quantlab tutor', () => {
  test('a lesson quotes the run\'s own numbers: the z-score recomputed from the closes is the indicator that fired', async () => {
    const out = await tutorLesson('mean_reversion', args('mean_reversion'), deps, { plot: true, explainMath: true });
    expect((await readdir(out.dir)).sort()).toEqual(['lesson.md', 'lesson.svg', 'numbers.json']);
    const md = await readFile(join(out.dir, 'lesson.md'), 'utf8');
    expect(md.startsWith('# SYNTHETIC RUN\n')).toBe(true);
    const fired = /z_log_close_24 = (-?\d+\.\d{4})/.exec(md)![1];
    const recomputed = /= (-?\d+\.\d{4}) at the first signal\./.exec(md)![1];
    expect(recomputed).toBe(fired);
    expect(Math.abs(Number(fired))).toBeGreaterThan(2); // it fired beyond the entry threshold
    const numbers = JSON.parse(await readFile(join(out.dir, 'numbers.json'), 'utf8'));
    expect(md).toContain(`${numbers.metrics.n_trades} closed trades`);
    expect(md).toContain(`net ${numbers.first_trade.netPnl.toFixed(2)}`);
    expect(await readFile(join(out.dir, 'lesson.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<circle [\s\S]*<\/svg>\n$/);
  }, 120_000);

  test('momentum and pairs lessons; unknown lesson: did you mean', async () => {
    const m = await tutorLesson('momentum', args('momentum'), deps, { plot: false, explainMath: true });
    expect(await readFile(join(m.dir, 'lesson.md'), 'utf8')).toMatch(/SMA_fast = \d+\.\d\d, SMA_slow = \d+\.\d\d at the first signal: fast [<>] slow/);
    const p = await tutorLesson('pairs_trading', args('pairs_trading', 'partner=DEMO2-USDT'), deps, { plot: true, explainMath: true });
    expect(await readFile(join(p.dir, 'lesson.md'), 'utf8')).toContain('## The math with this run\'s numbers');
    expect(() => checkLesson('momentun')).toThrow('unknown lesson "momentun"');
  }, 180_000);
});
