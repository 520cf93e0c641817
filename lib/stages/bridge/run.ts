import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError, QuantError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../fsx.js';
import { LakeDb, readTableFile, writeTableFile } from '../../lake/index.js';
import type { CostConfig } from '../../costs/schema.js';
import { fundingSpan, spanCut, type CutInstrument } from '../../costs/funding_span.js';
import {
  bridgeStats, mergeLedgers, pooledBlockTrades, resolveVenueFees, tradeLedger, YEAR_MS, type BridgeStats, type MemberLedger, type TradeLedger,
} from '../../research/bridge.js';
import type { PlanCandidate } from '../../research/discovery.js';
import { isPooled, memberInstruments } from '../../research/plan.js';
import { forwardOccurrences, openSeries } from '../../research/forward.js';
import { loadGates } from '../../research/gates.js';
import type { StageContext, StageRunSummary } from '../../stage/definition.js';
import { groupByInstrument, instrumentLabel, loadBars, loadEvents, loadFunding, readPlan } from '../discovery/io.js';
import { DISCOVERY_READ_COLUMNS, DISCOVERY_RESULTS_FILE, discoveryRows } from '../discovery/table.js';
import type { BridgeParams } from './params.js';
import { bridgeSummary, renderBridgeMarkdown } from './report.js';
import { BRIDGE_COLUMNS, BRIDGE_RESULTS_FILE, bridgeColumns, type BridgeRow } from './table.js';
import { bridgeIdleWarning } from '../../report/run_warnings.js';

/**
 * The bridge stage: every discovery survivor priced under spec/costs.yaml, one instrument at a time (bars, events
 * and funding loaded once per instrument). Rows in plan order.
 */
