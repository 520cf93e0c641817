/**
 * The monitor's point-in-time series in the look-ahead check (npm run lookahead): checkDailyTruncation catches a
 * planted leak on a daily panel and names the series and the day; the monitor's features, score, labels and betas
 * (raw OLS and shrunk) pass, in memory and through the lake loader reloaded at each cut (its as-of joins included).
 */
import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { checkDailyTruncation } from '../../lib/lookahead/check.js';
import { dailyPanel, writeDailyLake } from '../../lib/monitor/synthetic_daily.js';
import { pointInTimeColumns, truncatePanel } from '../../lib/monitor/point_in_time.js';
import { loadPanel } from '../../lib/monitor/load.js';
import { loadMonitorConfig } from '../../lib/monitor/config.js';
import { DAY_MS } from '../../lib/monitor/panel.js';
import { withTempDir } from '../helpers/tmp.js';

const START = Date.UTC(2020, 0, 1);

describe('checkDailyTruncation', () => {
  const days = Float64Array.from({ length: 60 }, (_, i) => START + i * DAY_MS);
  const x = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i) + i / 10);

  test('a causal series passes; a centered 3-day mean (uses tomorrow) leaks at the last day before each cut', async () => {
    const causal = await checkDailyTruncation({ days, cuts: 5, seed: 1, minDays: 5, label: 't', compute: async (c) => ({ lag: Float64Array.from(x.subarray(0, c), (v, d) => (d > 0 ? x[d - 1]! : NaN)) }) });
    expect(causal.leak_count).toBe(0);
    expect(causal.cuts).toHaveLength(5);
    expect(causal.values_compared).toBeGreaterThan(0);
    const centered = (c: number) => {
      const y = x.subarray(0, c);
      return Float64Array.from(y, (_, d) => (d > 0 && d < c - 1 ? (y[d - 1]! + y[d]! + y[d + 1]!) / 3 : NaN));
    };
    const leaky = await checkDailyTruncation({ days, cuts: 5, seed: 1, minDays: 5, label: 't', compute: async (c) => ({ centered: centered(c) }) });
    expect(leaky.leak_count).toBe(5);
    expect(leaky.leaks_by_name).toEqual({ centered: 5 });
    for (const l of leaky.leaks) expect(l.ts_ms).toBe(l.cut_ts_ms); // the cut day's value needed the next day
  });

  test('a series the truncated run lacks is fine only while the full one is NaN before the cut', async () => {
    const late = Float64Array.from(x, (v, d) => (d >= 40 ? v : NaN));
    const r = await checkDailyTruncation({ days, cuts: 10, seed: 2, minDays: 10, label: 't', compute: async (c): Promise<Record<string, Float64Array>> => (c > 40 ? { late: late.slice(0, c) } : {}) });
    expect(r.leak_count).toBe(0);
    const bad = await checkDailyTruncation({ days, cuts: 10, seed: 2, minDays: 10, label: 't', compute: async (c): Promise<Record<string, Float64Array>> => (c === 60 ? { always: x } : {}) });
    expect(bad.leak_count).toBe(10);
    expect(bad.leaks[0]!.truncated).toBe('absent');
  });
});

describe('the monitor passes the truncation check', () => {
  test('in memory: features raw and z, score, raw and hysteresis labels, OLS and shrunk betas of every alt', async () => {
    const cfg = await loadMonitorConfig('spec/monitor/config.yaml');
    const p = dailyPanel({ seed: 5, n_assets: 8, days: 360, start_ms: START });
    const cols = pointInTimeColumns(p, cfg);
    for (const k of ['alt_breadth_up', 'alt_breadth_up_z', 'btc_dominance', 'score', 'raw_label', 'label', 'beta_ols:SYN03USDT', 'beta:SYN03USDT']) expect(Object.keys(cols)).toContain(k);
    // the shrunk beta is (1 - lambda) b + lambda where the OLS beta has enough observations
    const lam = cfg.backtest.beta.shrinkage;
    const d = 300;
    expect(cols['beta:SYN03USDT']![d]).toBeCloseTo((1 - lam) * cols['beta_ols:SYN03USDT']![d]! + lam, 12);
    const r = await checkDailyTruncation({ days: p.days, cuts: 5, seed: 3, minDays: 150, label: 'monitor', compute: async (c) => pointInTimeColumns(c === p.days.length ? p : truncatePanel(p, c), cfg) });
    expect(r.leak_count).toBe(0);
    expect(r.values_compared).toBeGreaterThan(5 * 150 * 30);
  });

  test('through the lake: the panel reloaded up to each cut day gives the same prefixes (loader as-of joins included)', async () => {
    await withTempDir(async (root) => {
      await writeDailyLake(join(root, 'lake'), { seed: 6, n_assets: 8, days: 360, start_ms: START });
      const cfg = await loadMonitorConfig('spec/monitor/config.yaml');
      const days = Float64Array.from({ length: 360 }, (_, i) => START + i * DAY_MS);
      const r = await checkDailyTruncation({
        days, cuts: 4, seed: 4, minDays: 120, label: 'monitor',
        compute: async (c) => pointInTimeColumns((await loadPanel(join(root, 'lake'), cfg, START, days[c - 1]!, new Set())).panel, cfg),
      });
      expect(r.leak_count).toBe(0);
      expect(r.features).toContain('btc_dominance_z');
      expect(r.values_compared).toBeGreaterThan(4 * 120 * 20);
    });
  });
});
