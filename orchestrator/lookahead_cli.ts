#!/usr/bin/env node
/**
 * npm run lookahead: the look-ahead check (lib/lookahead/check.ts) over the features of spec/features and the events
 * of spec/events. By default on the seeded synthetic market, generated in memory (no lake needed, the CI check);
 * with --data_dir on the cleaned lake of that data dir at --timeframe. Prints a summary, writes the full report as
 * JSON (--out), exits 1 when any value leaks.
 *
 *   npm run lookahead                                   # synthetic: seed 7, 6 symbols, 30 days of 5m bars, 40 cuts
 *   npm run lookahead -- --data_dir data --cuts 20      # the lake's cleaned bars at the pipeline timeframe
 *
 * Then the majors-vs-alts monitor's point-in-time series (lib/monitor/point_in_time.ts: every feature raw and z,
 * score, raw and hysteresis labels, per-alt OLS and shrunk betas) by truncation of the daily panel
 * (checkDailyTruncation): on the seeded synthetic daily market in memory, or with --data_dir on the lake's 1d bars
 * and market caps, where each cut reloads the panel through the monitor's loader ending at the cut day (so its as-of
 * joins are checked too). --no-monitor skips it; a lake without 1d bars skips it with a warning.
 */
import { resolve, join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createLogger } from '../lib/log.js';
import { QuantError, exitCodeOf } from '../lib/errors.js';
import { writeJsonAtomic } from '../lib/fsx.js';
import { checkLookahead, type SeriesInput } from '../lib/lookahead/check.js';
import { loadFeatureSpecs, computeAllFeatures, featureNames } from '../lib/features/index.js';
import { loadEventSpecs, detectEvents } from '../lib/events/index.js';
import { generateSymbol, resolveSyntheticParams } from '../lib/ingest/synthetic/index.js';
import { TIMEFRAMES, type Timeframe } from '../lib/timeframe.js';
import { loadCleanedSeries } from '../lib/stages/features/load.js';
import { checkDailyTruncation, type LookaheadReport } from '../lib/lookahead/check.js';
import { TABLES, listPartitions } from '../lib/lake/index.js';
import { loadMonitorConfig } from '../lib/monitor/config.js';
import { loadPanel } from '../lib/monitor/load.js';
import { dailyPanel } from '../lib/monitor/synthetic_daily.js';
import { pointInTimeColumns, truncatePanel } from '../lib/monitor/point_in_time.js';
import { warmupDays } from '../lib/monitor/run.js';
import { DAY_MS } from '../lib/monitor/panel.js';
import { referenceLists } from './monitor_refs.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('lookahead')
  .option('data_dir', { type: 'string', describe: 'check the cleaned lake of this data dir instead of the synthetic market' })
  .option('timeframe', { type: 'string', choices: TIMEFRAMES as unknown as string[], default: '5m' })
  .option('spec_dir', { type: 'string', default: 'spec' })
  .option('seed', { type: 'number', default: 7, describe: 'synthetic market seed' })
  .option('symbols', { type: 'number', default: 6, describe: 'synthetic symbols' })
  .option('days', { type: 'number', default: 30, describe: 'synthetic days' })
  .option('cuts', { type: 'number', default: 40, describe: 'random cut points' })
  .option('cut_seed', { type: 'number', default: 1, describe: 'seed of the cut points' })
  .option('monitor', { type: 'boolean', default: true, describe: 'also check the monitor\'s daily series (--no-monitor to skip)' })
  .option('monitor_config', { type: 'string', default: 'spec/monitor/config.yaml', describe: 'monitor config whose features, regime and beta settings are checked' })
  .option('monitor_cuts', { type: 'number', default: 12, describe: 'random cut days of the monitor check' })
  .option('monitor_assets', { type: 'number', default: 20, describe: 'synthetic daily market: assets' })
  .option('monitor_days', { type: 'number', default: 600, describe: 'synthetic daily market: days' })
  .option('out', { type: 'string', describe: 'report JSON path (default <data_dir or data>/reports/lookahead/lookahead.json)' })
  .strict()
  .help()
  .parseAsync();

