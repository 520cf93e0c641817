import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError, QuantError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { mapWithConnections, readTableFile, writeTableFile, type LakeDb } from '../../lake/index.js';
import type { CostConfig } from '../../costs/schema.js';
import { fundingSpan, spanCut, type CutInstrument } from '../../costs/funding_span.js';
import {
  bridgeBootstrap, bridgeStats, mergeLedgers, pooledBlockTrades, resolveVenueFees, tradeLedger, withBridgeCI, YEAR_MS, type BridgeStats,
  type MemberLedger, type TradeLedger, type TrailingDay,
} from '../../research/bridge.js';
import { BootstrapCIPool } from '../../stats/index.js';
import { isPooled, memberInstruments, type Candidate } from '../../research/plan.js';
import { forwardOccurrences, openSeries } from '../../research/forward.js';
import { loadGates } from '../../research/gates.js';
import type { ShardItem, ShardSpec, StageContext, StageRunSummary } from '../../stage/definition.js';
import { runShardsInProcess } from '../../stage/shard.js';
import {
  eventSeries, groupByInstrument, instrumentLabel, loadBars, loadFunding, readEventRows, readPlan,
} from '../discovery/io.js';
import { candidateRanges, instrumentInputs, instrumentsOf, rangeDigest, shardCandidate } from '../discovery/shards.js';
import { DISCOVERY_READ_COLUMNS, DISCOVERY_RESULTS_FILE, discoveryRows } from '../discovery/table.js';
import type { BridgeParams } from './params.js';
import { bridgeSummary, renderBridgeMarkdown } from './report.js';
import { BRIDGE_COLUMNS, BRIDGE_RESULTS_FILE, bridgeColumns, type BridgeRow } from './table.js';
import { bridgeIdleWarning } from '../../report/run_warnings.js';

const WORKERS = 2;

/** A candidate a bridge shard prices, with what it needs of its discovery row. */
export interface BridgeShardCandidate extends Candidate {
  /** discovery's HAC lag (the bootstrap's mean block is lag + 1) */
  hac_lags: number;
  /** passed every discovery gate */
  survived: boolean;
}

/** What a bridge shard prices: the candidates to price in its range of the plan (plan order). */
export interface BridgeShardData {
  candidates: BridgeShardCandidate[];
}

/** A priced candidate's row without its plan line (the reduce adds it). */
export type PricedRow = Omit<BridgeRow, 'candidate'> & { candidate_id: string };

export interface BridgeShardResult {
  /** the shard's candidates, in its data's order */
  rows: PricedRow[];
  /** perpetuals of the shard whose bars reach outside their funding span */
  cuts: CutInstrument[];
}

/**
 * bridge in shards of a contiguous range of the plan's candidates (`shard_candidates` each; a range with nothing to
 * price is no shard): a shard prices its candidates (bars, events and funding loaded once per instrument, each
 * member of a pooled candidate on its own) and returns their rows; the reduce puts the rows in plan order and
 * writes results.parquet and the summary report (gate counts, listed candidates, funding cuts). The unsharded run
 * is the same functions in one process.
 */
