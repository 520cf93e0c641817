/**
 * One role of the market-making pipeline as its own process (run by cli/mm/roles.ts, or by hand):
 *   data       reads the lake -> roles/<run_id>/<SYMBOL>_data.json (+ <SYMBOL>_market_data.csv): bar count, window, tick,
 *              funding rows and a digest of the bars, so later roles check they read the same bars
 *   model      reads the data artifact -> <SYMBOL>_model.json: the quote parameters, sigma at the last bar (bps per
 *              sqrt-second) and the quotes the model would post at the last bar
 *   execution  reads the model artifact -> <SYMBOL>_metrics.json (schema-checked) and <SYMBOL>_execution.json (series)
 *   risk       reads the execution artifact -> <SYMBOL>_risk_report.json (schema-checked)
 * All under <data_dir>/artifacts/roles/<run_id>/. A role whose input artifact is missing or stale fails with exit 3.
 */
import { existsSync } from 'node:fs';
import { hideBin } from 'yargs/helpers';
import { DataError, UsageError } from '../../lib/errors.js';
import { loadCosts } from '../../lib/costs/digest.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../../lib/fsx.js';
import { digestJson } from '../../lib/hash.js';
import { resolveInside } from '../../lib/paths.js';
import { checkMode } from '../../lib/mm/modes.js';
import { loadMmData, mmCostsFor, type MmData } from '../../lib/mm/run.js';
import { inferTick, mmMetrics, mmQuote, mmRiskReport, runMarketMaker, type MmParams, type MmRunCore } from '../../lib/mm/backtest.js';
import { logReturnsBps, marketDataCsv, marketFeatures, trailingStd } from '../../lib/mm/features.js';
import { MM_METRICS_SCHEMA, MM_RISK_SCHEMA, schemaErrors } from '../../lib/mm/schema.js';
import { baseArgs, dataDirOf, instrumentOf, paramsOf, runCli, timeframeOf, type CommonArgs } from './common.js';

export const ROLES = ['data', 'model', 'execution', 'risk'] as const;

function barsDigest(d: MmData): string {
  const b = d.bars;
  return digestJson({ ts: Array.from(b.ts_ms), c: Array.from(b.close), h: Array.from(b.high), l: Array.from(b.low), v: Array.from(b.volume), f: d.funding ? Array.from(d.funding.funding_rate) : [] });
}

