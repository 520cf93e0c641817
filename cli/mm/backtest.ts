/**
 * `npm run mm:backtest -- --data_dir D --symbol BTCUSDT --timeframe 5m [--from 2025-01-01 --to 2025-09-01] [...]`
 * One market-making backtest on the lake's cleaned bars; writes <data_dir>/artifacts/<run_id>_{market_data.csv,
 * metrics.json,risk_report.json} and prints the metrics path and the P&L decomposition (JSON) on stdout.
 * Exit 0 ok, 2 usage (including the live guard), 3 bad input.
 */
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../../lib/errors.js';
import { loadCosts } from '../../lib/costs/digest.js';
import { checkMode, redactEnv } from '../../lib/mm/modes.js';
import { backtestMm, loadMmData, mmCostsFor, mmIntensity, writeMmArtifacts } from '../../lib/mm/run.js';
import { baseArgs, dataDirOf, instrumentOf, intensityOf, paramsOf, runCli, runIdOf, timeframeOf, type CommonArgs } from './common.js';

function dateMs(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (!Number.isFinite(t)) throw new UsageError(`${flag} must be a date like 2025-01-31, was ${JSON.stringify(s)}`);
  return t;
}

await runCli('mm-backtest', async (log) => {
  const a = (await baseArgs('mm:backtest', '$0 [--symbol BTCUSDT] [--timeframe 5m] [--from DATE] [--to DATE]')
    .option('from', { type: 'string', describe: 'first bar (UTC date or ISO time)' })
    .option('to', { type: 'string', describe: 'end (exclusive)' })
    .parseAsync(hideBin(process.argv))) as unknown as CommonArgs & { from?: string; to?: string; help?: boolean };
  if (process.argv.includes('--help')) return;
  const mode = checkMode(a.mode);
  const k = instrumentOf(a);
  const tf = timeframeOf(a);
  const params = paramsOf(a);
  const runId = runIdOf(a);
  log.info({ mode, instrument: k, timeframe: tf, env: redactEnv(process.env) }, 'mm backtest');
  const { config } = await loadCosts(a.costs);
  const costs = mmCostsFor(config, k, a.costs, a.venue);
  const range = { fromMs: dateMs(a.from, '--from'), toMs: dateMs(a.to, '--to') };
  const data = await loadMmData(dataDirOf(a), k, tf, range);
  // (A, k): estimated from the lake's trades over the backtest's own bars (in sample) when it holds them, else as given
  const { mode: intensityMode, deltasBps } = intensityOf(a);
  const ts = data.bars.ts_ms;
  const intensity = await mmIntensity(dataDirOf(a), k, intensityMode, { A: params.A, k: params.k }, {
    fromMs: ts[0]!, toMs: ts[ts.length - 1]! + data.bars.tfMs, stepMs: data.bars.tfMs, deltasBps,
  });
  log.info(intensity.source === 'trades'
    ? { intensity: 'trades', A_per_s: intensity.A_per_s, k_per_bp: intensity.k_per_bp, ci95: intensity.estimate.ci95, starts: intensity.estimate.starts, estimation_ms: intensity.estimate.estimation_ms }
    : { intensity: 'assumed', A_per_s: intensity.A_per_s, k_per_bp: intensity.k_per_bp, reason: intensity.reason }, 'fill intensity');
  const t0 = performance.now();
  const r = backtestMm(data, { ...params, A: intensity.A_per_s, k: intensity.k_per_bp }, costs, intensity);
  const ms = performance.now() - t0;
  const files = await writeMmArtifacts(dataDirOf(a), runId, data, r, log);
  log.info({ bars: data.bars.ts_ms.length, fills: r.metrics.fills.total, backtest_ms: Math.round(ms) }, 'runtime_complete');
  process.stdout.write(JSON.stringify({ run_id: runId, metrics: files[1], pnl: r.metrics.pnl, touch_bound: r.metrics.touch_bound.pnl, fills: r.metrics.fills, intensity: { source: r.metrics.intensity.source, A_per_s: r.metrics.intensity.A_per_s, k_per_bp: r.metrics.intensity.k_per_bp, ci95: r.metrics.intensity.source === 'trades' ? (r.metrics.intensity.estimate as { ci95: unknown }).ci95 : null }, markout: r.metrics.markout_next_bar, kill_switch: r.risk.kill_switch.state }, null, 2) + '\n');
});