export const bridgeShards: ShardSpec<BridgeParams, undefined, BridgeShardResult> = {
  by: 'candidate range',
  // each input file is read once (an instrument's partitions): DuckDB's file cache would only grow with them
  fileCache: false,
  list: async (ctx, db) => {
    const costs = costsOf(ctx);
    const plan = await readPlan(ctx.input('research/plan'));
    const resultsFile = join(ctx.input('lake/discovery'), DISCOVERY_RESULTS_FILE);
    const display = `lake/discovery/${DISCOVERY_RESULTS_FILE}`;
    if (!existsSync(resultsFile)) throw new DataError('missing discovery results', { file: display }, { hint: 'run the discovery stage first' });
    const disc = discoveryRows(await readTableFile(db, resultsFile, DISCOVERY_READ_COLUMNS));
    const stale = disc.find((r) => r.plan_hash !== plan.plan_hash);
    if (stale) {
      throw new DataError(`discovery results were computed on another plan (current plan ${plan.plan_hash})`, {
        file: display, field: 'plan_hash', value: stale.plan_hash,
      }, { hint: 'rerun discovery on the current plan' });
    }
    const priced = ctx.params.scope === 'all' ? disc : disc.filter((r) => r.pass);
    const lagsOf = new Map(priced.map((r) => [r.candidate_id, r.hac_lags]));
    const survived = new Set(disc.filter((r) => r.pass).map((r) => r.candidate_id));
    const planIds = new Set(plan.candidates.map((c) => c.candidate_id));
    for (const id of lagsOf.keys()) {
      if (!planIds.has(id)) throw new DataError('survivor not in the plan', { file: display, field: 'candidate_id', value: id });
    }
    plan.candidates.forEach((c, k) => {
      if (lagsOf.has(c.candidate_id) && c.timeframe !== ctx.params.timeframe) {
        throw new DataError(`candidate ${c.candidate_id} is for timeframe ${c.timeframe}, the pipeline runs ${ctx.params.timeframe}`, {
          file: plan.file, line: plan.lines[k]!, field: 'timeframe', value: c.timeframe,
        });
      }
    });
    const inputs = instrumentInputs(dirname(ctx.input('lake/cleaned')), dirname(ctx.input('lake/events')),
      (k) => k.market !== 'spot' && costs.funding.enabled);
    const out: ShardItem[] = [];
    for (const r of candidateRanges(plan.candidates.length, ctx.params.shard_candidates)) {
      const candidates = plan.candidates.slice(r.from, r.to).filter((c) => lagsOf.has(c.candidate_id))
        .map((c) => ({ ...shardCandidate(c), hac_lags: lagsOf.get(c.candidate_id)!, survived: survived.has(c.candidate_id) }));
      if (candidates.length === 0) continue;
      const data: BridgeShardData = { candidates };
      out.push({ label: r.label, input_digest: rangeDigest(data, await inputs(instrumentsOf(candidates))), data });
    }
    return out;
  },
  runShard: async (ctx, shard, _prepared, db) => priceCandidates(ctx, db, (shard.data as BridgeShardData).candidates, 1),
  runTogether: async (ctx, shards, _prepared, db, concurrency) => {
    const ranges = shards.map((s) => (s.data as BridgeShardData).candidates);
    const all = await priceCandidates(ctx, db, ranges.flat(), concurrency, true);
    if (ctx.signal.aborted) return [];
    const cutOf = new Map(all.cuts.map((c) => [c.instrument, c]));
    let k = 0;
    // a range's cuts: those of the instruments it prices, in the order it would meet them
    return ranges.map((r) => ({ rows: all.rows.slice(k, (k += r.length)), cuts: cutsInOrder(r, cutOf) }));
  },
  reduce: async (ctx, shards, results, _prepared, db) => {
    const costs = ctx.costs!;
    const gates = await loadGates(join(ctx.specDir, 'gates.yaml'));
    const plan = await readPlan(ctx.input('research/plan'));
    const inPlan = new Map(plan.candidates.map((c) => [c.candidate_id, c]));
    const priced = shards.flatMap((s) => (s.data as BridgeShardData).candidates);
    const got = results.flatMap((r) => r.rows);
    const off = priced.findIndex((c, k) => got[k]?.candidate_id !== c.candidate_id || !inPlan.has(c.candidate_id));
    if (got.length !== priced.length || off >= 0) {
      throw new QuantError(`bridge: the shards' results (${got.length} rows) do not match the candidates planned (${priced.length}; first difference at position ${off})`, {
        hint: 'the plan changed after the shards were planned: run the stage again',
      });
    }
    const rows: BridgeRow[] = got.map(({ candidate_id, ...r }) => ({ candidate: inPlan.get(candidate_id)!, ...r }));
    // one cut per instrument, in the order the instruments are first traded in the plan
    const cutOf = new Map(results.flatMap((r) => r.cuts).map((c) => [c.instrument, c]));
    const cuts = cutsInOrder(priced, cutOf);
    const info = await writeTableFile(db, join(ctx.output('lake/bridge'), BRIDGE_RESULTS_FILE), BRIDGE_COLUMNS,
      bridgeColumns(rows, costs.digest, plan.plan_hash));
    const summary = bridgeSummary(rows, {
      plan_hash: plan.plan_hash, cost_digest: costs.digest, timeframe: ctx.params.timeframe, gates: gates.bridge, top: ctx.params.top,
    }, cuts);
    const rep = ctx.output('reports/bridge');
    await writeJsonAtomic(join(rep, 'summary.json'), summary);
    await writeFileAtomic(join(rep, 'summary.md'), renderBridgeMarkdown(summary));
    const idle = bridgeIdleWarning(rows.length, plan.candidates.length);
    const warnings = [
      ...(idle ? [idle] : []),
      ...(summary.funding_cuts ?? []).map((c) => `${c.instrument}: ${c.dropped_occurrences} occurrence(s) not priced outside its funding span: ${c.reason}`),
    ];
    for (const w of warnings) ctx.log.warn(w);
    return {
      rows: { 'bridge/results': info.rows },
      metrics: { priced: rows.length, survivors: summary.counts.survivors, pass: summary.counts.pass, trades: summary.counts.trades },
      ...(warnings.length ? { warnings } : {}),
    };
  },
};

/** The bridge stage: every candidate range in one process, two at a time (2 cores), then the reduce. */
export async function runBridgeStage(ctx: StageContext<BridgeParams>): Promise<StageRunSummary> {
  return runShardsInProcess(bridgeShards, ctx, WORKERS);
}

