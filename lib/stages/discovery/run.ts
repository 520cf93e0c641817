import { dirname, join } from 'node:path';
import { DataError, QuantError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { writeTableFile, type LakeDb } from '../../lake/index.js';
import {
  evaluateInstrument, finalizeDiscovery, occurrencesOf, pooledStats, type CandidateStats, type DriftCache, type MemberOccurrences,
} from '../../research/discovery.js';
import { isPooled, memberInstruments, type Candidate } from '../../research/candidate.js';
import { openSeries } from '../../research/forward.js';
import { loadGates } from '../../research/gates.js';
import type { ShardItem, ShardSpec, StageContext, StageRunSummary } from '../../stage/definition.js';
import { runShardsInProcess } from '../../stage/shard.js';
import {
  eachReadAhead, eventSeries, groupByInstrument, instrumentLabel, loadBars, readEventRowsOf, readPlan, runPartitionLister, type InstrumentKey, type LoadedPlan,
} from './io.js';
import type { DiscoveryParams } from './params.js';
import { discoverySummary, renderDiscoveryMarkdown } from './report.js';
import { readEventsNotEvaluated } from './not_evaluated.js';
import { candidateRanges, instrumentInputs, instrumentsOf, rangeDigest, shardCandidate } from './shards.js';
import { DISCOVERY_COLUMNS, DISCOVERY_RESULTS_FILE, discoveryColumns } from './table.js';
import { discoveryIdleWarning } from '../../report/run_warnings.js';

const WORKERS = 2;

/** What a discovery shard evaluates: its range of the plan's candidates (plan order). */
export interface DiscoveryShardData {
  candidates: Candidate[];
}

/**
 * discovery in shards of a contiguous range of the plan's candidates (`shard_candidates` each): a shard tests its
 * candidates (bars and events loaded once per instrument it needs, the members of a pooled candidate included) and
 * returns their statistics; the reduce takes q over the whole plan (one family), applies the gates and writes
 * results.parquet in plan order and the summary report. The unsharded run is the same functions in one process.
 */
export const discoveryShards: ShardSpec<DiscoveryParams, undefined, CandidateStats[]> = {
  by: 'candidate range',
  // each input file is read once (an instrument's partitions): DuckDB's file cache would only grow with them
  fileCache: false,
  list: async (ctx, _db, o) => {
    const plan = await readCheckedPlan(ctx);
    const inputs = instrumentInputs(dirname(ctx.input('lake/cleaned')), dirname(ctx.input('lake/events')), () => false, runPartitionLister(ctx));
    const out: ShardItem[] = [];
    for (const r of candidateRanges(plan.candidates.length, ctx.params.shard_candidates)) {
      const data: DiscoveryShardData = { candidates: plan.candidates.slice(r.from, r.to).map(shardCandidate) };
      out.push({ label: r.label, input_digest: o?.digests === false ? '' : rangeDigest(data, await inputs(instrumentsOf(data.candidates))), data });
    }
    return out;
  },
  runShard: async (ctx, shard, _prepared, db) => evaluateCandidates(ctx, db, (shard.data as DiscoveryShardData).candidates),
  runTogether: async (ctx, shards, _prepared, db) => {
    const ranges = shards.map((s) => (s.data as DiscoveryShardData).candidates);
    const stats = await evaluateCandidates(ctx, db, ranges.flat(), true);
    if (ctx.signal.aborted) return [];
    let k = 0;
    return ranges.map((r) => stats.slice(k, (k += r.length)));
  },
  reduce: async (ctx, _shards, results, _prepared, db) => {
    const gates = await loadGates(join(ctx.specDir, 'gates.yaml'));
    const plan = await runPlan(ctx);
    const stats = results.flat();
    const off = plan.candidates.findIndex((c, k) => stats[k]?.candidate_id !== c.candidate_id);
    if (stats.length !== plan.candidates.length || off >= 0) {
      throw new QuantError(`discovery: the shards' results (${stats.length} candidates) do not match the plan (${plan.candidates.length}; first difference at position ${off})`, {
        hint: 'the plan changed after the shards were planned: run the stage again',
      });
    }
    const results_ = finalizeDiscovery(stats, gates.discovery);
    const info = await writeTableFile(db, join(ctx.output('lake/discovery'), DISCOVERY_RESULTS_FILE), DISCOVERY_COLUMNS,
      discoveryColumns(plan.candidates, results_, gates.discovery.fdr, plan.plan_hash));
    const summary = discoverySummary(plan.candidates, results_, {
      plan_hash: plan.plan_hash, timeframe: ctx.params.timeframe, gates: gates.discovery, top: ctx.params.top,
      not_evaluated: await readEventsNotEvaluated(ctx.input('lake/events')),
    });
    const rep = ctx.output('reports/discovery');
    await writeJsonAtomic(join(rep, 'summary.json'), summary);
    await writeFileAtomic(join(rep, 'summary.md'), renderDiscoveryMarkdown(summary));
    const idle = discoveryIdleWarning(plan.candidates.length);
    if (idle) ctx.log.warn(idle);
    return {
      ...(idle ? { warnings: [idle] } : {}),
      rows: { 'discovery/results': info.rows },
      metrics: {
        candidates: summary.counts.candidates,
        pass: summary.counts.pass,
        instruments: summary.counts.instruments,
        occurrences: summary.counts.occurrences,
      },
      // not-evaluated events and features: in summary.{md,json} and the report; the features and events stages warn
    };
  },
};

/** The discovery stage: every candidate range in one process, two at a time (2 cores), then the reduce. */
export async function runDiscoveryStage(ctx: StageContext<DiscoveryParams>): Promise<StageRunSummary> {
  return runShardsInProcess(discoveryShards, ctx, WORKERS);
}

const plans = new WeakMap<object, Promise<LoadedPlan>>();

/** research/plan read once per run context (the list and the reduce of an unsharded run both need it; read-only). */
function runPlan(ctx: StageContext<DiscoveryParams>): Promise<LoadedPlan> {
  let p = plans.get(ctx);
  if (!p) plans.set(ctx, (p = readPlan(ctx.input('research/plan'))));
  return p;
}

/** The plan, every candidate checked to be for the pipeline timeframe (a located error naming its line). */
async function readCheckedPlan(ctx: StageContext<DiscoveryParams>): Promise<LoadedPlan> {
  const plan = await runPlan(ctx);
  plan.candidates.forEach((c, k) => {
    if (c.timeframe !== ctx.params.timeframe) {
      throw new DataError(`candidate ${c.candidate_id} is for timeframe ${c.timeframe}, the pipeline runs ${ctx.params.timeframe}`, {
        file: plan.file, line: plan.lines[k]!, field: 'timeframe', value: c.timeframe,
      }, { hint: 'rerun the plan stage for this timeframe' });
    }
  });
  return plan;
}

/**
 * Tests `cands` (a range of the plan, or every range at once: ShardSpec.runTogether): one instrument at a time, each
 * read once (bars; the events of every instrument in one query), the next one read while this one is computed; the
 * occurrences of pooled candidates kept per member until every member is done. Statistics in the order given;
 * `progress`: report instruments done.
 */
async function evaluateCandidates(ctx: StageContext<DiscoveryParams>, db: LakeDb, cands: readonly Candidate[], progress = false): Promise<CandidateStats[]> {
  const lakeRoot = dirname(ctx.input('lake/cleaned'));
  const eventsRoot = dirname(ctx.input('lake/events'));
  const byId = new Map<string, CandidateStats>();
  const single = cands.filter((c) => !isPooled(c));
  const pooled = cands.filter((c) => isPooled(c));
  // instrument label -> pooled candidates it is a member of; instruments only pooled candidates need get a group too
  const pooledOf = new Map<string, Candidate[]>();
  const memberKeys: InstrumentKey[] = [];
  for (const c of pooled) {
    for (const m of memberInstruments(c)) {
      const key = { ...m, timeframe: c.timeframe };
      const label = instrumentLabel(key);
      const list = pooledOf.get(label);
      if (list) list.push(c);
      else {
        pooledOf.set(label, [c]);
        memberKeys.push(key);
      }
    }
  }
  const groups = groupByInstrument(single);
  const known = new Set(groups.map((g) => instrumentLabel(g.key)));
  for (const key of memberKeys) if (!known.has(instrumentLabel(key))) groups.push({ key, candidates: [] });
  const memberOcc = new Map<string, MemberOccurrences[]>(); // pooled candidate id -> its members' occurrences
  // the events of every instrument of `cands` in one query, only the rows of the events `cands` test
  const eventRows = await readEventRowsOf(db, eventsRoot, groups.map((g) => g.key), runPartitionLister(ctx), new Set(cands.map((c) => c.event)));
  let done = 0;
  const load = async (key: InstrumentKey) => {
    const bars = await loadBars(db, lakeRoot, key, { withVolume: false, materialize: true, list: runPartitionLister(ctx) });
    const open = openSeries(bars.ts_ms, bars.open, { file: bars.file });
    const rows = bars.ts_ms.length ? eventRows.get(instrumentLabel(key)) : undefined;
    return { bars, open, rows, drifts: new Map() as DriftCache };
  };
  // the next instrument's bars are read (a materialized query: DuckDB's threads) while this one is computed (JS)
  if (!(await eachReadAhead(groups, (g) => load(g.key), evaluateLoaded, () => ctx.signal.aborted))) return [];
  function evaluateLoaded(g: { key: InstrumentKey; candidates: Candidate[] }, loaded: Awaited<ReturnType<typeof load>>): void {
    const { bars, open, rows, drifts } = loaded;
    const mine = pooledOf.get(instrumentLabel(g.key)) ?? [];
    const names = new Set([...g.candidates, ...mine].map((c) => c.event));
    const events = bars.ts_ms.length ? eventSeries(rows, names, bars.ts_ms[0]!, bars.tfMs) : new Map();
    for (const s of evaluateInstrument(g.candidates, { open, events }, drifts)) byId.set(s.candidate_id, s);
    const offset = bars.ts_ms.length ? bars.ts_ms[0]! / bars.tfMs : 0;
    for (const c of mine) {
      const { occ, drift } = occurrencesOf(c, { open, events }, drifts);
      const list = memberOcc.get(c.candidate_id) ?? [];
      list.push({ symbol: g.key.symbol, offset, occ, drift });
      memberOcc.set(c.candidate_id, list);
    }
    ctx.log.debug({ instrument: instrumentLabel(g.key), candidates: g.candidates.length, pooled: mine.length, bars: bars.ts_ms.length }, 'instrument done');
    if (progress) ctx.progress(++done, groups.length, 'instruments');
  }
  for (const c of pooled) byId.set(c.candidate_id, pooledStats(c.candidate_id, memberOcc.get(c.candidate_id) ?? [], c.horizon_bars, c.pooling === 'bucket' ? 'bucket' : 'universe'));
  return cands.map((c) => byId.get(c.candidate_id)!);
}
