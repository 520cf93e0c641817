import { join } from 'node:path';
import { TABLES } from '../../lake/index.js';
import { readJsonIfExists } from '../../fsx.js';
import type { QualityReport } from '../../clean/quality.js';
import { approx, exact } from '../checks.js';
import type { Check, StageSummary } from '../types.js';
import type { SummariseContext } from './context.js';
import { mergeSummaries } from './context.js';
import { tableChecks } from './table_stats.js';

const BY_INSTRUMENT = ['exchange', 'market', 'symbol'];

/**
 * clean: per instrument and timeframe, the bar counts by flag (missing, zero volume, outlier, partial: exact),
 * close levels and volume (within REL_TOL), funding and observation series; and from the quality report, coverage
 * and gaps per instrument and timeframe.
 */
export async function summariseClean(ctx: SummariseContext): Promise<StageSummary> {
  const { db, lakeRoot } = ctx;
  const parts = [
    await tableChecks(db, lakeRoot, TABLES.cleanBars, {
      groupBy: [...BY_INSTRUMENT, 'timeframe'], stats: ['close'], sums: ['volume'],
      flags: ['is_missing', 'is_zero_volume', 'is_outlier', 'is_partial'],
    }),
    await tableChecks(db, lakeRoot, TABLES.cleanFunding, { groupBy: BY_INSTRUMENT, stats: ['funding_rate'], sums: ['interval_hours'], flags: ['is_off_schedule'] }),
    await tableChecks(db, lakeRoot, TABLES.cleanOpenInterest, { groupBy: BY_INSTRUMENT, stats: ['open_interest'] }),
    await tableChecks(db, lakeRoot, TABLES.cleanMarketCap, { groupBy: BY_INSTRUMENT, stats: ['market_cap_usd'] }),
  ];
  const q = await readJsonIfExists<QualityReport>(join(ctx.dataDir, 'reports', 'quality', 'quality.json'));
  return mergeSummaries(...parts.map((p) => ({ rows: p.rows, numbers: p.numbers })), { numbers: q ? qualityChecks(q) : {} });
}

/** Coverage (within REL_TOL: a ratio) and gap, duplicate and funding counts (exact) from the quality report. */
export function qualityChecks(q: QualityReport): Record<string, Check> {
  const out: Record<string, Check> = {};
  for (const inst of q.instruments) {
    for (const t of inst.timeframes) {
      const p = `quality ${inst.instrument} ${t.timeframe}`;
      out[`${p} coverage_pct`] = t.coverage_pct === null ? exact(null) : approx(t.coverage_pct);
      out[`${p} gap_count`] = exact(t.gap_count);
      out[`${p} duplicates_dropped`] = exact(t.duplicates_dropped);
      out[`${p} outlier_bars`] = exact(t.outlier_bars);
    }
    if (inst.funding) {
      out[`quality ${inst.instrument} funding settlements`] = exact(inst.funding.settlements);
      out[`quality ${inst.instrument} funding gap_count`] = exact(inst.funding.gap_count);
    }
  }
  for (const t of q.totals.timeframes) {
    out[`quality totals ${t.timeframe} coverage_pct`] = t.coverage_pct === null ? exact(null) : approx(t.coverage_pct);
    out[`quality totals ${t.timeframe} missing_bars`] = exact(t.missing_bars);
    out[`quality totals ${t.timeframe} outlier_bars`] = exact(t.outlier_bars);
  }
  return out;
}