export async function runBridgeStage(ctx: StageContext<BridgeParams>): Promise<StageRunSummary> {
  if (!ctx.costs) throw new QuantError('bridge needs the cost config (usesCosts)');
  const costs = ctx.costs.config as CostConfig;
  const costsFile = join(ctx.specDir, 'costs.yaml');
  const gates = await loadGates(join(ctx.specDir, 'gates.yaml'));
  const plan = await readPlan(ctx.input('research/plan'));
  const resultsFile = join(ctx.input('lake/discovery'), DISCOVERY_RESULTS_FILE);
  const display = `lake/discovery/${DISCOVERY_RESULTS_FILE}`;
  if (!existsSync(resultsFile)) throw new DataError('missing discovery results', { file: display }, { hint: 'run the discovery stage first' });
  const db = await LakeDb.open({ threads: 2 });
  try {
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
    // a pooled candidate is priced member by member (each on its own bars, funding and fees), its ledgers stacked in
    // entry-time order into one row (docs/research.md "Pooled candidates")
    const survivors = plan.candidates.filter((c) => lagsOf.has(c.candidate_id));
    for (const c of survivors) {
      if (c.timeframe !== ctx.params.timeframe) {
        throw new DataError(`candidate ${c.candidate_id} is for timeframe ${c.timeframe}, the pipeline runs ${ctx.params.timeframe}`, {
          file: plan.file, field: 'timeframe', value: c.timeframe,
        });
      }
    }
    /** One pricing job per instrument a candidate trades: itself, or each member of a pooled candidate. */
    const jobs = survivors.flatMap((c) => memberInstruments(c).map((m) => ({ ...c, symbol: m.symbol, of: c })));
    const lakeRoot = dirname(ctx.input('lake/cleaned'));
    const eventsRoot = dirname(ctx.input('lake/events'));
    const byId = new Map<string, BridgeRow>();
    const pooledParts = new Map<string, { members: MemberLedger[]; venue: string; taker_fee_bps: number; n_occ: number; outside: number; missing: number; years: number; tfMs: number }>();
    const groups = groupByInstrument(jobs);
    const cuts: CutInstrument[] = [];
    let done = 0;
    for (const g of groups) {
      if (ctx.signal.aborted) return {};
      const fees = resolveVenueFees(costs, g.key.exchange, g.key.market, ctx.params.venue_for, costsFile);
      const bars = await loadBars(db, lakeRoot, g.key);
      const open = openSeries(bars.ts_ms, bars.open, { file: bars.file });
      const events = bars.ts_ms.length
        ? await loadEvents(db, eventsRoot, g.key, new Set(g.candidates.map((c) => c.event)), bars.ts_ms[0]!, bars.tfMs)
        : new Map();
      const perp = g.key.market !== 'spot';
      const funding = perp && costs.funding.enabled ? await loadFunding(db, lakeRoot, g.key) : undefined;
      const years = (bars.ts_ms.length * bars.tfMs) / YEAR_MS;
      const span = funding?.series ? fundingSpan(funding.series) : undefined;
      const cut = span && bars.ts_ms.length
        ? spanCut(instrumentLabel(g.key), span, bars.ts_ms[0]!, bars.ts_ms[bars.ts_ms.length - 1]! + bars.tfMs, bars.tfMs)
        : undefined;
      if (cut) cuts.push(cut);
      for (const job of g.candidates) {
        const { ledger, occ } = price(job);
        if (!isPooled(job.of)) {
          byId.set(job.candidate_id, {
            candidate: job.of, venue: fees.venue, taker_fee_bps: fees.taker_fee_bps, notional_usd: gates.bridge.notional_usd,
            n_occurrences: occ.y.length, dropped_outside: occ.dropped.outside, dropped_missing_open: occ.dropped.missing_open,
            discovery_pass: survived.has(job.candidate_id),
            stats: withDiscoveryGate(bridgeStats(job.candidate_id, ledger, lagsOf.get(job.candidate_id)!, years, gates.bridge), survived.has(job.candidate_id)),
          });
          continue;
        }
        const acc = pooledParts.get(job.candidate_id) ??
          { members: [], venue: fees.venue, taker_fee_bps: fees.taker_fee_bps, n_occ: 0, outside: 0, missing: 0, years: 0, tfMs: bars.tfMs };
        acc.members.push({ symbol: job.symbol, ledger, entry_ts_ms: Float64Array.from(ledger.t, (t) => bars.ts_ms[t + 1]!) });
        acc.n_occ += occ.y.length;
        acc.outside += occ.dropped.outside;
        acc.missing += occ.dropped.missing_open;
        acc.years = Math.max(acc.years, years);
        pooledParts.set(job.candidate_id, acc);
      }

      function price(c: PlanCandidate): { ledger: TradeLedger; occ: ReturnType<typeof forwardOccurrences> } {
        const ev = events.get(c.event) ?? { t: new Int32Array(0), direction: new Int8Array(0) };
        const sign = c.expected === 'fade' ? -1 : 1;
        const s = Int8Array.from(ev.direction, (d: number) => d * sign);
        const occ = forwardOccurrences(open, ev.t, s, c.horizon_bars);
        const ledger = tradeLedger({
          bars, tfMs: bars.tfMs, occ, horizon: c.horizon_bars, market: c.market, fees, costs,
          notional_usd: gates.bridge.notional_usd, funding: funding?.series,
          where: { file: funding?.file ?? bars.file, instrument: instrumentLabel(g.key) },
        });
        return { ledger, occ };
      }
      ctx.progress(++done, groups.length, 'instruments');
    }
    const survivorById = new Map(survivors.map((c) => [c.candidate_id, c]));
    for (const [id, acc] of pooledParts) {
      const c = survivorById.get(id)!;
      const merged = mergeLedgers(acc.members.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)));
      const block = pooledBlockTrades(lagsOf.get(id)!, merged.net.length, merged.entry_ts_ms, acc.tfMs);
      byId.set(id, {
        candidate: c, venue: acc.venue, taker_fee_bps: acc.taker_fee_bps, notional_usd: gates.bridge.notional_usd,
        n_occurrences: acc.n_occ, dropped_outside: acc.outside, dropped_missing_open: acc.missing, discovery_pass: survived.has(id),
        stats: withDiscoveryGate(bridgeStats(id, merged, block - 1, acc.years, gates.bridge), survived.has(id)),
      });
    }
    const rows = survivors.map((c) => byId.get(c.candidate_id)!);
    const info = await writeTableFile(db, join(ctx.output('lake/bridge'), BRIDGE_RESULTS_FILE), BRIDGE_COLUMNS,
      bridgeColumns(rows, ctx.costs.digest, plan.plan_hash));
    const summary = bridgeSummary(rows, {
      plan_hash: plan.plan_hash, cost_digest: ctx.costs.digest, timeframe: ctx.params.timeframe, gates: gates.bridge, top: ctx.params.top,
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
  } finally {
    db.close();
  }
}

/** A candidate that did not survive discovery cannot pass the bridge, whatever its net edge (scope: all). */
function withDiscoveryGate(stats: BridgeStats, survived: boolean): BridgeStats {
  if (survived) return stats;
  return { ...stats, pass: false, failed_gate: 'discovery', failed_gates: ['discovery', ...stats.failed_gates] };
}
