/**
 * A lab backtest and the walk-forward stage report the same numbers for the same blueprint: the synthetic strategy
 * lake (2 symbols x 3 days) runs through the pipeline to walkforward; for every template blueprint the walk-forward
 * traded on the full grid (summary.json full_return / full_sharpe / full_trades, pass 1), `quantlab backtest` with
 * the template's parameters over the whole data builds the blueprint with the SAME id and gets the same figures.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import { loadCosts } from '../../lib/costs/digest.js';
import { backtestCommand, type BacktestArgs } from '../../lib/lab/backtest_command.js';
import type { Blueprint } from '../../lib/dsl/index.js';
import { silentLogger } from '../../lib/log.js';
import { DAY, ROOT, START, WF_SET, runNode } from '../helpers/strategy_lake.js';

let dir: string;
const STRATEGY = { mean_reversion: 'mean_reversion', momentum: 'momentum', pairs: 'pairs_trading' } as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quantlab-lab-agree-'));
  const r = await runNode('orchestrator/run_all.js', [
    '--data_dir', dir, '--allow-synthetic', '--until', 'walkforward',
    '--set', 'ingest.synthetic.n_symbols=2', '--set', `ingest.synthetic.start_ms=${START}`, '--set', `ingest.synthetic.end_ms=${START + 3 * DAY}`,
    ...WF_SET,
  ], 400_000);
  if (r.exitCode !== 0) throw new Error(`pipeline failed:\n${r.stderr.slice(-3000)}`);
}, 420_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lab backtest = walk-forward full-grid run of the same blueprint', () => {
  test('same blueprint id, total return, Sharpe and trade count', async () => {
    const bps = (await readFile(join(dir, 'research/blueprints/blueprints.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Blueprint);
    const summary = JSON.parse(await readFile(join(dir, 'lake/walkforward/summary.json'), 'utf8')) as {
      blueprints: { id: string; full_return: number; full_sharpe: number; full_trades: number }[];
    };
    const costs = await loadCosts(join(ROOT, 'spec', 'costs.yaml'));
    const templates = bps.filter((b) => b.provenance.source === 'template');
    const kinds = new Set(templates.map((b) => b.provenance.template));
    expect(kinds.has('mean_reversion') && kinds.has('momentum')).toBe(true);
    let compared = 0;
    let traded = 0;
    for (const bp of templates) {
      const wf = summary.blueprints.find((b) => b.id === bp.id)!;
      const params = { ...(bp.provenance.params as Record<string, number>) };
      const args: BacktestArgs = {
        symbol: bp.instruments[0]!.symbol, strategy: STRATEGY[bp.provenance.template!],
        params: JSON.stringify(bp.instruments.length === 2 ? { ...params, partner: bp.instruments[1]!.symbol } : params),
        interval: bp.timeframe, assetClass: 'crypto', start: '2025-01-01T00:00:00Z', end: '2025-01-04T00:00:00Z',
        dollarPerTrade: (bp.sizing as { notional_usd: number }).notional_usd, initialCash: 100000,
        paper: false, allowEnvDates: false, allowSynthetic: false, seed: 7,
      };
      const out = await backtestCommand(args, {
        dataDir: dir, lakeRoot: join(dir, 'lake'), runsDir: join(dir, 'runs'), baseCosts: costs.config, log: silentLogger(), nowMs: Date.UTC(2025, 5, 1),
        env: {}, dotenvPath: join(dir, '.env'), synthetic: () => { throw new Error('no synthetic bars in this test'); }, gitSha: null, argv: [], entrypoint: 'test',
      });
      expect(out.synthetic).toBe(false);
      expect(out.run.blueprint.id).toBe(bp.id);
      const m = JSON.parse(await readFile(join(out.dir, 'metrics.json'), 'utf8')) as { metrics: { total_return: number; sharpe: number | null } };
      expect(m.metrics.total_return).toBeCloseTo(wf.full_return, 12);
      if (wf.full_sharpe === null || !Number.isFinite(wf.full_sharpe)) expect(m.metrics.sharpe).toBeNull();
      else expect(m.metrics.sharpe!).toBeCloseTo(wf.full_sharpe, 9);
      const trades = (await readFile(join(out.dir, 'trades.csv'), 'utf8')).trim().split('\n').length - 1;
      expect(trades).toBe(wf.full_trades);
      compared++;
      if (wf.full_trades > 0) traded++;
    }
    expect(compared).toBe(templates.length);
    expect(traded).toBeGreaterThan(0);
    expect((await readdir(join(dir, 'runs'))).length).toBe(templates.length);
  }, 300_000);
});
