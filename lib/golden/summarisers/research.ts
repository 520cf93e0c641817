/**
 * Key numbers of the research stages for the golden baseline. Counts, ids, hashes and pass/fail are exact; statistics
 * are compared within REL_TOL (they are deterministic, the tolerance only absorbs a different libm).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  groupPartitions, listPartitions, partitionColumns, readPartitions, readTableFile, stringsOf,
  type ColumnSchema, type DictColumn,
} from '../../lake/index.js';
import { featuresTable, EVENTS_TABLE } from '../../lake/derived.js';
import { approx, countSet, exact, seriesStats } from '../checks.js';
import type { Check, StageSummary } from '../types.js';
import type { SummariseContext } from './context.js';
import { groupLabel } from './table_stats.js';

const BY_INSTRUMENT_TF = ['exchange', 'market', 'symbol', 'timeframe'];

/** features: per instrument and feature, the count of present values (exact) and their mean (approx). */
export async function summariseFeatures(ctx: SummariseContext): Promise<StageSummary> {
  const table = featuresTable([]);
  const numbers: Record<string, Check> = {};
  const rows: Record<string, Check> = {};
  for (const parts of groupPartitions(await listPartitions(ctx.lakeRoot, table), BY_INSTRUMENT_TF).values()) {
    const label = groupLabel(table, parts[0]!.keys, BY_INSTRUMENT_TF);
    const names = [...(await partitionColumns(ctx.db, ctx.lakeRoot, parts.slice(0, 1))).values()][0]!;
    const features = [...names].filter((n) => n !== 'ts_ms').sort();
    const cols = await readPartitions(ctx.db, ctx.lakeRoot, featuresTable(features), parts, ['ts_ms', ...features]);
    rows[label] = exact(cols.ts_ms!.length);
    for (const f of features) {
      const s = seriesStats(cols[f]!);
      numbers[`${label} ${f} present`] = exact(s.n);
      numbers[`${label} ${f} mean`] = approx(s.mean);
    }
  }
  return { rows, numbers };
}

