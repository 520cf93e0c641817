/**
 * The shipped examples run in CI: spec/monitor/config.yaml alone (regular mode), experiments/msm/msm_v1_baseline.yaml
 * (MSM) and experiments/regular/breadth_v1.yaml (regular, 3 regimes, walk-forward) on a synthetic daily market
 * (lib/monitor/synthetic_daily.ts: 24 coins x 900 days with market caps, written as the clean stage writes daily
 * data). Each must produce the KPIs, the regime timeline and the regime evaluation, and they must be sane: one
 * timeline row per day, every label one of the config's, the per-regime days summing to the window, the hysteresis
 * cutting label changes, the statistics inside their ranges (CI around the mean, ESS <= n, spread = best - worst).
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readFile, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMonitorCli } from '../../cli/monitor/index.js';
import { writeDailyLake } from '../../lib/monitor/synthetic_daily.js';

const START = Date.UTC(2020, 0, 1);
const FROM = '2020-10-01';
const TO = '2022-06-18'; // day 899 of the market
const DAYS = 626;
let base: string;

interface Regimes { label: string; n: number; mean: number; hit_rate: number; ci_lo: number; ci_hi: number; ess: number }
interface Evaluation { mode: string; horizons: { horizon_days: number; regimes: Regimes[]; best: string; worst: string; spread: number; spread_ci: [number, number] }[] }

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'quantlab-monitor-examples-'));
  await writeDailyLake(join(base, 'fixture', 'lake'), { seed: 11, n_assets: 24, days: 900, start_ms: START });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function run(name: string, experiment?: string) {
  const d = join(base, name);
  await cp(join(base, 'fixture'), d, { recursive: true });
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMonitorCli(['--start', FROM, '--end', TO, '--data_dir', d, '--json', ...(experiment ? ['--experiment', experiment] : [])], { out: (l) => out.push(l), err: (l) => err.push(l) }, Date.UTC(2026, 0, 2));
  expect(err.join('\n')).toBe('');
  expect(code).toBe(0);
  const res = JSON.parse(out.join('\n')) as { mode: string; run_id?: string; label_changes: { with_hysteresis: number; without: number }; timeline: { label: string; days: number; episodes: number }[] };
  const kpis = JSON.parse(await readFile(join(d, 'reports/monitor/kpis.json'), 'utf8')) as { mode: string; kpis: Record<string, number>; walk_forward: unknown };
  const timeline = (await readFile(join(d, 'reports/monitor/regime_timeline.csv'), 'utf8')).trim().split('\n').map((l) => l.split(','));
  const evaluation = JSON.parse(await readFile(join(d, 'reports/monitor/regime_evaluation.json'), 'utf8')) as Evaluation;
  const metrics = (await readFile(join(d, 'reports/monitor/regime_metrics.csv'), 'utf8')).trim().split('\n');
  return { d, res, kpis, timeline, evaluation, metrics };
}

function checkSane(r: Awaited<ReturnType<typeof run>>, labels: string[], mode: string): void {
  const k = r.kpis.kpis;
  expect(r.kpis.mode).toBe(mode);
  expect(k.days).toBe(DAYS);
  for (const f of ['cagr', 'sharpe', 'sortino', 'max_drawdown', 'calmar', 'hit_rate', 'annual_vol', 'turnover_annual']) expect(Number.isFinite(k[f])).toBe(true);
  expect(Math.abs(k.sharpe!)).toBeLessThan(6);
  expect(k.max_drawdown).toBeLessThanOrEqual(0);
  expect(k.max_drawdown).toBeGreaterThan(-1);
  expect(k.hit_rate).toBeGreaterThanOrEqual(0);
  expect(k.hit_rate).toBeLessThanOrEqual(1);
  expect(k.annual_vol).toBeGreaterThan(0.01);
  expect(k.turnover_annual).toBeGreaterThan(0);
  // timeline: one row per day, labels of the config, directions -1/0/1
  expect(r.timeline[0]).toEqual(['date', 'score', 'raw_label', 'label', 'direction']);
  const rows = r.timeline.slice(1);
  expect(rows).toHaveLength(DAYS);
  expect(rows[0]![0]).toBe(FROM);
  expect(rows[DAYS - 1]![0]).toBe(TO);
  for (const row of rows) {
    expect(labels).toContain(row[3]);
    expect(['-1', '0', '1']).toContain(row[4]);
  }
  expect(r.res.timeline.map((t) => t.label)).toEqual(labels);
  expect(r.res.timeline.reduce((s, t) => s + t.days, 0)).toBe(DAYS);
  expect(new Set(rows.map((x) => x[3])).size).toBeGreaterThanOrEqual(3);
  expect(r.res.label_changes.with_hysteresis).toBeLessThan(r.res.label_changes.without);
  // regime evaluation
  expect(r.evaluation.mode).toBe(mode);
  expect(r.evaluation.horizons.length).toBeGreaterThanOrEqual(1);
  for (const h of r.evaluation.horizons) {
    const n = h.regimes.reduce((s, x) => s + x.n, 0);
    expect(n).toBeLessThanOrEqual(DAYS);
    expect(n).toBeGreaterThanOrEqual(DAYS - h.horizon_days);
    for (const x of h.regimes) {
      if (x.n < 2) continue;
      expect(x.ci_lo).toBeLessThanOrEqual(x.mean);
      expect(x.ci_hi).toBeGreaterThanOrEqual(x.mean);
      expect(x.ess).toBeLessThanOrEqual(x.n);
      expect(x.hit_rate).toBeGreaterThanOrEqual(0);
      expect(x.hit_rate).toBeLessThanOrEqual(1);
    }
    const mean = (l: string) => h.regimes.find((x) => x.label === l)!.mean;
    expect(h.spread).toBeCloseTo(mean(h.best) - mean(h.worst), 12);
    expect(h.spread).toBeGreaterThanOrEqual(0);
  }
  expect(r.metrics[0]).toBe('horizon_days,label,n,mean,hit_rate,hac_t,ci_lo,ci_hi,ess,days_in_regime');
  expect(r.metrics.length - 1).toBe(r.evaluation.horizons.length * labels.length);
}

describe('shipped monitor examples on the synthetic daily market', () => {
  const FIVE = ['STRONG_RISK_ON_MAJORS', 'RISK_ON_MAJORS', 'BALANCED', 'RISK_ON_ALTS', 'STRONG_RISK_ON_ALTS'];

  test('spec/monitor/config.yaml (regular mode, 5 regimes)', async () => {
    const r = await run('base');
    checkSane(r, FIVE, 'regular');
  });

  test('experiments/msm/msm_v1_baseline.yaml (MSM: top 5 alts by market cap >= $1bn, BTC/ETH 0.7/0.3, weekly)', async () => {
    const r = await run('msm', 'experiments/msm/msm_v1_baseline.yaml');
    checkSane(r, FIVE, 'msm');
    expect(r.res.run_id).toBe('msm_v1_baseline-20260102T000000Z');
    const m = JSON.parse(await readFile(join(r.d, 'runs', r.res.run_id!, 'manifest.json'), 'utf8')) as Record<string, any>;
    expect(m.resolved_config.universe).toMatchObject({ selection: 'mcap', basket_size: 5, min_market_cap_usd: 1e9 });
    expect(m.baskets.length).toBeGreaterThan(40); // weekly rebalances, none while flat (STRONG_RISK_ON_ALTS) or stopped
    for (const b of m.baskets) if (b.direction !== 0) expect(b.symbols).toHaveLength(5);
  });

  test('experiments/regular/breadth_v1.yaml (regular, 3 regimes, walk-forward band)', async () => {
    const r = await run('breadth', 'experiments/regular/breadth_v1.yaml');
    checkSane(r, ['RISK_ON_MAJORS', 'BALANCED', 'RISK_ON_ALTS'], 'regular');
    const wf = r.kpis.walk_forward as { windows: { band: number }[]; oos_days: number };
    expect(wf.windows.length).toBeGreaterThan(10);
    expect(wf.oos_days).toBe(DAYS - 120);
    // trades only where the experiment gives a direction: flat in BALANCED
    for (const row of r.timeline.slice(1)) if (row[3] === 'BALANCED') expect(row[4]).toBe('0');
  });
});