const log = createLogger({ stage: 'lookahead', run_id: `lookahead-${argv.cut_seed}` });
try {
  const specDir = resolve(argv.spec_dir);
  const features = await loadFeatureSpecs(join(specDir, 'features'));
  const events = await loadEventSpecs(join(specDir, 'events'), new Set(featureNames(features)));
  const timeframe = argv.timeframe as Timeframe;
  let series: SeriesInput[];
  let source: string;
  if (argv.data_dir) {
    series = await loadCleanedSeries(join(resolve(argv.data_dir), 'lake', 'cleaned'), timeframe);
    source = `cleaned lake ${resolve(argv.data_dir)} (${timeframe})`;
  } else {
    const start = Date.UTC(2025, 0, 1);
    const p = resolveSyntheticParams({ seed: argv.seed, n_symbols: argv.symbols, start_ms: start, end_ms: start + argv.days * 86_400_000, timeframe });
    series = Array.from({ length: p.n_symbols }, (_, i) => {
      const g = generateSymbol(p, i);
      return { key: g.key, timeframe, bars: g.bars, funding: g.funding, openInterest: g.openInterest, marketCap: g.marketCap };
    });
    source = `synthetic seed ${argv.seed}, ${argv.symbols} symbols, ${argv.days} days of ${timeframe}`;
  }
  const bars = series.reduce((s, x) => s + x.bars.ts_ms.length, 0);
  log.info({ source, instruments: series.length, bars, features: featureNames(features).length, events: events.events.length, cuts: argv.cuts }, 'look-ahead check');
  const t0 = Date.now();
  const report = await checkLookahead({
    series, cuts: argv.cuts, seed: argv.cut_seed, minBars: 1,
    computeFeatures: (list) => computeAllFeatures(features, list),
    detectEvents: (ts, cols) => detectEvents(events, ts, cols),
    onCut: (done, total) => log.info({ done, total }, 'cut checked'),
  });
  const monitor = argv.monitor ? await checkMonitor() : null;
  const out = resolve(argv.out ?? join(argv.data_dir ?? 'data', 'reports', 'lookahead', 'lookahead.json'));
  await writeJsonAtomic(out, { source, duration_ms: Date.now() - t0, ...report, monitor });
  process.stdout.write(
    `look-ahead check on ${source}: ${report.cuts.length} cuts, ${report.instruments} instruments, ` +
      `${report.features.length} features, ${report.events} events; ${report.values_compared} values and ` +
      `${report.event_rows_compared} event rows compared: ${report.leak_count} leaks\n`,
  );
  printLeaks(report);
  if (monitor) {
    process.stdout.write(
      `monitor look-ahead check on ${monitor.source}: ${monitor.report.cuts.length} cut days, ${monitor.report.features.length} series ` +
        `(features raw and z, score, labels, ${monitor.report.features.filter((f) => f.startsWith('beta:')).length} alts' OLS and shrunk betas); ` +
        `${monitor.report.values_compared} values compared: ${monitor.report.leak_count} leaks\n`,
    );
    printLeaks(monitor.report);
  }
  process.stdout.write(`report: ${out}\n`);
  process.exit(report.leak_count === 0 && (monitor?.report.leak_count ?? 0) === 0 ? 0 : 1);
} catch (err) {
  const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
  log.error({ exit_code: exitCodeOf(err) }, msg);
  process.exit(exitCodeOf(err));
}

function printLeaks(r: LookaheadReport): void {
  for (const [name, n] of Object.entries(r.leaks_by_name)) process.stdout.write(`  LEAK ${name}: ${n} values\n`);
  for (const l of r.leaks.slice(0, 10)) {
    process.stdout.write(`    ${l.instrument} ${l.name} at ${new Date(l.ts_ms).toISOString()} (cut ${new Date(l.cut_ts_ms).toISOString()}): full ${l.full}, truncated ${l.truncated}\n`);
  }
}

/** The monitor's check: synthetic panel truncated in memory, or the lake's panel reloaded up to each cut day. */
async function checkMonitor(): Promise<{ source: string; report: LookaheadReport } | null> {
  const cfg = await loadMonitorConfig(argv.monitor_config);
  const minDays = Math.min(warmupDays(cfg), Math.floor(argv.monitor_days / 2));
  if (!argv.data_dir) {
    const p = dailyPanel({ seed: argv.seed, n_assets: argv.monitor_assets, days: argv.monitor_days, start_ms: Date.UTC(2020, 0, 1) });
    const report = await checkDailyTruncation({
      days: p.days, cuts: argv.monitor_cuts, seed: argv.cut_seed, minDays, label: 'monitor',
      compute: async (c) => pointInTimeColumns(c === p.days.length ? p : truncatePanel(p, c), cfg),
    });
    return { source: `synthetic daily market seed ${argv.seed}, ${argv.monitor_assets} assets, ${argv.monitor_days} days`, report };
  }
  const lake = join(resolve(argv.data_dir), 'lake');
  const parts = await listPartitions(lake, TABLES.cleanBars, { timeframe: cfg.data.timeframe });
  if (parts.length === 0) {
    log.warn({ lake, timeframe: cfg.data.timeframe }, `monitor check skipped: no ${cfg.data.timeframe} bars in the lake (clean with --set 'clean.extra_timeframes=["1d"]')`);
    return null;
  }
  const first = Math.min(...parts.map((x) => x.manifest.min_ts_ms));
  const last = Math.max(...parts.map((x) => x.manifest.max_ts_ms));
  const refs = await referenceLists(cfg.data.coin_map, cfg.data.exclusions);
  const nDays = Math.round((last - first) / DAY_MS) + 1;
  const days = Float64Array.from({ length: nDays }, (_, i) => first + i * DAY_MS);
  const report = await checkDailyTruncation({
    days, cuts: argv.monitor_cuts, seed: argv.cut_seed, minDays: Math.min(warmupDays(cfg), Math.floor(nDays / 2)), label: 'monitor',
    compute: async (c) => pointInTimeColumns((await loadPanel(lake, cfg, first, days[c - 1]!, refs.excludedSymbols)).panel, cfg),
    onCut: (done, total) => log.info({ done, total }, 'monitor cut checked'),
  });
  return { source: `lake ${lake} (${cfg.data.timeframe} bars ${new Date(first).toISOString().slice(0, 10)} .. ${new Date(last).toISOString().slice(0, 10)}, panel reloaded at each cut)`, report };
}