/** events: occurrences per instrument and event, and the count of long (direction +1) ones. */
export async function summariseEvents(ctx: SummariseContext): Promise<StageSummary> {
  const numbers: Record<string, Check> = {};
  const rows: Record<string, Check> = {};
  for (const parts of groupPartitions(await listPartitions(ctx.lakeRoot, EVENTS_TABLE), BY_INSTRUMENT_TF).values()) {
    const label = groupLabel(EVENTS_TABLE, parts[0]!.keys, BY_INSTRUMENT_TF);
    const ts: number[] = [];
    const counts = new Map<string, { n: number; long: number }>();
    for (const p of parts) {
      const t = await readTableFile(ctx.db, join(ctx.lakeRoot, p.manifest.file), EVENTS_TABLE.columns as ColumnSchema[]);
      const names = stringsOf(t.event as DictColumn);
      const dir = t.direction as Int32Array;
      names.forEach((e, i) => {
        const c = counts.get(e) ?? { n: 0, long: 0 };
        c.n++;
        if (dir[i] === 1) c.long++;
        counts.set(e, c);
      });
      ts.push(...(t.ts_ms as Float64Array));
    }
    rows[label] = exact(ts.length);
    for (const [e, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      numbers[`${label} ${e} n`] = exact(c.n);
      numbers[`${label} ${e} long`] = exact(c.long);
    }
  }
  return { rows, numbers };
}

/** templates: each template's id and status, and the spec tasks. */
export async function summariseTemplates(ctx: SummariseContext): Promise<StageSummary> {
  const dir = join(ctx.dataDir, 'research', 'templates');
  const numbers: Record<string, Check> = {};
  const lines = (await readFile(join(dir, 'templates.jsonl'), 'utf8')).split('\n').filter(Boolean);
  for (const l of lines) {
    const t = JSON.parse(l) as { id: string; concept_id: string; status: string; events: string[] };
    numbers[`template ${t.concept_id} id`] = exact(t.id);
    numbers[`template ${t.concept_id} status`] = exact(t.status);
    numbers[`template ${t.concept_id} events`] = exact(t.events.join(','));
  }
  const tasks = await readTableFile(ctx.db, join(dir, 'spec_tasks.parquet'), [{ name: 'template_id', type: 'str' }, { name: 'name', type: 'str' }]);
  const names = stringsOf(tasks.name as DictColumn);
  numbers['spec_tasks'] = exact(names.sort().join(','));
  return { rows: { templates: exact(lines.length), spec_tasks: exact(names.length) }, numbers };
}

/** plan: its hash and counts. */
export async function summarisePlan(ctx: SummariseContext): Promise<StageSummary> {
  const plan = JSON.parse(await readFile(join(ctx.dataDir, 'research', 'plan', 'plan.json'), 'utf8')) as { plan_hash: string; counts: Record<string, number> };
  const numbers: Record<string, Check> = { plan_hash: exact(plan.plan_hash) };
  for (const [k, v] of Object.entries(plan.counts)) numbers[`count ${k}`] = exact(v);
  return { rows: { candidates: exact(plan.counts.planned ?? null) }, numbers };
}

const DISCOVERY_GOLDEN: ColumnSchema[] = [
  { name: 'candidate_id', type: 'str', description: '' }, { name: 'n', type: 'i32', description: '' },
  { name: 'mean_bps', type: 'f64', description: '' }, { name: 'excess_bps', type: 'f64', description: '' },
  { name: 'hac_t', type: 'f64', description: '' }, { name: 'ess', type: 'f64', description: '' },
  { name: 'p', type: 'f64', description: '' }, { name: 'q', type: 'f64', description: '' },
  { name: 'pass', type: 'u8', description: '' }, { name: 'failed_gate', type: 'str', description: '' },
];

/** discovery: per candidate n (exact), mean, excess, HAC t, ESS, p, q (approx), pass and first failing gate (exact). */
export async function summariseDiscovery(ctx: SummariseContext): Promise<StageSummary> {
  const t = await readTableFile(ctx.db, join(ctx.lakeRoot, 'discovery', 'results.parquet'), DISCOVERY_GOLDEN);
  const ids = stringsOf(t.candidate_id as DictColumn);
  const gate = stringsOf(t.failed_gate as DictColumn);
  const numbers: Record<string, Check> = {};
  ids.forEach((id, i) => {
    numbers[`${id} n`] = exact((t.n as Int32Array)[i]!);
    for (const c of ['mean_bps', 'excess_bps', 'hac_t', 'ess', 'p', 'q']) numbers[`${id} ${c}`] = approx((t[c] as Float64Array)[i]!);
    numbers[`${id} pass`] = exact((t.pass as Uint8Array)[i] === 1);
    numbers[`${id} failed_gate`] = exact(gate[i]!);
  });
  numbers['pass count'] = exact(countSet(t.pass as Uint8Array));
  return { rows: { results: exact(ids.length) }, numbers };
}

const BRIDGE_GOLDEN: ColumnSchema[] = [
  { name: 'candidate_id', type: 'str', description: '' }, { name: 'n_trades', type: 'i32', description: '' },
  ...['gross_bps', 'fees_bps', 'slippage_bps', 'impact_bps', 'funding_bps', 'borrow_bps', 'net_bps', 'ci_lo_bps', 'ci_hi_bps', 'capacity_usd']
    .map((name) => ({ name, type: 'f64' as const, description: '' })),
  { name: 'pass', type: 'u8', description: '' }, { name: 'failed_gates', type: 'str', description: '' },
  { name: 'cost_digest', type: 'str', description: '' },
];

/** bridge: per priced candidate, trades (exact), every cost component, net edge and its CI (approx), the verdict. */
export async function summariseBridge(ctx: SummariseContext): Promise<StageSummary> {
  const t = await readTableFile(ctx.db, join(ctx.lakeRoot, 'bridge', 'results.parquet'), BRIDGE_GOLDEN);
  const ids = stringsOf(t.candidate_id as DictColumn);
  const failed = stringsOf(t.failed_gates as DictColumn);
  const digests = new Set(stringsOf(t.cost_digest as DictColumn));
  const numbers: Record<string, Check> = { cost_digests: exact([...digests].sort().join(',')) };
  ids.forEach((id, i) => {
    numbers[`${id} n_trades`] = exact((t.n_trades as Int32Array)[i]!);
    for (const c of BRIDGE_GOLDEN.slice(2, 12)) numbers[`${id} ${c.name}`] = approx((t[c.name] as Float64Array)[i]!);
    numbers[`${id} pass`] = exact((t.pass as Uint8Array)[i] === 1);
    numbers[`${id} failed_gates`] = exact(failed[i]!);
  });
  return { rows: { results: exact(ids.length) }, numbers };
}
