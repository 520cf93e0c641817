/**
 * Look-ahead check of the monitor's features and labels (the project's truncation test, lib/lookahead, applied to
 * the daily panel): everything computed on the panel cut at day c equals the first c days of the full computation.
 * On the synthetic daily market always, and on real CoinGecko 2021 data (prices and caps of the shared file) when
 * ../shared/data/real exists, where it also shows that the hysteresis cuts label changes.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dailyPanel } from '../../lib/monitor/synthetic_daily.js';
import { computeFeatures } from '../../lib/monitor/features.js';
import { countChanges, regimeSeries } from '../../lib/monitor/regime.js';
import { DAY_MS, type Panel } from '../../lib/monitor/panel.js';
import { FEATURE_NAMES, loadMonitorConfig, type MonitorConfig } from '../../lib/monitor/config.js';
import { decodeMaybeGzip, parseCoinGeckoCsv, validatePoints } from '../../lib/ingest/coingecko/index.js';
import { loadExclusions } from '../../lib/ingest/coingecko/coin_map.js';

// $QUANTLAB_REAL_DATA, else ../shared/data/real beside the checkout (a worktree one level deeper: ../../shared)
const REAL = [process.env.QUANTLAB_REAL_DATA ?? '../shared/data/real', '../../shared/data/real']
  .map((d) => resolve(d, 'coingecko-daily-2021-top150-union/coingecko_daily_2021.csv.gz')).find((f) => existsSync(f)) ?? '';

function cut(p: Panel, c: number): Panel {
  const s = <T extends Float64Array | null>(x: T) => (x ? x.slice(0, c) : x) as T;
  return { ...p, days: p.days.slice(0, c), close: p.close.map(s), volume_usd: p.volume_usd.map(s), mcap: p.mcap.map(s), funding: p.funding.map(s), oi_usd: p.oi_usd.map(s) };
}

function checkTruncation(p: Panel, cfg: MonitorConfig, cuts: number[]): void {
  const full = computeFeatures(p, cfg.features);
  const reg = regimeSeries(full.z, cfg.regime, p.days.length);
  for (const c of cuts) {
    const f = computeFeatures(cut(p, c), cfg.features);
    for (const name of FEATURE_NAMES) {
      expect(Array.from(f.raw[name])).toEqual(Array.from(full.raw[name].subarray(0, c)));
      expect(Array.from(f.z[name])).toEqual(Array.from(full.z[name].subarray(0, c)));
    }
    expect(Array.from(regimeSeries(f.z, cfg.regime, c).label)).toEqual(Array.from(reg.label.subarray(0, c)));
  }
}

function syntheticPanel(): Panel {
  return dailyPanel({ seed: 9, n_assets: 15, days: 400, start_ms: Date.UTC(2020, 0, 1) });
}

describe('monitor features and labels are point in time', () => {
  test('synthetic daily market: truncated histories give the same values', async () => {
    const cfg = await loadMonitorConfig('spec/monitor/config.yaml');
    checkTruncation(syntheticPanel(), cfg, [40, 121, 250, 399]);
  });

  (REAL !== '' ? test : test.skip)('real CoinGecko 2021: truncation check, and the hysteresis cuts label changes', async () => {
    const cfg = await loadMonitorConfig('spec/monitor/config.yaml');
    const excl = await loadExclusions('spec/monitor/stablecoins.v1.yaml');
    const pts = parseCoinGeckoCsv(decodeMaybeGzip(await readFile(REAL), REAL), REAL);
    const byCoin = new Map<string, typeof pts>();
    for (const q of pts) { if (!byCoin.has(q.coin)) byCoin.set(q.coin, []); byCoin.get(q.coin)!.push(q); }
    validatePoints(pts, { intradayAllowed: false }); // the file passes the ingest validator
    const start = Date.UTC(2021, 0, 1);
    const n = 365;
    // the 60 largest coins by market cap on 2021-01-01 (point in time), stablecoins and wrapped tokens excluded
    const first = pts.filter((q) => q.ts_ms === start && q.market_cap_usd > 0 && !excl.all.has(q.coin)).sort((a, b) => b.market_cap_usd - a.market_cap_usd).slice(0, 60).map((q) => q.coin);
    const p: Panel = { days: Float64Array.from({ length: n }, (_, i) => start + i * DAY_MS), symbols: first, markets: first.map(() => 'spot'), exchanges: first.map(() => 'coingecko'),
      close: [], volume_usd: [], mcap: [], funding: first.map(() => null), oi_usd: first.map(() => null), btc: first.indexOf('bitcoin'), eth: first.indexOf('ethereum'), excluded: first.map(() => false) };
    for (const coin of first) {
      const c = new Float64Array(n).fill(NaN), v = new Float64Array(n).fill(NaN), m = new Float64Array(n).fill(NaN);
      // CoinGecko's 00:00 snapshot of day D is the state at the end of D - 1: stamped on D - 1's close
      for (const q of byCoin.get(coin)!) { const d = Math.round((q.ts_ms - start) / DAY_MS) - 1; if (d >= 0 && d < n) { c[d] = q.price_usd; v[d] = q.volume_usd; m[d] = q.market_cap_usd > 0 ? q.market_cap_usd : NaN; } }
      p.close.push(c); p.volume_usd.push(v); p.mcap.push(m);
    }
    expect(p.btc).toBe(0);
    checkTruncation(p, cfg, [50, 180, 300]);
    const reg = regimeSeries(computeFeatures(p, cfg.features).z, cfg.regime, n);
    const withH = countChanges(reg.label), without = countChanges(reg.raw_label);
    process.stderr.write(`real CoinGecko 2021 (60 coins): label changes ${withH} with hysteresis (band ${cfg.regime.hysteresis.band}, dwell ${cfg.regime.hysteresis.min_dwell_days}) vs ${without} without\n`);
    expect(without).toBeGreaterThan(10);
    expect(withH).toBeLessThan(without / 2);
  });
});