/** One pricing job per instrument a candidate trades: itself, or each member of a pooled candidate (its symbol). */
function memberJobs<C extends Candidate>(cands: readonly C[]): (C & { of: C })[] {
  return cands.flatMap((c) => memberInstruments(c).map((m) => ({ ...c, symbol: m.symbol, of: c })));
}

/** The cuts (by instrument) of the instruments `cands` trade, in the order those instruments are first met. */
function cutsInOrder(cands: readonly Candidate[], cutOf: ReadonlyMap<string, CutInstrument>): CutInstrument[] {
  return groupByInstrument(memberJobs(cands)).flatMap((g) => {
    const c = cutOf.get(instrumentLabel(g.key));
    return c ? [c] : [];
  });
}

function costsOf(ctx: StageContext<BridgeParams>): CostConfig {
  if (!ctx.costs) throw new QuantError('bridge needs the cost config (usesCosts)');
  return ctx.costs.config as CostConfig;
}

/** A CI not made yet: bridgeStats is given this, and withBridgeCI puts in the pool's. */
const CI_LATER = { lo: NaN, hi: NaN };

/**
 * Prices `cands` (a range of the plan, or every range at once) under spec/costs.yaml, one instrument at a time,
 * `concurrency` at once on their own connections (bars, events and funding read once per instrument); a pooled
 * candidate member by member (each on its own bars, funding and fees), its ledgers stacked in entry-time order into
 * one row (docs/research.md "Pooled candidates"). Rows in the order given; `progress`: report instruments done.
 * The bootstraps go to a BootstrapCIPool as the ledgers are made: worker threads make them while this thread reads
 * and prices the next instruments (from BOOTSTRAP_PARALLEL_MIN_WORK of work: small lakes stay on this thread), the
 * same CIs whatever the thread count.
 */
async function priceCandidates(
  ctx: StageContext<BridgeParams>, db: LakeDb, cands: readonly BridgeShardCandidate[], concurrency: number, progress = false,
): Promise<BridgeShardResult> {
  const pool = new BootstrapCIPool(cands.length);
  try {
    return await priceWith(pool, ctx, db, cands, concurrency, progress);
  } finally {
    pool.close();
  }
}

