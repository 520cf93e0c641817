import { join } from 'node:path';
import { TABLES } from '../../lake/index.js';
import { readJsonIfExists } from '../../fsx.js';
import { exact } from '../checks.js';
import type { Check, StageSummary } from '../types.js';
import type { SummariseContext } from './context.js';
import { mergeSummaries } from './context.js';
import { tableChecks } from './table_stats.js';

const BY_INSTRUMENT = ['exchange', 'market', 'symbol'];

/** ingest: rows and price/volume levels per instrument of every raw table, and what the provenance says. */
export async function summariseIngest(ctx: SummariseContext): Promise<StageSummary> {
  const { db, lakeRoot } = ctx;
  const parts = [
    await tableChecks(db, lakeRoot, TABLES.rawKlines, { groupBy: [...BY_INSTRUMENT, 'interval'], stats: ['close'], sums: ['volume'] }),
    await tableChecks(db, lakeRoot, TABLES.rawMarkKlines, { groupBy: [...BY_INSTRUMENT, 'interval'], stats: ['close'] }),
    await tableChecks(db, lakeRoot, TABLES.rawFunding, { groupBy: BY_INSTRUMENT, stats: ['funding_rate'] }),
    await tableChecks(db, lakeRoot, TABLES.rawOpenInterest, { groupBy: BY_INSTRUMENT, stats: ['open_interest'] }),
    await tableChecks(db, lakeRoot, TABLES.rawMarketCap, { groupBy: BY_INSTRUMENT, stats: ['market_cap_usd'] }),
  ];
  const prov = await readJsonIfExists<{ source?: string; synthetic?: boolean; entries?: unknown[] }>(join(lakeRoot, 'raw', '_provenance.json'));
  const provenance: Record<string, Check> = {
    'provenance source': exact(prov?.source ?? null),
    'provenance synthetic': exact(prov?.synthetic ?? false),
    'provenance entries': exact(prov?.entries?.length ?? 0),
  };
  return mergeSummaries(...parts.map((p) => ({ rows: p.rows, numbers: p.numbers })), { numbers: provenance });
}
