#!/usr/bin/env node
/**
 * npm run lookahead: the look-ahead check (lib/lookahead/check.ts) over the features of spec/features and the events
 * of spec/events. By default on the seeded synthetic market, generated in memory (no lake needed, the CI check);
 * with --data_dir on the cleaned lake of that data dir at --timeframe. Prints a summary, writes the full report as
 * JSON (--out), exits 1 when any value leaks.
 *
 *   npm run lookahead                                   # synthetic: seed 7, 6 symbols, 30 days of 5m bars, 40 cuts
 *   npm run lookahead -- --data_dir data --cuts 20      # the lake's cleaned bars at the pipeline timeframe
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
  const out = resolve(argv.out ?? join(argv.data_dir ?? 'data', 'reports', 'lookahead', 'lookahead.json'));
  await writeJsonAtomic(out, { source, duration_ms: Date.now() - t0, ...report });
  process.stdout.write(
    `look-ahead check on ${source}: ${report.cuts.length} cuts, ${report.instruments} instruments, ` +
      `${report.features.length} features, ${report.events} events; ${report.values_compared} values and ` +
      `${report.event_rows_compared} event rows compared: ${report.leak_count} leaks\n`,
  );
  for (const [name, n] of Object.entries(report.leaks_by_name)) process.stdout.write(`  LEAK ${name}: ${n} values\n`);
  for (const l of report.leaks.slice(0, 10)) {
    process.stdout.write(`    ${l.instrument} ${l.name} at ${new Date(l.ts_ms).toISOString()} (cut ${new Date(l.cut_ts_ms).toISOString()}): full ${l.full}, truncated ${l.truncated}\n`);
  }
  process.stdout.write(`report: ${out}\n`);
  process.exit(report.leak_count === 0 ? 0 : 1);
} catch (err) {
  const msg = err instanceof QuantError ? err.describe() : err instanceof Error ? err.message : String(err);
  log.error({ exit_code: exitCodeOf(err) }, msg);
  process.exit(exitCodeOf(err));
}