await runCli('mm-role', async (log) => {
  const a = (await baseArgs('mm:role', '$0 --role data|model|execution|risk --run_id ID [--symbol ...]')
    .option('role', { type: 'string', demandOption: true })
    .parseAsync(hideBin(process.argv))) as unknown as CommonArgs & { role: string };
  if (process.argv.includes('--help')) return;
  checkMode(a.mode);
  if (!(ROLES as readonly string[]).includes(a.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, was ${JSON.stringify(a.role)}`);
  if (a.run_id === undefined) throw new UsageError('--run_id is required (the roles of one run share it)');
  const k = instrumentOf(a);
  const tf = timeframeOf(a);
  const dir = dataDirOf(a);
  const file = (what: string, ext = 'json') => resolveInside(dir, 'artifacts', 'roles', a.run_id!, `${k.symbol}_${what}.${ext}`);
  const need = async <T>(what: string): Promise<T> => {
    const f = file(what);
    if (!existsSync(f)) throw new DataError(`missing input artifact of role ${a.role}`, { file: f }, { hint: `run the ${what} role of run ${a.run_id} first` });
    return readJson<T>(f);
  };
  const { config } = await loadCosts(a.costs);
  const costs = mmCostsFor(config, k, a.costs, a.venue);
  const data = await loadMmData(dir, k, tf);
  const digest = barsDigest(data);
  const checkDigest = (d: { bars_digest: string }, what: string) => {
    if (d.bars_digest !== digest) throw new DataError(`the lake's bars changed since the ${what} role ran`, { file: file(what), field: 'bars_digest', value: d.bars_digest }, { hint: 'rerun the whole run (npm run mm:roles)' });
  };
  const t0 = performance.now();
  if (a.role === 'data') {
    await writeFileAtomic(file('market_data', 'csv'), marketDataCsv(data.bars, marketFeatures(data.bars, 12)));
    const b = data.bars;
    await writeJsonAtomic(file('data'), {
      instrument: k, timeframe: tf, bars: b.ts_ms.length, from_utc: new Date(b.ts_ms[0]!).toISOString(), to_utc: new Date(b.ts_ms[b.ts_ms.length - 1]! + b.tfMs).toISOString(),
      tick_size: inferTick(b), funding_rows: data.funding?.ts_ms.length ?? 0, bars_digest: digest,
    });
  } else if (a.role === 'model') {
    const d = await need<{ bars_digest: string; tick_size: number }>('data');
    checkDigest(d, 'data');
    const params: MmParams = { ...paramsOf(a), tick_size: a.tick > 0 ? a.tick : d.tick_size };
    const b = data.bars;
    const sig = trailingStd(logReturnsBps(b.close), params.vol_window_bars);
    const last = b.ts_ms.length - 1;
    const sigma = sig[last]! / Math.sqrt(b.tfMs / 1000);
    const q = mmQuote(b.close[last]!, 0, sigma, b.ts_ms[last]! + b.tfMs, params, params.tick_size);
    await writeJsonAtomic(file('model'), { params, costs, sigma_bps_per_sqrt_s_last: Number.isFinite(sigma) ? sigma : null, flat_quotes_at_last_close: { mid: b.close[last], bid: q.bid, ask: q.ask }, bars_digest: digest });
  } else if (a.role === 'execution') {
    const m = await need<{ params: MmParams; bars_digest: string }>('model');
    checkDigest(m, 'model');
    const through = runMarketMaker(data.bars, data.funding, m.params, costs, 'through');
    const touch = runMarketMaker(data.bars, data.funding, m.params, costs, 'touch');
    const metrics = mmMetrics({ bars: data.bars, params: m.params, costs, through, touch });
    const errs = schemaErrors(MM_METRICS_SCHEMA, metrics);
    if (errs.length) throw new Error(`metrics do not match their schema: ${errs.join('; ')}`);
    await writeJsonAtomic(file('metrics'), metrics);
    await writeJsonAtomic(file('execution'), {
      params: m.params, bars_digest: digest, equity: Array.from(through.equity), inventory_pnl_bar: Array.from(through.inventory_pnl_bar, (v) => (Number.isFinite(v) ? v : null)),
      limit_hits: through.limit_hits, max_abs_inventory_lots: through.max_abs_inventory_lots, kill: through.kill, tick_size: through.tick_size,
    });
  } else {
    const e = await need<{ params: MmParams; bars_digest: string; equity: number[]; inventory_pnl_bar: (number | null)[]; limit_hits: number; max_abs_inventory_lots: number; kill: MmRunCore['kill']; tick_size: number }>('execution');
    checkDigest(e, 'execution');
    const core = {
      equity: Float64Array.from(e.equity), inventory_pnl_bar: Float64Array.from(e.inventory_pnl_bar, (v) => v ?? NaN), limit_hits: e.limit_hits,
      max_abs_inventory_lots: e.max_abs_inventory_lots, kill: e.kill,
    } as MmRunCore;
    const risk = mmRiskReport({ bars: data.bars, params: e.params, costs, through: core, touch: core });
    const errs = schemaErrors(MM_RISK_SCHEMA, risk);
    if (errs.length) throw new Error(`risk report does not match its schema: ${errs.join('; ')}`);
    await writeJsonAtomic(file('risk_report'), risk);
  }
  log.info({ role: a.role, symbol: k.symbol, ms: Math.round(performance.now() - t0) }, 'role done');
});
