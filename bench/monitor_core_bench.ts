#!/usr/bin/env node
/**
 * node dist/bench/monitor_core_bench.js [--assets 50,100,150] [--years 5]
 * The monitor's compute alone (features, regime, backtest, regime evaluation, KPIs) on an in-memory synthetic daily
 * panel (lib/monitor/synthetic_daily.ts): wall and CPU ms, and the heap used, per asset count. No lake I/O (see
 * monitor_bench.ts for the whole command). JSON on stdout.
 */
import { performance } from 'node:perf_hooks';
import { cpuUsage, memoryUsage } from 'node:process';
import { loadavg } from 'node:os';
import { dailyMarket } from '../lib/monitor/synthetic_daily.js';
import { computeFeatures } from '../lib/monitor/features.js';
import { regimeSeries } from '../lib/monitor/regime.js';
import { runBacktest } from '../lib/monitor/backtest.js';
import { evaluateRegimes, forwardSum } from '../lib/monitor/evaluation.js';
import { computeKpis } from '../lib/monitor/kpis.js';
import { loadMonitorConfig } from '../lib/monitor/config.js';
import { loadCosts } from '../lib/costs/digest.js';
import { DAY_MS, type Panel } from '../lib/monitor/panel.js';

const arg = (n: string, d: string) => { const k = process.argv.indexOf(`--${n}`); return k >= 0 ? process.argv[k + 1]! : d; };
const sizes = arg('assets', '50,100,150').split(',').map(Number);
const days = Math.round(Number(arg('years', '5')) * 365.25);
const cfg = await loadMonitorConfig('spec/monitor/config.yaml');
const costs = (await loadCosts(cfg.costs.file)).config;
const start = Date.UTC(2019, 0, 1);
const results = [];
for (const n of sizes) {
  const p: Panel = { days: Float64Array.from({ length: days }, (_, i) => start + i * DAY_MS), symbols: [], markets: [], exchanges: [], close: [], volume_usd: [], mcap: [], funding: [], oi_usd: [], btc: 0, eth: 1, excluded: [] };
  for (const a of dailyMarket({ seed: 1, n_assets: n, days, start_ms: start })) {
    const pad = (x: Float64Array) => { const o = new Float64Array(days).fill(NaN); o.set(x, a.listed_from); return o; };
    p.symbols.push(a.symbol); p.markets.push('spot'); p.exchanges.push('synthetic');
    p.close.push(pad(a.close)); p.volume_usd.push(pad(Float64Array.from(a.close, (c, i) => c * a.volume[i]!))); p.mcap.push(pad(a.cap));
    p.funding.push(null); p.oi_usd.push(null); p.excluded.push(false);
  }
  global.gc?.();
  const heap0 = memoryUsage().heapUsed;
  const c0 = cpuUsage();
  const t0 = performance.now();
  const f = computeFeatures(p, cfg.features);
  const reg = regimeSeries(f.z, cfg.regime, days);
  const s0 = 180;
  const bt = runBacktest(p, cfg, costs, reg.label, reg.names, s0);
  const ev = cfg.evaluation.horizons_days.map((h) => evaluateRegimes(forwardSum(bt.r_ls_net, h), reg.label.subarray(s0), reg.names, h, 'r', { reps: cfg.evaluation.bootstrap_reps, seed: 1, level: 0.95 }));
  const k = computeKpis(bt.r_ls_net, bt.alt_turnover, bt.cost, bt.funding, bt.gross);
  const wall = performance.now() - t0;
  const cpu = cpuUsage(c0);
  results.push({ assets: n, days, wall_ms: Math.round(wall), cpu_ms: Math.round((cpu.user + cpu.system) / 1000), heap_delta_mb: Math.round((memoryUsage().heapUsed - heap0) / 2 ** 20), rss_mb: Math.round(memoryUsage().rss / 2 ** 20), sharpe: Number(k.sharpe.toFixed(3)), regimes: ev[0]!.regimes.length, load_avg_1m: Number(loadavg()[0]!.toFixed(1)) });
}
process.stdout.write(`${JSON.stringify({ bench: 'monitor_core', results }, null, 2)}\n`);
