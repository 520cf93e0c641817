/**
 * One market-making backtest from the lake to its artifacts under <data_dir>/artifacts/ (the lake is only read):
 *   <run_id>_market_data.csv, <run_id>_metrics.json (validated by MM_METRICS_SCHEMA),
 *   <run_id>_risk_report.json (validated by MM_RISK_SCHEMA).
 */
import type { Logger } from '../log.js';
import { DataError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../fsx.js';
import { resolveInside } from '../paths.js';
import { LakeDb } from '../lake/index.js';
import type { CostConfig, Market } from '../costs/schema.js';
import type { InstrumentKey } from '../market.js';
import type { Timeframe } from '../timeframe.js';
import { loadMmBars, loadMmFunding, type MmBars, type MmFunding } from './data.js';
import { marketDataCsv, marketFeatures } from './features.js';
import { mmMetrics, mmRiskReport, runMarketMaker, type MmCosts, type MmMetrics, type MmParams, type MmRunCore } from './backtest.js';
import { chooseIntensity, type IntensityChoice, type IntensityEstimateOptions, type IntensityMode } from './trades.js';
import { MM_METRICS_SCHEMA, MM_RISK_SCHEMA, schemaErrors } from './schema.js';

/** Maker and taker fees of the instrument's venue and market, slippage and funding from the resolved cost config. */
export function mmCostsFor(c: CostConfig, k: InstrumentKey, costsFile: string, venue = k.exchange): MmCosts {
  const v = c.venues[venue];
  const m = v?.[k.market as Market];
  if (!m) {
    throw new DataError(`${venue} ${k.market} is not priced in the cost config`, { file: costsFile, field: `venues.${venue}.${k.market}`, value: null }, {
      hint: `add venues.${venue}.${k.market} (maker_fee_bps, taker_fee_bps) to ${costsFile}, or price the exchange as a priced venue with --venue`,
    });
  }
  // the net maker cost: the fee less a configured rebate (negative = the maker is paid)
  return { maker_fee_bps: m.maker_fee_bps - (m.maker_rebate_bps ?? 0), taker_fee_bps: m.taker_fee_bps, slippage_bps: c.slippage_bps, funding: c.funding.enabled && k.market !== 'spot' };
}

export interface MmData {
  bars: MmBars;
  funding: MmFunding | undefined;
}

export async function loadMmData(dataDir: string, k: InstrumentKey, tf: Timeframe, range: { fromMs?: number; toMs?: number } = {}): Promise<MmData> {
  const db = await LakeDb.open({ threads: 1 });
  try {
    const lakeRoot = resolveInside(dataDir, 'lake');
    const bars = await loadMmBars(db, lakeRoot, k, tf, range);
    if (bars.ts_ms.length === 0) {
      throw new DataError('no bars in the chosen window', { file: bars.file, field: 'ts_ms', value: range }, { hint: 'widen --from/--to or --days' });
    }
    const funding = k.market === 'spot' ? undefined : await loadMmFunding(db, lakeRoot, k);
    return { bars, funding };
  } finally {
    db.close();
  }
}

/**
 * The fill intensity of a run over [fromMs, toMs) of the data dir's lake: estimated from its trades, or the
 * assumption (see chooseIntensity in ./trades.ts). The lake is only read.
 */
export async function mmIntensity(
  dataDir: string, k: InstrumentKey, mode: IntensityMode, assumed: { A: number; k: number }, o: IntensityEstimateOptions,
): Promise<IntensityChoice> {
  const db = await LakeDb.open({ threads: 1 });
  try {
    return await chooseIntensity(db, resolveInside(dataDir, 'lake'), k, mode, assumed, o);
  } finally {
    db.close();
  }
}

export interface MmBacktestResult {
  metrics: MmMetrics;
  risk: ReturnType<typeof mmRiskReport>;
  through: MmRunCore;
  touch: MmRunCore;
}

/** Both fill rules on the same bars, metrics and risk report checked against their schemas. Pure. */
/** `intensity`: where (A, k) of `params` came from (reported in the metrics); absent: the given assumption. */
export function backtestMm(d: MmData, params: MmParams, costs: MmCosts, intensity?: IntensityChoice): MmBacktestResult {
  const through = runMarketMaker(d.bars, d.funding, params, costs, 'through');
  const touch = runMarketMaker(d.bars, d.funding, params, costs, 'touch');
  const inputs = { bars: d.bars, params, costs, through, touch, ...(intensity ? { intensity } : {}) };
  const metrics = mmMetrics(inputs);
  const risk = mmRiskReport(inputs);
  const errs = [...schemaErrors(MM_METRICS_SCHEMA, metrics).map((e) => `metrics ${e}`), ...schemaErrors(MM_RISK_SCHEMA, risk).map((e) => `risk report ${e}`)];
  if (errs.length) throw new Error(`market-making artifacts do not match their schema: ${errs.join('; ')}`);
  return { metrics, risk, through, touch };
}

/** Writes the three artifacts of a run; returns their paths. */
export async function writeMmArtifacts(dataDir: string, runId: string, d: MmData, r: MmBacktestResult, log: Logger): Promise<string[]> {
  const f = marketFeatures(d.bars, 12);
  const files = [
    resolveInside(dataDir, 'artifacts', `${runId}_market_data.csv`),
    resolveInside(dataDir, 'artifacts', `${runId}_metrics.json`),
    resolveInside(dataDir, 'artifacts', `${runId}_risk_report.json`),
  ];
  await writeFileAtomic(files[0]!, marketDataCsv(d.bars, f));
  await writeJsonAtomic(files[1]!, r.metrics);
  await writeJsonAtomic(files[2]!, r.risk);
  log.info({ files }, 'mm artifacts written');
  return files;
}
