/**
 * `npm run mm:analyze -- --exchange binance --symbol BTC/USDT --timeframe 5m --days 30 --max-combinations 12`
 * Reads the last `days` of the symbol's cleaned bars from the lake (fetch them first with `make real-data-fetch`,
 * which runs the ccxt ingest into the lake), sweeps a bounded (gamma, k, max inventory) grid choosing on the first
 * part and reporting the rest, and writes <data_dir>/artifacts/last_month_analysis/<run_id>_analysis.json (with the
 * readiness block and its gates) and <run_id>_sweep.csv. Prints the readiness block on stdout.
 * Exit 0 ok (ready or not), 2 usage, 3 bad input.
 */
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../../lib/errors.js';
import { loadCosts } from '../../lib/costs/digest.js';
import { writeFileAtomic, writeJsonAtomic } from '../../lib/fsx.js';
import { resolveInside } from '../../lib/paths.js';
import { checkMode } from '../../lib/mm/modes.js';
import { loadMmData, mmCostsFor, mmIntensity } from '../../lib/mm/run.js';
import { analysisWindow, analyzeLastMonth, DEFAULT_GRID, sweepCsv } from '../../lib/mm/analyze.js';
import { baseArgs, dataDirOf, instrumentOf, intensityOf, paramsOf, runCli, runIdOf, timeframeOf, type CommonArgs } from './common.js';

await runCli('mm-analyze', async (log) => {
  const a = (await baseArgs('mm:analyze', '$0 --symbol BTC/USDT --timeframe 5m --days 30 --max-combinations 12')
    .option('days', { type: 'number', default: 30 })
    .option('max-combinations', { type: 'number', default: 12 })
    .option('train-fraction', { type: 'number', default: 2 / 3, describe: 'share of the days the parameters are chosen on' })
    .option('max-drawdown-usd', { type: 'number', default: 1000, describe: 'readiness gate: test drawdown cap' })
    .option('min-fills', { type: 'number', default: 200, describe: 'readiness gate: fills in the test part' })
    .parseAsync(hideBin(process.argv))) as unknown as CommonArgs & { days: number; 'max-combinations': number; 'train-fraction': number; 'max-drawdown-usd': number; 'min-fills': number };
  if (process.argv.includes('--help')) return;
  checkMode(a.mode);
  if (!(Number.isInteger(a.days) && a.days >= 3)) throw new UsageError(`--days must be an integer >= 3, was ${a.days}`);
  if (!(a['train-fraction'] > 0 && a['train-fraction'] < 1)) throw new UsageError(`--train-fraction must be in (0, 1), was ${a['train-fraction']}`);
  const k = instrumentOf(a);
  const tf = timeframeOf(a);
  const base = paramsOf(a);
  const runId = runIdOf(a);
  const { config } = await loadCosts(a.costs);
  const costs = mmCostsFor(config, k, a.costs, a.venue);
  const d = await loadMmData(dataDirOf(a), k, tf);
  // (A, k) from the lake's trades of the train part only (the choice never sees the test part), else swept
  const { mode: intensityMode, deltasBps } = intensityOf(a);
  const w = analysisWindow(d.bars, a.days, a['train-fraction']);
  const intensity = await mmIntensity(dataDirOf(a), k, intensityMode, { A: base.A, k: base.k }, { fromMs: w.start, toMs: w.split, stepMs: d.bars.tfMs, deltasBps });
  log.info(intensity.source === 'trades'
    ? { intensity: 'trades', A_per_s: intensity.A_per_s, k_per_bp: intensity.k_per_bp, ci95: intensity.estimate.ci95, starts: intensity.estimate.starts, estimation_ms: intensity.estimate.estimation_ms }
    : { intensity: 'assumed', reason: intensity.reason }, 'fill intensity');
  const t0 = performance.now();
  const r = await analyzeLastMonth(d.bars, d.funding, {
    intensity,
    days: a.days, train_fraction: a['train-fraction'], max_combinations: a['max-combinations'], grid: DEFAULT_GRID, base, costs, symbol: k.symbol,
    gates: { max_drawdown_usd: a['max-drawdown-usd'], min_fills: a['min-fills'], ci_level: 0.95, bootstrap_reps: 2000, seed: 15 },
  });
  const out = { run_id: runId, instrument: k, timeframe: tf, costs, ...r };
  const json = resolveInside(dataDirOf(a), 'artifacts', 'last_month_analysis', `${runId}_analysis.json`);
  const csv = resolveInside(dataDirOf(a), 'artifacts', 'last_month_analysis', `${runId}_sweep.csv`);
  await writeJsonAtomic(json, out);
  await writeFileAtomic(csv, sweepCsv(r));
  log.info({ combinations: r.sweep.combinations, ready_for_live_keys: r.readiness.ready_for_live_keys, ms: Math.round(performance.now() - t0), files: [json, csv], failures: 0 }, 'runtime_complete');
  process.stdout.write(JSON.stringify({ run_id: runId, intensity: { ...r.intensity, estimate: undefined, ...(r.intensity.source === 'trades' ? { ci95: r.intensity.estimate.ci95 } : {}) }, chosen: r.chosen, out_of_sample: { ...r.out_of_sample, daily_pnl_usd: undefined }, readiness: r.readiness }, null, 2) + '\n');
});