async function priceWith(
  pool: BootstrapCIPool, ctx: StageContext<BridgeParams>, db: LakeDb, cands: readonly BridgeShardCandidate[], concurrency: number, progress: boolean,
): Promise<BridgeShardResult> {
  const costs = costsOf(ctx);
  const costsFile = join(ctx.specDir, 'costs.yaml');
  const gates = await loadGates(join(ctx.specDir, 'gates.yaml'));
  const jobs = memberJobs(cands);
  const lakeRoot = dirname(ctx.input('lake/cleaned'));
  const eventsRoot = dirname(ctx.input('lake/events'));
  const byId = new Map<string, PricedRow>();
  /** each row's bootstrap in the pool (-1: fewer than 2 trades, no CI) */
  const ciOf = new Map<string, number>();
  const submit = (id: string, ledger: TradeLedger, hacLags: number) => {
    const b = bridgeBootstrap(id, ledger, hacLags, gates.bridge);
    ciOf.set(id, b ? pool.submit(b.x, b.opts) : -1);
  };
  const pooledParts = new Map<string, { members: MemberLedger[]; venue: string; taker_fee_bps: number; n_occ: number; outside: number; missing: number; years: number; tfMs: number }>();
  const groups = groupByInstrument(jobs);
  const cuts: CutInstrument[] = [];
  let done = 0;
  const perGroup = await mapWithConnections(db, groups, concurrency, async (g, conn) => {
    if (ctx.signal.aborted) return undefined;
    const fees = resolveVenueFees(costs, g.key.exchange, g.key.market, ctx.params.venue_for, costsFile);
    const perp = g.key.market !== 'spot';
    const bars = await loadBars(conn, lakeRoot, g.key);
    const open = openSeries(bars.ts_ms, bars.open, { file: bars.file });
    const rows = bars.ts_ms.length ? await readEventRows(conn, eventsRoot, g.key) : undefined;
    const funding = perp && costs.funding.enabled ? await loadFunding(conn, lakeRoot, g.key) : undefined;
    const events = bars.ts_ms.length ? eventSeries(rows, new Set(g.candidates.map((c) => c.event)), bars.ts_ms[0]!, bars.tfMs) : new Map();
    const years = (bars.ts_ms.length * bars.tfMs) / YEAR_MS;
    const span = funding?.series ? fundingSpan(funding.series) : undefined;
    const cut = span && bars.ts_ms.length
      ? spanCut(instrumentLabel(g.key), span, bars.ts_ms[0]!, bars.ts_ms[bars.ts_ms.length - 1]! + bars.tfMs, bars.tfMs)
      : undefined;
    const days = new Map<number, TrailingDay>(); // the trailing day of an event bar, shared by the instrument's candidates
    const priced = g.candidates.map((job) => {
      const { ledger, occ } = price(job);
      if (!isPooled(job.of)) {
        submit(job.candidate_id, ledger, job.hac_lags);
        const row: PricedRow = {
          candidate_id: job.candidate_id, venue: fees.venue, taker_fee_bps: fees.taker_fee_bps, notional_usd: gates.bridge.notional_usd,
          n_occurrences: occ.y.length, dropped_outside: occ.dropped.outside, dropped_missing_open: occ.dropped.missing_open,
          discovery_pass: job.survived,
          stats: bridgeStats(job.candidate_id, ledger, job.hac_lags, years, gates.bridge, CI_LATER),
        };
        return { job, row };
      }
      const member: MemberLedger = { symbol: job.symbol, ledger, entry_ts_ms: Float64Array.from(ledger.t, (t) => bars.ts_ms[t + 1]!) };
      return { job, member, occ };
    });

    function price(c: Candidate): { ledger: TradeLedger; occ: ReturnType<typeof forwardOccurrences> } {
      const ev = events.get(c.event) ?? { t: new Int32Array(0), direction: new Int8Array(0) };
      const sign = c.expected === 'fade' ? -1 : 1;
      const s = Int8Array.from(ev.direction, (d: number) => d * sign);
      const occ = forwardOccurrences(open, ev.t, s, c.horizon_bars);
      const ledger = tradeLedger({
        bars, tfMs: bars.tfMs, occ, horizon: c.horizon_bars, market: c.market, fees, costs,
        notional_usd: gates.bridge.notional_usd, funding: funding?.series,
        where: { file: funding?.file ?? bars.file, instrument: instrumentLabel(g.key) }, days,
      });
      return { ledger, occ };
    }
    ctx.log.debug({ instrument: instrumentLabel(g.key), priced: g.candidates.length, bars: bars.ts_ms.length }, 'instrument done');
    if (progress) ctx.progress(++done, groups.length, 'instruments');
    return { fees, years, tfMs: bars.tfMs, cut, priced };
  });
  if (ctx.signal.aborted) return { rows: [], cuts: [] };
  for (const r of perGroup) {
    const { fees, years, tfMs, cut, priced } = r!;
    if (cut) cuts.push(cut);
    for (const p of priced) {
      if (p.row) {
        byId.set(p.job.candidate_id, p.row);
        continue;
      }
      const { job, member, occ } = p;
      const acc = pooledParts.get(job.candidate_id) ??
        { members: [], venue: fees.venue, taker_fee_bps: fees.taker_fee_bps, n_occ: 0, outside: 0, missing: 0, years: 0, tfMs };
      acc.members.push(member!);
      acc.n_occ += occ!.y.length;
      acc.outside += occ!.dropped.outside;
      acc.missing += occ!.dropped.missing_open;
      acc.years = Math.max(acc.years, years);
      pooledParts.set(job.candidate_id, acc);
    }
  }
  const byCandidate = new Map(cands.map((c) => [c.candidate_id, c]));
  for (const [id, acc] of pooledParts) {
    const c = byCandidate.get(id)!;
    const merged = mergeLedgers(acc.members.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)));
    const block = pooledBlockTrades(c.hac_lags, merged.net.length, merged.entry_ts_ms, acc.tfMs);
    submit(id, merged, block - 1);
    byId.set(id, {
      candidate_id: id, venue: acc.venue, taker_fee_bps: acc.taker_fee_bps, notional_usd: gates.bridge.notional_usd,
      n_occurrences: acc.n_occ, dropped_outside: acc.outside, dropped_missing_open: acc.missing, discovery_pass: c.survived,
      stats: bridgeStats(id, merged, block - 1, acc.years, gates.bridge, CI_LATER),
    });
  }
  const cis = await pool.results();
  ctx.log.debug({ bootstraps: pool.use.jobs, by_workers: pool.use.workerJobs, workers: pool.use.workers, workers_lost: pool.use.lost }, 'bootstraps made');
  return {
    rows: cands.map((c) => {
      const row = byId.get(c.candidate_id)!;
      const j = ciOf.get(c.candidate_id)!;
      return { ...row, stats: withDiscoveryGate(withBridgeCI(row.stats, j >= 0 ? cis[j]! : CI_LATER, gates.bridge), c.survived) };
    }),
    cuts,
  };
}

/** A candidate that did not survive discovery cannot pass the bridge, whatever its net edge (scope: all). */
function withDiscoveryGate(stats: BridgeStats, survived: boolean): BridgeStats {
  if (survived) return stats;
  return { ...stats, pass: false, failed_gate: 'discovery', failed_gates: ['discovery', ...stats.failed_gates] };
}
